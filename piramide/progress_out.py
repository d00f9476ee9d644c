"""Progress as text, CSV (for Power BI and Dutch Excel) and an overview workbook.

All take a :class:`~piramide.progress.RegionProgress` and return text or
bytes; writing files (atomically) is the caller's job.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import TYPE_CHECKING

from . import layout as L
from . import palette as P
from ._csv import excel_csv
from ._outputs import OUTPUT_PROPERTY
from ._text import measurement, plural
from .sheets.book import print_footer, row_height
from .progress import GemeenteProgress, RegionProgress
from .reader import MeasurementReading

if TYPE_CHECKING:
    import xlsxwriter

CSV_COLUMNS_FIXED = ("gemeente", "regio", "slot", "label", "datum", "pijler", "fase")
TOTAAL = "totaal"  # the pijler of the CSV row with a measurement's overall phase
DELTA_FORMAT = "+0;-0;0"
"""A change in phase as a number that shows its sign (+2, -1, 0)."""
DATE_FORMAT = "d-m-yyyy"


def _signed(n: int | None) -> str:
    if n is None:
        return "-"
    return f"+{n}" if n > 0 else str(n)


# --- text -------------------------------------------------------------------------------


def format_text(p: RegionProgress, detail: bool = True) -> str:
    codes = p.pillar_codes
    lines = [
        f"Progress of {plural(len(p.gemeenten), 'gemeente', 'gemeenten')} ({plural(p.files, 'file')} read"
        + (f"; {len(p.errors)} not used, listed at the end" if p.errors else "")
        + (f"; {len(p.skipped)} skipped, listed at the end" if p.skipped else "")
        + ")",
        "",
    ]
    header = ["Gemeente", "Code", "Metingen", "Laatste", "Datum", *codes, "Totaal", "Sinds 0-meting", "Loopt"]
    rows = []
    for g in p.gemeenten:
        m = g.latest
        phases = [str(m.pillars[c].phase) if m and c in m.pillars else "-" for c in codes]
        rows.append(
            [
                g.gemeente,
                g.code or "-",
                str(len(g.measurements)),
                m.label if m else "-",
                m.date.isoformat() if m and m.date else "-",
                *phases,
                str(m.phase) if m else "-",
                _signed(g.change_since_baseline.get("totaal")) if m else "-",
                f"{g.running.label} ({g.running.answered}/{g.running.total})" if g.running else "-",
            ]
        )
    lines += _table(header, rows)
    if any(g.running for g in p.gemeenten):
        lines.append("  (Laatste = the latest settled measurement; Loopt = a later one still running)")
    if detail:
        for g in p.gemeenten:
            lines += ["", *_gemeente_text(g, handvatten=len(p.gemeenten) <= 3)]
    dist = p.distribution()
    if dist:
        lines += ["", "Phase distribution per calendar year (number of gemeenten per phase 0..4):"]
        top = max((max(g.indicator_set.phase_numbers) for g in p.gemeenten), default=4)
        header = ["Jaar", "Pijler", *(str(n) for n in range(top + 1))]
        rows = []
        for year, pillars in dist.items():
            for code in [*codes, "totaal"]:
                counts = pillars.get(code, {})
                rows.append([year, code, *(str(counts.get(str(n), 0)) for n in range(top + 1))])
        lines += _table(header, rows)
    if p.undated():
        lines.append(f"  ({plural(p.undated(), 'measurement')} without a date not in this table)")
    overdue = {id(g) for g in p.overdue()}
    named = [(name, g) for name, g in zip(p.names(), p.gemeenten, strict=True) if id(g) in overdue]
    lines += [
        "",
        f"Without a measurement in the last 15 months (before {p.today.isoformat()}): "
        + (
            ", ".join(f"{name} ({g.latest_date.isoformat() if g.latest_date else 'no date'})" for name, g in named)
            or "none"
        ),
    ]
    if p.errors:
        lines += ["", f"Not used ({len(p.errors)}):"]
        lines += [f"  {e.file}: {e.message}" for e in p.errors]
    if p.skipped:
        lines += ["", f"Skipped ({len(p.skipped)}):"]
        lines += [f"  {e.file}: {e.message}" for e in p.skipped]
    for c in p.set_conflicts:
        name = f"{c['set']['id']} {c['set']['version']}"
        lines += ["", f"Set conflict: {len(c['files'])} different sets claim to be {name} (none of them is preferred):"]
        for fingerprint, files in c["files"].items():
            lines += [f"  {fingerprint[:19]}...: {', '.join(files)}"]
    return "\n".join(lines)


def _gemeente_text(g: GemeenteProgress, handvatten: bool = False) -> list[str]:
    """One municipality's history; with ``handvatten``, each blocking indicator with its statement and handvat."""
    s = g.indicator_set
    codes = list(s.pillar_codes)
    out = [
        f"{g.gemeente}"
        + (f" ({g.code})" if g.code else "")
        + (f" (regio {g.regio})" if g.regio else "")
        + f" - {g.file}"
    ]
    for note in g.notes:
        out.append(f"  note: {note}")
    for issue in g.warnings:
        out.append(f"  warning: {issue}")
    if not g.measurements:
        out.append("  no measurement with answers yet")
        return out
    for m in g.measurements:
        phases = "  ".join(f"{c} {_phase_text(m, c)}" for c in codes)
        running = "" if m.settled else "  (running)"
        out.append(
            f"  {m.label:<9} {m.date.isoformat() if m.date else '-':<10}  {phases}  totaal {m.phase}{running}"
        )
    if g.running:
        out.append("  " + running_text(g.running))
    if len(g.measurements) > 1:
        out.append(
            "  since 0-meting: "
            + "  ".join(f"{c} {_signed(v)}" for c, v in g.change_since_baseline.items())
            + "; since the previous: "
            + "  ".join(f"{c} {_signed(v)}" for c, v in g.change_since_previous.items())
        )
    by_slot = {m.slot: m for m in g.measurements}

    def named(slot: int) -> str:
        return measurement(slot, by_slot[slot].date if slot in by_slot else None)

    for change in g.set_changes:
        out.append(
            f"  set changed between {named(change['from_slot'])} and {named(change['to_slot'])}: "
            f"{change['from']} -> {change['to']}"
        )
        for pillar, diff in change["pillars"].items():
            parts = [
                f"{kind.replace('_', ' ')} {', '.join(x if isinstance(x, str) else x['to'] + ' <- ' + '+'.join(x['from']) for x in items)}"
                for kind, items in diff.items()
                if items
            ]
            out.append(f"    {pillar}: " + "; ".join(parts))
    for r in g.regressions:
        out.append(
            f"  Regression: {r.pillar} went down from phase {r.from_phase} in {named(r.from_slot)} "
            f"to phase {r.to_phase} in {named(r.to_slot)}"
        )
    if g.changes:
        per_pair: dict[tuple[int, int], int] = {}
        for c in g.changes:
            per_pair[(c.from_slot, c.to_slot)] = per_pair.get((c.from_slot, c.to_slot), 0) + 1
        out.append(
            "  changed answers: "
            + ", ".join(
                f"{n} from {L.slot_label(a)} to {L.slot_label(b)}" for (a, b), n in per_pair.items()
            )
        )
    blocking = {code: ids for code, ids in g.blocking.items() if ids}
    if blocking:
        out.append(f"  what blocks the next phase, in {named(g.latest.slot)}:")
    for code, ids in blocking.items():
        phase = g.latest.pillars[code].phase
        out.append(f"    {code} phase {phase} -> {phase + 1}: {', '.join(ids)}")
        if handvatten:
            for ident in ids:
                ind = s.by_id[ident]
                answer = g.latest.answers.get(ident) or "blank"
                out.append(f"      {ident} ({answer}): {ind.text}")
                out.append(f"        handvat: {ind.handvat}")
    owned, total = g.blocking_with_owner
    if total or g.reading.plan:
        out.append(
            f"  Actieplan: {owned} of {plural(total, 'blocking indicator')} with an owner"
            + "".join(f"; {label}: {', '.join(g.plan[key])}" for key, label in _PLAN_KEYS if g.plan.get(key))
        )
    return out


