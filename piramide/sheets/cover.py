"""Voorblad: what a mayor sees. The slots' phases, the pyramid of the latest measurement, a chart."""

from __future__ import annotations

from dataclasses import dataclass

from .. import layout as L
from .actieplan import plan_summary
from .book import Book, excel_date, number

FIXED_SPANS = (5, 5, 8, 5)
LEGEND_COLS = 6


@dataclass(frozen=True)
class _Grid:
    """The cover's column grid: narrow columns, merged into spans."""

    n_levels: int
    n_pillars: int

    @property
    def seg(self) -> list[int]:
        """The width of one pillar's segment per layer (phase 1 is the base)."""
        return [2 * (self.n_levels - lv) + 1 for lv in range(1, self.n_levels + 1)]

    @property
    def pyramid_cols(self) -> int:
        return self.n_pillars * self.seg[0]

    @property
    def total_cols(self) -> int:
        table_cols = sum(FIXED_SPANS) + 3 * (self.n_pillars + 1)
        return max(LEGEND_COLS + self.pyramid_cols, table_cols)


def _span(ws, row, col, width, value, fmt, formula=None, cached=None) -> None:
    """Write ``value`` (or ``formula`` with its ``cached`` result) over ``width`` merged cells."""
    if width > 1:
        ws.merge_range(row, col, row, col + width - 1, "", fmt)
    if formula is not None:
        ws.write_formula(row, col, formula, fmt, cached)
    elif isinstance(value, str):
        ws.write_string(row, col, value, fmt)
    elif value is not None:
        ws.write_number(row, col, value, fmt)


def write_cover(book: Book) -> None:
    ws = book.sheets[L.COVER]
    grid = _Grid(len(book.set.phase_numbers), len(book.set.pillars))
    ws.set_column(0, grid.total_cols - 1, 2.6)
    _heading(book, ws)
    table_last = _slot_table(book, ws, grid)
    base = _pyramid(book, ws, grid, table_last + 2)
    chart_row = _plan(book, ws, base + 3)
    _chart(book, ws, grid, chart_row)
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 1)
    ws.center_horizontally()
    ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.5)
    ws.print_area(0, 0, chart_row + 14, grid.total_cols - 1)
    ws.hide_gridlines(2)


def _heading(book: Book, ws) -> None:
    s, spec, f = book.set, book.spec, book.f
    _span(ws, 0, 0, 1, "Piramide Fitte Gemeenten", f.title)
    # Labels and values without borders overflow into the empty cells to their right: no merges needed.
    for row, label, value, fmt in (
        (1, "Gemeente", spec.gemeente, f.subtitle),
        (2, "Regio", spec.regio or "", f.text),
        (3, "Indicatorset", f"{s.name} (versie {s.version})", f.text),
    ):
        _span(ws, row, 0, 1, label, f.label)
        _span(ws, row, 6, 1, value, fmt)
    _span(
        ws,
        4,
        0,
        1,
        f"Fase per pijler (0 = startfase, {len(s.phases)} = {s.phases[-1].name}); drempel "
        f"{number(s.threshold * 100)}%. Een fase is voorlopig zolang er vragen open staan.",
        f.line,
    )


def _slot_table(book: Book, ws, grid: _Grid) -> int:
    """One row per slot: label, date, who, answered, the phase per pillar and overall. Returns the last row."""
    s, f, c = book.set, book.f, book.calc
    hr = L.V_TABLE_HEADER_ROW
    headers = [*L.V_TABLE_FIXED, *s.pillar_codes, "Totaal"]
    spans = [*FIXED_SPANS, *([3] * (grid.n_pillars + 1))]
    starts = [sum(spans[:i]) for i in range(len(spans))]
    ws.set_row(hr, 28)
    for h, st, w in zip(headers, starts, spans, strict=True):
        _span(ws, hr, st, w, h, f.header)
    for slot in range(book.spec.slots):
        r, cr = hr + 1 + slot, c.slot_row(slot)
        result, content = book.results[slot], book.contents[slot]
        answered, total = book.calc_ref(cr, L.C_SLOT_COL_ANSWERED), book.calc_ref(cr, L.C_SLOT_COL_TOTAL)
        who = book.calc_ref(cr, 2)
        date = L.name_date(slot)
        cells = [
            (L.slot_label(slot), f.cell, None, None),
            (None, f.date, f'=IF({date}="","",{date})', excel_date(content.date)),
            (None, f.cell, f'=IF({who}="","",{who})', content.ingevuld_door or ""),
            (None, f.cell_center, f'={answered}&"/"&{total}', f"{result.answered}/{result.total}"),
        ]
        for pillar in [*s.pillar_codes, None]:
            name = L.name_phase(pillar, slot) if pillar else L.name_overall(slot)
            value = (result.pillars[pillar].phase if pillar else result.phase) if result.answered else ""
            cells.append((None, f.phase, f'=IF({answered}=0,"",{name})', value))
        for (value, fmt, formula, cached), st, w in zip(cells, starts, spans, strict=True):
            _span(ws, r, st, w, value, fmt, formula, cached)
    table_last = hr + book.spec.slots
    rng = f"{L.cell(hr + 1, starts[4])}:{L.cell(table_last, grid.total_cols - 1)}"
    for phase in range(grid.n_levels + 1):
        fmt = book.f.phases[min(phase, len(book.f.phases) - 1)]  # phases above the palette share its last colour
        ws.conditional_format(rng, {"type": "cell", "criteria": "==", "value": phase, "format": fmt})
    return table_last


