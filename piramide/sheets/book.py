"""What every sheet writer shares: the spec, the scored slots, the workbook and its formats."""

from __future__ import annotations

import datetime as dt
import functools
import io
from dataclasses import dataclass, field

import xlsxwriter
from xlsxwriter.worksheet import CellFormulaTuple, Worksheet

from .. import layout as L
from .. import palette as P
from .._escape import xml_safe
from .._version import __version__
from ..model import IndicatorSet
from ..plan import PlanRow
from ..scoring import MeasurementResult, blocking, cover_slot, score_measurement


@dataclass
class SlotContent:
    """What one measurement slot holds: answers (canonical labels), notes, date, who."""

    answers: dict[str, str | None] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    date: dt.date | None = None
    ingevuld_door: str | None = None


@dataclass(frozen=True)
class PartSpec:
    """What makes a workbook a part (*deelvragenlijst*): one respondent's indicators for one slot.

    ``previous`` is the content of the earlier measurement ``previous_slot``,
    shown read-only beside each indicator (a herhaalmeting).
    """

    slot: int
    respondent: str
    indicators: tuple[str, ...]
    previous_slot: int | None = None
    previous: SlotContent | None = None


@dataclass(frozen=True)
class WorkbookSpec:
    """Everything a dashboard is made from."""

    indicator_set: IndicatorSet
    gemeente: str
    regio: str | None = None
    code: str | None = None
    slots: int = L.DEFAULT_SLOTS
    password: str | None = None
    content: tuple[SlotContent, ...] = ()
    created: dt.datetime | None = None
    slot_sets: tuple[str | None, ...] = ()
    """Per filled slot, the set (``"<id> <version>"``) it was measured on, when not this set (upgrades)."""
    history: tuple[dict, ...] = ()
    """Earlier upgrades of this workbook (see :mod:`piramide.upgrade`), oldest first."""
    workbook_id: str | None = None
    """The dashboard's stable id (a part: the id of its dashboard); ``None``: a new one is made."""
    part: PartSpec | None = None
    """Set for a part (deelvragenlijst) of the dashboard described by the rest of the spec."""
    plan: tuple[PlanRow, ...] = ()
    """The rows of the action plan that hold input (see :mod:`piramide.plan`)."""


class Sheet(Worksheet):
    """A worksheet whose formulas are passed through as written.

    XlsxWriter scans every formula with some 30 regular expressions to add
    ``_xlfn.`` prefixes to Excel 2013+ functions, and once more for dynamic
    array functions. Our formulas use only Excel 2010 functions (a test
    asserts it), so both scans are skipped: they were half the time of
    writing a dashboard.
    """

    def _prepare_formula(self, formula, expand_future_functions=False):
        if formula.startswith("="):
            formula = formula[1:]
        return formula

    def _write_formula(self, row, col, formula, cell_format=None, value=0):
        if self._check_dimensions(row, col):
            return -1
        # A cached text result (such as a carried "ingevuld door") goes into the XML as it is: make it XML-safe.
        cached = xml_safe(value) if isinstance(value, str) else value
        self.table[row][col] = CellFormulaTuple(self._prepare_formula(formula), cell_format, cached)
        return 0


def text_literal(text: str) -> str:
    """A string literal inside a formula."""
    return '"' + text.replace('"', '""') + '"'


def number(value) -> float | int:
    """A cached number as Excel stores it."""
    if value is None:
        return 0
    f = float(value)
    return int(f) if f.is_integer() else f


def excel_date(date: dt.date | None) -> int | str:
    """A date as Excel's serial day number; ``""`` for none."""
    return "" if date is None else (date - dt.date(1899, 12, 30)).days


@functools.lru_cache(maxsize=4096)  # a batch writes the same statements hundreds of times
def row_height(*text_and_width) -> float:
    """A row height (points) that shows wrapped text whole.

    LibreOffice does not fit row heights when it opens an .xlsx, so the
    writer sets them: lines per cell estimated from its length and column
    width (10 pt Calibri fits about 1.25 characters per width unit).
    """
    lines = 1
    for text, width in zip(text_and_width[::2], text_and_width[1::2], strict=True):
        per_line = max(1, int(width * 1.25))
        words, count, current = text.split(), 1, 0
        for word in words:
            if current and current + 1 + len(word) > per_line:
                count, current = count + 1, len(word)
            else:
                current += (1 if current else 0) + len(word)
            while current > per_line:  # a word longer than the line breaks inside it
                count, current = count + 1, current - per_line
        lines = max(lines, count)
    return round(13.5 * lines + 2, 1)


