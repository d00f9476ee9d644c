"""Write the dashboard workbook (XlsxWriter), with live formulas and cached values.

Data flow: ``IndicatorSet`` + municipality + optional measurements ->
``bytes`` of an ``.xlsx`` -> written atomically. Positions come from
:mod:`piramide.layout`, the single description shared with the reader.

Formulas compute the same rule as :mod:`piramide.scoring`, with functions
that Excel 2010 and LibreOffice both know (SUMPRODUCT, IF, MIN, MAX, INDEX,
OR). Every formula is written with the value the scoring engine computes for
the answers in the file, so viewers that never recalculate are right too.
Text from users, CSV files and the set is always written as a string.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from . import layout as L
from ._files import write_atomic
from ._outputs import refuse_overwriting_answers
from ._text import CONTROL, printable, xml_safe
from ._version import __version__
from .errors import PiramideError
from .model import IndicatorSet
from .scoring import MeasurementResult, score_measurement
from .sets import reference_set


@dataclass
class SlotContent:
    """What one measurement slot holds: answers (canonical labels), notes, date, who."""

    answers: dict[str, str | None] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    date: dt.date | None = None
    ingevuld_door: str | None = None


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


def build_workbook(
    out: str | Path,
    *,
    gemeente: str,
    regio: str | None = None,
    code: str | None = None,
    indicator_set: IndicatorSet | None = None,
    slots: int = L.DEFAULT_SLOTS,
    password: str | None = None,
    content: Sequence[SlotContent] = (),
    force: bool = False,
) -> Path:
    """Write a dashboard for one municipality to ``out`` and return the path.

    The file is written atomically; an existing file is kept (and
    :class:`~piramide._files.OutputExistsError` raised) unless ``force``,
    and a dashboard that holds answers is never replaced, not even with ``force``.
    ``content`` optionally fills the first slots (used by upgrades and demos).
    """
    spec = WorkbookSpec(
        indicator_set=indicator_set or reference_set(),
        gemeente=gemeente,
        regio=regio,
        code=code,
        slots=slots,
        password=password,
        content=tuple(content),
    )
    out = Path(out)
    if force:
        refuse_overwriting_answers(out)
    write_atomic(out, workbook_bytes(spec), force=force)
    return out


def workbook_bytes(spec: WorkbookSpec) -> bytes:
    """The ``.xlsx`` file for ``spec``, as bytes."""
    _check_spec(spec)
    buffer = io.BytesIO()
    _Writer(spec, buffer).write()
    return buffer.getvalue()


def _check_spec(spec: WorkbookSpec) -> None:
    if not spec.gemeente or not spec.gemeente.strip():
        raise PiramideError("the name of the gemeente is empty")
    if not 1 <= spec.slots <= L.MAX_SLOTS:
        raise PiramideError(f"--slots must be from 1 to {L.MAX_SLOTS}, not {spec.slots}")
    if len(spec.content) > spec.slots:
        raise PiramideError(f"{len(spec.content)} measurements do not fit in {spec.slots} slots")
    check_password(spec.password)
    for name in (spec.gemeente, spec.regio or "", spec.code or ""):
        if len(name) > 255:
            raise PiramideError(f"{name[:40]!r}...: too long (at most 255 characters)")


MAX_PASSWORD = 255  # Excel's limit for a sheet protection password


def check_password(password: str | None) -> None:
    """Refuse a protection password that Excel and LibreOffice would not both accept.

    The sheets carry the legacy 16-bit protection hash (what XlsxWriter
    writes). Excel and LibreOffice hash characters outside ASCII differently
    (LibreOffice then refuses the very password that was set), so only
    printable ASCII is accepted.
    """
    if not password:
        return
    if len(password) > MAX_PASSWORD:
        raise PiramideError(f"--password: too long ({len(password)} characters; at most {MAX_PASSWORD})")
    bad = next((ch for ch in password if not " " <= ch <= "~"), None)
    if bad is not None:
        shown = printable(bad) if CONTROL.match(bad) else bad
        raise PiramideError(
            f"--password: the character {shown!r} cannot be used; use letters a-z and A-Z, digits, spaces and "
            "ASCII punctuation (Excel and LibreOffice check other characters differently, so the sheets "
            "could not be unprotected in one of them)"
        )


class _Sheet(Worksheet):
    """A worksheet whose formulas are passed through as written.

    XlsxWriter scans every formula with some 30 regular expressions to add
    ``_xlfn.`` prefixes to Excel 2013+ functions. Our formulas use only
    Excel 2010 functions (a test asserts it), so that scan is skipped: it was
    half the time of writing a dashboard.
    """

    def _prepare_formula(self, formula, expand_future_functions=False):
        if formula.startswith("="):
            formula = formula[1:]
        return formula

    def _write_formula(self, row, col, formula, cell_format=None, value=0):
        # A cached text result (such as a carried "ingevuld door") goes into the XML as it is: make it XML-safe.
        return super()._write_formula(row, col, formula, cell_format, xml_safe(value) if isinstance(value, str) else value)


def next_phase_rule(s: IndicatorSet, slots: int, row: int) -> str:
    """The condition (without ``=``) that marks row ``row`` (1-based) of Vragenlijst.

    True when the row's indicator belongs to the phase just above its
    pillar's phase in the latest measurement with answers, and its answer
    there is not the full-points answer (``ja``) nor not applicable.
    """
    first, last = L.col_letter(L.answer_col(0)), L.col_letter(L.note_col(slots - 1))
    answer = f"INDEX(${first}{row}:${last}{row},1,2*{L.NAME_LATEST}+1)"
    top = max(a.points for a in s.answers if a.applicable)
    ok = [a.label for a in s.answers if (a.applicable and a.points == top) or not a.applicable]
    phase = f"${L.col_letter(L.Q_COL_PHASE)}{row}"
    pillar = f"${L.col_letter(L.Q_COL_PILLAR)}{row}"
    return (
        f'AND({L.NAME_LATEST}>=0,{phase}<>"",'
        f"{phase}=INDEX({L.NAME_LATEST_PHASES},1,MATCH({pillar},{L.NAME_PILLAR_CODES},0))+1,"
        + ",".join(f"{answer}<>{_str(label)}" for label in ok)
        + ")"
    )


TEXT_WIDTH, HANDVAT_WIDTH = 60, 50


@functools.lru_cache(maxsize=4096)  # a batch writes the same statements hundreds of times
def _row_height(*text_and_width) -> float:
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
        lines = max(lines, count)
    return round(13.5 * lines + 2, 1)


def _str(text: str) -> str:
    """A string literal inside a formula."""
    return '"' + text.replace('"', '""') + '"'


def _n(value) -> float | int:
    """A cached number as Excel stores it."""
    if value is None:
        return 0
    f = float(value)
    return int(f) if f.is_integer() else f


class _Writer:
    def __init__(self, spec: WorkbookSpec, target: io.BytesIO):
        self.spec = spec
        self.set = spec.indicator_set
        self.wb = xlsxwriter.Workbook(
            target,
            {
                "in_memory": True,
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "strings_to_numbers": False,
            },
        )
        self.wb.set_properties(
            {
                "title": f"Piramide Fitte Gemeenten - {spec.gemeente}",
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
        self.n_rows = len(self.set.indicators) + len(self.set.pillars)
        self.last_row = L.Q_FIRST_ROW + self.n_rows - 1
        self._formats()

    # -- formats -------------------------------------------------------------

    def _formats(self) -> None:
        add = self.wb.add_format
        base = {"font_name": "Calibri", "font_size": 10, "valign": "top"}
        self.f_title = add({**base, "bold": True, "font_size": 16, "font_color": "#1F3864"})
        self.f_subtitle = add({**base, "bold": True, "font_size": 12, "font_color": "#1F3864"})
        self.f_label = add({**base, "bold": True})
        self.f_text = add({**base, "num_format": "@"})
        self.f_wrap = add({**base, "text_wrap": True, "num_format": "@"})
        self.f_header = add(
            {**base, "bold": True, "text_wrap": True, "bg_color": "#1F3864", "font_color": "#FFFFFF", "border": 1}
        )
        self.f_pillar_row = add({**base, "bold": True, "bg_color": "#D9E1F2", "border": 1, "num_format": "@"})
        self.f_cell = add({**base, "border": 1, "text_wrap": True, "num_format": "@"})
        self.f_cell_center = add({**base, "border": 1, "align": "center", "num_format": "@"})
        self.f_cell_num = add({**base, "border": 1, "align": "center"})
        self.f_answer = add(
            {**base, "border": 1, "align": "center", "locked": False, "bg_color": "#FFF2CC", "num_format": "@"}
        )
        self.f_note = add(
            {**base, "border": 1, "text_wrap": True, "locked": False, "bg_color": "#FFF2CC", "num_format": "@"}
        )
        self.f_note_col = add({**base, "text_wrap": True, "locked": False, "num_format": "@"})
        self.f_answer_col = add({**base, "align": "center", "locked": False, "num_format": "@"})
        self.f_input_cf = add({"bg_color": "#FFF2CC", "border": 1, "border_color": "#BFBFBF"})
        self.f_input_date = add(
            {**base, "border": 1, "locked": False, "bg_color": "#FFF2CC", "num_format": "d-m-yyyy", "align": "left"}
        )
        self.f_input_text = add(
            {**base, "border": 1, "locked": False, "bg_color": "#FFF2CC", "num_format": "@", "align": "left"}
        )
        self.f_date = add({**base, "border": 1, "num_format": "d-m-yyyy", "align": "center"})
        self.f_score = add({**base, "border": 1, "num_format": "0%", "align": "center"})
        self.f_num = add({**base, "border": 1, "align": "center"})
        self.f_phase = add({**base, "border": 1, "align": "center", "bold": True})
        self.f_layer = add({**base, "border": 2, "align": "center", "valign": "vcenter", "bold": True, "font_size": 12})
        self.f_legend = add({**base, "align": "right", "valign": "vcenter", "italic": True})
        self.f_small = add({**base, "font_size": 8, "font_color": "#595959", "text_wrap": True})
        self.f_line = add({**base, "font_size": 8, "font_color": "#595959"})  # one line, overflowing to the right
        self.f_next = add({"bg_color": "#F8CBAD", "font_color": "#833C0B"})
        self.f_small_next = add({**base, "font_size": 8, "bg_color": "#F8CBAD", "text_wrap": True})
        self.f_ok = add({"bg_color": "#C6EFCE", "font_color": "#006100"})
        self.f_mid = add({"bg_color": "#FFEB9C", "font_color": "#9C5700"})
        self.f_bad = add({"bg_color": "#FFC7CE", "font_color": "#9C0006"})
        self.f_na = add({"bg_color": "#EDEDED", "font_color": "#595959"})
        self.f_reached = add({"bg_color": "#2F5597", "font_color": "#FFFFFF"})
        self.phase_colours = ["#F8CBAD", "#FFE699", "#E2EFDA", "#A9D08E", "#548235", "#375623", "#203864"]

    # -- the whole book --------------------------------------------------------

    def write(self) -> None:
        sheets = {name: self.wb.add_worksheet(name, worksheet_class=_Sheet) for name in L.SHEET_ORDER}
        self.ws = sheets
        self._lists(sheets[L.LISTS])
        self._questions(sheets[L.QUESTIONS])
        self._calculation(sheets[L.CALCULATION])
        self._cover(sheets[L.COVER])
        self._instructions(sheets[L.INSTRUCTIONS])
        self._metadata(sheets[L.METADATA])
        for name in L.HIDDEN_SHEETS:
            sheets[name].hide()
        sheets[L.COVER].activate()
        sheets[L.COVER].set_first_sheet()
        password = self.spec.password or ""
        options = {
            "autofilter": True,
            "sort": False,  # Excel cannot sort locked rows; sorting the answer column alone would detach answers
            "format_columns": True,
            "format_rows": True,
            "select_locked_cells": True,
            "select_unlocked_cells": True,
        }
        for ws in sheets.values():
            ws.protect(password, options)
        self.wb.close()

    def _name(self, name: str, sheet: str, ref: str) -> None:
        self.wb.define_name(name, "=" + L.sheet_ref(sheet, ref))

    # -- Lijsten (hidden): the answer scale ------------------------------------------

    def _lists(self, ws) -> None:
        for c, h in enumerate(L.L_HEADERS):
            ws.write_string(0, c, h, self.f_label)
        for r, a in enumerate(self.set.answers, start=L.L_FIRST_ROW):
            ws.write_string(r, 0, a.label)
            if a.applicable:
                ws.write_number(r, 1, _n(a.points))
            ws.write_string(r, 2, "ja" if a.applicable else "nee")
            ws.write_string(r, 3, a.description)
        last = L.L_FIRST_ROW + len(self.set.answers) - 1
        self._name(L.NAME_ANSWER_LIST, L.LISTS, f"$A${L.L_FIRST_ROW + 1}:$A${last + 1}")
        ws.set_column(0, 0, 12)
        ws.set_column(3, 3, 60)

    # -- Vragenlijst -----------------------------------------------------------------

    def _questions(self, ws) -> None:
        s, spec = self.set, self.spec
        slots = spec.slots
        last_col = L.note_col(slots - 1)
        ws.write_string(L.Q_ROW_TITLE, 0, f"Vragenlijst Piramide Fitte Gemeenten - {spec.gemeente}", self.f_title)
        ws.write_string(L.Q_ROW_DATE, L.Q_COL_TEXT, L.Q_LABEL_DATE, self.f_legend)
        ws.write_string(L.Q_ROW_BY, L.Q_COL_TEXT, L.Q_LABEL_BY, self.f_legend)
        ws.write_string(
            L.Q_ROW_DATE,
            L.Q_COL_HANDVAT,
            "Vul per meting de datum en uw naam in, en per indicator een antwoord.",
            self.f_small,
        )
        for slot, content in enumerate(self.contents):
            a, n = L.answer_col(slot), L.note_col(slot)
            ws.merge_range(L.Q_ROW_DATE, a, L.Q_ROW_DATE, n, "", self.f_input_date)
            if content.date:
                ws.write_datetime(L.Q_ROW_DATE, a, dt.datetime.combine(content.date, dt.time()), self.f_input_date)
            ws.merge_range(L.Q_ROW_BY, a, L.Q_ROW_BY, n, "", self.f_input_text)
            if content.ingevuld_door:
                ws.write_string(L.Q_ROW_BY, a, content.ingevuld_door, self.f_input_text)
            self._name(L.name_date(slot), L.QUESTIONS, L.cell(L.Q_ROW_DATE, a, absolute=True))
            ws.data_validation(
                L.Q_ROW_DATE,
                a,
                L.Q_ROW_DATE,
                a,
                {
                    "validate": "date",
                    "criteria": "between",
                    "minimum": dt.date(1990, 1, 1),
                    "maximum": dt.date(2100, 12, 31),
                    "input_title": f"Datum {L.slot_label(slot)}",
                    "input_message": "De datum waarop deze meting is ingevuld, bijvoorbeeld 1-3-2026.",
                    "error_title": "Geen datum",
                    "error_message": "Vul een datum in, bijvoorbeeld 1-3-2026.",
                },
            )
        for c, header in enumerate(L.question_headers(slots)):
            ws.write_string(L.Q_ROW_HEADER, c, header, self.f_header)

        row = L.Q_FIRST_ROW
        for pillar in s.pillars:
            ws.write_string(row, L.Q_COL_ID, "", self.f_pillar_row)
            ws.write_string(row, L.Q_COL_PILLAR, pillar.code, self.f_pillar_row)
            ws.write_string(row, L.Q_COL_PHASE, "", self.f_pillar_row)
            ws.write_string(row, L.Q_COL_TEXT, f"{pillar.code} - {pillar.name}", self.f_pillar_row)
            ws.write_string(row, L.Q_COL_HANDVAT, pillar.description, self.f_pillar_row)
            for c in range(L.Q_FIRST_SLOT_COL, last_col + 1):
                ws.write_blank(row, c, None, self.f_pillar_row)
            row += 1
            for ind in s.indicators_of(pillar.code):
                ws.write_string(row, L.Q_COL_ID, ind.id, self.f_cell_center)
                ws.write_string(row, L.Q_COL_PILLAR, ind.pillar, self.f_cell_center)
                ws.write_number(row, L.Q_COL_PHASE, ind.phase, self.f_cell_num)
                ws.write_string(row, L.Q_COL_TEXT, ind.text, self.f_cell)
                ws.write_string(row, L.Q_COL_HANDVAT, ind.handvat, self.f_cell)
                ws.set_row(row, _row_height(ind.text, TEXT_WIDTH, ind.handvat, HANDVAT_WIDTH))
                for slot, content in enumerate(self.contents):
                    answer = content.answers.get(ind.id)
                    note = content.notes.get(ind.id)
                    if answer:  # empty answer cells take the column's format: nothing to write
                        ws.write_string(row, L.answer_col(slot), answer, self.f_answer)
                    if note:
                        ws.write_string(row, L.note_col(slot), note, self.f_note)
                row += 1

        first, last = L.Q_FIRST_ROW, self.last_row
        for name, col in ((L.NAME_IDS, L.Q_COL_ID), (L.NAME_PILLARS, L.Q_COL_PILLAR), (L.NAME_PHASES, L.Q_COL_PHASE)):
            self._name(name, L.QUESTIONS, f"{L.cell(first, col, True)}:{L.cell(last, col, True)}")
        labels = ", ".join(a.label for a in s.answers[:-1]) + " of " + s.answers[-1].label
        for slot in range(slots):
            a = L.answer_col(slot)
            self._name(L.name_answers(slot), L.QUESTIONS, f"{L.cell(first, a, True)}:{L.cell(last, a, True)}")
            ws.data_validation(
                first,
                a,
                last,
                a,
                {
                    "validate": "list",
                    "source": f"={L.NAME_ANSWER_LIST}",
                    "input_title": f"Antwoord {L.slot_label(slot)}",
                    "input_message": f"Kies {labels}{'' if labels.endswith('.') else '.'} Laat leeg als u het nog niet weet (de fase is dan voorlopig)."[
                        :255
                    ],
                    "error_title": "Geen geldig antwoord",
                    "error_message": f"Kies {labels} uit de lijst."[:255],
                },
            )
            rng = f"{L.cell(first, a)}:{L.cell(last, a)}"
            colours = {"ja": self.f_ok, "deels": self.f_mid, "nee": self.f_bad}
            for answer in s.answers:
                fmt = self.f_na if not answer.applicable else colours.get(answer.label)
                if fmt is None:
                    fmt = self.f_ok if answer.points == 1 else self.f_bad if answer.points == 0 else self.f_mid
                ws.conditional_format(
                    rng, {"type": "cell", "criteria": "==", "value": _str(answer.label), "format": fmt}
                )
            # Empty input cells are yellow with a border: "fill in here" (a rule, not a format per cell).
            for col in (a, L.note_col(slot)):
                ws.conditional_format(first, col, last, col, {"type": "blanks", "format": self.f_input_cf})

        ws.set_column(L.Q_COL_ID, L.Q_COL_ID, 9)
        ws.set_column(L.Q_COL_PILLAR, L.Q_COL_PILLAR, 7)
        ws.set_column(L.Q_COL_PHASE, L.Q_COL_PHASE, 6)
        ws.set_column(L.Q_COL_TEXT, L.Q_COL_TEXT, TEXT_WIDTH)
        ws.set_column(L.Q_COL_HANDVAT, L.Q_COL_HANDVAT, HANDVAT_WIDTH)
        for slot in range(slots):
            ws.set_column(L.answer_col(slot), L.answer_col(slot), 14, self.f_answer_col)
            ws.set_column(L.note_col(slot), L.note_col(slot), 32, self.f_note_col)
        ws.set_row(L.Q_ROW_HEADER, 30)
        # The indicators that block the next phase in the latest measurement stand out.
        ws.conditional_format(
            first,
            0,
            last,
            L.Q_COL_HANDVAT,
            {"type": "formula", "criteria": "=" + next_phase_rule(self.set, slots, first + 1), "format": self.f_next},
        )
        ws.write_string(
            L.Q_ROW_BY,
            L.Q_COL_HANDVAT,
            "Oranje: nodig voor de volgende fase van de pijler (nog niet 'ja' in de laatste meting).",
            self.f_small_next,
        )
        ws.freeze_panes(L.Q_FIRST_ROW, L.Q_COL_TEXT + 1)
        ws.autofilter(L.Q_ROW_HEADER, 0, last, last_col)
        ws.repeat_rows(L.Q_ROW_HEADER)
        ws.repeat_columns(0, L.Q_COL_TEXT)  # every printed page shows which indicator a row is
        ws.set_landscape()
        ws.set_paper(9)
        ws.set_print_scale(70)
        ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.5)
        ws.set_footer("&L&F&RPagina &P van &N")

    # -- Berekening ------------------------------------------------------------------

    def _calculation(self, ws) -> None:
        s, c, spec = self.set, self.calc, self.spec
        ws.write_string(
            L.C_ROW_TITLE, 0, "Berekening van de fasen (niet invullen; alles wordt berekend)", self.f_subtitle
        )
        ws.write_string(L.C_ROW_THRESHOLD, 0, "Drempel", self.f_label)
        ws.write_number(L.C_ROW_THRESHOLD, 1, _n(s.threshold), self.f_score)
        self._name(L.NAME_THRESHOLD, L.CALCULATION, L.cell(L.C_ROW_THRESHOLD, 1, True))
        ws.write_string(L.C_ROW_LATEST, 0, "Laatste meting", self.f_label)
        ws.write_string(
            L.C_ROW_LATEST, 2, "(volgnummer van de laatste meting met antwoorden; -1 = nog geen)", self.f_small
        )

        # Table 2: per slot and pillar: the score per level, the phase, provisional, next score.
        for col, header in enumerate(c.pillar_headers()):
            ws.write_string(c.pillar_header_row, col, header, self.f_header)
        na_labels = [a.label for a in s.answers if not a.applicable]
        n_levels = len(s.phase_numbers)
        for slot in range(spec.slots):
            ans = L.name_answers(slot)
            na = "+".join(f"({ans}={_str(label)})" for label in na_labels) or "0"
            pts = "+".join(f"({ans}={_str(a.label)})*{_n(a.points)}" for a in s.answers if a.applicable)
            result = self.results[slot]
            for pillar in s.pillar_codes:
                pres = result.pillars[pillar]
                r = c.pillar_row(slot, pillar)
                x = r + 1  # 1-based row in formulas
                ws.write_string(r, 0, L.slot_label(slot), self.f_cell)
                ws.write_string(r, 1, pillar, self.f_cell_center)
                score_refs = []
                for level, lv in zip(s.phase_numbers, pres.levels, strict=True):
                    col = c.score_col(level)
                    match = f"({L.NAME_PILLARS}=$B${x})*({L.NAME_PHASES}={level})"
                    applicable = f"SUMPRODUCT({match}*(1-({na})))"
                    formula = f'=IF({applicable}=0,"",SUMPRODUCT({match}*({pts}))/{applicable})'
                    ws.write_formula(r, col, formula, self.f_score, "" if lv.score is None else _n(lv.score))
                    score_refs.append(L.cell(r, col))
                # Phase: the number of levels reached from the bottom up; a level
                # with nothing applicable ("") counts as reached. Each level appears
                # once, so the formula grows linearly with the number of phases.
                phase = str(n_levels)
                for n in range(n_levels - 1, -1, -1):
                    ref = score_refs[n]
                    phase = f'IF(OR({ref}="",{ref}>={L.NAME_THRESHOLD}),{phase},{n})'
                ws.write_formula(r, c.phase_col, f"={phase}", self.f_phase, pres.phase)
                blanks = f'SUMPRODUCT(({L.NAME_PILLARS}=$B${x})*({L.NAME_PHASES}<>"")*({ans}=""))'
                ws.write_formula(
                    r,
                    c.provisional_col,
                    f'=IF({blanks}>0,"voorlopig","")',
                    self.f_cell_center,
                    "voorlopig" if pres.provisional else "",
                )
                nxt = pres.next_level_score
                phase_ref = L.cell(r, c.phase_col)
                ws.write_formula(
                    r,
                    c.next_score_col,
                    f'=IF({phase_ref}>={n_levels},"",INDEX({score_refs[0]}:{score_refs[-1]},{phase_ref}+1))',
                    self.f_score,
                    "" if nxt is None else _n(nxt),
                )

        # Table 1: per slot, the phase grid (these cells carry the fase_* names).
        headers = [*L.C_SLOT_FIXED, *s.pillar_codes, "Totaal"]
        for col, header in enumerate(headers):
            ws.write_string(L.C_SLOT_HEADER_ROW, col, header, self.f_header)
        ids_counted = f'SUMPRODUCT(({L.NAME_IDS}<>"")*({L.NAME_PHASES}<>""))'
        for slot in range(spec.slots):
            r = c.slot_row(slot)
            result = self.results[slot]
            content = self.contents[slot]
            ans = L.name_answers(slot)
            ws.write_string(r, 0, L.slot_label(slot), self.f_cell)
            date_value = "" if content.date is None else (content.date - dt.date(1899, 12, 30)).days
            ws.write_formula(r, 1, f'=IF({L.name_date(slot)}="","",{L.name_date(slot)})', self.f_date, date_value)
            by_ref = L.sheet_ref(L.QUESTIONS, L.cell(L.Q_ROW_BY, L.answer_col(slot), True))
            ws.write_formula(r, 2, f'=IF({by_ref}="","",{by_ref})', self.f_cell, content.ingevuld_door or "")
            valid = "+".join(f"({ans}={_str(a.label)})" for a in s.answers)
            ws.write_formula(r, 3, f'=SUMPRODUCT(({L.NAME_PHASES}<>"")*({valid}))', self.f_num, result.answered)
            ws.write_formula(r, 4, f"={ids_counted}", self.f_num, result.total)
            for pillar in s.pillar_codes:
                col = c.slot_pillar_col(pillar)
                src = L.cell(c.pillar_row(slot, pillar), c.phase_col)
                ws.write_formula(r, col, f"={src}", self.f_phase, result.pillars[pillar].phase)
                self._name(L.name_phase(pillar, slot), L.CALCULATION, L.cell(r, col, True))
            first = L.cell(r, c.slot_pillar_col(s.pillar_codes[0]))
            last = L.cell(r, c.slot_pillar_col(s.pillar_codes[-1]))
            ws.write_formula(r, c.slot_overall_col, f"=MIN({first}:{last})", self.f_phase, result.phase)
            self._name(L.name_overall(slot), L.CALCULATION, L.cell(r, c.slot_overall_col, True))
        # The latest slot with answers, and its phases (for the pyramid).
        answered_col = L.col_letter(L.C_SLOT_COL_ANSWERED)
        terms = ",".join(f"IF({answered_col}{c.slot_row(n) + 1}>0,{n},-1)" for n in range(spec.slots))
        ws.write_formula(L.C_ROW_LATEST, 1, f"=MAX({terms},-1)", self.f_num, self.latest)
        self._name(L.NAME_LATEST, L.CALCULATION, L.cell(L.C_ROW_LATEST, 1, True))
        first_p, last_p = c.slot_pillar_col(s.pillar_codes[0]), c.slot_pillar_col(s.pillar_codes[-1])
        self._name(
            L.NAME_LATEST_PHASES,
            L.CALCULATION,
            f"{L.cell(c.latest_row, first_p, True)}:{L.cell(c.latest_row, last_p, True)}",
        )
        self._name(
            L.NAME_PILLAR_CODES,
            L.CALCULATION,
            f"{L.cell(L.C_SLOT_HEADER_ROW, first_p, True)}:{L.cell(L.C_SLOT_HEADER_ROW, last_p, True)}",
        )
        r = c.latest_row
        ws.write_string(r, 0, L.C_LATEST_LABEL, self.f_label)
        for pillar in [*s.pillar_codes, None]:
            col = c.slot_pillar_col(pillar) if pillar else c.slot_overall_col
            top, bottom = L.cell(c.slot_row(0), col, True), L.cell(c.slot_row(spec.slots - 1), col, True)
            value = (
                0
                if self.latest < 0
                else (self.results[self.latest].pillars[pillar].phase if pillar else self.results[self.latest].phase)
            )
            ws.write_formula(
                r, col, f"=IF({L.NAME_LATEST}<0,0,INDEX({top}:{bottom},{L.NAME_LATEST}+1))", self.f_phase, value
            )
        ws.set_column(0, 0, 16)
        ws.set_column(1, 1, 12)
        ws.set_column(2, 2, 18)
        ws.set_column(3, 12, 11)

    # -- Voorblad ----------------------------------------------------------------------

    def _cover(self, ws) -> None:
        s, spec, c = self.set, self.spec, self.calc
        n_levels = len(s.phase_numbers)
        n_pillars = len(s.pillars)
        legend_cols = 6
        seg = [2 * (n_levels - lv) + 1 for lv in range(1, n_levels + 1)]  # segment width per layer
        pyramid_cols = n_pillars * seg[0]
        fixed_spans = (5, 5, 8, 5)
        table_cols = sum(fixed_spans) + 3 * (n_pillars + 1)
        total_cols = max(legend_cols + pyramid_cols, table_cols)
        ws.set_column(0, total_cols - 1, 2.6)

        def span(row, col, width, value, fmt, formula=None, cached=None):
            last = col + width - 1
            if width > 1:
                ws.merge_range(row, col, row, last, "", fmt)
            if formula is not None:
                ws.write_formula(row, col, formula, fmt, cached)
            elif isinstance(value, str):
                ws.write_string(row, col, value, fmt)
            elif value is not None:
                ws.write_number(row, col, value, fmt)

        span(0, 0, 1, "Piramide Fitte Gemeenten", self.f_title)
        # Labels and values without borders overflow into the empty cells to their right: no merges needed.
        for row, label, value, fmt in (
            (1, "Gemeente", spec.gemeente, self.f_subtitle),
            (2, "Regio", spec.regio or "", self.f_text),
            (3, "Indicatorset", f"{s.name} (versie {s.version})", self.f_text),
        ):
            span(row, 0, 1, label, self.f_label)
            span(row, 6, 1, value, fmt)
        span(
            4,
            0,
            1,
            f"Fase per pijler (0 = startfase, {n_levels} = {s.phases[-1].name}); drempel "
            f"{_n(s.threshold * 100)}%. Een fase is voorlopig zolang er vragen open staan.",
            self.f_line,
        )

        # Slot table.
        hr = L.V_TABLE_HEADER_ROW
        headers = [*L.V_TABLE_FIXED, *s.pillar_codes, "Totaal"]
        spans = [*fixed_spans, *([3] * (n_pillars + 1))]
        starts = [sum(spans[:i]) for i in range(len(spans))]
        ws.set_row(hr, 28)
        for h, st, w in zip(headers, starts, spans, strict=True):
            span(hr, st, w, h, self.f_header)
        for slot in range(spec.slots):
            r = hr + 1 + slot
            cr = c.slot_row(slot) + 1
            result, content = self.results[slot], self.contents[slot]
            has = result.answered > 0

            def calc(col: int, cr: int = cr) -> str:
                return L.sheet_ref(L.CALCULATION, f"${L.col_letter(col)}${cr}")

            span(r, starts[0], spans[0], L.slot_label(slot), self.f_cell)
            date_cached = "" if content.date is None else (content.date - dt.date(1899, 12, 30)).days
            span(
                r,
                starts[1],
                spans[1],
                None,
                self.f_date,
                f'=IF({L.name_date(slot)}="","",{L.name_date(slot)})',
                date_cached,
            )
            span(
                r,
                starts[2],
                spans[2],
                None,
                self.f_cell,
                f'=IF({calc(2)}="","",{calc(2)})',
                content.ingevuld_door or "",
            )
            answered, total = calc(L.C_SLOT_COL_ANSWERED), calc(L.C_SLOT_COL_TOTAL)
            span(
                r,
                starts[3],
                spans[3],
                None,
                self.f_cell_center,
                f'={answered}&"/"&{total}',
                f"{result.answered}/{result.total}",
            )
            for i, pillar in enumerate([*s.pillar_codes, None]):
                name = L.name_phase(pillar, slot) if pillar else L.name_overall(slot)
                value = (result.pillars[pillar].phase if pillar else result.phase) if has else ""
                span(r, starts[4 + i], spans[4 + i], None, self.f_phase, f'=IF({answered}=0,"",{name})', value)
        table_last = hr + spec.slots
        first_phase_col = starts[4]
        rng = f"{L.cell(hr + 1, first_phase_col)}:{L.cell(table_last, total_cols - 1)}"
        for phase in range(n_levels + 1):
            colour = self.phase_colours[min(phase, len(self.phase_colours) - 1)]
            fmt = self.wb.add_format({"bg_color": colour, "font_color": "#FFFFFF" if phase >= 3 else "#000000"})
            ws.conditional_format(rng, {"type": "cell", "criteria": "==", "value": phase, "format": fmt})

        # The pyramid: layers (phases) from the top down, one vertical slice per pillar.
        top = table_last + 2
        latest_label = L.slot_label(self.latest) if self.latest >= 0 else "nog geen meting"
        latest_formula = (
            f'=IF({L.NAME_LATEST}<0,"Piramide: nog geen meting ingevuld",'
            f'"Piramide na de laatste meting: "&IF({L.NAME_LATEST}=0,"0-meting","Meting "&{L.NAME_LATEST}))'
        )
        cached = (
            "Piramide: nog geen meting ingevuld"
            if self.latest < 0
            else f"Piramide na de laatste meting: {latest_label}"
        )
        span(top, 0, total_cols, None, self.f_subtitle, latest_formula, cached)
        latest_row = c.latest_row + 1
        for depth, level in enumerate(reversed(s.phase_numbers)):
            r = top + 1 + depth
            ws.set_row(r, 22)
            phase = s.phases[level - 1]
            span(r, 0, legend_cols, f"{level} {phase.name}", self.f_legend)
            width = seg[level - 1]
            offset = legend_cols + (seg[0] - width) // 2
            for i, pillar in enumerate(s.pillar_codes):
                col = offset + i * seg[0]
                src = L.sheet_ref(L.CALCULATION, f"${L.col_letter(c.slot_pillar_col(pillar))}${latest_row}")
                reached = self.latest >= 0 and self.results[self.latest].pillars[pillar].phase >= level
                mark = f"✓ {pillar}" if width >= 5 else "✓"
                span(r, col, width, None, self.f_layer, f'=IF({src}>={level},"{mark}","·")', mark if reached else "·")
        base = top + 1 + n_levels
        for i, pillar in enumerate(s.pillars):
            col = legend_cols + i * seg[0]
            src = L.sheet_ref(L.CALCULATION, f"${L.col_letter(c.slot_pillar_col(pillar.code))}${latest_row}")
            value = self.results[self.latest].pillars[pillar.code].phase if self.latest >= 0 else 0
            span(base, col, 1, None, self.f_line, f'="{pillar.code}: fase "&{src}', f"{pillar.code}: fase {value}")
        pyr = f"{L.cell(top + 1, legend_cols)}:{L.cell(base - 1, legend_cols + pyramid_cols - 1)}"
        ws.conditional_format(pyr, {"type": "text", "criteria": "begins with", "value": "✓", "format": self.f_reached})
        span(
            base + 1,
            0,
            1,
            "✓ = fase bereikt in de laatste meting; · = nog niet bereikt. "
            "Een fase telt pas als alle lagere fasen ook bereikt zijn.",
            self.f_line,
        )

        # The chart: phase per pillar per measurement.
        chart = self.wb.add_chart({"type": "column"})
        cats = f"={L.sheet_ref(L.CALCULATION, f'$A${c.slot_row(0) + 1}:$A${c.slot_row(spec.slots - 1) + 1}')}"
        for pillar in s.pillars:
            col = L.col_letter(c.slot_pillar_col(pillar.code))
            vals = L.sheet_ref(L.CALCULATION, f"${col}${c.slot_row(0) + 1}:${col}${c.slot_row(spec.slots - 1) + 1}")
            chart.add_series({"name": f"{pillar.code} {pillar.name}", "categories": cats, "values": f"={vals}"})
        chart.set_title({"name": "Fase per pijler per meting", "name_font": {"size": 11}})
        chart.set_y_axis({"min": 0, "max": n_levels, "major_unit": 1, "name": "Fase"})
        chart.set_legend({"position": "right", "font": {"size": 8}})
        chart.set_size({"width": total_cols * 23, "height": 260})
        ws.insert_chart(base + 3, 0, chart)

        ws.set_landscape()
        ws.set_paper(9)
        ws.fit_to_pages(1, 1)
        ws.center_horizontally()
        ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.5)
        ws.print_area(0, 0, base + 3 + 14, total_cols - 1)
        ws.hide_gridlines(2)

    # -- Instructie ----------------------------------------------------------------------

    def _instructions(self, ws) -> None:
        s, spec = self.set, self.spec
        labels = ", ".join(a.label for a in s.answers)
        pct = _n(s.threshold * 100)
        lines: list[tuple[str, object]] = [
            ("Instructie Piramide Fitte Gemeenten", self.f_title),
            (f"Gemeente: {spec.gemeente}" + (f" - regio {spec.regio}" if spec.regio else ""), self.f_label),
            ("", None),
            ("Wat is dit?", self.f_subtitle),
            (
                "Met dit dashboard meet de gemeente samen met het RIEC hoe weerbaar zij is tegen ondermijning, per pijler. "
                "De eerste meting is de 0-meting; daarna meet u (meestal jaarlijks) opnieuw in de volgende kolommen, "
                "zodat de groei zichtbaar wordt op het Voorblad.",
                self.f_wrap,
            ),
            ("", None),
            ("Hoe vult u het in?", self.f_subtitle),
            ("1. Ga naar het blad Vragenlijst. Vul boven de kolom van de meting de datum en uw naam in.", self.f_wrap),
            (
                f"2. Kies per indicator een antwoord uit de lijst: {labels}. Licht uw antwoord toe in de kolom Toelichting "
                "(waar staat het bewijs: besluit, document, registratie).",
                self.f_wrap,
            ),
            (
                "3. Laat een antwoord leeg als u het nog niet weet: het telt dan als 0 punten en de fase van die pijler "
                "is voorlopig.",
                self.f_wrap,
            ),
            (
                "4. Het Voorblad toont direct de fase per pijler en de piramide. Print het Voorblad voor de burgemeester "
                "(1 pagina A4 liggend).",
                self.f_wrap,
            ),
            (
                "5. Alleen de gele cellen zijn in te vullen; de rest is beveiligd zodat de berekening klopt. Filteren kan; "
                "sorteren kan niet, zodat een antwoord altijd bij zijn indicator blijft.",
                self.f_wrap,
            ),
            (
                "6. Oranje gemarkeerde indicatoren houden een pijler tegen om de volgende fase te bereiken: ze hebben "
                "in de laatste meting nog geen 'ja'. De kolom Handvat zegt wat de gemeente kan doen.",
                self.f_wrap,
            ),
            ("", None),
            ("De antwoorden", self.f_subtitle),
        ]
        for a in s.answers:
            pts = f"{_n(a.points)} punt" if a.applicable else "telt niet mee"
            lines.append((f"{a.label} ({pts}): {a.description}", self.f_wrap))
        lines += [("", None), ("De fasen", self.f_subtitle), ("0 Startfase: nog geen fase bereikt.", self.f_wrap)]
        for p in s.phases:
            lines.append((f"{p.number} {p.name}: {p.description}", self.f_wrap))
        lines += [
            ("", None),
            ("De rekenregel", self.f_subtitle),
            (
                f"Per pijler en per fase: score = punten van de toepasbare indicatoren / aantal toepasbare indicatoren "
                f"(n.v.t. telt niet mee). Een fase is gehaald bij een score van ten minste {pct}%, of als er in die "
                "fase niets toepasbaar is.",
                self.f_wrap,
            ),
            (
                "De fase van een pijler is de hoogste fase waarvoor alle lagere fasen ook gehaald zijn: een gat in "
                "de basis begrenst de pijler. De totale fase van de gemeente is de laagste fase van alle pijlers.",
                self.f_wrap,
            ),
            ("", None),
            ("Pijlers", self.f_subtitle),
        ]
        for p in s.pillars:
            lines.append((f"{p.code} {p.name}: {p.description}", self.f_wrap))
        lines += [
            ("", None),
            ("Contact", self.f_subtitle),
            (
                (
                    "Vragen over de piramide of de indicatoren? Neem contact op met het RIEC"
                    + (f" {spec.regio}" if spec.regio else " in uw regio")
                    + "."
                ),
                self.f_wrap,
            ),
            ("", None),
            (f"Indicatorset: {s.name}, versie {s.version} ({s.id}).", self.f_small),
            (s.provenance, self.f_small),
            (
                f"Gemaakt met piramide {__version__}. Dit bestand bevat gevoelige informatie: deel het alleen "
                "met wie het nodig heeft.",
                self.f_small,
            ),
        ]
        ws.set_column(0, 0, 110)
        for r, (text, fmt) in enumerate(lines):
            if text:
                ws.write_string(r, 0, text, fmt)
        ws.set_portrait()
        ws.set_paper(9)
        ws.fit_to_pages(1, 0)
        ws.hide_gridlines(2)

    # -- Metadata (hidden) ---------------------------------------------------------------

    def _slot_sets(self) -> list[str | None]:
        """Per slot the set a measurement was made on; ``None`` for empty slots.

        A slot given a set (an upgrade) keeps it even without answers: a
        measurement whose answers all sat on dropped indicators stays a
        measurement, in its slot.
        """
        own = f"{self.set.id} {self.set.version}"
        given = list(self.spec.slot_sets) + [None] * self.spec.slots
        return [given[k] or (own if self.results[k].answered else None) for k in range(self.spec.slots)]

    def _metadata(self, ws) -> None:
        s, spec = self.set, self.spec
        created = spec.created or dt.datetime.now(dt.UTC).replace(microsecond=0)
        values = {
            "layout_version": str(L.LAYOUT_VERSION),
            "generator": L.GENERATOR,
            "generator_version": __version__,
            "created": created.isoformat(),
            "set_id": s.id,
            "set_name": s.name,
            "set_version": s.version,
            "fingerprint": s.fingerprint,
            "threshold": format(s.threshold.normalize(), "f"),
            "gemeente": spec.gemeente,
            "regio": spec.regio or "",
            "code": spec.code or "",
            "slots": str(spec.slots),
            "indicator_rows": f"{L.Q_FIRST_ROW + 1}:{self.last_row + 1}",
            "slot_sets": json.dumps(self._slot_sets(), ensure_ascii=False),
            "history": json.dumps(list(spec.history), ensure_ascii=False, sort_keys=True),
        }
        for key in L.M_KEYS:
            row = L.metadata_row(key)
            ws.write_string(row, 0, key)
            if key == "set_json":
                text = s.canonical_json()
                for i in range(0, len(text), L.M_JSON_CHUNK):
                    ws.write_string(row, 1 + i // L.M_JSON_CHUNK, text[i : i + L.M_JSON_CHUNK])
            else:
                ws.write_string(row, 1, values[key])
        hr = L.M_INDICATOR_HEADER_ROW
        for col, h in enumerate(L.M_INDICATOR_HEADERS):
            ws.write_string(hr, col, h, self.f_label)
        for r, ind in enumerate(s.indicators, start=hr + 1):
            ws.write_string(r, 0, ind.id)
            ws.write_string(r, 1, ind.pillar)
            ws.write_number(r, 2, ind.phase)
            ws.write_string(r, 3, ind.text)
        ws.set_column(0, 0, 20)
        ws.set_column(1, 1, 40)


__all__ = ["SlotContent", "WorkbookSpec", "build_workbook", "workbook_bytes"]