def _phase_text(m: MeasurementReading, code: str) -> str:
    """A pillar's phase, or the range it can still take in a running measurement (``1-4``)."""
    p = m.pillars[code]
    return str(p.phase) if p.phase == p.phase_max else f"{p.phase}-{p.phase_max}"


def running_text(m: MeasurementReading) -> str:
    """``Meting 3 is running: 15 of 105 answered; phases BO 1-4, ...``."""
    ranges = ", ".join(f"{c} {_phase_text(m, c)}" for c in m.pillars)
    return f"{m.label} is running: {m.answered} of {m.total} answered; phases {ranges}"


def running_dutch(m: MeasurementReading) -> str:
    """``Meting 3 loopt: 15 van 105 beantwoord``."""
    return f"{m.label} loopt: {m.answered} van {m.total} beantwoord"


_PLAN_KEYS = (("blocking_without_owner", "no owner"), ("overdue", "overdue"), ("done", "gereed"))


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=True)]
    return [
        "  " + "  ".join(str(x).ljust(w) for x, w in zip(row, widths, strict=True)).rstrip() for row in [header, *rows]
    ]


# --- CSV --------------------------------------------------------------------------------


def csv_bytes(p: RegionProgress) -> bytes:
    """Long format, one row per gemeente x measurement x pillar, then a ``totaal`` row per measurement.

    The ``totaal`` row (pijler ``totaal``) holds the overall phase, the
    lowest pillar phase; its scores are empty. UTF-8 with BOM,
    ``;``-separated and decimal commas, so that Dutch Excel opens it as
    columns with numbers; Power BI reads it with ``;`` as delimiter. Scores
    are empty where a level has no applicable indicator.
    """
    levels = max((len(g.indicator_set.phase_numbers) for g in p.gemeenten), default=4)

    def score(v: float | None) -> str:
        return "" if v is None else f"{v:.4f}".rstrip("0").rstrip(".").replace(".", ",")

    def measurement_rows(g: GemeenteProgress, m) -> list[list]:
        first = [g.gemeente, g.regio or "", m.slot, m.label, m.date.isoformat() if m.date else ""]
        code = g.code or ""
        return [
            *(
                [*first, pillar_code, pillar.phase, *(score(pillar.scores.get(str(n))) for n in range(1, levels + 1)),
                 code]  # fmt: skip
                for pillar_code, pillar in m.pillars.items()
            ),
            [*first, TOTAAL, m.phase, *([""] * levels), code],
        ]

    rows = (row for g in p.gemeenten for m in g.measurements for row in measurement_rows(g, m))
    # The code comes last, so that the columns before it keep their places.
    return excel_csv([*CSV_COLUMNS_FIXED, *(f"score_{n}" for n in range(1, levels + 1)), "code"], rows)


