"""Vragenlijst: the indicators with, per measurement slot, an answer and a note column."""

from __future__ import annotations

import datetime as dt

from .. import layout as L
from .._text import dutch_list, sentence
from ..model import IndicatorSet
from .book import Book, SlotContent, print_footer, row_height, text_literal

TEXT_WIDTH, HANDVAT_WIDTH, ANSWER_WIDTH, NOTE_WIDTH = 56, 50, 12, 28


#: The measurement the next-phase rule looks at (a defined name: its slot), and its phase per pillar: the
#: one the cover shows, the latest settled measurement (issue 10).
RULE_SLOT, RULE_PHASES = L.NAME_COVER, L.NAME_COVER_PHASES


def blocks_condition(s: IndicatorSet, phase: str, pillar: str, answer: str) -> str:
    """The condition (without ``=``) that an indicator holds its pillar back from the next phase.

    ``phase``, ``pillar`` and ``answer`` are references to the indicator's
    phase, pillar code and answer in the measurement :data:`RULE_SLOT`. True
    when the indicator belongs to the phase just above its pillar's phase in
    that measurement, and its answer there is not the full-points answer
    (``ja``) nor not applicable. The orange highlight of Vragenlijst, the
    column ``Houdt volgende fase tegen`` of Actieplan and the cover's list of
    what blocks are this one rule.
    """
    top = max(a.points for a in s.answers if a.applicable)
    ok = [a.label for a in s.answers if (a.applicable and a.points == top) or not a.applicable]
    return (
        f'AND({RULE_SLOT}>=0,{phase}<>"",'
        f"{phase}=INDEX({RULE_PHASES},1,MATCH({pillar},{L.NAME_PILLAR_CODES},0))+1,"
        + ",".join(f"{answer}<>{text_literal(label)}" for label in ok)
        + ")"
    )


def next_phase_rule(s: IndicatorSet, slots: int, row: int, sheet: str | None = None) -> str:
    """The condition (without ``=``) that marks row ``row`` (1-based) of Vragenlijst (:func:`blocks_condition`);
    ``sheet`` prefixes the references to Vragenlijst (for use on another sheet)."""

    def ref(text: str) -> str:
        return L.sheet_ref(sheet, text) if sheet else text

    first, last = L.col_letter(L.answer_col(0)), L.col_letter(L.note_col(slots - 1))
    answer = f"INDEX({ref(f'${first}{row}:${last}{row}')},1,2*{RULE_SLOT}+1)"
    phase = ref(f"${L.col_letter(L.Q_COL_PHASE)}{row}")
    pillar = ref(f"${L.col_letter(L.Q_COL_PILLAR)}{row}")
    return blocks_condition(s, phase, pillar, answer)


def write_questionnaire(book: Book) -> None:
    ws = book.sheets[L.QUESTIONS]
    title = f"Vragenlijst Piramide Fitte Gemeenten - {book.spec.gemeente}"
    if book.part is not None:
        title = (
            f"Deelvragenlijst Piramide Fitte Gemeenten - {book.spec.gemeente} - {L.slot_label(book.part.slot)} - "
            f"{book.part.respondent}"
        )
    ws.write_string(L.Q_ROW_TITLE, 0, title, book.f.title)
    _slot_heads(book, ws)
    for c, header in enumerate(book.columns.headers()):
        ws.write_string(L.Q_ROW_HEADER, c, header, book.f.header)
    _indicator_rows(book, ws)
    _names_and_rules(book, ws)
    _columns_and_print(book, ws)


def _slot_heads(book: Book, ws) -> None:
    """Per slot: the date and who filled it in, above the slot's columns (a part: the earlier one's too)."""
    f, cols = book.f, book.columns
    ws.write_string(L.Q_ROW_DATE, L.Q_COL_TEXT, L.Q_LABEL_DATE, f.legend)
    ws.write_string(L.Q_ROW_BY, L.Q_COL_TEXT, L.Q_LABEL_BY, f.legend)
    ws.write_string(
        L.Q_ROW_DATE, L.Q_COL_HANDVAT, "Vul per meting de datum en uw naam in, en per indicator een antwoord.", f.small
    )
    part = book.part
    if part is not None and part.previous_slot is not None:
        earlier = part.previous or SlotContent()
        a, n = cols.previous_answer_col, cols.previous_note_col
        for row, value in ((L.Q_ROW_DATE, earlier.date), (L.Q_ROW_BY, earlier.ingevuld_door)):
            ws.merge_range(row, a, row, n, "", f.earlier_date)
            if isinstance(value, dt.date):
                ws.write_datetime(row, a, dt.datetime.combine(value, dt.time()), f.earlier_date)
            elif value:
                ws.write_string(row, a, value, f.earlier_note)
    for slot in cols.slots:
        content = book.contents[slot]
        a, n = cols.answer_col(slot), cols.note_col(slot)
        ws.merge_range(L.Q_ROW_DATE, a, L.Q_ROW_DATE, n, "", f.input_date)
        if content.date:
            ws.write_datetime(L.Q_ROW_DATE, a, dt.datetime.combine(content.date, dt.time()), f.input_date)
        ws.merge_range(L.Q_ROW_BY, a, L.Q_ROW_BY, n, "", f.input_text)
        if content.ingevuld_door:
            ws.write_string(L.Q_ROW_BY, a, content.ingevuld_door, f.input_text)
        if part is None:
            book.name(L.name_date(slot), L.QUESTIONS, L.cell(L.Q_ROW_DATE, a, absolute=True))
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


