"""Progress as text, CSV (for Power BI and Dutch Excel) and an overview workbook.

All take a :class:`~piramide.progress.RegionProgress` and return text or
bytes; writing files (atomically) is the caller's job.
"""

from __future__ import annotations

import datetime as dt
import io
import re

import xlsxwriter

from ._csv import excel_csv
from ._outputs import OUTPUT_PROPERTY
from .progress import GemeenteProgress, RegionProgress

CSV_COLUMNS_FIXED = ("gemeente", "regio", "slot", "label", "datum", "pijler", "fase")
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
        f"Progress of {len(p.gemeenten)} gemeente{'n' if len(p.gemeenten) != 1 else ''} "
        f"({p.files} file{'s' if p.files != 1 else ''} read"
        + (f"; {len(p.errors)} not used, listed at the end" if p.errors else "")
        + ")",
        "",
    ]
    header = ["Gemeente", "Code", "Metingen", "Laatste", "Datum", *codes, "Totaal", "Sinds 0-meting"]
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
            ]
        )
    lines += _table(header, rows)
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
        lines.append(f"  ({p.undated()} measurements without a date are not in this table)")
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
        phases = "  ".join(f"{c} {m.pillars[c].phase}" for c in codes)
        out.append(f"  {m.label:<9} {m.date.isoformat() if m.date else '-':<10}  {phases}  totaal {m.phase}")
    if len(g.measurements) > 1:
        out.append(
            "  since 0-meting: "
            + "  ".join(f"{c} {_signed(v)}" for c, v in g.change_since_baseline.items())
            + "; since the previous: "
            + "  ".join(f"{c} {_signed(v)}" for c, v in g.change_since_previous.items())
        )
    for change in g.set_changes:
        out.append(
            f"  set changed between slot {change['from_slot']} and {change['to_slot']}: "
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
            f"  REGRESSION: {r.pillar} went from phase {r.from_phase} to {r.to_phase} "
            f"(slot {r.from_slot} -> {r.to_slot})"
        )
    if g.changes:
        per_pair: dict[tuple[int, int], int] = {}
        for c in g.changes:
            per_pair[(c.from_slot, c.to_slot)] = per_pair.get((c.from_slot, c.to_slot), 0) + 1
        out.append("  changed answers: " + ", ".join(f"{n} from slot {a} to {b}" for (a, b), n in per_pair.items()))
    for code, ids in g.blocking.items():
        phase = g.latest.pillars[code].phase
        if ids:
            out.append(f"  blocking {code} {phase} -> {phase + 1}: {', '.join(ids)}")
            if handvatten:
                for ident in ids:
                    ind = s.by_id[ident]
                    answer = g.latest.answers.get(ident) or "blank"
                    out.append(f"    {ident} ({answer}): {ind.text}")
                    out.append(f"      handvat: {ind.handvat}")
    return out


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=True)]
    return [
        "  " + "  ".join(str(x).ljust(w) for x, w in zip(row, widths, strict=True)).rstrip() for row in [header, *rows]
    ]


# --- CSV --------------------------------------------------------------------------------


def csv_bytes(p: RegionProgress) -> bytes:
    """Long format, one row per gemeente x measurement x pillar.

    UTF-8 with BOM, ``;``-separated and decimal commas, so that Dutch Excel
    opens it as columns with numbers; Power BI reads it with ``;`` as
    delimiter. Scores are empty where a level has no applicable indicator.
    """
    levels = max((len(g.indicator_set.phase_numbers) for g in p.gemeenten), default=4)

    def score(v: float | None) -> str:
        return "" if v is None else f"{v:.4f}".rstrip("0").rstrip(".").replace(".", ",")

    rows = (
        [
            g.gemeente,
            g.regio or "",
            m.slot,
            m.label,
            m.date.isoformat() if m.date else "",
            code,
            pillar.phase,
            *(score(pillar.scores.get(str(n))) for n in range(1, levels + 1)),
            g.code or "",
        ]
        for g in p.gemeenten
        for m in g.measurements
        for code, pillar in m.pillars.items()
    )
    # The code comes last, so that the columns before it keep their places.
    return excel_csv([*CSV_COLUMNS_FIXED, *(f"score_{n}" for n in range(1, levels + 1)), "code"], rows)


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


