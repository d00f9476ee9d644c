"""Berekening: the phase rule as live formulas, per slot and pillar, and per slot.

The formulas compute the same rule as :mod:`piramide.scoring`, with functions
that Excel 2010 and LibreOffice both know (SUMPRODUCT, IF, MIN, MAX, INDEX,
OR), and carry the engine's values as cached results.
"""

from __future__ import annotations

from .. import layout as L
from ..scoring import PillarResult
from .book import Book, excel_date, number, text_literal
from .questionnaire import next_phase_rule


def write_calculation(book: Book) -> None:
    ws, s = book.sheets[L.CALCULATION], book.set
    f = book.f
    ws.write_string(L.C_ROW_TITLE, 0, "Berekening van de fasen (niet invullen; alles wordt berekend)", f.subtitle)
    ws.write_string(L.C_ROW_THRESHOLD, 0, "Drempel", f.label)
    ws.write_number(L.C_ROW_THRESHOLD, 1, number(s.threshold), f.score)
    book.name(L.NAME_THRESHOLD, L.CALCULATION, L.cell(L.C_ROW_THRESHOLD, 1, True))
    ws.write_string(L.C_ROW_LATEST, 0, L.C_LATEST_LABEL, f.label)
    ws.write_string(L.C_ROW_LATEST, 2, "(volgnummer van de laatste meting met antwoorden; -1 = nog geen)", f.small)
    ws.write_string(L.C_ROW_COVER, 0, L.C_COVER_LABEL, f.label)
    ws.write_string(
        L.C_ROW_COVER, 2, "(de laatste meting met antwoorden waarvan de fasen vaststaan; -1 = nog geen)", f.small
    )
    for col, header in enumerate(book.calc.pillar_headers()):
        ws.write_string(book.calc.pillar_header_row, col, header, f.header)
    for slot in range(book.spec.slots):
        for pillar in s.pillar_codes:
            _pillar_row(book, ws, slot, pillar)
    headers = [*L.C_SLOT_FIXED, *s.pillar_codes, "Totaal", *L.C_SLOT_EXTRA, *(f"Grafiek {p}" for p in s.pillar_codes)]
    for col, header in enumerate(headers):
        ws.write_string(L.C_SLOT_HEADER_ROW, col, header, f.header)
    for slot in range(book.spec.slots):
        _slot_row(book, ws, slot)
    _latest(book, ws)
    _cover_slot(book, ws)
    _cover_rows(book, ws)
    _block_table(book, ws)
    for first, last, width in ((0, 0, 16), (1, 1, 12), (2, 2, 18), (3, 4 + 2 * len(s.phase_numbers), 11)):
        ws.set_column(first, last, width)


def _pillar_row(book: Book, ws, slot: int, pillar: str) -> None:
    """Table 2, one row: the score per level, the phase, provisional, the next level's score; then the same
    with every blank counted as the full-points answer (the phase's upper bound)."""
    s, c, f = book.set, book.calc, book.f
    ans = L.name_answers(slot)
    pres = book.results[slot].pillars[pillar]
    n_levels = len(s.phase_numbers)
    r = c.pillar_row(slot, pillar)
    x = r + 1  # 1-based row in formulas
    ws.write_string(r, 0, L.slot_label(slot), f.cell)
    ws.write_string(r, 1, pillar, f.cell_center)
    score_refs = _scores(book, ws, slot, pres, r)
    ws.write_formula(r, c.phase_col, _phase_formula(score_refs), f.phase, pres.phase)
    ws.write_formula(r, c.phase_max_col, _phase_max_formula(book, slot, x), f.phase, pres.phase_max)
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


def _answer_terms(book: Book, slot: int) -> tuple[str, str]:
    """Per answer cell of ``slot``: 1 when it is not applicable, and its points (formula terms)."""
    s, ans = book.set, L.name_answers(slot)
    na = "+".join(f"({ans}={text_literal(a.label)})" for a in s.answers if not a.applicable) or "0"
    pts = "+".join(f"({ans}={text_literal(a.label)})*{number(a.points)}" for a in s.answers if a.applicable)
    return na, pts