def plan_csv_bytes(p: RegionProgress) -> bytes:
    """The action plans in long format: one row per gemeente and indicator that blocks or has a plan row.

    Same dialect as :func:`csv_bytes`. ``houdt_tegen`` is ``ja`` for an
    indicator that blocks its pillar's next phase in the latest measurement;
    ``verlopen`` is ``ja`` for an action past its deadline (against the
    report's date) that is not ``gereed`` or ``vervallen``.
    """

    def rows(g: GemeenteProgress):
        s, plan = g.indicator_set, {r.indicator: r for r in g.reading.plan}
        blocking = {i for ids in g.blocking.values() for i in ids}
        for ind in s.indicators:
            row = plan.get(ind.id)
            if row is None and ind.id not in blocking:
                continue
            yield [
                g.gemeente,
                g.regio or "",
                ind.id,
                ind.pillar,
                ind.phase,
                "ja" if ind.id in blocking else "",
                *(
                    [row.actie or "", row.eigenaar or "", row.deadline.isoformat() if row.deadline else "",
                     row.status or "", "ja" if row.overdue(p.today) else "", row.toelichting or ""]
                    if row is not None
                    else [""] * 6
                ),
            ]  # fmt: skip

    return excel_csv(PLAN_CSV_COLUMNS, (r for g in p.gemeenten for r in rows(g)))


PLAN_CSV_COLUMNS = (
    "gemeente",
    "regio",
    "indicator",
    "pijler",
    "fase",
    "houdt_tegen",
    "actie",
    "eigenaar",
    "deadline",
    "status",
    "verlopen",
    "toelichting",
)


# --- workbook ---------------------------------------------------------------------------

_SHEET_BAD = re.compile(r"[\[\]:*?/\\'\x00-\x1f\x7f-\x9f]")


def _sheet_names(gemeenten: list[GemeenteProgress], reserved: set[str]) -> list[str]:
    taken = {r.casefold() for r in reserved}
    names = []
    for g in gemeenten:
        base = _SHEET_BAD.sub("_", g.gemeente).strip() or "Gemeente"
        base = base[:31]
        name, n = base, 1
        while name.casefold() in taken:
            n += 1
            suffix = f" ({n})"
            name = base[: 31 - len(suffix)] + suffix
        taken.add(name.casefold())
        names.append(name)
    return names


