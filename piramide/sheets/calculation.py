"""Berekening: the phase rule as live formulas, per slot and pillar, and per slot.

The formulas compute the same rule as :mod:`piramide.scoring`, with functions
that Excel 2010 and LibreOffice both know (SUMPRODUCT, IF, MIN, MAX, INDEX,
OR), and carry the engine's values as cached results.
"""

from __future__ import annotations

from .. import layout as L
from .book import Book, excel_date, number, text_literal


def write_calculation(book: Book) -> None:
    ws, s = book.sheets[L.CALCULATION], book.set
    f = book.f
    ws.write_string(L.C_ROW_TITLE, 0, "Berekening van de fasen (niet invullen; alles wordt berekend)", f.subtitle)
    ws.write_string(L.C_ROW_THRESHOLD, 0, "Drempel", f.label)
    ws.write_number(L.C_ROW_THRESHOLD, 1, number(s.threshold), f.score)
    book.name(L.NAME_THRESHOLD, L.CALCULATION, L.cell(L.C_ROW_THRESHOLD, 1, True))
    ws.write_string(L.C_ROW_LATEST, 0, "Laatste meting", f.label)
    ws.write_string(L.C_ROW_LATEST, 2, "(volgnummer van de laatste meting met antwoorden; -1 = nog geen)", f.small)
    for col, header in enumerate(book.calc.pillar_headers()):
        ws.write_string(book.calc.pillar_header_row, col, header, f.header)
    for slot in range(book.spec.slots):
        for pillar in s.pillar_codes:
            _pillar_row(book, ws, slot, pillar)
    for col, header in enumerate([*L.C_SLOT_FIXED, *s.pillar_codes, "Totaal"]):
        ws.write_string(L.C_SLOT_HEADER_ROW, col, header, f.header)
    for slot in range(book.spec.slots):
        _slot_row(book, ws, slot)
    _latest(book, ws)
    for first, last, width in ((0, 0, 16), (1, 1, 12), (2, 2, 18), (3, 12, 11)):
        ws.set_column(first, last, width)


def _pillar_row(book: Book, ws, slot: int, pillar: str) -> None:
    """Table 2, one row: the score per level, the phase, provisional, the next level's score."""
    s, c, f = book.set, book.calc, book.f
    ans = L.name_answers(slot)
    na = "+".join(f"({ans}={text_literal(a.label)})" for a in s.answers if not a.applicable) or "0"
    pts = "+".join(f"({ans}={text_literal(a.label)})*{number(a.points)}" for a in s.answers if a.applicable)
    pres = book.results[slot].pillars[pillar]
    n_levels = len(s.phase_numbers)
    r = c.pillar_row(slot, pillar)
    x = r + 1  # 1-based row in formulas
    ws.write_string(r, 0, L.slot_label(slot), f.cell)
    ws.write_string(r, 1, pillar, f.cell_center)
    score_refs = []
    for level, lv in zip(s.phase_numbers, pres.levels, strict=True):
        col = c.score_col(level)
        match = f"({L.NAME_PILLARS}=$B${x})*({L.NAME_PHASES}={level})"
        applicable = f"SUMPRODUCT({match}*(1-({na})))"
        formula = f'=IF({applicable}=0,"",SUMPRODUCT({match}*({pts}))/{applicable})'
        ws.write_formula(r, col, formula, f.score, "" if lv.score is None else number(lv.score))
        score_refs.append(L.cell(r, col))
    # Phase: the number of levels reached from the bottom up; a level with nothing applicable ("") counts as reached.
    # Each level appears once, so the formula grows linearly with the number of phases.
    phase = str(n_levels)
    for n in range(n_levels - 1, -1, -1):
        ref = score_refs[n]
        phase = f'IF(OR({ref}="",{ref}>={L.NAME_THRESHOLD}),{phase},{n})'
    ws.write_formula(r, c.phase_col, f"={phase}", f.phase, pres.phase)
    blanks = f'SUMPRODUCT(({L.NAME_PILLARS}=$B${x})*({L.NAME_PHASES}<>"")*({ans}=""))'
    cached = "voorlopig" if pres.provisional else ""
    ws.write_formula(r, c.provisional_col, f'=IF({blanks}>0,"voorlopig","")', f.cell_center, cached)
    nxt = pres.next_level_score
    phase_ref = L.cell(r, c.phase_col)
    ws.write_formula(
        r,
        c.next_score_col,
        f'=IF({phase_ref}>={n_levels},"",INDEX({score_refs[0]}:{score_refs[-1]},{phase_ref}+1))',
        f.score,
        "" if nxt is None else number(nxt),
    )