def _scores(book: Book, ws, slot: int, pres: PillarResult, r: int) -> list[str]:
    """The score per level of row ``r``'s pillar in ``slot``; their references."""
    s, c, f = book.set, book.calc, book.f
    na, pts = _answer_terms(book, slot)
    refs = []
    for level, lv in zip(s.phase_numbers, pres.levels, strict=True):
        match = f"({L.NAME_PILLARS}=$B${r + 1})*({L.NAME_PHASES}={level})"
        applicable = f"SUMPRODUCT({match}*(1-({na})))"
        formula = f'=IF({applicable}=0,"",SUMPRODUCT({match}*({pts}))/{applicable})'
        ws.write_formula(r, c.score_col(level), formula, f.score, "" if lv.score is None else number(lv.score))
        refs.append(L.cell(r, c.score_col(level)))
    return refs


def _phase_max_formula(book: Book, slot: int, x: int) -> str:
    """The phase with every blank counted as the full-points answer, in one formula (levels from the top
    down, each once): a level is reached when its points reach `drempel` times its applicable count."""
    s = book.set
    na, pts = _answer_terms(book, slot)
    top = number(max(a.points for a in s.answers if a.applicable))
    blank = f'({L.name_answers(slot)}="")*{top}'
    phase = str(len(s.phase_numbers))
    for n in range(len(s.phase_numbers) - 1, -1, -1):
        match = f"({L.NAME_PILLARS}=$B${x})*({L.NAME_PHASES}={s.phase_numbers[n]})"
        points = f"SUMPRODUCT({match}*({pts}+{blank}))"
        applicable = f"SUMPRODUCT({match}*(1-({na})))"
        phase = f"IF({points}>={L.NAME_THRESHOLD}*{applicable},{phase},{n})"
    return "=" + phase


def _phase_formula(score_refs: list[str]) -> str:
    """The number of levels reached from the bottom up; a level with nothing applicable ("") counts as reached."""
    # Each level appears once, so the formula grows linearly with the number of phases.
    phase = str(len(score_refs))
    for n in range(len(score_refs) - 1, -1, -1):
        ref = score_refs[n]
        phase = f'IF(OR({ref}="",{ref}>={L.NAME_THRESHOLD}),{phase},{n})'
    return "=" + phase


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
    rows = [c.pillar_row(slot, p) for p in s.pillar_codes]
    same = ",".join(f"{L.cell(row, c.phase_col)}={L.cell(row, c.phase_max_col)}" for row in rows)
    answered = L.cell(r, L.C_SLOT_COL_ANSWERED)
    settled = 1 if result.answered and result.settled else 0
    ws.write_formula(r, c.settled_col, f"=IF(AND({answered}>0,{same}),1,0)", f.num, settled)
    maxes = ",".join(L.cell(row, c.phase_max_col) for row in rows)
    ws.write_formula(r, c.overall_max_col, f"=MIN({maxes})", f.phase, result.phase_max)
    ws.write_string(r, c.chart_label_col, str(slot), f.cell_center)
    for pillar in s.pillar_codes:
        phase = L.cell(r, c.slot_pillar_col(pillar))
        cached = result.pillars[pillar].phase if settled else -1
        formula = f"=IF({L.cell(r, c.settled_col)}=1,{phase},-1)"
        ws.write_formula(r, c.chart_col(pillar), formula, f.num, cached)


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


def _slot_refs(book: Book, col: int) -> str:
    """The cells of one column of table 1 over every slot, absolute."""
    c = book.calc
    return f"{L.cell(c.slot_row(0), col, True)}:{L.cell(c.slot_row(book.spec.slots - 1), col, True)}"


def _cover_slot(book: Book, ws) -> None:
    """`meting_voorblad`: the latest slot with answers whose phases are settled; -1 when none."""
    c, f = book.calc, book.f
    terms = ",".join(f"IF({L.cell(c.slot_row(k), c.settled_col)}=1,{k},-1)" for k in range(book.spec.slots))
    ws.write_formula(L.C_ROW_COVER, 1, f"=MAX({terms},-1)", f.num, book.cover)
    book.name(L.NAME_COVER, L.CALCULATION, L.cell(L.C_ROW_COVER, 1, True))


