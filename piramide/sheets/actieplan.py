"""Actieplan: per indicator who does what by when, next to what blocks the next phase.

One row per indicator in the Vragenlijst's order. The indicator's texts are
locked; two live columns follow the measurement that the next-phase rule
looks at (the one the cover shows): its answer, found by id, and whether the
indicator holds its pillar back (the rule of the orange highlight, one
function: :func:`~piramide.sheets.questionnaire.blocks_condition`). Then the
input columns Actie, Eigenaar, Deadline, Status (a dropdown from the named
list ``actiestatus``) and Toelichting, and a live column that says
``verlopen`` when an action is past its deadline and not closed.

A part (deelvragenlijst) has the same sheet over its own indicators; having
no Berekening, its two measurement columns hold the values at the split.
"""

from __future__ import annotations

import datetime as dt

from .. import layout as L
from ..plan import CLOSED, DONE, STATUSES, PlanRow
from .book import Book, print_footer, row_height, text_literal
from .questionnaire import RULE_SLOT, blocks_condition

WIDTHS = {
    L.A_COL_ID: 8,
    L.A_COL_PILLAR: 6,
    L.A_COL_PHASE: 5,
    L.A_COL_TEXT: 42,
    L.A_COL_HANDVAT: 36,
    L.A_COL_ANSWER: 10,
    L.A_COL_BLOCKS: 10,
    L.A_COL_ACTION: 32,
    L.A_COL_OWNER: 16,
    L.A_COL_DEADLINE: 11,
    L.A_COL_STATUS: 11,
    L.A_COL_NOTE: 28,
    L.A_COL_OVERDUE: 9,
}
LEGEND = (
    "Oranje: de indicator houdt zijn pijler tegen om de volgende fase te bereiken in de meting op het Voorblad "
    "(Laatste antwoord is het antwoord in die meting). Vul in de gele cellen in wie wat doet en wanneer: Actie, "
    f"Eigenaar, Deadline (een datum) en Status ({', '.join(STATUSES)}). Verlopen: de deadline is voorbij en de "
    "actie is niet gereed of vervallen."
)


ROW = "\x00"  # stands for the row number in a row's formula (no formula holds this character)


def plan_slot(book: Book) -> int:
    """The slot whose answers the live columns show (-1 when none): as the formula :data:`RULE_SLOT`, the
    measurement on the cover."""
    return book.cover


def plan_blocking(book: Book) -> dict[str, list[str]]:
    """Per pillar, the indicators that hold it back in :func:`plan_slot` (empty when there is no measurement)."""
    return book.blocking()


def write_actieplan(book: Book) -> None:
    ws, f = book.sheets[L.ACTIONS], book.f
    ws.write_string(L.A_ROW_TITLE, 0, f"Actieplan Piramide Fitte Gemeenten - {book.spec.gemeente}", f.title)
    ws.merge_range(L.A_ROW_LEGEND, 0, L.A_ROW_LEGEND, L.A_COL_OVERDUE, LEGEND, f.small)
    ws.set_row(L.A_ROW_LEGEND, 24)
    for col, header in enumerate(L.A_HEADERS):
        ws.write_string(L.A_ROW_HEADER, col, header, f.header)
    ws.set_row(L.A_ROW_HEADER, 42)
    _rows(book, ws)
    _names_and_rules(book, ws)
    _columns_and_print(book, ws)


def _last_row(book: Book) -> int:
    return L.A_FIRST_ROW + len(book.indicators) - 1