def _slot_row(book: Book, ws, slot: int) -> None:
    """Table 1, one row: date, who, answered, total and the phases (these cells carry the fase_* names)."""
    s, c, f = book.set, book.calc, book.f
    r = c.slot_row(slot)
    result, content = book.results[slot], book.contents[slot]
    ans = L.name_answers(slot)
    ws.write_string(r, 0, L.slot_label(slot), f.cell)
    ws.write_formula(r, 1, f'=IF({L.name_date(slot)}="","",{L.name_date(slot)})', f.date, excel_date(content.date))
    by_ref = L.sheet_ref(L.QUESTIONS, L.cell(L.Q_ROW_BY, L.answer_col(slot), True))
    ws.write_formula(r, 2, f'=IF({by_ref}="","",{by_ref})', f.cell, content.ingevuld_door or "")
    valid = "+".join(f"({ans}={text_literal(a.label)})" for a in s.answers)
    ws.write_formula(r, 3, f'=SUMPRODUCT(({L.NAME_PHASES}<>"")*({valid}))', f.num, result.answered)
    ids_counted = f'SUMPRODUCT(({L.NAME_IDS}<>"")*({L.NAME_PHASES}<>""))'
    ws.write_formula(r, 4, f"={ids_counted}", f.num, result.total)
    for pillar in s.pillar_codes:
        col = c.slot_pillar_col(pillar)
        src = L.cell(c.pillar_row(slot, pillar), c.phase_col)
        ws.write_formula(r, col, f"={src}", f.phase, result.pillars[pillar].phase)
        book.name(L.name_phase(pillar, slot), L.CALCULATION, L.cell(r, col, True))
    first = L.cell(r, c.slot_pillar_col(s.pillar_codes[0]))
    last = L.cell(r, c.slot_pillar_col(s.pillar_codes[-1]))
    ws.write_formula(r, c.slot_overall_col, f"=MIN({first}:{last})", f.phase, result.phase)
    book.name(L.name_overall(slot), L.CALCULATION, L.cell(r, c.slot_overall_col, True))


def _latest(book: Book, ws) -> None:
    """The latest slot with answers, and its phases (for the pyramid)."""
    s, c, f, slots = book.set, book.calc, book.f, book.spec.slots
    answered_col = L.col_letter(L.C_SLOT_COL_ANSWERED)
    terms = ",".join(f"IF({answered_col}{c.slot_row(n) + 1}>0,{n},-1)" for n in range(slots))
    ws.write_formula(L.C_ROW_LATEST, 1, f"=MAX({terms},-1)", f.num, book.latest)
    book.name(L.NAME_LATEST, L.CALCULATION, L.cell(L.C_ROW_LATEST, 1, True))
    first_p, last_p = c.slot_pillar_col(s.pillar_codes[0]), c.slot_pillar_col(s.pillar_codes[-1])
    latest_cells = f"{L.cell(c.latest_row, first_p, True)}:{L.cell(c.latest_row, last_p, True)}"
    book.name(L.NAME_LATEST_PHASES, L.CALCULATION, latest_cells)
    codes = f"{L.cell(L.C_SLOT_HEADER_ROW, first_p, True)}:{L.cell(L.C_SLOT_HEADER_ROW, last_p, True)}"
    book.name(L.NAME_PILLAR_CODES, L.CALCULATION, codes)
    r = c.latest_row
    ws.write_string(r, 0, L.C_LATEST_LABEL, f.label)
    latest = book.results[book.latest] if book.latest >= 0 else None
    for pillar in [*s.pillar_codes, None]:
        col = c.slot_pillar_col(pillar) if pillar else c.slot_overall_col
        top, bottom = L.cell(c.slot_row(0), col, True), L.cell(c.slot_row(slots - 1), col, True)
        value = 0 if latest is None else (latest.pillars[pillar].phase if pillar else latest.phase)
        formula = f"=IF({L.NAME_LATEST}<0,0,INDEX({top}:{bottom},{L.NAME_LATEST}+1))"
        ws.write_formula(r, col, formula, f.phase, value)
