"""Write the dashboard workbook (XlsxWriter), with live formulas and cached values.

Data flow: ``IndicatorSet`` + municipality + optional measurements ->
``bytes`` of an ``.xlsx`` -> written atomically. Positions come from
:mod:`piramide.layout`, the single description shared with the reader;
colours from :mod:`piramide.palette`. Each sheet has its own small writer in
:mod:`piramide.sheets`; this module is the public face and puts them together.

Formulas compute the same rule as :mod:`piramide.scoring`. Every formula is
written with the value the scoring engine computes for the answers in the
file, so viewers that never recalculate are right too. Text from users, CSV
files and the set is always written as a string.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

from . import layout as L
from ._escape import CONTROL, printable
from ._files import write_atomic
from .errors import ArgumentError, PiramideError
from .model import IndicatorSet
from .plan import PlanRow
from .sets import reference_set, workbook_problem
from .sheets.actieplan import write_actieplan
from .sheets.book import Book, PartSpec, SlotContent, WorkbookSpec
from .sheets.calculation import write_calculation
from .sheets.cover import write_cover
from .sheets.instructions import write_instructions
from .sheets.lists import write_lists, write_metadata
from .sheets.questionnaire import next_phase_rule, write_questionnaire

_PROTECTION = {
    "autofilter": True,
    "sort": False,  # Excel cannot sort locked rows; sorting the answer column alone would detach answers
    "format_columns": True,
    "format_rows": True,
    "select_locked_cells": True,
    "select_unlocked_cells": True,
}


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
    plan: Sequence[PlanRow] = (),
    force: bool = False,
) -> Path:
    """Write a dashboard for one municipality to ``out`` and return the path.

    The file is written atomically; an existing file is kept (and
    :class:`~piramide.errors.OutputExistsError` raised) unless ``force``.
    ``content`` optionally fills the first slots (used by upgrades and demos);
    ``plan`` the action plan.
    (The command line also refuses to replace a dashboard that holds answers:
    :func:`piramide._outputs.refuse_overwriting_answers`.)
    """
    spec = WorkbookSpec(
        indicator_set=indicator_set or reference_set(),
        gemeente=gemeente,
        regio=regio,
        code=code,
        slots=slots,
        password=password,
        content=tuple(content),
        plan=tuple(plan),
    )
    out = Path(out)
    write_atomic(out, workbook_bytes(spec), force=force)
    return out


def workbook_bytes(spec: WorkbookSpec) -> bytes:
    """The ``.xlsx`` file for ``spec``, as bytes."""
    return written_book(spec)[0]


def written_book(spec: WorkbookSpec) -> tuple[bytes, Book]:
    """The ``.xlsx`` file for ``spec`` and the closed :class:`Book` it came from (for :mod:`piramide.blank`)."""
    check_spec(spec)
    buffer = io.BytesIO()
    book = Book(spec, buffer)
    _write(book)
    return buffer.getvalue(), book


def check_spec(spec: WorkbookSpec) -> None:
    """Refuse a spec the writer cannot make a dashboard of (the errors of :func:`build_workbook`)."""
    if not spec.gemeente or not spec.gemeente.strip():
        raise ArgumentError("gemeente", spec.gemeente, "the name of the gemeente is empty")
    if not 1 <= spec.slots <= L.MAX_SLOTS:
        raise ArgumentError("slots", spec.slots, f"must be from 1 to {L.MAX_SLOTS}")
    if len(spec.content) > spec.slots:
        raise PiramideError(f"{len(spec.content)} measurements do not fit in {spec.slots} slots")
    check_password(spec.password)
    if problem := workbook_problem(spec.indicator_set):
        raise PiramideError(f"the indicator set {spec.indicator_set.id} cannot be written to a workbook: {problem}")
    for name in (spec.gemeente, spec.regio or "", spec.code or ""):
        if len(name) > 255:
            raise PiramideError(f"{name[:40]!r}...: too long (at most 255 characters)")
    if spec.part is not None:
        part = spec.part
        if not 0 <= part.slot < spec.slots:
            raise ArgumentError("slot", part.slot, f"must be from 0 to {spec.slots - 1}")
        unknown = [i for i in part.indicators if i not in spec.indicator_set.by_id]
        if unknown or not part.indicators:
            raise PiramideError(f"a deelvragenlijst needs indicators of the set (unknown: {', '.join(unknown)})")
    ids = [row.indicator for row in spec.plan]
    unknown = [i for i in ids if i not in spec.indicator_set.by_id]
    if unknown:
        raise PiramideError(f"the action plan has rows for indicators the set does not have: {', '.join(unknown)}")
    if len(set(ids)) != len(ids):
        raise PiramideError("the action plan has more than one row for an indicator")




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
        raise ArgumentError("password", "*" * 8, f"too long ({len(password)} characters; at most {MAX_PASSWORD})")
    bad = next((ch for ch in password if not " " <= ch <= "~"), None)
    if bad is not None:
        shown = printable(bad) if CONTROL.match(bad) else bad
        raise ArgumentError(
            "password",
            "*" * len(password),  # never echo a password
            f"the character {shown!r} cannot be used; use letters a-z and A-Z, digits, spaces and ASCII "
            "punctuation (Excel and LibreOffice check other characters differently, so the sheets could not be "
            "unprotected in one of them)",
        )


def _write(book: Book) -> None:
    """Every sheet, in an order where each finds the names it uses; then hide, protect, close."""
    if book.part is None:
        writers = (
            write_lists,
            write_questionnaire,
            write_actieplan,
            write_calculation,
            write_cover,
            write_instructions,
            write_metadata,
        )
        first = L.COVER
    else:  # a part (deelvragenlijst): the questions, how to fill them in, and what binds it to its dashboard
        writers = (write_lists, write_questionnaire, write_actieplan, write_instructions, write_metadata)
        first = L.QUESTIONS
    for write in writers:
        write(book)
    for name in L.HIDDEN_SHEETS:
        if name in book.sheets:  # a part has no Berekening
            book.sheets[name].hide()
    book.sheets[first].activate()
    book.sheets[first].set_first_sheet()
    for ws in book.sheets.values():
        ws.protect(book.spec.password or "", _PROTECTION)
    book.wb.close()


__all__ = ["PartSpec", "PlanRow", "SlotContent", "WorkbookSpec", "build_workbook", "next_phase_rule", "workbook_bytes"]