def _indicator_rows(book: Book, ws) -> None:
    """Per pillar a heading row, then its indicators with the answers and notes given (a part: its own)."""
    s, f, cols = book.set, book.f, book.columns
    last_col = cols.last_col
    earlier = book.part.previous if book.part is not None and book.part.previous_slot is not None else None
    wanted = {i.id for i in book.indicators}
    row = L.Q_FIRST_ROW
    for pillar in book.pillars:
        for col, text in ((L.Q_COL_ID, ""), (L.Q_COL_PILLAR, pillar.code), (L.Q_COL_PHASE, "")):
            ws.write_string(row, col, text, f.pillar_row)
        ws.write_string(row, L.Q_COL_TEXT, f"{pillar.code} - {pillar.name}", f.pillar_row)
        ws.write_string(row, L.Q_COL_HANDVAT, pillar.description, f.pillar_row_wrap)  # wraps: never runs over
        ws.set_row(row, row_height(pillar.description, HANDVAT_WIDTH))
        for c in range(L.Q_FIRST_SLOT_COL, last_col + 1):
            ws.write_blank(row, c, None, f.pillar_row)
        row += 1
        for ind in s.indicators_of(pillar.code):
            if ind.id not in wanted:
                continue
            ws.write_string(row, L.Q_COL_ID, ind.id, f.cell_center)
            ws.write_string(row, L.Q_COL_PILLAR, ind.pillar, f.cell_center)
            ws.write_number(row, L.Q_COL_PHASE, ind.phase, f.cell_num)
            ws.write_string(row, L.Q_COL_TEXT, ind.text, f.cell)
            ws.write_string(row, L.Q_COL_HANDVAT, ind.handvat, f.cell)
            ws.set_row(row, row_height(ind.text, TEXT_WIDTH, ind.handvat, HANDVAT_WIDTH))
            if earlier is not None:
                ws.write_string(row, cols.previous_answer_col, earlier.answers.get(ind.id) or "", f.earlier)
                ws.write_string(row, cols.previous_note_col, earlier.notes.get(ind.id) or "", f.earlier_note)
            for slot in cols.slots:
                content = book.contents[slot]
                answer = content.answers.get(ind.id)
                note = content.notes.get(ind.id)
                if answer:  # empty answer cells take the column's format: nothing to write
                    ws.write_string(row, cols.answer_col(slot), answer, f.answer)
                if note:
                    ws.write_string(row, cols.note_col(slot), note, f.note)
            row += 1


def _answer_validation(book: Book, slot: int) -> dict:
    labels = dutch_list([a.label for a in book.set.answers])
    return {
        "validate": "list",
        "source": f"={L.NAME_ANSWER_LIST}",
        "input_title": f"Antwoord {L.slot_label(slot)}",
        "input_message": f"Kies {sentence(labels)} Laat leeg als u het nog niet weet (de fase is dan voorlopig)."[:255],
        "error_title": "Geen geldig antwoord",
        "error_message": f"Kies {labels} uit de lijst."[:255],
    }


