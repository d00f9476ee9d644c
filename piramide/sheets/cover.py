"""Voorblad: what a mayor sees, on one A4 landscape page.

From the top: a headline band (the overall phase by name, the measurement it
describes, the change since the 0-meting, every regression, a running
measurement); per pillar a pyramid (levels reached filled, the next level
filled as far as its score, the 0-meting as a dashed outline), what blocks
its next phase and a small chart of its phase over the measurements; then
the table of every measurement. All of it is live: it follows
``meting_voorblad``, the latest measurement whose phases are settled.
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import layout as L
from .. import palette as P
from .._text import dutch_number
from .actieplan import plan_summary
from .book import Book, excel_date, print_footer, text_literal

LEGEND_COLS = 7
COL_WIDTH = 2.2  # every column of the cover; spans are made of several
COL_PX = int(COL_WIDTH * 7 + 0.5) + 5
BLOCKERS = 3  # indicators listed per pillar


@dataclass(frozen=True)
class Grid:
    """The cover's rows and columns for a set shape and slot count."""

    n_levels: int
    n_pillars: int
    slots: int

    @property
    def base(self) -> int:
        """Width (columns) of a pyramid's base layer; every layer is odd, so its middle cell is its centre."""
        return 2 * self.n_levels + 1

    def layer_width(self, level: int) -> int:
        return self.base - 2 * (level - 1)

    @property
    def block(self) -> int:
        return self.base + 1

    def block_col(self, i: int) -> int:
        return LEGEND_COLS + i * self.block

    @property
    def total_cols(self) -> int:
        return LEGEND_COLS + self.n_pillars * self.block

    @property
    def slot_span(self) -> int:
        return max(2, min(6, (self.total_cols - LEGEND_COLS) // self.slots))

    # rows
    HEAD = 3  # the headline band: 5 rows from here

    @property
    def pillar_head(self) -> int:
        return self.HEAD + 6

    def level_row(self, level: int) -> int:
        return self.pillar_head + 1 + self.n_levels - level

    @property
    def pillar_foot(self) -> int:
        return self.pillar_head + 1 + self.n_levels

    @property
    def blockers(self) -> int:
        return self.pillar_foot + 4

    @property
    def charts(self) -> int:
        return self.blockers + BLOCKERS + 4  # the list, `en nog ...`, the Actieplan line, a gap

    @property
    def table(self) -> int:
        return self.charts + self.n_levels + 4

    @property
    def last_row(self) -> int:
        return self.table + 5 + self.n_pillars


def span(ws, row, col, width, value, fmt, formula=None, cached=None) -> None:
    """Write ``value`` (or ``formula`` with its ``cached`` result) over ``width`` merged cells."""
    if width > 1:
        ws.merge_range(row, col, row, col + width - 1, "", fmt)
    if formula is not None:
        ws.write_formula(row, col, formula, fmt, cached)
    elif isinstance(value, str):
        ws.write_string(row, col, value, fmt)
    elif value is not None:
        ws.write_number(row, col, value, fmt)


class _Formats:
    """The cover's own formats (made once per workbook, from the palette)."""

    def __init__(self, book: Book):
        add = book.wb.add_format
        base = {"font_name": "Calibri", "font_size": 10, "valign": "vcenter"}
        band = {**base, "bg_color": P.BAND, "font_color": P.NAVY}
        small = {**base, "font_size": 8}
        self.band_big = add({**band, "bold": True, "font_size": 16})
        # 14 pt: a name of 100 characters fits the page's width on one line, also in a wide fallback font.
        self.title_fit = add({**base, "bold": True, "font_size": 14, "font_color": P.NAVY})
        self.band = add({**band, "font_size": 11})
        self.band_bold = add({**band, "font_size": 11, "bold": True})
        self.pillar_head = add({**base, "bold": True, "align": "center", "text_wrap": True, "font_color": P.NAVY})
        self.legend = add({**small, "align": "right", "italic": True})
        self.legend_top = add({**small, "align": "right", "italic": True, "valign": "top", "text_wrap": True})
        self.foot_bold = add({**base, "bold": True, "align": "center"})
        self.foot = add({**small, "align": "center"})
        self.note = add({**small, "font_color": P.GREY_TEXT})
        self.note_bold = add({**small, "font_color": P.GREY_TEXT, "bold": True})
        self.right_note = add({**small, "font_color": P.GREY_TEXT, "align": "right"})
        self.blocker_head = add({**small, "bold": True})
        self.blocker = add({**small, "text_wrap": True, "valign": "top"})
        self.more = add({**small, "italic": True, "font_color": P.GREY_TEXT})
        grey = {"border": 1, "border_color": P.BORDER_GREY}
        self.layer = add({**base, **grey, "num_format": ";;;"})
        self.layer_mid = add({**base, **grey, "bold": True, "align": "center", "num_format": '[>=4]"✓";[<4]""'})
        self.t_head = add({**small, "bold": True, "align": "center", "bg_color": P.NAVY, "font_color": P.WHITE,
                           "border": 1, "shrink": True})  # fmt: skip
        self.t_label = add({**small, "bold": True, "border": 1})
        self.t_cell = add({**small, "align": "center", "border": 1, "shrink": True, "num_format": "@"})
        self.t_phase = add({**small, "align": "center", "border": 1, "bold": True})
        self.t_date = {
            long: add({**small, "align": "center", "border": 1, "shrink": True, "num_format": fmt})
            for long, fmt in ((True, "d-m-yyyy"), (False, "d-m-yy"))
        }
        ghost = {"border": 3, "border_color": P.GHOST}  # dashed
        self.levels = {}
        for level in range(1, 8):  # reached (4), partly (2, the cells within the score), plus 1 in the 0-meting
            fill = {"bg_color": P.phase_fill(level), "font_color": P.phase_text(level)}
            self.levels[level] = {
                4: add({**fill, **grey}),
                5: add({**fill, **ghost}),
                2: add({**fill, **grey}),
                3: add({**fill, **ghost}),
                1: add(ghost),
            }


class _Refs:
    """References and small formula pieces the cover's formulas share."""

    def __init__(self, book: Book):
        self.book, c, s = book, book.calc, book.set
        self.mv, self.latest = L.NAME_COVER, L.NAME_LATEST
        self.base_slot, self.prev_slot = book.calc_ref(c.base_row, 1), book.calc_ref(c.prev_row, 1)

        def row(r: int) -> dict:
            out = {p: book.calc_ref(r, c.slot_pillar_col(p)) for p in s.pillar_codes}
            out[None] = book.calc_ref(r, c.slot_overall_col)
            return out

        self.cp, self.bp, self.pp = row(c.cover_row), row(c.base_row), row(c.prev_row)
        self.ns = {p: book.calc_ref(c.cover_next_row, c.slot_pillar_col(p)) for p in s.pillar_codes}

    def slots(self, col: int) -> str:
        """A column of Berekening's table 1 over every slot."""
        c = self.book.calc
        return f"{self.book.calc_ref(c.slot_row(0), col)}:{self.book.calc_ref(c.slot_row(self.book.spec.slots - 1), col)}"

    def at(self, col: int, slot: str) -> str:
        return f"INDEX({self.slots(col)},{slot}+1)"

    @staticmethod
    def label(slot: str) -> str:
        return f'IF({slot}=0,"0-meting","Meting "&{slot})'

    @staticmethod
    def label_in_text(slot: str) -> str:
        """As :func:`_in_text`: ``de 0-meting``, ``Meting 2``."""
        return f'IF({slot}=0,"de 0-meting","Meting "&{slot})'

    def name(self, phase: str) -> str:
        """The name of phase ``phase`` (0 = Startfase)."""
        out = '"Startfase"'
        for p in reversed(self.book.set.phases):
            out = f"IF({phase}={p.number},{text_literal(p.name)},{out})"
        return out


def _in_text(slot: int) -> str:
    """A measurement inside a sentence: ``de 0-meting``, ``Meting 2``."""
    return "de 0-meting" if slot == 0 else L.slot_label(slot)


def _name(book: Book, phase: int) -> str:
    return "Startfase" if phase <= 0 else book.set.phases[phase - 1].name


def _signed(n: int) -> str:
    return f"+{n}" if n > 0 else str(n)


def _percent(score: float) -> int:
    """A score as a whole percentage, rounded half up (as ROUND does)."""
    return int(score * 100 + 0.5 + 1e-9)


def write_cover(book: Book) -> None:
    ws = book.sheets[L.COVER]
    grid = Grid(len(book.set.phase_numbers), len(book.set.pillars), book.spec.slots)
    ws.set_column(0, grid.total_cols - 1, COL_WIDTH)
    f, refs = _Formats(book), _Refs(book)
    _heading(book, ws, grid, f)
    _headline(book, ws, grid, f, refs)
    _pyramids(book, ws, grid, f, refs)
    _blockers(book, ws, grid, f, refs)
    _charts(book, ws, grid, f)
    _slot_table(book, ws, grid, f, refs)
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 1)
    ws.center_horizontally()
    ws.set_margins(left=0.3, right=0.3, top=0.35, bottom=0.5)
    print_footer(ws, margin=0.2)
    ws.print_area(0, 0, grid.last_row, grid.total_cols - 1)
    ws.hide_gridlines(2)


def _heading(book: Book, ws, grid: Grid, f: _Formats) -> None:
    """Title and gemeente; the regio under it; the set at the top right."""
    s, spec = book.set, book.spec
    ws.write_string(0, 0, "Piramide Fitte Gemeenten", book.f.subtitle)
    ws.write_string(0, grid.total_cols - 1, f"Indicatorset {s.name} (versie {s.version})", f.right_note)
    # One line whatever the name (the row's height never depends on it: piramide.blank fills names in).
    span(ws, 1, 0, grid.total_cols, spec.gemeente, f.title_fit)
    ws.set_row(1, 22)
    if spec.regio:
        ws.write_string(2, 0, "Regio", f.note_bold)
        ws.write_string(2, 3, spec.regio, book.f.line)


def _headline(book: Book, ws, grid: Grid, f: _Formats, r: _Refs) -> None:
    """Five lines on a band: phase, measurement, change since the 0-meting, regressions, a running measurement."""
    top = grid.HEAD
    ws.set_row(top, 26)
    for row in range(top, top + 5):  # the band: blank cells exactly as wide as the cover (a row format runs on to XFD)
        for col in range(1, grid.total_cols):
            ws.write_blank(row, col, None, f.band)
    lines = (_h_phase, _h_state, _h_change, _h_regressions, _h_running)
    for i, line in enumerate(lines):
        formula, cached = line(book, r)
        fmt = f.band_big if i == 0 else f.band_bold if i == 3 else f.band
        ws.write_formula(top + i, 0, formula, fmt, cached)


def _h_phase(book: Book, r: _Refs) -> tuple[str, str]:
    tot = r.cp[None]
    formula = (
        f'=IF({r.mv}<0,IF({r.latest}<0,"Nog niets gemeten","Nog geen meting met vaste fasen"),'
        f'"Fase "&{tot}&" – "&{r.name(tot)})'
    )
    if book.cover < 0:
        return formula, "Nog niets gemeten" if book.latest < 0 else "Nog geen meting met vaste fasen"
    phase = book.results[book.cover].phase
    return formula, f"Fase {phase} – {_name(book, phase)}"


def _h_state(book: Book, r: _Refs) -> tuple[str, str]:
    s = book.set
    date = r.at(1, r.mv)
    when = f'IF({date}="",""," van "&DAY({date})&"-"&MONTH({date})&"-"&YEAR({date}))'
    lowest = "&".join(f'IF({r.cp[p]}={r.cp[None]},"{p}, ","")' for p in s.pillar_codes)
    empty = "Vul op het blad Vragenlijst de 0-meting in; dan laat dit Voorblad zien waar de gemeente staat."
    waiting = "De fasen staan vast zodra de open vragen ze niet meer kunnen veranderen."
    formula = (
        f'=IF({r.mv}<0,IF({r.latest}<0,"{empty}","{waiting}"),'
        f'"Stand na "&{r.label_in_text(r.mv)}&{when}&". De totale fase is die van de laagste pijler: "'
        f'&LEFT({lowest},LEN({lowest})-2)&".")'
    )
    if book.cover < 0:
        return formula, empty if book.latest < 0 else waiting
    phases = book.phases(book.cover)
    low = ", ".join(p for p in s.pillar_codes if phases[p] == min(phases.values()))
    d = book.contents[book.cover].date
    when_text = f" van {d.day}-{d.month}-{d.year}" if d else ""
    return formula, f"Stand na {_in_text(book.cover)}{when_text}. De totale fase is die van de laagste pijler: {low}."


def _h_change(book: Book, r: _Refs) -> tuple[str, str]:
    s = book.set
    first = "Dit is de eerste meting met vaste fasen; de groei is te zien na de volgende meting."
    parts = "&\" · \"&".join(f'"{p} "&IF({r.cp[p]}>{r.bp[p]},"+","")&({r.cp[p]}-{r.bp[p]})' for p in s.pillar_codes)
    total = f'IF({r.cp[None]}>{r.bp[None]},"+","")&({r.cp[None]}-{r.bp[None]})'
    formula = (
        f'=IF({r.mv}<0,"",IF({r.base_slot}={r.mv},"{first}",'
        f'"Sinds "&{r.label_in_text(r.base_slot)}&": "&{parts}&" · totaal "&{total}))'
    )
    if book.cover < 0:
        return formula, ""
    if book.base == book.cover:
        return formula, first
    now, then = book.phases(book.cover), book.phases(book.base)
    text = " · ".join(f"{p} {_signed(now[p] - then[p])}" for p in s.pillar_codes)
    total_change = _signed(min(now.values()) - min(then.values()))
    return formula, f"Sinds {_in_text(book.base)}: {text} · totaal {total_change}"


def _h_regressions(book: Book, r: _Refs) -> tuple[str, str]:
    s = book.set
    items = "&".join(
        f'IF({r.cp[p]}<{r.pp[p]},"{p} terug van "&{r.pp[p]}&" naar "&{r.cp[p]}&"; ","")' for p in s.pillar_codes
    )
    since = r.label_in_text(r.prev_slot)
    formula = (
        f'=IF(OR({r.mv}<0,{r.prev_slot}<0),"",IF({items}="","Geen terugval sinds "&{since}&".",'
        f'"Terugval sinds "&{since}&": "&LEFT({items},LEN({items})-2)&"."))'
    )
    if book.cover < 0 or book.prev < 0:
        return formula, ""
    now, then = book.phases(book.cover), book.phases(book.prev)
    regs = [f"{p} terug van {then[p]} naar {now[p]}" for p in s.pillar_codes if now[p] < then[p]]
    label = _in_text(book.prev)
    return formula, f"Terugval sinds {label}: {'; '.join(regs)}." if regs else f"Geen terugval sinds {label}."


def _h_running(book: Book, r: _Refs) -> tuple[str, str]:
    answered, total = r.at(L.C_SLOT_COL_ANSWERED, r.latest), r.at(L.C_SLOT_COL_TOTAL, r.latest)
    rest = "De fasen zijn voorlopig en tellen mee zodra ze vaststaan"
    formula = (
        f'=IF({r.latest}>{r.mv},{r.label(r.latest)}&" loopt: "&{answered}&" van "&{total}&" beantwoord. {rest}"'
        f'&IF({r.mv}<0,".","; tot dan toont dit Voorblad "&{r.label_in_text(r.mv)}&"."),"")'
    )
    if book.latest <= book.cover:
        return formula, ""
    res = book.results[book.latest]
    tail = "." if book.cover < 0 else f"; tot dan toont dit Voorblad {_in_text(book.cover)}."
    return formula, f"{L.slot_label(book.latest)} loopt: {res.answered} van {res.total} beantwoord. {rest}{tail}"


def _pyramids(book: Book, ws, grid: Grid, f: _Formats, r: _Refs) -> None:
    """Per pillar: its name, the layers (filled when reached, partly by the next level's score, the
    0-meting dashed), and under it the phase, the progress to the next one and the 0-meting."""
    s = book.set
    ws.set_row(grid.pillar_head, 28)
    for i, pillar in enumerate(s.pillars):
        span(ws, grid.pillar_head, grid.block_col(i), grid.base, f"{pillar.code} – {pillar.name}", f.pillar_head)
    for level in s.phase_numbers:
        row = grid.level_row(level)
        ws.set_row(row, 20)
        ws.write_string(row, LEGEND_COLS - 2, f"{level} {s.phases[level - 1].name}", f.legend)  # overflows left
        for i, pillar in enumerate(s.pillar_codes):
            _layer(book, ws, grid, f, r, i, pillar, level)
        first, last = grid.block_col(0), grid.total_cols - 1
        for code, fmt in f.levels[min(level, 7)].items():
            ws.conditional_format(row, first, row, last, {"type": "cell", "criteria": "==", "value": code, "format": fmt})
    for i, pillar in enumerate(s.pillar_codes):
        _pillar_foot(book, ws, grid, f, r, i, pillar)
    ws.write_string(
        grid.pillar_foot + 3,
        0,
        "✓ en gevuld: fase bereikt. Deels gevuld: op weg naar de volgende fase, zo ver als de score. "
        "Stippellijn: bereikt in de 0-meting. Een fase telt pas als alle lagere fasen ook bereikt zijn.",
        f.note,
    )


def _layer_code(book: Book, pillar: str, level: int, frac: float) -> int:
    """What one cell of a layer shows: 4 reached, 2 partly (this cell within the score), 0 not; +1 in the 0-meting."""
    if book.cover < 0:
        return 0
    res = book.results[book.cover].pillars[pillar]
    score = res.next_level_score
    code = 4 if res.phase >= level else 2 if res.phase == level - 1 and score is not None and frac <= score else 0
    ghost = 0 <= book.base < book.cover and book.results[book.base].pillars[pillar].phase >= level
    return code + (1 if ghost else 0)


def _layer(book: Book, ws, grid: Grid, f: _Formats, r: _Refs, i: int, pillar: str, level: int) -> None:
    width = grid.layer_width(level)
    start = grid.block_col(i) + (grid.base - width) // 2
    cp, ns, bp = r.cp[pillar], r.ns[pillar], r.bp[pillar]
    ghost = f"IF(AND({r.base_slot}>=0,{r.base_slot}<{r.mv},{bp}>={level}),1,0)"
    for k in range(width):
        frac = float(f"{(k + 0.5) / width:.6g}")
        formula = f"=IF({cp}>={level},4,IF(AND({cp}={level - 1},{frac!r}<={ns}),2,0))+{ghost}"
        fmt = f.layer_mid if k == width // 2 else f.layer
        ws.write_formula(grid.level_row(level), start + k, formula, fmt, _layer_code(book, pillar, level, frac))


def _pillar_foot(book: Book, ws, grid: Grid, f: _Formats, r: _Refs, i: int, pillar: str) -> None:
    s, col, width = book.set, grid.block_col(i) + grid.base // 2, 1  # centred text overflows both ways
    n = len(s.phase_numbers)
    pct = f"{dutch_number(book.set.threshold * 100)}%"
    cp, ns, bp = r.cp[pillar], r.ns[pillar], r.bp[pillar]
    res = book.results[book.cover].pillars[pillar] if book.cover >= 0 else None
    phase = f'=IF({cp}<0,"Nog geen vaste fase","Fase "&{cp}&" – "&{r.name(cp)})'
    span(ws, grid.pillar_foot, col, width, None, f.foot_bold, phase,
         f"Fase {res.phase} – {_name(book, res.phase)}" if res else "Nog geen vaste fase")  # fmt: skip
    nxt = (
        f'=IF({cp}<0,"",IF({cp}>={n},"Hoogste fase bereikt",'
        f'{r.name(f"({cp}+1)")}&" "&ROUND({ns}*100,0)&"% (drempel {pct})"))'
    )
    if res is None:
        cached = ""
    elif res.phase >= n:
        cached = "Hoogste fase bereikt"
    else:
        cached = f"{_name(book, res.phase + 1)} {_percent(float(res.next_level_score or 0))}% (drempel {pct})"
    span(ws, grid.pillar_foot + 1, col, width, None, f.foot, nxt, cached)
    base = f'=IF(OR({r.base_slot}<0,{r.base_slot}>={r.mv}),"",{r.label(r.base_slot)}&": fase "&{bp})'
    cached = ""
    if 0 <= book.base < book.cover:
        cached = f"{L.slot_label(book.base)}: fase {book.results[book.base].pillars[pillar].phase}"
    span(ws, grid.pillar_foot + 2, col, width, None, f.foot, base, cached)


TEXT_CHARS = 60  # of an indicator's statement in the list of what blocks


def _blockers(book: Book, ws, grid: Grid, f: _Formats, r: _Refs) -> None:
    """Per pillar, up to three indicators of its next phase that are not yet `ja` (live, from Berekening's table 3)."""
    s, c = book.set, book.calc
    n = len(s.phase_numbers)
    top = grid.blockers
    span(ws, top, 0, LEGEND_COLS - 1, "Wat houdt de volgende fase tegen", f.legend_top)
    ws.set_row(top, 24)
    blocks = book.blocking()
    plans = plan_summary(book)
    rows = (c.block_row(0), c.block_row(book.n_rows - 1))

    def col(which: int) -> str:
        return f"{book.calc_ref(rows[0], which)}:{book.calc_ref(rows[1], which)}"

    keys, flags = col(L.C_BLOCK_COL_KEY), col(L.C_BLOCK_COL_FLAG)
    # Table 3's rows are Vragenlijst's rows: its n-th key belongs to the n-th id, pillar and statement there.
    ids, pillars = L.NAME_IDS, L.NAME_PILLARS
    t = L.col_letter(L.Q_COL_TEXT)
    texts = L.sheet_ref(L.QUESTIONS, f"${t}${L.Q_FIRST_ROW + 1}:${t}${book.last_row + 1}")
    for i, pillar in enumerate(s.pillar_codes):
        bc, cp = grid.block_col(i), r.cp[pillar]
        head = f'=IF({cp}<0,"",IF({cp}>={n},"Hoogste fase bereikt","Nodig voor "&{r.name(f"({cp}+1)")}&":"))'
        phase = book.phases(book.cover)[pillar]
        cached = "" if phase < 0 else "Hoogste fase bereikt" if phase >= n else f"Nodig voor {_name(book, phase + 1)}:"
        span(ws, top, bc, grid.base, None, f.blocker_head, head, cached)
        listed = blocks.get(pillar, [])
        for k in range(1, BLOCKERS + 1):
            match = f'MATCH("{pillar}|{k}",{keys},0)'
            text = f"INDEX({texts},{match})"
            formula = (
                f'=IFERROR(INDEX({ids},{match})&" "&IF(LEN({text})>{TEXT_CHARS},'
                f'LEFT({text},{TEXT_CHARS - 1})&"…",{text}),"")'
            )
            span(ws, top + k, bc, grid.base, None, f.blocker, formula, _blocker_text(book, listed, k))
        count = f'SUMPRODUCT(({pillars}="{pillar}")*({flags}))'
        more = f'=IF({count}>{BLOCKERS},"en nog "&({count}-{BLOCKERS})&" (oranje op de Vragenlijst)","")'
        extra = len(listed) - BLOCKERS
        span(ws, top + BLOCKERS + 1, bc, grid.base, None, f.more, more,
             f"en nog {extra} (oranje op de Vragenlijst)" if extra > 0 else "")  # fmt: skip
        formula, cached = plans[i]  # `BO: 2 van 3 met eigenaar, 1 gereed`, counted on Actieplan
        span(ws, top + BLOCKERS + 2, bc, grid.base, None, f.more, formula, cached)
    for k in range(1, BLOCKERS + 1):
        ws.set_row(top + k, 23)


def _blocker_text(book: Book, ids: list[str], k: int) -> str:
    if len(ids) < k:
        return ""
    ind = book.set.by_id[ids[k - 1]]
    text = ind.text if len(ind.text) <= TEXT_CHARS else ind.text[: TEXT_CHARS - 1] + "…"
    return f"{ind.id} {text}"


CHART_PX = 150  # the height of a chart: a title band, one band per phase, the labels of the measurements
CHART_TOP, CHART_PLOT = 0.18, 0.64  # where the plot area starts and how high it is (fractions of the chart)


def _charts(book: Book, ws, grid: Grid, f: _Formats) -> None:
    """Per pillar a small chart of its phase in every settled measurement: a dot per measurement, fase 0 on
    the baseline; the phase names on the axis at the left, each on the height of its gridline."""
    s, c, slots = book.set, book.calc, book.spec.slots
    n = len(s.phase_numbers)
    top = grid.charts
    band = CHART_PLOT * CHART_PX / n  # pixels between two gridlines
    ws.set_row_pixels(top, round(CHART_TOP * CHART_PX - band / 2))
    span(ws, top, 0, LEGEND_COLS - 1, "Fase per meting", f.legend_top)
    for k, phase in enumerate(range(n, -1, -1)):
        ws.set_row_pixels(top + 1 + k, round(band))
        ws.write_string(top + 1 + k, LEGEND_COLS - 2, f"{phase} {_name(book, phase)}", f.legend)
    ws.set_row_pixels(top + n + 2, round(CHART_PX - CHART_TOP * CHART_PX - CHART_PLOT * CHART_PX - band / 2))
    first, last = c.slot_row(0), c.slot_row(slots - 1)
    cats = [L.CALCULATION, first, c.chart_label_col, last, c.chart_label_col]
    for i, pillar in enumerate(s.pillars):
        colour, marker = P.series(i)
        chart = book.wb.add_chart({"type": "line"})
        col = c.chart_col(pillar.code)
        chart.add_series(
            {
                "name": pillar.code,
                "categories": cats,
                "values": [L.CALCULATION, first, col, last, col],
                "line": {"none": True},  # a settled measurement is a dot; the others lie below the axis
                "marker": {"type": marker, "size": 7, "fill": {"color": colour}, "border": {"color": colour}},
            }
        )
        chart.set_title({"name": f"{pillar.code} {pillar.name}", "name_font": {"size": 8, "bold": True}})
        chart.set_y_axis(
            {"min": 0, "max": n, "major_unit": 1, "label_position": "none",
             "major_gridlines": {"visible": True, "line": {"color": "#BFBFBF"}}}
        )  # fmt: skip
        chart.set_x_axis({"num_font": {"size": 7}})
        chart.set_legend({"none": True})
        chart.set_plotarea({"layout": {"x": 0.05, "y": CHART_TOP, "width": 0.9, "height": CHART_PLOT}})
        chart.set_size({"width": grid.block * COL_PX - 4, "height": CHART_PX})
        ws.insert_chart(top, grid.block_col(i), chart, {"x_offset": 1, "y_offset": 0, "object_position": 3})


def _slot_table(book: Book, ws, grid: Grid, f: _Formats, r: _Refs) -> None:
    """Every measurement: date, who, answered, the phase per pillar and overall (a range while running), status."""
    s, top, width = book.set, grid.table, grid.slot_span
    labels = ["Meting", "Datum", "Ingevuld door", "Beantwoord", *s.pillar_codes, "Totaal", "Status"]
    for k, label in enumerate(labels):
        span(ws, top + k, 0, LEGEND_COLS, label, f.t_head if k == 0 else f.t_label)
    for slot in range(book.spec.slots):
        _slot_column(book, ws, grid, f, slot, LEGEND_COLS + slot * width)
    first_phase = top + 4
    rng = (first_phase, LEGEND_COLS, first_phase + len(s.pillar_codes), LEGEND_COLS + book.spec.slots * width - 1)
    for phase in range(len(s.phase_numbers) + 1):
        rule = {"type": "cell", "criteria": "==", "value": phase, "format": book.f.phases[min(phase, 7)]}
        ws.conditional_format(*rng, rule)


def _slot_column(book: Book, ws, grid: Grid, f: _Formats, slot: int, col: int) -> None:
    s, c, top, width = book.set, book.calc, grid.table, grid.slot_span
    result, content = book.results[slot], book.contents[slot]
    row = c.slot_row(slot)
    answered = book.calc_ref(row, L.C_SLOT_COL_ANSWERED)
    settled = book.calc_ref(row, c.settled_col)
    label = L.slot_label(slot) if width >= 4 else ("0-m" if slot == 0 else f"M{slot}")
    span(ws, top, col, width, label, f.t_head)
    date, who = L.name_date(slot), book.calc_ref(row, 2)
    span(ws, top + 1, col, width, None, f.t_date[width >= 4], f'=IF({date}="","",{date})', excel_date(content.date))
    span(ws, top + 2, col, width, None, f.t_cell, f'=IF({who}="","",{who})', content.ingevuld_door or "")
    total = book.calc_ref(row, L.C_SLOT_COL_TOTAL)
    span(ws, top + 3, col, width, None, f.t_cell, f'={answered}&"/"&{total}', f"{result.answered}/{result.total}")
    for k, pillar in enumerate([*s.pillar_codes, None]):
        if pillar:
            phase, high = L.name_phase(pillar, slot), book.calc_ref(c.pillar_row(slot, pillar), c.phase_max_col)
            low_v, high_v = result.pillars[pillar].phase, result.pillars[pillar].phase_max
        else:
            phase, high = L.name_overall(slot), book.calc_ref(row, c.overall_max_col)
            low_v, high_v = result.phase, result.phase_max
        formula = f'=IF({answered}=0,"",IF(OR({settled}=1,{phase}={high}),{phase},{phase}&"–"&{high}))'
        if not result.answered:
            cached = ""
        elif result.settled or low_v == high_v:
            cached = low_v
        else:
            cached = f"{low_v}–{high_v}"
        span(ws, top + 4 + k, col, width, None, f.t_phase, formula, cached)
    status = f'=IF({answered}=0,"",IF({settled}=1,"vast","loopt"))'
    cached = "" if not result.answered else "vast" if result.settled else "loopt"
    span(ws, top + 5 + len(s.pillar_codes), col, width, None, f.t_cell, status, cached)
