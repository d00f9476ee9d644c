"""The one palette of the workbooks: every colour the dashboard and the overview use.

Writers take their colours from here and nowhere else, so table, pyramid,
chart and overview speak one colour language.
"""

from __future__ import annotations

NAVY = "#1F3864"
WHITE = "#FFFFFF"
BLACK = "#000000"
GREY_TEXT = "#595959"
BORDER_GREY = "#BFBFBF"
INPUT = "#FFF2CC"
PILLAR_ROW = "#D9E1F2"
EARLIER = "#F2F2F2"  # read-only cells with an earlier measurement (a deelvragenlijst)
REACHED = "#2F5597"

# Answers in the questionnaire: (fill, text).
ANSWER_OK = ("#C6EFCE", "#006100")
ANSWER_MID = ("#FFEB9C", "#9C5700")
ANSWER_BAD = ("#FFC7CE", "#9C0006")
ANSWER_NA = ("#EDEDED", "#595959")

# The next-phase highlight: (fill, text).
HIGHLIGHT = ("#F8CBAD", "#833C0B")

# Progress: a step back and a step forward.
DOWN = ("#FFC7CE", "#9C0006")
UP_TEXT = "#006100"

PHASE_FILLS = ("#F8CBAD", "#FFE699", "#E2EFDA", "#A9D08E", "#548235", "#375623", "#203864")


def phase_fill(phase: int) -> str:
    """The fill of a phase (0..); phases above the scale take its last colour."""
    return PHASE_FILLS[min(phase, len(PHASE_FILLS) - 1)]


def phase_text(phase: int) -> str:
    """The text colour on :func:`phase_fill`."""
    return WHITE if phase >= 3 else BLACK