def _rows(book: Book, ws) -> None:
    s, f = book.set, book.f
    slot = plan_slot(book)
    answers = book.contents[slot].answers if slot >= 0 else {}
    blocks = {i for ids in plan_blocking(book).values() for i in ids}
    today = dt.date.today()
    first_q, last_q = L.Q_FIRST_ROW, book.last_row
    block = L.sheet_ref(
        L.QUESTIONS,
        f"{L.cell(first_q, L.answer_col(0), True)}:{L.cell(last_q, L.note_col(book.spec.slots - 1), True)}",
    )
    # The formulas of one row, with ROW for the row number (built once: the same for every row).
    ref = {col: f"${L.col_letter(col)}{ROW}" for col in range(len(L.A_HEADERS))}
    found = f"INDEX({block},MATCH({ref[L.A_COL_ID]},{L.NAME_IDS},0),2*{RULE_SLOT}+1)"
    answer_f = f'=IFERROR({found}&"","")'  # no measurement (-1): INDEX fails, so empty
    condition = blocks_condition(s, ref[L.A_COL_PHASE], ref[L.A_COL_PILLAR], ref[L.A_COL_ANSWER])
    blocks_f = f'=IF({condition},"{L.A_YES}","")'
    deadline, status = ref[L.A_COL_DEADLINE], ref[L.A_COL_STATUS]
    closed = ",".join(f"{status}<>{text_literal(c)}" for c in CLOSED)
    overdue_f = f'=IF(AND({deadline}<>"",{deadline}<TODAY(),{closed}),"{L.A_OVERDUE}","")'
    row = L.A_FIRST_ROW
    mine = {i.id for i in book.indicators}  # a part (deelvragenlijst): its own indicators only
    for pillar in book.pillars:
        for ind in (i for i in s.indicators_of(pillar.code) if i.id in mine):
            x = str(row + 1)
            ws.write_string(row, L.A_COL_ID, ind.id, f.cell_center)
            ws.write_string(row, L.A_COL_PILLAR, ind.pillar, f.cell_center)
            ws.write_number(row, L.A_COL_PHASE, ind.phase, f.cell_num)
            ws.write_string(row, L.A_COL_TEXT, ind.text, f.cell)
            ws.write_string(row, L.A_COL_HANDVAT, ind.handvat, f.cell)
            answer, cached = answers.get(ind.id) or "", L.A_YES if ind.id in blocks else ""
            if book.part is None:
                ws.write_formula(row, L.A_COL_ANSWER, answer_f.replace(ROW, x), f.cell_center, answer)
                ws.write_formula(row, L.A_COL_BLOCKS, blocks_f.replace(ROW, x), f.cell_center, cached)
            else:  # a part has no Berekening to follow: the values of the measurement it shows, at the split
                ws.write_string(row, L.A_COL_ANSWER, answer, f.cell_center)
                ws.write_string(row, L.A_COL_BLOCKS, cached, f.cell_center)
            plan = book.plan.get(ind.id)
            if plan is not None:
                _plan_cells(book, ws, row, plan)
            cached = L.A_OVERDUE if plan is not None and plan.overdue(today) else ""
            ws.write_formula(row, L.A_COL_OVERDUE, overdue_f.replace(ROW, x), f.cell_center, cached)
            texts = [ind.text, WIDTHS[L.A_COL_TEXT], ind.handvat, WIDTHS[L.A_COL_HANDVAT]]
            if plan is not None:
                texts += [plan.actie or "", WIDTHS[L.A_COL_ACTION], plan.toelichting or "", WIDTHS[L.A_COL_NOTE]]
            ws.set_row(row, row_height(*texts))
            row += 1


def _plan_cells(book: Book, ws, row: int, plan: PlanRow) -> None:
    """The input cells of one row, as planned (carried by an upgrade)."""
    f = book.f
    for field, col in L.A_FIELDS.items():
        value = getattr(plan, field)
        if value in (None, ""):
            continue
        if isinstance(value, dt.date):
            ws.write_datetime(row, col, dt.datetime.combine(value, dt.time()), f.input_date)
        else:
            ws.write_string(row, col, value, f.answer if col == L.A_COL_STATUS else f.note)