class _Formats:
    """The overview's formats, from the one palette."""

    def __init__(self, wb: xlsxwriter.Workbook, top: int):
        base = {"font_name": "Calibri", "font_size": 10, "valign": "top"}
        add = wb.add_format
        self.top = top
        self.title = add({**base, "bold": True, "font_size": 14, "font_color": P.NAVY})
        self.head = add(
            {**base, "bold": True, "bg_color": P.NAVY, "font_color": P.WHITE, "border": 1, "text_wrap": True}
        )
        self.cell = add({**base, "border": 1})
        self.wrap = add({**base, "border": 1, "text_wrap": True})
        self.num = add({**base, "border": 1, "align": "center"})
        self.delta = add({**base, "border": 1, "align": "center", "num_format": DELTA_FORMAT})
        self.date = add({**base, "border": 1, "align": "center", "num_format": DATE_FORMAT})
        self.year = add({**base, "border": 1, "num_format": "0", "align": "left"})
        self.small = add({**base, "font_size": 9, "font_color": P.GREY_TEXT})
        self.bold = add({**base, "bold": True})
        self.phases = [add({"bg_color": P.phase_fill(n), "font_color": P.phase_text(n)}) for n in range(top + 1)]
        self.down = add({"bg_color": P.DOWN[0], "font_color": P.DOWN[1], "bold": True})
        self.up = add({"font_color": P.UP_TEXT, "bold": True})

    def colour_phases(self, ws, first_row: int, first_col: int, last_row: int, last_col: int) -> None:
        if last_row < first_row:
            return
        top_left = L.cell(first_row, first_col)  # relative: the rule moves with each cell
        for phase, fmt in enumerate(self.phases):
            # An empty cell (no measurement) equals 0 to a plain "== 0" rule: it must not look like fase 0.
            rule = {"type": "formula", "criteria": f'=AND({top_left}<>"",{top_left}={phase})', "format": fmt}
            ws.conditional_format(first_row, first_col, last_row, last_col, rule)


def overview_bytes(p: RegionProgress) -> bytes:
    """The overview workbook (Dutch): overview, distribution with charts, one sheet per gemeente."""
    import xlsxwriter  # here, not at the top: `progress` without --xlsx does without it

    buffer = io.BytesIO()
    wb = xlsxwriter.Workbook(
        buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
    )
    wb.set_properties({"title": "Piramide Fitte Gemeenten - voortgang", "author": "", "company": ""})
    wb.set_custom_property(OUTPUT_PROPERTY, "voortgang")  # folder scans know it is not a dashboard
    f = _Formats(wb, max((max(g.indicator_set.phase_numbers) for g in p.gemeenten), default=4))
    _overview_sheet(wb, f, p)
    _distribution_sheet(wb, f, p)
    # "History" is reserved by Excel (its change-tracking sheet).
    names = _sheet_names(p.gemeenten, {"Overzicht", "Verdeling", "Niet gebruikt", "History"})
    for g, name in zip(p.gemeenten, names, strict=True):
        _gemeente_sheet(wb.add_worksheet(name), f, g)
    if p.errors:
        _errors_sheet(wb, f, p)
    wb.close()
    return buffer.getvalue()


def _landscape(ws) -> None:
    """A4 landscape, one page wide, the footer of every printed sheet."""
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.6)
    print_footer(ws)


