"""The one palette of the workbooks: every colour the dashboard and the overview use.

Writers take their colours from here and nowhere else, so table, pyramid,
chart and overview speak one colour language:

- the **phase scale** is one hue (blue), ordered in lightness from fase 0
  (lightest) up, so it reads under every kind of colour blindness and in
  grey print; text on it is black or white, whichever contrasts more;
- the **orange highlight** (what blocks the next phase) is the one warm
  colour, distinct from every phase colour;
- the **series colours** of charts come from the Okabe-Ito set, chosen to
  stay apart under deuteranopia and protanopia; charts add marker shapes, so
  nothing is said by colour alone.

Every text colour on a fill reaches WCAG AA (contrast 4.5:1); the tests
check each pair this module names and every pair in the written workbooks.
"""

from __future__ import annotations

NAVY = "#1F3864"
WHITE = "#FFFFFF"
BLACK = "#000000"
GREY_TEXT = "#595959"
BORDER_GREY = "#A6A6A6"
INPUT = "#FFF2CC"
PILLAR_ROW = "#D9E1F2"
EARLIER = "#F2F2F2"  # read-only cells with an earlier measurement (a deelvragenlijst)
BAND = "#DEEAF6"  # the headline band on the cover
GHOST = "#404040"  # the dashed outline of the 0-meting in the pyramid

# Answers in the questionnaire: (fill, text). Blue, sand and rose differ in
# lightness and hue under every colour vision; the answer is also written.
ANSWER_OK = ("#CFE2F3", "#0B3D6B")
ANSWER_MID = ("#FFF0B3", "#5C4400")
ANSWER_BAD = ("#F4CCCC", "#7A0C0C")
ANSWER_NA = ("#EDEDED", "#404040")

# The next-phase highlight: (fill, text).
HIGHLIGHT = ("#F9B97F", "#4A2200")

# Progress: a step back and a step forward (also written with a sign).
DOWN = ("#F4CCCC", "#7A0C0C")
UP_TEXT = "#1E5E20"

PHASE_FILLS = ("#EEF3FA", "#C6DBEF", "#9ECAE1", "#5AA2D0", "#2171B5", "#08519C", "#08306B")
"""Fase 0, 1, 2, ...: one hue, darker with every phase."""

SERIES = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00")
"""Chart series (Okabe-Ito), one per pillar in set order."""
TOTAL_SERIES = "#000000"
"""The series of the total (the lowest pillar)."""
MARKERS = ("circle", "square", "diamond", "triangle", "x", "star", "plus")


def phase_fill(phase: int) -> str:
    """The fill of a phase (0..); phases above the scale take its last colour."""
    return PHASE_FILLS[max(0, min(phase, len(PHASE_FILLS) - 1))]


def phase_text(phase: int) -> str:
    """The text colour on :func:`phase_fill`: black or white, whichever contrasts more."""
    fill = phase_fill(phase)
    return BLACK if contrast(BLACK, fill) >= contrast(WHITE, fill) else WHITE


def series(index: int) -> tuple[str, str]:
    """Colour and marker of the ``index``-th chart series."""
    return SERIES[index % len(SERIES)], MARKERS[index % len(MARKERS)]


def _rgb(colour: str) -> tuple[int, int, int]:
    colour = colour.lstrip("#")
    return int(colour[0:2], 16), int(colour[2:4], 16), int(colour[4:6], 16)


def luminance(colour: str) -> float:
    """WCAG 2 relative luminance of ``#RRGGBB``."""

    def channel(c: int) -> float:
        x = c / 255
        return x / 12.92 if x <= 0.04045 else ((x + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in _rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two colours (1 to 21)."""
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def text_pairs() -> list[tuple[str, str, str]]:
    """Every (what, text colour, fill) pair the writers use."""
    pairs = [
        ("header", WHITE, NAVY),
        ("title on white", NAVY, WHITE),
        ("small text", GREY_TEXT, WHITE),
        ("input", BLACK, INPUT),
        ("pillar row", BLACK, PILLAR_ROW),
        ("headline band", NAVY, BAND),
        ("highlight", HIGHLIGHT[1], HIGHLIGHT[0]),
        ("highlight legend", BLACK, HIGHLIGHT[0]),
        ("regression", DOWN[1], DOWN[0]),
        ("step forward", UP_TEXT, WHITE),
    ]
    pairs += [(f"answer {n}", text, fill) for n, (fill, text) in enumerate((ANSWER_OK, ANSWER_MID, ANSWER_BAD, ANSWER_NA))]
    pairs += [(f"fase {n}", phase_text(n), phase_fill(n)) for n in range(len(PHASE_FILLS))]
    return pairs