FOOTER = "&L&8Vertrouwelijk · &A&C&8Pagina &P van &N&R&8Afgedrukt op &D"
"""Every printed page: confidential, which sheet, the page, the print date (8 pt, not scaled with the sheet)."""


def print_footer(ws, margin: float = 0.25, header: str | None = None) -> None:
    """The footer (and an optional header text) of a printed sheet, at their own size whatever the sheet's scale."""
    options = {"margin": margin, "scale_with_doc": False}
    ws.set_footer(FOOTER, options)
    if header:
        ws.set_header("&L&9" + header.replace("&", "&&"), {**options, "margin": 0.3})


class Formats:
    """The cell formats of the dashboard, made once per workbook from the palette."""

    def __init__(self, wb: xlsxwriter.Workbook):
        add = wb.add_format
        base = {"font_name": "Calibri", "font_size": 10, "valign": "top"}
        inp = {**base, "border": 1, "locked": False, "bg_color": P.INPUT}
        self.title = add({**base, "bold": True, "font_size": 16, "font_color": P.NAVY})
        self.subtitle = add({**base, "bold": True, "font_size": 12, "font_color": P.NAVY})
        self.label = add({**base, "bold": True})
        self.text = add({**base, "num_format": "@"})
        self.wrap = add({**base, "text_wrap": True, "num_format": "@"})
        self.header = add(
            {**base, "bold": True, "text_wrap": True, "bg_color": P.NAVY, "font_color": P.WHITE, "border": 1}
        )
        self.pillar_row = add({**base, "bold": True, "bg_color": P.PILLAR_ROW, "border": 1, "num_format": "@"})
        self.pillar_row_wrap = add(
            {**base, "bg_color": P.PILLAR_ROW, "border": 1, "num_format": "@", "text_wrap": True, "font_size": 9}
        )
        self.cell = add({**base, "border": 1, "text_wrap": True, "num_format": "@"})
        self.cell_center = add({**base, "border": 1, "align": "center", "num_format": "@"})
        self.cell_num = add({**base, "border": 1, "align": "center"})
        self.answer = add({**inp, "align": "center", "num_format": "@"})
        self.note = add({**inp, "text_wrap": True, "num_format": "@"})
        self.note_col = add({**base, "text_wrap": True, "locked": False, "num_format": "@"})
        self.answer_col = add({**base, "align": "center", "locked": False, "num_format": "@"})
        self.input_cf = add({"bg_color": P.INPUT, "border": 1, "border_color": P.BORDER_GREY})
        self.input_date = add({**inp, "num_format": "d-m-yyyy", "align": "left"})
        self.date_col = add({**base, "locked": False, "num_format": "d-m-yyyy", "align": "left"})
        self.input_text = add({**inp, "num_format": "@", "align": "left"})
        self.date = add({**base, "border": 1, "num_format": "d-m-yyyy", "align": "center"})
        earlier = {**base, "border": 1, "bg_color": P.EARLIER, "font_color": P.GREY_TEXT, "num_format": "@"}
        self.earlier = add({**earlier, "align": "center"})
        self.earlier_note = add({**earlier, "text_wrap": True})
        self.earlier_date = add({**earlier, "num_format": "d-m-yyyy", "align": "left"})
        self.score = add({**base, "border": 1, "num_format": "0%", "align": "center"})
        self.num = add({**base, "border": 1, "align": "center"})
        self.phase = add({**base, "border": 1, "align": "center", "bold": True})
        self.layer = add({**base, "border": 2, "align": "center", "valign": "vcenter", "bold": True, "font_size": 12})
        self.legend = add({**base, "align": "right", "valign": "vcenter", "italic": True})
        self.small = add({**base, "font_size": 8, "font_color": P.GREY_TEXT, "text_wrap": True})
        self.line = add({**base, "font_size": 8, "font_color": P.GREY_TEXT})  # one line, overflowing to the right
        self.next = add({"bg_color": P.HIGHLIGHT[0], "font_color": P.HIGHLIGHT[1]})
        self.overdue = add({"bg_color": P.DOWN[0], "font_color": P.DOWN[1], "bold": True})
        self.small_next = add({**base, "font_size": 8, "bg_color": P.HIGHLIGHT[0], "text_wrap": True})
        self.ok, self.mid, self.bad, self.na = (
            add({"bg_color": fill, "font_color": text})
            for fill, text in (P.ANSWER_OK, P.ANSWER_MID, P.ANSWER_BAD, P.ANSWER_NA)
        )
        self.phases = [add({"bg_color": P.phase_fill(n), "font_color": P.phase_text(n)}) for n in range(8)]