def _names_and_rules(book: Book, ws) -> None:
    f = book.f
    first, last = L.A_FIRST_ROW, _last_row(book)
    for name, col in (
        (L.NAME_PLAN_IDS, L.A_COL_ID),
        (L.NAME_PLAN_PILLARS, L.A_COL_PILLAR),
        (L.NAME_PLAN_BLOCKS, L.A_COL_BLOCKS),
        (L.NAME_PLAN_OWNERS, L.A_COL_OWNER),
        (L.NAME_PLAN_DEADLINES, L.A_COL_DEADLINE),
        (L.NAME_PLAN_STATUS, L.A_COL_STATUS),
    ):
        book.name(name, L.ACTIONS, f"{L.cell(first, col, True)}:{L.cell(last, col, True)}")
    statuses = ", ".join(STATUSES[:-1]) + " of " + STATUSES[-1]
    ws.data_validation(
        first,
        L.A_COL_STATUS,
        last,
        L.A_COL_STATUS,
        {
            "validate": "list",
            "source": f"={L.NAME_STATUS_LIST}",
            "input_title": "Status van de actie",
            "input_message": f"Kies {statuses}.",
            "error_title": "Geen geldige status",
            "error_message": f"Kies {statuses} uit de lijst.",
        },
    )
    ws.data_validation(
        first,
        L.A_COL_DEADLINE,
        last,
        L.A_COL_DEADLINE,
        {
            "validate": "date",
            "criteria": "between",
            "minimum": dt.date(1990, 1, 1),
            "maximum": dt.date(2100, 12, 31),
            "input_title": "Deadline",
            "input_message": "De datum waarop de actie klaar moet zijn, bijvoorbeeld 1-9-2026.",
            "error_title": "Geen datum",
            "error_message": "Vul een datum in, bijvoorbeeld 1-9-2026.",
        },
    )
    for col in L.A_INPUT_COLS:  # empty input cells are yellow: "fill in here"
        ws.conditional_format(first, col, last, col, {"type": "blanks", "format": f.input_cf})
    blocks = f'=${L.col_letter(L.A_COL_BLOCKS)}{first + 1}="{L.A_YES}"'
    ws.conditional_format(first, 0, last, L.A_COL_BLOCKS, {"type": "formula", "criteria": blocks, "format": f.next})
    overdue = f'=${L.col_letter(L.A_COL_OVERDUE)}{first + 1}="{L.A_OVERDUE}"'
    for col in (L.A_COL_DEADLINE, L.A_COL_OVERDUE):
        ws.conditional_format(first, col, last, col, {"type": "formula", "criteria": overdue, "format": f.overdue})


def _columns_and_print(book: Book, ws) -> None:
    f = book.f
    input_formats = {
        L.A_COL_ACTION: f.note_col,
        L.A_COL_OWNER: f.note_col,
        L.A_COL_DEADLINE: f.date_col,
        L.A_COL_STATUS: f.answer_col,
        L.A_COL_NOTE: f.note_col,
    }
    for col, width in WIDTHS.items():
        ws.set_column(col, col, width, input_formats.get(col))
    last = _last_row(book)
    ws.freeze_panes(L.A_FIRST_ROW, L.A_COL_ID + 1)
    ws.autofilter(L.A_ROW_HEADER, 0, last, L.A_COL_OVERDUE)
    ws.repeat_rows(L.A_ROW_HEADER)
    ws.print_area(0, 0, last, L.A_COL_OVERDUE)
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.5)
    print_footer(ws)


def plan_summary(book: Book) -> list[tuple[str, str]]:
    """Per pillar, the cover's live line ``CO: 4 van 6 met eigenaar, 1 gereed`` as (formula, cached value).

    Counted on Actieplan: the blocking indicators of the pillar, those with an
    owner (text other than spaces, as :attr:`PlanRow.has_owner`), and the pillar's actions with status ``gereed``.
    """
    blocking_ids = plan_blocking(book)
    out = []
    for code in book.set.pillar_codes:
        pillar = f'{L.NAME_PLAN_PILLARS},"{code}"'
        blocks = f'{pillar},{L.NAME_PLAN_BLOCKS},"{L.A_YES}"'
        # An owner is a cell with text other than spaces (PlanRow.has_owner): COUNTIFS "<>" would count "  ".
        owned_formula = (
            f'SUMPRODUCT(({L.NAME_PLAN_PILLARS}="{code}")*({L.NAME_PLAN_BLOCKS}="{L.A_YES}")'
            f"*(LEN(TRIM(CLEAN({L.NAME_PLAN_OWNERS})))>0))"
        )
        formula = (
            f'="{code}: "&{owned_formula}&" van "&COUNTIFS({blocks})'
            f'&" met eigenaar, "&COUNTIFS({pillar},{L.NAME_PLAN_STATUS},"{DONE}")&" {DONE}"'
        )
        ids = blocking_ids.get(code, [])
        owned = sum(1 for i in ids if i in book.plan and book.plan[i].has_owner)
        rows = [book.plan[ind.id] for ind in book.set.indicators_of(code) if ind.id in book.plan]
        done = sum(1 for row in rows if row.status == DONE)
        out.append((formula, f"{code}: {owned} van {len(ids)} met eigenaar, {done} {DONE}"))
    return out


__all__ = ["plan_blocking", "plan_slot", "plan_summary", "write_actieplan"]