def _overview_sheet(wb: xlsxwriter.Workbook, f: _Formats, p: RegionProgress) -> None:
    """Overzicht: one row per gemeente with its latest phases, the change since the 0-meting and regressions."""
    codes = p.pillar_codes
    ws = wb.add_worksheet("Overzicht")
    ws.write_string(0, 0, "Piramide Fitte Gemeenten - voortgang per gemeente", f.title)
    ws.write_string(
        1,
        0,
        f"Gemaakt op {p.today.strftime('%d-%m-%Y')} uit {plural(p.files, 'bestand', 'bestanden')}. Fase 0 = startfase, "
        f"{f.top} = hoogste fase. Δ = verandering sinds de 0-meting. Dit overzicht bevat gevoelige informatie.",
        f.small,
    )
    headers = ["Gemeente", "Code", "Regio", "Laatste meting", "Datum", *codes, "Totaal", *(f"Δ {c}" for c in codes)]
    headers += ["Δ Totaal", "Terugval", "Geen meting in 15 mnd", *PLAN_OVERVIEW_HEADERS, "Lopende meting"]
    hr = 3
    for c, h in enumerate(headers):
        ws.write_string(hr, c, h, f.head)
    overdue = {id(g) for g in p.overdue()}
    for r, g in enumerate(p.gemeenten, start=hr + 1):
        _overview_row(ws, f, r, g, codes, id(g) in overdue)
    last = hr + len(p.gemeenten)
    f.colour_phases(ws, hr + 1, _FIRST_PHASE_COL, last, _FIRST_PHASE_COL + len(codes))
    dcol = _FIRST_PHASE_COL + 1 + len(codes)
    if last > hr:
        for criteria, fmt in (("<", f.down), (">", f.up)):  # the changes are numbers: coloured by their value
            rule = {"type": "cell", "criteria": criteria, "value": 0, "format": fmt}
            ws.conditional_format(hr + 1, dcol, last, dcol + len(codes), rule)
        ws.autofilter(hr, 0, last, len(headers) - 1)
    else:
        ws.write_string(hr + 1, 0, "Geen gemeente: geen van de bestanden kon gebruikt worden.", f.small)
    end, w = dcol + len(codes), _OVERVIEW_WIDTHS
    for col, key in enumerate(("gemeente", "code", "regio", "label", "datum")):
        ws.set_column(col, col, w[key])
    ws.set_column(_FIRST_PHASE_COL, end, w["phase"])
    for col, key in ((end + 1, "terugval"), (end + 2, "overdue")):
        ws.set_column(col, col, w[key])
    plan_last = end + 2 + len(PLAN_OVERVIEW_HEADERS)
    ws.set_column(end + 3, plan_last, w["plan"])
    ws.set_column(plan_last + 1, plan_last + 1, w["running"])
    ws.set_row(hr, 54)  # the headers wrap in the narrow columns
    ws.freeze_panes(hr + 1, 1)
    _landscape(ws)
    ws.repeat_rows(hr)


_FIRST_PHASE_COL = 5  # Gemeente, Code, Regio, Laatste meting, Datum, then the phases


# Overzicht's text columns are narrow and wrap, so the sheet prints one page wide at a readable size.
_OVERVIEW_WIDTHS = {"gemeente": 16, "code": 8, "regio": 11, "label": 9, "datum": 9, "phase": 4, "terugval": 11,
                    "overdue": 7, "plan": 9, "running": 15}  # fmt: skip


def _overview_row(ws, f: _Formats, r: int, g: GemeenteProgress, codes: list[str], overdue: bool) -> None:
    m = g.latest
    w = _OVERVIEW_WIDTHS
    regressions = "; ".join(f"{x.pillar} {x.from_phase}→{x.to_phase}" for x in g.regressions)
    running = running_dutch(g.running) if g.running else ""
    texts = (g.gemeente, w["gemeente"], g.regio or "", w["regio"], regressions, w["terugval"], running, w["running"])
    ws.set_row(r, row_height(*texts))
    ws.write_string(r, 0, g.gemeente, f.wrap)
    ws.write_string(r, 1, g.code or "", f.cell)
    ws.write_string(r, 2, g.regio or "", f.wrap)
    ws.write_string(r, 3, m.label if m else "geen", f.cell)
    _write_date(ws, r, 4, m.date if m else None, f.date)
    col = _FIRST_PHASE_COL
    for code in codes:
        if m and code in m.pillars:
            ws.write_number(r, col, m.pillars[code].phase, f.num)
        else:
            ws.write_string(r, col, "", f.num)
        col += 1
    if m:
        ws.write_number(r, col, m.phase, f.num)
    col += 1
    for code in [*codes, "totaal"]:
        delta = g.change_since_baseline.get(code)
        if delta is None:
            ws.write_blank(r, col, None, f.delta)
        else:
            ws.write_number(r, col, delta, f.delta)
        col += 1
    ws.write_string(r, col, regressions, f.wrap)
    ws.write_string(r, col + 1, "ja" if overdue else "", f.num)
    owned, total = g.blocking_with_owner
    ws.write_string(r, col + 2, f"{owned}/{total}", f.num)
    ws.write_number(r, col + 3, len(g.plan.get("overdue", [])), f.num)
    ws.write_number(r, col + 4, len(g.plan.get("done", [])), f.num)
    ws.write_string(r, col + 5, running, f.wrap)


PLAN_OVERVIEW_HEADERS = ("Tegenhouders met eigenaar", "Acties verlopen", "Acties gereed")


