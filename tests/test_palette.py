"""The one palette: contrast of every text on every fill, lightness order, colour-blind safety.

Colour blindness is simulated with the Viénot, Brettel and Mollon (1999)
matrices for protanopia and deuteranopia in linear RGB; colours are compared
by their distance in CIELAB (Delta E 1976; about 2 is just noticeable, 10
clearly different).
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import math
import re
import zipfile

import pytest

from piramide import palette as P
from piramide.progress import region_progress
from piramide.progress_out import overview_bytes
from piramide.sets import reference_set
from piramide.writer import SlotContent, WorkbookSpec, build_workbook, workbook_bytes

AA = 4.5
VISION = {
    "normal": ((1, 0, 0), (0, 1, 0), (0, 0, 1)),
    "protanopia": ((0.11238, 0.88762, 0), (0.11238, 0.88762, 0), (0.00401, -0.00401, 1)),
    "deuteranopia": ((0.29275, 0.70725, 0), (0.29275, 0.70725, 0), (-0.02234, 0.02234, 1)),
}


def lab(colour: str, vision: str) -> tuple[float, float, float]:
    def lin(c: int) -> float:
        x = c / 255
        return x / 12.92 if x <= 0.04045 else ((x + 0.055) / 1.055) ** 2.4

    rgb = [lin(int(colour.lstrip("#")[i : i + 2], 16)) for i in (0, 2, 4)]
    m = VISION[vision]
    r, g, b = (min(1.0, max(0.0, sum(m[i][j] * rgb[j] for j in range(3)))) for i in range(3))
    x, y, z = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047, 0.2126 * r + 0.7152 * g + 0.0722 * b, (
        0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883  # fmt: skip

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116

    return 116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))


def delta_e(a: str, b: str, vision: str) -> float:
    return math.dist(lab(a, vision), lab(b, vision))


def test_contrast_formula_matches_wcag_examples():
    """The contrast ratio is WCAG's: black on white 21, white on white 1, #767676 on white about 4.54."""
    assert P.contrast("#000000", "#FFFFFF") == pytest.approx(21)
    assert P.contrast("#FFFFFF", "#FFFFFF") == pytest.approx(1)
    assert P.contrast("#767676", "#FFFFFF") == pytest.approx(4.54, abs=0.01)


@pytest.mark.parametrize(("what", "text", "fill"), P.text_pairs(), ids=[w for w, _, _ in P.text_pairs()])
def test_every_text_on_a_fill_reaches_wcag_aa(what, text, fill):
    """Each text colour the palette puts on a fill contrasts at least 4.5:1 with it."""
    assert P.contrast(text, fill) >= AA, (what, text, fill, round(P.contrast(text, fill), 2))


def test_phase_scale_gets_darker_with_every_phase():
    """The phase fills are ordered in lightness: every phase darker than the one below it."""
    lum = [P.luminance(c) for c in P.PHASE_FILLS]
    assert lum == sorted(lum, reverse=True) and len(set(lum)) == len(lum)


@pytest.mark.parametrize("vision", list(VISION))
def test_phases_stay_apart_in_every_vision(vision):
    """Neighbouring phases differ clearly (Delta E >= 7) also under protanopia and deuteranopia."""
    for a, b in itertools.pairwise(P.PHASE_FILLS):
        assert delta_e(a, b, vision) >= 7, (vision, a, b)


@pytest.mark.parametrize("vision", list(VISION))
def test_orange_highlight_is_distinct_from_every_phase_colour(vision):
    """The highlight never looks like a phase colour (Delta E >= 30), in every vision."""
    for colour in P.PHASE_FILLS:
        assert delta_e(P.HIGHLIGHT[0], colour, vision) >= 30, (vision, colour)