def _pyramid(book: Book, ws, grid: _Grid, top: int) -> int:
    """The pyramid: layers (phases) from the top down, one vertical slice per pillar. Returns its base row."""
    s, f, c = book.set, book.f, book.calc
    empty = "Piramide: nog geen meting ingevuld"
    latest_formula = (
        f'=IF({L.NAME_LATEST}<0,"{empty}",'
        f'"Piramide na de laatste meting: "&IF({L.NAME_LATEST}=0,"0-meting","Meting "&{L.NAME_LATEST}))'
    )
    cached = empty if book.latest < 0 else f"Piramide na de laatste meting: {L.slot_label(book.latest)}"
    _span(ws, top, 0, grid.total_cols, None, f.subtitle, latest_formula, cached)
    latest = book.results[book.latest] if book.latest >= 0 else None
    seg = grid.seg
    for depth, level in enumerate(reversed(s.phase_numbers)):
        r = top + 1 + depth
        ws.set_row(r, 22)
        _span(ws, r, 0, LEGEND_COLS, f"{level} {s.phases[level - 1].name}", f.legend)
        width = seg[level - 1]
        offset = LEGEND_COLS + (seg[0] - width) // 2
        for i, pillar in enumerate(s.pillar_codes):
            src = book.calc_ref(c.latest_row, c.slot_pillar_col(pillar))
            reached = latest is not None and latest.pillars[pillar].phase >= level
            mark = f"✓ {pillar}" if width >= 5 else "✓"
            formula = f'=IF({src}>={level},"{mark}","·")'
            _span(ws, r, offset + i * seg[0], width, None, f.layer, formula, mark if reached else "·")
    base = top + 1 + grid.n_levels
    for i, pillar in enumerate(s.pillar_codes):
        src = book.calc_ref(c.latest_row, c.slot_pillar_col(pillar))
        value = latest.pillars[pillar].phase if latest else 0
        col = LEGEND_COLS + i * seg[0]
        _span(ws, base, col, 1, None, f.line, f'="{pillar}: fase "&{src}', f"{pillar}: fase {value}")
    pyr = f"{L.cell(top + 1, LEGEND_COLS)}:{L.cell(base - 1, LEGEND_COLS + grid.pyramid_cols - 1)}"
    ws.conditional_format(pyr, {"type": "text", "criteria": "begins with", "value": "✓", "format": f.reached})
    _span(
        ws,
        base + 1,
        0,
        1,
        "✓ = fase bereikt in de laatste meting; · = nog niet bereikt. "
        "Een fase telt pas als alle lagere fasen ook bereikt zijn.",
        f.line,
    )
    return base


def _plan(book: Book, ws, row: int) -> int:
    """The action plan per pillar, live from Actieplan: ``CO: 4 van 6 met eigenaar, 1 gereed``. Returns the next row."""
    f = book.f
    _span(ws, row, 0, 1, "Actieplan: per pijler de indicatoren die de volgende fase tegenhouden met een eigenaar, "
          "en de acties die gereed zijn (blad Actieplan)", f.label)
    for i, (formula, cached) in enumerate(plan_summary(book), start=row + 1):
        _span(ws, i, 0, 1, None, f.text, formula, cached)
    return row + len(book.set.pillars) + 2


def _chart(book: Book, ws, grid: _Grid, row: int) -> None:
    """The chart: phase per pillar per measurement."""
    s, c, slots = book.set, book.calc, book.spec.slots
    chart = book.wb.add_chart({"type": "column"})
    first, last = c.slot_row(0) + 1, c.slot_row(slots - 1) + 1
    cats = f"={L.sheet_ref(L.CALCULATION, f'$A${first}:$A${last}')}"
    for pillar in s.pillars:
        col = L.col_letter(c.slot_pillar_col(pillar.code))
        vals = L.sheet_ref(L.CALCULATION, f"${col}${first}:${col}${last}")
        chart.add_series({"name": f"{pillar.code} {pillar.name}", "categories": cats, "values": f"={vals}"})
    chart.set_title({"name": "Fase per pijler per meting", "name_font": {"size": 11}})
    chart.set_y_axis({"min": 0, "max": grid.n_levels, "major_unit": 1, "name": "Fase"})
    chart.set_legend({"position": "right", "font": {"size": 8}})
    chart.set_size({"width": grid.total_cols * 23, "height": 260})
    ws.insert_chart(row, 0, chart)


__all__ = ["write_cover"]