def _cover_rows(book: Book, ws) -> None:
    """The measurements the cover uses (slot in column B, phases per pillar and overall) and the next-level scores."""
    s, c, f = book.set, book.calc, book.f
    settled = [L.cell(c.slot_row(k), c.settled_col) for k in range(book.spec.slots)]
    cover = L.NAME_COVER
    base = "MIN(" + ",".join(f"IF({ref}=1,{k},{L.MAX_SLOTS})" for k, ref in enumerate(settled)) + ")"
    prev = ",".join(f"IF(AND({ref}=1,{k}<{cover}),{k},-1)" for k, ref in enumerate(settled))
    rows = (
        (c.cover_row, "Voorblad", f"={cover}", book.cover),
        (c.base_row, "Basis", f"=IF({cover}<0,-1,{base})", book.base),
        (c.prev_row, "Vorige vaste meting", f"=MAX({prev},-1)", book.prev),
    )
    for row, label, slot_formula, slot in rows:
        ws.write_string(row, 0, label, f.label)
        ws.write_formula(row, 1, slot_formula, f.num, slot)
        phases = book.phases(slot)
        for pillar in [*s.pillar_codes, None]:
            col = c.slot_pillar_col(pillar) if pillar else c.slot_overall_col
            value = phases[pillar] if pillar else min(phases.values())
            formula = f"=IF($B${row + 1}<0,-1,INDEX({_slot_refs(book, col)},$B${row + 1}+1))"
            ws.write_formula(row, col, formula, f.phase, value)
    first, last = c.slot_pillar_col(s.pillar_codes[0]), c.slot_pillar_col(s.pillar_codes[-1])
    book.name(L.NAME_COVER_PHASES, L.CALCULATION, f"{L.cell(c.cover_row, first, True)}:{L.cell(c.cover_row, last, True)}")
    _cover_next_scores(book, ws)


def _cover_next_scores(book: Book, ws) -> None:
    s, c, f = book.set, book.calc, book.f
    r = c.cover_next_row
    ws.write_string(r, 0, "Voorblad: score volgende fase", f.label)
    n = len(s.pillar_codes)
    scores = f"{L.cell(c.pillar_row(0, s.pillar_codes[0]), c.next_score_col, True)}:" + L.cell(
        c.pillar_row(book.spec.slots - 1, s.pillar_codes[-1]), c.next_score_col, True
    )
    for i, pillar in enumerate(s.pillar_codes):
        at = f"INDEX({scores},{L.NAME_COVER}*{n}+{i + 1})"
        nxt = book.results[book.cover].pillars[pillar].next_level_score if book.cover >= 0 else None
        formula = f'=IF({L.NAME_COVER}<0,0,IF({at}="",0,{at}))'
        ws.write_formula(r, c.slot_pillar_col(pillar), formula, f.score, number(nxt))


def _block_table(book: Book, ws) -> None:
    """Table 3: per Vragenlijst row, 1 when it blocks the next phase in `meting_voorblad`, and `<pillar>|<n>`
    for the n-th such row of its pillar (the cover looks up the first three)."""
    c, f = book.calc, book.f
    hr = c.block_header_row
    for col, header in enumerate(L.C_BLOCK_HEADERS):
        ws.write_string(hr, col, header, f.header)
    blocks = {i for ids in book.blocking().values() for i in ids}
    rank: dict[str, int] = {}
    first, q_first = c.block_row(0) + 1, L.Q_FIRST_ROW + 1  # 1-based rows here and on Vragenlijst
    p, fl = L.col_letter(L.Q_COL_PILLAR), L.col_letter(L.C_BLOCK_COL_FLAG)
    for index, (pillar, ind) in enumerate(book.rows):
        r = c.block_row(index)
        x, q = r + 1, q_first + index
        rule = next_phase_rule(book.set, book.spec.slots, q, sheet=L.QUESTIONS)
        flag = 1 if ind and ind.id in blocks else 0
        ws.write_formula(r, L.C_BLOCK_COL_FLAG, f"=IFERROR(IF({rule},1,0),0)", f.num, flag)
        key = ""
        if flag:
            rank[pillar] = rank.get(pillar, 0) + 1
            key = f"{pillar}|{rank[pillar]}"
        own, above = L.sheet_ref(L.QUESTIONS, f"${p}{q}"), L.sheet_ref(L.QUESTIONS, f"${p}${q_first}:${p}{q}")
        count = f"SUMPRODUCT(({above}={own})*(${fl}${first}:{fl}{x}))"
        ws.write_formula(r, L.C_BLOCK_COL_KEY, f'=IF({fl}{x}=1,{own}&"|"&{count},"")', f.cell, key)