@pytest.mark.parametrize("vision", list(VISION))
def test_series_colours_are_distinguishable(vision):
    """The chart colours of five pillars and the total differ (Delta E >= 15) under protanopia and deuteranopia."""
    colours = [P.series(i)[0] for i in range(5)] + [P.TOTAL_SERIES]
    for a, b in itertools.combinations(colours, 2):
        assert delta_e(a, b, vision) >= 15, (vision, a, b)
    assert len({P.series(i)[1] for i in range(5)}) == 5  # and every series has its own marker


# --- the workbooks as written ----------------------------------------------------------------


def _styles(data: bytes) -> str:
    return zipfile.ZipFile(io.BytesIO(data)).read("xl/styles.xml").decode("utf-8")


def _rgb(fragment: str, tag: str) -> str | None:
    found = re.search(rf'<{tag} rgb="FF([0-9A-F]{{6}})"', fragment)
    return "#" + found.group(1) if found else None


def text_fill_pairs(data: bytes) -> set[tuple[str, str]]:
    """Every (text colour, fill) the workbook's cell formats and conditional formats combine."""
    xml = _styles(data)
    fonts = re.findall(r"<font>.*?</font>|<font/>", re.search(r"<fonts[^>]*>(.*?)</fonts>", xml, re.S).group(1), re.S)
    fills = re.findall(r"<fill>.*?</fill>", re.search(r"<fills[^>]*>(.*?)</fills>", xml, re.S).group(1), re.S)
    pairs = set()
    xfs = re.search(r"<cellXfs[^>]*>(.*?)</cellXfs>", xml, re.S).group(1)
    for xf in re.findall(r"<xf [^>]*>", xfs):
        font, fill = int(re.search(r'fontId="(\d+)"', xf).group(1)), int(re.search(r'fillId="(\d+)"', xf).group(1))
        colour = _rgb(fills[fill], "fgColor")
        if colour:
            pairs.add((_rgb(fonts[font], "color") or "#000000", colour))
    dxfs = re.search(r"<dxfs[^>]*>(.*?)</dxfs>", xml, re.S)
    for dxf in re.findall(r"<dxf>.*?</dxf>", dxfs.group(1) if dxfs else "", re.S):
        colour = _rgb(dxf, "bgColor")
        if colour:
            font = re.search(r"<font>.*?</font>", dxf, re.S)
            pairs.add(((_rgb(font.group(0), "color") if font else None) or "#000000", colour))
    return pairs


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> dict[str, bytes]:
    s = reference_set()
    folder = tmp_path_factory.mktemp("palette")
    grid = {i.id: ["ja", "deels", "nee", "n.v.t.", None][n % 5] for n, i in enumerate(s.indicators)}
    content = [SlotContent(answers=grid, date=dt.date(2025, 1, 1)), SlotContent(answers={}, date=None)]
    dashboard = build_workbook(folder / "a.xlsx", gemeente="Kleurstad", content=content[:1])
    report = region_progress([dashboard], today=dt.date(2025, 6, 1))
    return {
        "dashboard": workbook_bytes(WorkbookSpec(s, "Kleurstad", content=tuple(content[:1]))),
        "overview": overview_bytes(report),
    }


@pytest.mark.parametrize("which", ["dashboard", "overview"])
def test_every_text_fill_pair_in_the_workbooks_reaches_wcag_aa(written, which):
    """Every cell format and conditional format with a fill, in the files as written, has text at 4.5:1 or more."""
    pairs = text_fill_pairs(written[which])
    assert pairs, "the scan should find fills"
    low = {(t, f, round(P.contrast(t, f), 2)) for t, f in pairs if P.contrast(t, f) < AA}
    assert not low


@pytest.mark.parametrize("which", ["dashboard", "overview"])
def test_phase_colours_in_the_workbooks_come_from_the_palette(written, which):
    """The phase fills used by the workbooks are the palette's (one scale for table, pyramid, chart, overview)."""
    fills = {f for _, f in text_fill_pairs(written[which])}
    assert {P.phase_fill(n) for n in range(1, 5)} <= fills