def _distribution_sheet(wb: xlsxwriter.Workbook, f: _Formats, p: RegionProgress) -> None:
    """Verdeling: per pillar and overall, the number of gemeenten per phase per calendar year, with charts."""
    ws = wb.add_worksheet("Verdeling")
    ws.write_string(0, 0, "Verdeling van de fasen per pijler per kalenderjaar (aantal gemeenten)", f.title)
    ws.write_string(
        1,
        0,
        "Per gemeente telt de laatste meting van dat jaar. Metingen zonder datum tellen niet mee"
        + (f" ({p.undated()})." if p.undated() else "."),
        f.small,
    )
    dist = p.distribution()
    years = list(dist)
    row = 3
    blocks = {}
    for code in [*p.pillar_codes, "totaal"]:
        _distribution_block(ws, f, row, code, years, dist)
        blocks[code] = (row + 1, row + 1 + len(years))
        row += len(years) + 4
    ws.set_column(0, 0, 22)
    ws.set_column(1, 2 + f.top, 11)
    _landscape(ws)
    if years:
        _distribution_charts(wb, ws, f, blocks)
    else:
        ws.write_string(2, 0, "Nog geen meting met vaste fasen en een datum: er is nog niets te verdelen.", f.bold)


def _distribution_block(ws, f: _Formats, row: int, code: str, years: list[str], dist: dict) -> None:
    top = f.top
    ws.write_string(row, 0, "Totaal (laagste pijler)" if code == "totaal" else f"Pijler {code}", f.bold)
    ws.write_string(row + 1, 0, "Jaar", f.head)
    for ph in range(top + 1):
        ws.write_string(row + 1, 1 + ph, f"Fase {ph}", f.head)
    ws.write_string(row + 1, 2 + top, "Gemiddelde fase", f.head)
    for i, year in enumerate(years):
        counts = dist[year].get(code, {})
        ws.write_number(row + 2 + i, 0, int(year), f.year)
        total = weighted = 0
        for ph in range(top + 1):
            n = counts.get(str(ph), 0)
            total += n
            weighted += n * ph
            ws.write_number(row + 2 + i, 1 + ph, n, f.num)
        if total:
            ws.write_number(row + 2 + i, 2 + top, round(weighted / total, 2), f.num)
        else:
            ws.write_string(row + 2 + i, 2 + top, "", f.num)


CHART_TOP, CHART_ROWS = 3, 12  # the first chart's row; rows per chart (220 px in rows of 20 px, and a gap)