def overview_bytes(p: RegionProgress) -> bytes:
    """The overview workbook (Dutch): overview, distribution with charts, one sheet per gemeente."""
    buffer = io.BytesIO()
    wb = xlsxwriter.Workbook(
        buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
    )
    wb.set_properties({"title": "Piramide Fitte Gemeenten - voortgang", "author": "", "company": ""})
    wb.set_custom_property(OUTPUT_PROPERTY, "voortgang")  # folder scans know it is not a dashboard
    base = {"font_name": "Calibri", "font_size": 10, "valign": "top"}
    f_title = wb.add_format({**base, "bold": True, "font_size": 14, "font_color": "#1F3864"})
    f_head = wb.add_format(
        {**base, "bold": True, "bg_color": "#1F3864", "font_color": "#FFFFFF", "border": 1, "text_wrap": True}
    )
    f_cell = wb.add_format({**base, "border": 1})
    f_wrap = wb.add_format({**base, "border": 1, "text_wrap": True})
    f_num = wb.add_format({**base, "border": 1, "align": "center"})
    f_delta = wb.add_format({**base, "border": 1, "align": "center", "num_format": DELTA_FORMAT})
    f_date = wb.add_format({**base, "border": 1, "align": "center", "num_format": DATE_FORMAT})
    f_year = wb.add_format({**base, "border": 1, "num_format": "0", "align": "left"})
    f_small = wb.add_format({**base, "font_size": 8, "font_color": "#595959"})
    f_bold = wb.add_format({**base, "bold": True})
    colours = ["#F8CBAD", "#FFE699", "#E2EFDA", "#A9D08E", "#548235", "#375623", "#203864"]
    phase_fmts = [
        wb.add_format({"bg_color": c, "font_color": "#FFFFFF" if i >= 4 else "#000000"}) for i, c in enumerate(colours)
    ]
    f_down = wb.add_format({"bg_color": "#FFC7CE", "font_color": "#9C0006", "bold": True})
    f_up = wb.add_format({"font_color": "#006100", "bold": True})
    codes = p.pillar_codes
    top = max((max(g.indicator_set.phase_numbers) for g in p.gemeenten), default=4)

    def colour_phases(ws, first_row, first_col, last_row, last_col):
        if last_row < first_row:
            return
        for phase in range(top + 1):
            ws.conditional_format(
                first_row,
                first_col,
                last_row,
                last_col,
                {
                    "type": "cell",
                    "criteria": "==",
                    "value": phase,
                    "format": phase_fmts[min(phase, len(phase_fmts) - 1)],
                },
            )

    # Overzicht
    ws = wb.add_worksheet("Overzicht")
    ws.write_string(0, 0, "Piramide Fitte Gemeenten - voortgang per gemeente", f_title)
    ws.write_string(
        1,
        0,
        f"Gemaakt op {p.today.strftime('%d-%m-%Y')} uit {p.files} bestand(en). Fase 0 = startfase, "
        f"{top} = hoogste fase. Δ = verandering sinds de 0-meting. Dit overzicht bevat gevoelige informatie.",
        f_small,
    )
    headers = [
        "Gemeente",
        "Code",
        "Regio",
        "Laatste meting",
        "Datum",
        *codes,
        "Totaal",
        *(f"Δ {c}" for c in codes),
        "Δ Totaal",
        "Terugval",
        "Geen meting in 15 mnd",
    ]
    hr = 3
    for c, h in enumerate(headers):
        ws.write_string(hr, c, h, f_head)
    overdue = {id(g) for g in p.overdue()}
    first_phase_col = 5
    for r, g in enumerate(p.gemeenten, start=hr + 1):
        m = g.latest
        ws.write_string(r, 0, g.gemeente, f_cell)
        ws.write_string(r, 1, g.code or "", f_cell)
        ws.write_string(r, 2, g.regio or "", f_cell)
        ws.write_string(r, 3, m.label if m else "geen", f_cell)
        _write_date(ws, r, 4, m.date if m else None, f_date)
        col = first_phase_col
        for code in codes:
            if m and code in m.pillars:
                ws.write_number(r, col, m.pillars[code].phase, f_num)
            else:
                ws.write_string(r, col, "", f_num)
            col += 1
        if m:
            ws.write_number(r, col, m.phase, f_num)
        col += 1
        for code in [*codes, "totaal"]:
            delta = g.change_since_baseline.get(code)
            if delta is None:
                ws.write_blank(r, col, None, f_delta)
            else:
                ws.write_number(r, col, delta, f_delta)
            col += 1
        ws.write_string(r, col, "; ".join(f"{x.pillar} {x.from_phase}→{x.to_phase}" for x in g.regressions), f_cell)
        ws.write_string(r, col + 1, "ja" if id(g) in overdue else "", f_num)
    last = hr + len(p.gemeenten)
    colour_phases(ws, hr + 1, first_phase_col, last, first_phase_col + len(codes))
    dcol = first_phase_col + 1 + len(codes)
    if last > hr:
        for criteria, fmt in (("<", f_down), (">", f_up)):
            ws.conditional_format(
                hr + 1, dcol, last, dcol + len(codes), {"type": "cell", "criteria": criteria, "value": 0, "format": fmt}
            )
    ws.set_column(0, 0, 24)
    ws.set_column(1, 1, 9)
    ws.set_column(2, 2, 16)
    ws.set_column(3, 4, 12)
    ws.set_column(first_phase_col, dcol + len(codes), 7)
    ws.set_column(dcol + len(codes) + 1, dcol + len(codes) + 1, 22)
    ws.set_column(dcol + len(codes) + 2, dcol + len(codes) + 2, 12)
    ws.freeze_panes(hr + 1, 1)
    if last > hr:
        ws.autofilter(hr, 0, last, len(headers) - 1)
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(hr)

    # Verdeling
    ws = wb.add_worksheet("Verdeling")
    ws.write_string(0, 0, "Verdeling van de fasen per pijler per kalenderjaar (aantal gemeenten)", f_title)
    ws.write_string(
        1,
        0,
        "Per gemeente telt de laatste meting van dat jaar. Metingen zonder datum tellen niet mee"
        + (f" ({p.undated()})." if p.undated() else "."),
        f_small,
    )
    dist = p.distribution()
    years = list(dist)
    row = 3
    blocks = {}
    for code in [*codes, "totaal"]:
        ws.write_string(row, 0, "Totaal (laagste pijler)" if code == "totaal" else f"Pijler {code}", f_bold)
        ws.write_string(row + 1, 0, "Jaar", f_head)
        for ph in range(top + 1):
            ws.write_string(row + 1, 1 + ph, f"Fase {ph}", f_head)
        ws.write_string(row + 1, 2 + top, "Gemiddelde fase", f_head)
        for i, year in enumerate(years):
            counts = dist[year].get(code, {})
            ws.write_number(row + 2 + i, 0, int(year), f_year)
            total = weighted = 0
            for ph in range(top + 1):
                n = counts.get(str(ph), 0)
                total += n
                weighted += n * ph
                ws.write_number(row + 2 + i, 1 + ph, n, f_num)
            if total:
                ws.write_number(row + 2 + i, 2 + top, round(weighted / total, 2), f_num)
            else:
                ws.write_string(row + 2 + i, 2 + top, "", f_num)
        blocks[code] = (row + 1, row + 1 + len(years))
        row += len(years) + 4
    ws.set_column(0, 0, 22)
    ws.set_column(1, 2 + top, 11)
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    if years:
        chart_row = 3
        for code in [*codes, "totaal"]:
            head, lastrow = blocks[code]
            chart = wb.add_chart({"type": "column", "subtype": "stacked"})
            for ph in range(top + 1):
                chart.add_series(
                    {
                        "name": ["Verdeling", head, 1 + ph],
                        "categories": ["Verdeling", head + 1, 0, lastrow, 0],
                        "values": ["Verdeling", head + 1, 1 + ph, lastrow, 1 + ph],
                        "fill": {"color": colours[min(ph, len(colours) - 1)]},
                        "border": {"color": "#404040"},
                    }
                )
            chart.set_title({"name": "Totaal" if code == "totaal" else f"Pijler {code}", "name_font": {"size": 10}})
            chart.set_y_axis({"name": "Gemeenten", "major_gridlines": {"visible": True}})
            chart.set_legend({"position": "right", "font": {"size": 8}})
            chart.set_size({"width": 420, "height": 220})
            ws.insert_chart(chart_row, 4 + top, chart)
            chart_row += 12
        # Overall progress: the average phase per pillar per year.
        line = wb.add_chart({"type": "line"})
        for code in [*codes, "totaal"]:
            head, lastrow = blocks[code]
            line.add_series(
                {
                    "name": "Totaal" if code == "totaal" else code,
                    "categories": ["Verdeling", head + 1, 0, lastrow, 0],
                    "values": ["Verdeling", head + 1, 2 + top, lastrow, 2 + top],
                    "marker": {"type": "circle"},
                }
            )
        line.set_title({"name": "Voortgang: gemiddelde fase per jaar", "name_font": {"size": 10}})
        line.set_y_axis({"min": 0, "max": top, "major_unit": 1, "name": "Fase"})
        line.set_size({"width": 420, "height": 260})
        ws.insert_chart(chart_row, 4 + top, line)

    # One sheet per gemeente
    # "History" is reserved by Excel (its change-tracking sheet).
    names = _sheet_names(p.gemeenten, {"Overzicht", "Verdeling", "Niet gebruikt", "History"})
    for g, name in zip(p.gemeenten, names, strict=True):
        s = g.indicator_set
        ws = wb.add_worksheet(name)
        ws.write_string(0, 0, g.gemeente, f_title)
        ws.write_string(
            1,
            0,
            (f"CBS-code {g.code}. " if g.code else "")
            + (f"Regio {g.regio}. " if g.regio else "")
            + f"Bestand: {g.file}. Set: {s.name} {s.version}.",
            f_small,
        )
        row = 3
        header = ["Meting", "Datum", *s.pillar_codes, "Totaal", "Beantwoord"]
        for c, h in enumerate(header):
            ws.write_string(row, c, h, f_head)
        for i, m in enumerate(g.measurements, start=row + 1):
            ws.write_string(i, 0, m.label, f_cell)
            _write_date(ws, i, 1, m.date, f_date)
            for c, code in enumerate(s.pillar_codes, start=2):
                ws.write_number(i, c, m.pillars[code].phase, f_num)
            ws.write_number(i, 2 + len(s.pillar_codes), m.phase, f_num)
            ws.write_string(i, 3 + len(s.pillar_codes), f"{m.answered}/{m.total}", f_num)
        colour_phases(ws, row + 1, 2, row + len(g.measurements), 2 + len(s.pillar_codes))
        row += len(g.measurements) + 2
        if g.measurements:
            ws.write_string(
                row,
                0,
                "Sinds de 0-meting: " + ", ".join(f"{c} {_signed(v)}" for c, v in g.change_since_baseline.items()),
                f_bold,
            )
            row += 1
        for r in g.regressions:
            ws.write_string(
                row,
                0,
                f"Terugval: {r.pillar} van fase {r.from_phase} naar {r.to_phase} (meting {r.from_slot} → {r.to_slot})",
                f_bold,
            )
            row += 1
        for note in [*g.notes, *(str(issue) for issue in g.warnings)]:
            ws.write_string(row, 0, note, f_small)
            row += 1
        row += 1
        ws.write_string(row, 0, "Wat houdt de volgende fase tegen (laatste meting)", f_title)
        row += 1
        header = ["Pijler", "Naar fase", "ID", "Indicator", "Handvat", "Antwoord nu"]
        for c, h in enumerate(header):
            ws.write_string(row, c, h, f_head)
        row += 1
        latest = g.latest
        for code, ids in g.blocking.items():
            for ident in ids:
                ind = s.by_id[ident]
                ws.write_string(row, 0, code, f_cell)
                ws.write_number(row, 1, ind.phase, f_num)
                ws.write_string(row, 2, ident, f_cell)
                ws.write_string(row, 3, ind.text, f_wrap)
                ws.write_string(row, 4, ind.handvat, f_wrap)
                ws.write_string(row, 5, (latest.answers.get(ident) if latest else None) or "(leeg)", f_num)
                row += 1
        ws.set_column(0, 0, 12)
        ws.set_column(1, 2, 10)
        ws.set_column(3, 4, 55)
        ws.set_column(5, 5 + len(s.pillar_codes), 10)
        ws.set_landscape()
        ws.set_paper(9)
        ws.fit_to_pages(1, 0)

    if p.errors:
        ws = wb.add_worksheet("Niet gebruikt")
        ws.write_string(0, 0, "Bestanden die niet gebruikt zijn", f_title)
        ws.write_string(2, 0, "Bestand", f_head)
        ws.write_string(2, 1, "Reden", f_head)
        for r, e in enumerate(p.errors, start=3):
            ws.write_string(r, 0, e.file, f_cell)
            ws.write_string(r, 1, e.message, f_wrap)
        ws.set_column(0, 0, 50)
        ws.set_column(1, 1, 90)
    wb.close()
    return buffer.getvalue()


def _write_date(ws, row: int, col: int, date, fmt) -> None:
    """A date as an Excel date (sortable, filterable), or an empty cell."""
    if date is None:
        ws.write_blank(row, col, None, fmt)
    else:
        ws.write_datetime(row, col, dt.datetime.combine(date, dt.time()), fmt)


__all__ = ["csv_bytes", "format_text", "overview_bytes"]