def _names_and_rules(book: Book, ws) -> None:
    """The column names, the dropdowns and the colour rules of the answer columns (a part: no names, no rule)."""
    s, f, cols = book.set, book.f, book.columns
    first, last = L.Q_FIRST_ROW, book.last_row
    dashboard = book.part is None
    if dashboard:
        for name, col in ((L.NAME_IDS, L.Q_COL_ID), (L.NAME_PILLARS, L.Q_COL_PILLAR), (L.NAME_PHASES, L.Q_COL_PHASE)):
            book.name(name, L.QUESTIONS, f"{L.cell(first, col, True)}:{L.cell(last, col, True)}")
    colours = {"ja": f.ok, "deels": f.mid, "nee": f.bad}
    for slot in cols.slots:
        a = cols.answer_col(slot)
        if dashboard:
            book.name(L.name_answers(slot), L.QUESTIONS, f"{L.cell(first, a, True)}:{L.cell(last, a, True)}")
        ws.data_validation(first, a, last, a, _answer_validation(book, slot))
        rng = f"{L.cell(first, a)}:{L.cell(last, a)}"
        for answer in s.answers:
            fmt = f.na if not answer.applicable else colours.get(answer.label)
            if fmt is None:
                fmt = f.ok if answer.points == 1 else f.bad if answer.points == 0 else f.mid
            ws.conditional_format(
                rng, {"type": "cell", "criteria": "==", "value": text_literal(answer.label), "format": fmt}
            )
        # Empty input cells are yellow with a border: "fill in here" (a rule, not a format per cell).
        for col in (a, cols.note_col(slot)):
            ws.conditional_format(first, col, last, col, {"type": "blanks", "format": f.input_cf})
    if not dashboard:
        ws.write_string(
            L.Q_ROW_BY,
            L.Q_COL_HANDVAT,
            "Grijs: het antwoord van de vorige meting (alleen ter informatie). Geel: hier vult u in.",
            f.small,
        )
        return
    # The indicators that block the next phase in the latest measurement stand out.
    rule = "=" + next_phase_rule(s, book.spec.slots, first + 1)
    ws.conditional_format(first, 0, last, L.Q_COL_HANDVAT, {"type": "formula", "criteria": rule, "format": f.next})
    ws.write_string(
        L.Q_ROW_BY,
        L.Q_COL_HANDVAT,
        "Oranje: nodig voor de volgende fase van de pijler (nog niet 'ja' in de meting op het Voorblad).",
        f.small_next,
    )


def _columns_and_print(book: Book, ws) -> None:
    f, cols = book.f, book.columns
    for col, width in (
        (L.Q_COL_ID, 9),
        (L.Q_COL_PILLAR, 7),
        (L.Q_COL_PHASE, 6),
        (L.Q_COL_TEXT, TEXT_WIDTH),
        (L.Q_COL_HANDVAT, HANDVAT_WIDTH),
    ):
        ws.set_column(col, col, width)
    if cols.previous is not None:
        ws.set_column(cols.previous_answer_col, cols.previous_answer_col, ANSWER_WIDTH)
        ws.set_column(cols.previous_note_col, cols.previous_note_col, NOTE_WIDTH)
    for slot in cols.slots:
        ws.set_column(cols.answer_col(slot), cols.answer_col(slot), ANSWER_WIDTH, f.answer_col)
        ws.set_column(cols.note_col(slot), cols.note_col(slot), NOTE_WIDTH, f.note_col)
    ws.set_row(L.Q_ROW_HEADER, 30)
    ws.freeze_panes(L.Q_FIRST_ROW, L.Q_COL_TEXT + 1)
    ws.autofilter(L.Q_ROW_HEADER, 0, book.last_row, cols.last_col)
    if book.part is None:
        _print_one_measurement(book, ws)
    else:  # a part has few columns: all of them, one page wide
        ws.print_area(0, 0, book.last_row, cols.last_col)
        ws.repeat_rows(L.Q_ROW_HEADER)
        ws.set_landscape()
        ws.set_paper(9)
        ws.fit_to_pages(1, 0)
        ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
        print_footer(ws)


def print_slot(book: Book) -> int:
    """The measurement Vragenlijst prints: the one on the Voorblad, else the latest with answers, else the 0-meting."""
    return book.cover if book.cover >= 0 else max(book.latest, 0)


def _print_one_measurement(book: Book, ws) -> None:
    """A4 portrait, one page wide: each page shows ID, pillar, phase and statement with the answer and note
    of one measurement (the other slots and the handvat stay on screen), the highlight legend on every page."""
    slot = print_slot(book)
    ws.print_area(0, L.answer_col(slot), book.last_row, L.note_col(slot))
    ws.repeat_columns(0, L.Q_COL_TEXT)
    ws.repeat_rows(L.Q_ROW_HEADER)
    ws.set_portrait()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    ws.set_margins(left=0.4, right=0.4, top=0.75, bottom=0.6)
    legend = f"Oranje: nodig voor de volgende fase van de pijler (nog niet 'ja' in {L.slot_label(slot)})."
    print_footer(ws, header=legend)