def _distribution_charts(wb: xlsxwriter.Workbook, ws, f: _Formats, blocks: dict[str, tuple[int, int]]) -> None:
    top = f.top
    chart_row = CHART_TOP
    for code, (head, lastrow) in blocks.items():
        chart = wb.add_chart({"type": "column", "subtype": "stacked"})
        for ph in range(top + 1):
            chart.add_series(
                {
                    "name": ["Verdeling", head, 1 + ph],
                    "categories": ["Verdeling", head + 1, 0, lastrow, 0],
                    "values": ["Verdeling", head + 1, 1 + ph, lastrow, 1 + ph],
                    "fill": {"color": P.phase_fill(ph)},
                    "border": {"color": "#404040"},
                }
            )
        chart.set_title({"name": "Totaal" if code == "totaal" else f"Pijler {code}", "name_font": {"size": 10}})
        chart.set_y_axis({"name": "Gemeenten", "major_gridlines": {"visible": True}})
        chart.set_legend({"position": "right", "font": {"size": 8}})
        chart.set_size({"width": 420, "height": 220})
        ws.insert_chart(chart_row, 4 + top, chart, {"object_position": 3})
        chart_row += CHART_ROWS
    # Overall progress: the average phase per pillar per year.
    line = wb.add_chart({"type": "line"})
    for i, (code, (head, lastrow)) in enumerate(blocks.items()):
        colour, marker = (P.TOTAL_SERIES, "circle") if code == "totaal" else P.series(i)
        line.add_series(
            {
                "name": "Totaal" if code == "totaal" else code,
                "categories": ["Verdeling", head + 1, 0, lastrow, 0],
                "values": ["Verdeling", head + 1, 2 + top, lastrow, 2 + top],
                "line": {"color": colour, "width": 2, "dash_type": "dash" if code == "totaal" else "solid"},
                "marker": {"type": marker, "size": 6, "fill": {"color": colour}, "border": {"color": colour}},
            }
        )
    line.set_title({"name": "Voortgang: gemiddelde fase per jaar", "name_font": {"size": 10}})
    line.set_y_axis({"min": 0, "max": top, "major_unit": 1, "name": "Fase"})
    line.set_size({"width": 420, "height": 220})
    ws.insert_chart(chart_row, 4 + top, line, {"object_position": 3})
    # Two charts to a page: a page edge never runs through a chart.
    ws.set_h_pagebreaks([CHART_TOP + k * 2 * CHART_ROWS for k in range(1, len(blocks) // 2 + 2)])


def _gemeente_sheet(ws, f: _Formats, g: GemeenteProgress) -> None:
    """One gemeente: its measurements, changes, regressions, notes and what blocks the next phase."""
    s = g.indicator_set
    ws.write_string(0, 0, g.gemeente, f.title)
    about = (
        (f"CBS-code {g.code}. " if g.code else "")
        + (f"Regio {g.regio}. " if g.regio else "")
        + f"Bestand: {g.file}. Set: {s.name} {s.version}."
    )
    ws.write_string(1, 0, about, f.small)
    row = 3
    header = ["Meting", "Datum", *s.pillar_codes, "Totaal", "Beantwoord"]
    for c, h in enumerate(header):
        ws.write_string(row, c, h, f.head)
    for i, m in enumerate(g.measurements, start=row + 1):
        _measurement_row(ws, f, i, m, s.pillar_codes)
    if not g.measurements:
        ws.write_string(row + 1, 0, "Nog geen meting met antwoorden.", f.small)
    f.colour_phases(ws, row + 1, 2, row + len(g.measurements), 2 + len(s.pillar_codes))
    row = _gemeente_changes(ws, f, g, row + max(1, len(g.measurements)) + 2)
    row = _gemeente_blocking(ws, f, g, row + 1)
    _gemeente_plan(ws, f, g, row + 2)
    last = len(header) - 1
    for first, end, width in ((0, 0, 12), (1, 1, 11), (2, 2, 10), (3, last - 1, 8), (last, last, 11)):
        ws.set_column(first, end, width)
    ws.set_column(last + 1, last + 1, HANDVAT_WIDTH)
    ws.set_column(last + 2, last + 2, 11)
    _landscape(ws)


def _measurement_row(ws, f: _Formats, i: int, m: MeasurementReading, codes) -> None:
    """One measurement: its phases, or while it runs the range they can still take (as text, not coloured)."""
    ws.write_string(i, 0, m.label, f.cell)
    _write_date(ws, i, 1, m.date, f.date)
    for c, code in enumerate(codes, start=2):
        if m.settled:
            ws.write_number(i, c, m.pillars[code].phase, f.num)
        else:
            ws.write_string(i, c, _phase_text(m, code).replace("-", "–"), f.num)
    if m.settled:
        ws.write_number(i, 2 + len(codes), m.phase, f.num)
    else:
        top = min(p.phase_max for p in m.pillars.values())
        ws.write_string(i, 2 + len(codes), f"{m.phase}–{top}", f.num)
    ws.write_string(i, 3 + len(codes), f"{m.answered}/{m.total}", f.num)


def _gemeente_changes(ws, f: _Formats, g: GemeenteProgress, row: int) -> int:
    """The running measurement, the change since the 0-meting, the regressions and notes; returns the next free row."""
    if g.running:
        ws.write_string(row, 0, running_dutch(g.running) + " (voorlopig; telt nog niet mee)", f.bold)
        row += 1
    if g.measurements:
        since = "Sinds de 0-meting: " + ", ".join(f"{c} {_signed(v)}" for c, v in g.change_since_baseline.items())
        ws.write_string(row, 0, since, f.bold)
        row += 1
    dates = {m.slot: m.date for m in g.measurements}

    def named(slot: int) -> str:
        date = dates.get(slot)
        return L.slot_label(slot) + (f", {date.strftime('%d-%m-%Y')}" if date else "")

    for r in g.regressions:
        ws.write_string(
            row,
            0,
            f"Terugval: {r.pillar} van fase {r.from_phase} ({named(r.from_slot)}) "
            f"naar fase {r.to_phase} ({named(r.to_slot)})",
            f.bold,
        )
        row += 1
    for note in [*g.notes, *(str(issue) for issue in g.warnings)]:
        ws.write_string(row, 0, note, f.small)
        row += 1
    return row


HANDVAT_WIDTH = 45


def _gemeente_blocking(ws, f: _Formats, g: GemeenteProgress, row: int) -> int:
    """What blocks the next phase: pillar, phase, id, the statement (over the measurement table's columns),
    the handvat and the answer now; or a sentence that says why there is nothing. Returns the next free row."""
    s = g.indicator_set
    last = 3 + len(s.pillar_codes)  # the measurement table's last column
    text_width = 8 * (last - 3) + 11
    ws.write_string(row, 0, "Wat houdt de volgende fase tegen (laatste vaste meting)", f.title)
    row += 1
    for c, h in ((0, "Pijler"), (1, "Naar fase"), (2, "ID"), (last + 1, "Handvat"), (last + 2, "Antwoord nu")):
        ws.write_string(row, c, h, f.head)
    ws.merge_range(row, 3, row, last, "Indicator", f.head)
    latest = g.latest
    if not any(g.blocking.values()):
        ws.write_string(row + 1, 0, _nothing_blocks(g), f.small)
    for code, ids in g.blocking.items():
        for ident in ids:
            row += 1
            ind = s.by_id[ident]
            ws.write_string(row, 0, code, f.cell)
            ws.write_number(row, 1, ind.phase, f.num)
            ws.write_string(row, 2, ident, f.cell)
            ws.merge_range(row, 3, row, last, ind.text, f.wrap)
            ws.write_string(row, last + 1, ind.handvat, f.wrap)
            ws.write_string(row, last + 2, (latest.answers.get(ident) if latest else None) or "(leeg)", f.num)
            ws.set_row(row, row_height(ind.text, text_width, ind.handvat, HANDVAT_WIDTH))
    return row + 2 if not any(g.blocking.values()) else row + 1


def _nothing_blocks(g: GemeenteProgress) -> str:
    if g.latest is None:
        return "Nog geen meting met vaste fasen: dit volgt zodra een meting vaststaat."
    return "Niets: elke pijler heeft de hoogste fase."


def _gemeente_plan(ws, f: _Formats, g: GemeenteProgress, row: int) -> None:
    """The action plan: every row with input, and whether it is overdue (the actie over the statement's columns)."""
    last = 3 + len(g.indicator_set.pillar_codes)  # as in the table of what blocks
    owned, total = g.blocking_with_owner
    ws.write_string(row, 0, f"Actieplan: {owned} van {total} tegenhouders met eigenaar", f.title)
    row += 1
    overdue = set(g.plan.get("overdue", []))
    for c, h in ((0, "ID"), (1, "Status"), (2, "Deadline"), (last + 1, "Eigenaar"), (last + 2, "Verlopen")):
        ws.write_string(row, c, h, f.head)
    ws.merge_range(row, 3, row, last, "Actie", f.head)
    if not g.reading.plan:
        ws.write_string(row + 1, 0, "Nog niets ingevuld op het blad Actieplan.", f.small)
    for r, plan in enumerate(g.reading.plan, start=row + 1):
        ws.write_string(r, 0, plan.indicator, f.cell)
        ws.write_string(r, 1, plan.status or "", f.cell)
        _write_date(ws, r, 2, plan.deadline, f.date)
        ws.merge_range(r, 3, r, last, plan.actie or "", f.wrap)
        ws.write_string(r, last + 1, plan.eigenaar or "", f.wrap)
        ws.write_string(r, last + 2, "verlopen" if plan.indicator in overdue else "", f.num)
        ws.set_row(r, row_height(plan.actie or "", 8 * (last - 3) + 11, plan.eigenaar or "", HANDVAT_WIDTH))


def _errors_sheet(wb: xlsxwriter.Workbook, f: _Formats, p: RegionProgress) -> None:
    ws = wb.add_worksheet("Niet gebruikt")
    ws.write_string(0, 0, "Bestanden die niet gebruikt zijn", f.title)
    ws.write_string(2, 0, "Bestand", f.head)
    ws.write_string(2, 1, "Reden", f.head)
    for r, e in enumerate(p.errors, start=3):
        ws.write_string(r, 0, e.file, f.cell)
        ws.write_string(r, 1, e.message, f.wrap)
        ws.set_row(r, row_height(e.message, 90))
    ws.set_column(0, 0, 50)
    ws.set_column(1, 1, 90)
    _landscape(ws)


def _write_date(ws, row: int, col: int, date, fmt) -> None:
    """A date as an Excel date (sortable, filterable), or an empty cell."""
    if date is None:
        ws.write_blank(row, col, None, fmt)
    else:
        ws.write_datetime(row, col, dt.datetime.combine(date, dt.time()), fmt)


__all__ = ["csv_bytes", "format_text", "overview_bytes", "plan_csv_bytes"]