class Book:
    """One dashboard being written: the spec, its scored slots, the workbook, formats and names."""

    def __init__(self, spec: WorkbookSpec, target: io.BytesIO):
        self.spec = spec
        self.set = spec.indicator_set
        self.wb = xlsxwriter.Workbook(
            target,
            {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False},
        )
        self.wb.set_properties(
            {
                "title": f"Piramide Fitte Gemeenten - {spec.gemeente}"
                + (f" - deelvragenlijst {spec.part.respondent}" if spec.part else ""),
                "subject": "Piramide Fitte Gemeenten",
                "author": "",
                "company": "",
                "comments": f"Gemaakt met piramide {__version__}",
            }
        )
        self.calc = L.CalcLayout(spec.slots, self.set.pillar_codes, self.set.phase_numbers)
        self.contents = list(spec.content) + [SlotContent() for _ in range(spec.slots - len(spec.content))]
        self.results: list[MeasurementResult] = [score_measurement(self.set, c.answers) for c in self.contents]
        self.latest = max((s for s, r in enumerate(self.results) if r.answered), default=-1)
        self.cover = cover_slot(self.results)
        settled = [k for k, r in enumerate(self.results) if r.answered and r.settled]
        self.base = settled[0] if settled else -1
        self.prev = max((k for k in settled if k < self.cover), default=-1)
        self.plan = {row.indicator: row for row in spec.plan}
        self.part = spec.part
        if self.part is None:
            self.columns = L.dashboard_columns(spec.slots)
            self.pillars = list(self.set.pillars)
            self.indicators = list(self.set.indicators)
            sheet_names = L.SHEET_ORDER
        else:  # a part (deelvragenlijst): its own indicators, under their pillars
            self.columns = L.part_columns(self.part.slot, self.part.previous_slot)
            wanted = set(self.part.indicators)
            self.indicators = [i for i in self.set.indicators if i.id in wanted]
            codes = {i.pillar for i in self.indicators}
            self.pillars = [p for p in self.set.pillars if p.code in codes]
            sheet_names = L.PART_SHEET_ORDER
        # Vragenlijst's indicator block in sheet order: (pillar, indicator), None on a pillar's heading row.
        mine = {i.id for i in self.indicators}
        self.rows = [
            (p.code, ind)
            for p in self.pillars
            for ind in (None, *(i for i in self.set.indicators_of(p.code) if i.id in mine))
        ]
        self.n_rows = len(self.rows)
        self.last_row = L.Q_FIRST_ROW + self.n_rows - 1
        self.f = Formats(self.wb)
        self.sheets = {name: self.wb.add_worksheet(name, worksheet_class=Sheet) for name in sheet_names}

    def name(self, name: str, sheet: str, ref: str) -> None:
        """Define a workbook-wide name for ``ref`` on ``sheet``."""
        self.wb.define_name(name, "=" + L.sheet_ref(sheet, ref))

    def phases(self, slot: int) -> dict[str, int]:
        """The phase per pillar of a slot; -1 for every pillar when ``slot`` is -1."""
        if slot < 0:
            return dict.fromkeys(self.set.pillar_codes, -1)
        return {code: p.phase for code, p in self.results[slot].pillars.items()}

    def blocking(self) -> dict[str, list[str]]:
        """What blocks the next phase in the cover's measurement (empty when there is none)."""
        if self.cover < 0:
            return {}
        return blocking(self.set, self.phases(self.cover), self.contents[self.cover].answers)

    def calc_ref(self, row: int, col: int) -> str:
        """An absolute reference to a cell of Berekening."""
        return L.sheet_ref(L.CALCULATION, L.cell(row, col, absolute=True))
