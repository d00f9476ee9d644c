"""The Voorblad in a real spreadsheet engine: typed in LibreOffice, recalculated, printed.

Each test types into a dashboard in LibreOffice (or lets it recalculate one)
and compares what the workbook computes with what the scoring engine and
``piramide read`` say.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
from pathlib import Path

import openpyxl
import pytest

from engine import _missing, convert, lo_fill, make_profile, need_soffice, need_uno, recalc
from piramide import layout as L
from piramide.reader import read_workbook
from piramide.scoring import cover_slot, score_measurement
from piramide.sets import reference_set
from piramide.writer import SlotContent, build_workbook

pytestmark = pytest.mark.soffice
ROOT = Path(__file__).resolve().parent.parent


def _render_module():
    spec = importlib.util.spec_from_file_location("render", ROOT / "scripts" / "render.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


render = _render_module()


@pytest.fixture(scope="module")
def profile(tmp_path_factory) -> Path:
    need_soffice()
    return make_profile(tmp_path_factory.mktemp("lo-cover-profile"))


def name_value(path: Path, name: str):
    """The value of a one-cell defined name, as saved in the file."""
    wb = openpyxl.load_workbook(path, data_only=True)
    ((sheet, ref),) = wb.defined_names[name].destinations
    return wb[sheet][ref.replace("$", "")].value


def cover_text(path: Path) -> list[str]:
    ws = openpyxl.load_workbook(path, data_only=True)[L.COVER]
    return [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]


@pytest.fixture(scope="module")
def typed_running(tmp_path_factory, profile) -> Path:
    """Three complete measurements written by piramide; Meting 3 started in LibreOffice: 15 answers and a date."""
    need_uno()
    work = tmp_path_factory.mktemp("lo-running")
    base = build_workbook(work / "base.xlsx", gemeente="Loopdorp", content=render.measurements())
    ids = [i.id for i in reference_set().indicators]
    ws = openpyxl.load_workbook(base)[L.QUESTIONS]
    rows = {ws.cell(r, 1).value: r - 1 for r in range(1, ws.max_row + 1)}
    cells = [[L.QUESTIONS, rows[i], L.answer_col(3), "text", "ja"] for i in ids[:15]]
    cells.append([L.QUESTIONS, L.Q_ROW_DATE, L.answer_col(3), "date", "2026-11-02"])
    out = work / "typed.xlsx"
    lo_fill([{"in": str(base), "out": str(out), "cells": cells}], profile, work)
    return out


def test_a_started_herhaalmeting_leaves_the_cover_on_the_settled_measurement(typed_running):
    """LibreOffice computes meting_voorblad = 2 (the engine's choice), not the running Meting 3."""
    reading = read_workbook(typed_running)
    assert [(m.slot, m.settled) for m in reading.measurements] == [(0, True), (1, True), (2, True), (3, False)]
    expected = cover_slot([m.result for m in reading.measurements])
    assert expected == 2
    assert name_value(typed_running, L.NAME_COVER) == expected
    assert name_value(typed_running, L.NAME_LATEST) == 3


def test_the_running_measurement_is_announced_and_the_headline_is_the_settled_one(typed_running):
    """The recalculated cover says `Meting 3 loopt: 15 van 105 beantwoord` and heads with Meting 2's phase."""
    texts = cover_text(typed_running)
    m2 = read_workbook(typed_running).measurements[2]
    assert f"Fase {m2.phase} – Georganiseerd" in texts
    assert any(t.startswith("Meting 3 loopt: 15 van 105 beantwoord.") for t in texts)
    assert any(t.startswith("Stand na Meting 2 van 2-3-2026.") for t in texts)
    assert "Terugval sinds Meting 1: CO terug van 3 naar 2." in texts


def test_phase_max_in_the_workbook_equals_the_json(typed_running):
    """Berekening's `Fase max` per slot and pillar, as LibreOffice computes it, equals `phase_max` of read --json."""
    s = reference_set()
    layout = L.CalcLayout(5, s.pillar_codes, s.phase_numbers)
    ws = openpyxl.load_workbook(typed_running, data_only=True)[L.CALCULATION]
    data = read_workbook(typed_running).model_dump(mode="json")
    for m in data["measurements"]:
        for code, pillar in m["pillars"].items():
            got = ws.cell(layout.pillar_row(m["slot"], code) + 1, layout.phase_max_col + 1).value
            assert got == pillar["phase_max"], (m["slot"], code)
        settled = ws.cell(layout.slot_row(m["slot"]) + 1, layout.settled_col + 1).value
        assert settled == (1 if m["settled"] else 0)


@pytest.fixture(scope="module")
def situations(tmp_path_factory, profile) -> tuple[list[Path], list[Path]]:
    """The five situations of scripts/render.py, as written and as LibreOffice recalculates them."""
    work = tmp_path_factory.mktemp("situations")
    files = render.situations(work)[:5]
    return files, recalc(files, work / "recalc", profile)


def _values(path: Path, sheet: str) -> dict[str, object]:
    ws = openpyxl.load_workbook(path, data_only=True)[sheet]
    return {c.coordinate: c.value for row in ws.iter_rows() for c in row if c.value not in (None, "")}


@pytest.mark.parametrize("sheet", [L.COVER, L.CALCULATION])
def test_every_cell_recalculates_to_what_piramide_wrote(situations, sheet):
    """Blank, filled, running, all fase 0 and 20 slots: every Voorblad and Berekening value LibreOffice
    computes equals the value piramide stored (the formulas and the engine agree, text included)."""
    for written, recalculated in zip(*situations, strict=True):
        ours, theirs = _values(written, sheet), _values(recalculated, sheet)
        diff = {
            k: (ours.get(k), theirs.get(k))
            for k in set(ours) | set(theirs)
            if not _same(ours.get(k), theirs.get(k))
        }
        assert not diff, (written.name, dict(sorted(diff.items())[:8]))


def _same(a, b) -> bool:
    if isinstance(a, int | float) and isinstance(b, int | float):
        return abs(a - b) < 1e-9
    if isinstance(a, dt.datetime) or isinstance(b, dt.datetime):
        return a == b
    return a == b


def test_cover_slot_follows_typing_a_complete_herhaalmeting(tmp_path, profile):
    """Completing a herhaalmeting in LibreOffice moves meting_voorblad to it."""
    need_uno()
    s = reference_set()
    base = build_workbook(tmp_path / "b.xlsx", gemeente="Doorstad", content=[SlotContent(
        answers={i.id: "ja" for i in s.indicators}, date=dt.date(2025, 1, 1))])  # fmt: skip
    ws = openpyxl.load_workbook(base)[L.QUESTIONS]
    rows = {ws.cell(r, 1).value: r - 1 for r in range(1, ws.max_row + 1)}
    cells = [[L.QUESTIONS, rows[i.id], L.answer_col(1), "text", "nee"] for i in s.indicators]
    out = tmp_path / "typed.xlsx"
    lo_fill([{"in": str(base), "out": str(out), "cells": cells}], profile, tmp_path)
    assert name_value(out, L.NAME_COVER) == 1
    result = score_measurement(s, {i.id: "nee" for i in s.indicators})
    assert result.settled and result.phase == 0
    assert "Fase 0 – Startfase" in cover_text(out)


def test_blank_cover_says_nothing_was_measured(situations):
    """The blank dashboard's cover, recalculated, has the empty state and meting_voorblad -1."""
    _, (blank, *_rest) = situations
    assert name_value(blank, L.NAME_COVER) == -1
    texts = cover_text(blank)
    assert "Nog niets gemeten" in texts


def test_the_cover_prints_on_one_landscape_page_for_1_and_20_slots(situations, tmp_path, profile):
    """With 20 slots and a 100-character name the Voorblad still prints on one A4 landscape page."""
    pypdf = pytest.importorskip("pypdf")
    files, _ = situations
    (pdf,) = convert([files[4]], tmp_path, profile, "pdf")
    first = pypdf.PdfReader(pdf).pages[0]
    text = first.extract_text()
    assert "Vertrouwelijk" in text and "Afgedrukt op" in text
    assert "Meting 19" in text or "M19" in text
    assert "Vragenlijst Piramide" not in text
    assert float(first.mediabox.width) > float(first.mediabox.height)


# --- print ------------------------------------------------------------------------------------


def _pages(pdf: Path) -> list[str]:
    import pypdf

    return [page.extract_text() for page in pypdf.PdfReader(pdf).pages]


def _sheet_of(page: str) -> str | None:
    """The sheet a printed page belongs to, from its footer `Vertrouwelijk · <sheet>`."""
    import re

    found = re.search(r"Vertrouwelijk · (\S+)", page)
    return found.group(1) if found else None


def _dark_in_right_margin(pdf: Path, page: int, mm: float = 4) -> int:
    """Dark pixels in the right ``mm`` of a page: text cut at the page edge leaves some."""
    import shutil
    import subprocess

    if not shutil.which("pdftoppm"):
        _missing("pdftoppm (poppler-utils) is needed to look at the printed pages")
    dpi = 50
    data = subprocess.run(
        ["pdftoppm", "-gray", "-r", str(dpi), "-f", str(page), "-l", str(page), str(pdf)],
        capture_output=True, check=True,
    ).stdout  # fmt: skip
    _magic, size, _maxval, pixels = data.split(b"\n", 3)  # binary PGM
    width, height = map(int, size.split())
    strip = int(mm / 25.4 * dpi)
    return sum(1 for y in range(height) for x in range(width - strip, width) if pixels[y * width + x] < 128)


@pytest.fixture(scope="module")
def printed(situations, tmp_path_factory, profile) -> dict[str, Path]:
    files, _ = situations
    pdfs = convert(files, tmp_path_factory.mktemp("pdf"), profile, "pdf")
    return {f.stem: pdf for f, pdf in zip(files, pdfs, strict=True)}


def test_a_blank_dashboard_prints_in_at_most_15_pages_and_hidden_sheets_never(printed):
    """Blank, 5 slots: the Voorblad, Vragenlijst and Instructie together at most 15 pages (issue 10; the
    Actieplan of issue 14 comes on top); the Voorblad one, the Instructie at most two; Berekening, Lijsten and
    Metadata print nothing."""
    pages = _pages(printed["blank"])
    sheets = [_sheet_of(p) for p in pages]
    assert len([s for s in sheets if s != L.ACTIONS]) <= 15
    assert sheets.count(L.COVER) == 1 and sheets[0] == L.COVER
    assert 1 <= sheets.count(L.INSTRUCTIONS) <= 2
    assert set(sheets) == {L.COVER, L.QUESTIONS, L.ACTIONS, L.INSTRUCTIONS}
    assert not any("layout_version" in p or "Berekening van de fasen" in p for p in pages)


def test_every_page_has_the_confidential_footer_with_the_print_date(printed):
    """Every printed page, of every situation, says Vertrouwelijk and the print date."""
    for name, pdf in printed.items():
        for page in _pages(pdf):
            assert "Vertrouwelijk" in page and "Afgedrukt op" in page, name


def test_instructie_prints_every_line_whole(printed, situations):
    """Every line of the Instructie appears in the printed text, and nothing runs into the right margin."""
    files, _ = situations
    ws = openpyxl.load_workbook(files[0])[L.INSTRUCTIONS]
    lines = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    pages = _pages(printed["blank"])
    # Compared without white space: a printed line may break after a hyphen.
    text = "".join("".join(p.split()) for p, s in zip(pages, map(_sheet_of, pages)) if s == L.INSTRUCTIONS)
    for line in lines:
        assert "".join(line.split()) in text, line
    for number, page in enumerate(pages, start=1):
        assert _dark_in_right_margin(printed["blank"], number) == 0, (number, _sheet_of(page))


def test_vragenlijst_prints_one_measurement_one_page_wide_whatever_the_slots(printed):
    """The Vragenlijst prints the same number of pages with 5 slots and with 20: one measurement beside the
    statements, never bands of slot columns; each page has the statements and an answer column."""
    def questionnaire(name: str) -> list[str]:
        return [p for p in _pages(printed[name]) if _sheet_of(p) == L.QUESTIONS]

    five, twenty = questionnaire("filled"), questionnaire("slots20")
    assert len(five) == len(twenty) <= 8
    for page in (" ".join(p.split()) for p in five):  # a header may wrap: compare with single spaces
        assert "Indicator" in page and "Antwoord Meting 2" in page and "Toelichting Meting 2" in page
        assert "Antwoord 0-meting" not in page and "Handvat" not in page
    assert all("Oranje: nodig voor de volgende fase" in p for p in five)
