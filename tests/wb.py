"""Workbook helpers for the tests: answer grids, filling as a user would, reading names."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import openpyxl

from piramide import IndicatorSet
from piramide import layout as L

Grid = dict[str, str | None]

LABELS = (None, "ja", "deels", "nee", "n.v.t.")


def random_grid(s: IndicatorSet, seed: int, p_yes: float | None = None) -> Grid:
    """Random answers, mostly ``ja`` (so phases land all over 0..4), some blanks."""
    rng = random.Random(seed)
    p_yes = rng.uniform(0.5, 0.95) if p_yes is None else p_yes
    grid = {}
    for ind in s.indicators:
        r = rng.random()
        if r < p_yes:
            grid[ind.id] = "ja"
        else:
            grid[ind.id] = rng.choice(LABELS)
    return grid


def uniform_grid(s: IndicatorSet, label: str | None) -> Grid:
    return {i.id: label for i in s.indicators}


def grid_by_level(s: IndicatorSet, per_level: dict[int, list[str | None]]) -> Grid:
    """Per phase level a list of answers, used in order for that level's indicators of every pillar."""
    grid = {}
    for pillar in s.pillar_codes:
        for level, answers in per_level.items():
            inds = s.indicators_of(pillar, level)
            assert len(answers) == len(inds), (pillar, level, len(inds))
            for ind, a in zip(inds, answers, strict=True):
                grid[ind.id] = a
    return grid


def question_rows(ws) -> dict[str, int]:
    """Indicator id -> 1-based row in the Vragenlijst sheet (openpyxl)."""
    rows = {}
    for row in ws.iter_rows(min_row=L.Q_FIRST_ROW + 1, max_col=1):
        value = row[0].value
        if isinstance(value, str) and value:
            rows[value] = row[0].row
    return rows


def fill_openpyxl(blank: Path, out: Path, grids: list[Grid], dates: list[dt.date | None] | None = None) -> None:
    """Type answers into a dashboard with openpyxl (as a script or a user would) and save it."""
    wb = openpyxl.load_workbook(blank)
    ws = wb[L.QUESTIONS]
    rows = question_rows(ws)
    for slot, grid in enumerate(grids):
        col = L.answer_col(slot) + 1
        for ident, answer in grid.items():
            if answer is not None:
                ws.cell(rows[ident], col).value = answer
        if dates and dates[slot]:
            ws.cell(L.Q_ROW_DATE + 1, col).value = dates[slot]
    wb.save(out)


def lo_cells(blank: Path, grids: list[Grid]) -> list[list]:
    """The cells to type in LibreOffice (``lo_fill`` format) for these grids."""
    wb = openpyxl.load_workbook(blank, read_only=False)
    rows = question_rows(wb[L.QUESTIONS])
    cells = []
    for slot, grid in enumerate(grids):
        for ident, answer in grid.items():
            if answer is not None:
                cells.append([L.QUESTIONS, rows[ident] - 1, L.answer_col(slot), "text", answer])
    return cells


def name_values(path: Path) -> dict[str, object]:
    """Defined name -> the value of its (single) cell, as stored in the file."""
    wb = openpyxl.load_workbook(path, data_only=True)
    values = {}
    for name, dn in wb.defined_names.items():
        dests = list(dn.destinations)
        if len(dests) != 1 or ":" in dests[0][1]:
            continue
        sheet, ref = dests[0]
        values[name] = wb[sheet][ref.replace("$", "")].value
    return values


def formula_cells(path: Path) -> dict[tuple[str, str], str]:
    """(sheet, cell) -> formula text for every formula in the workbook."""
    wb = openpyxl.load_workbook(path)
    out = {}
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if isinstance(c.value, str) and c.value.startswith("="):
                    out[(ws.title, c.coordinate)] = c.value
    return out


# --- the raw package: zip parts, sheet XML, cells as stored ---------------------------

from dataclasses import dataclass  # noqa: E402

_NS = {
    "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "rel": "http://schemas.openxmlformats.org/package/2006/relationships",
}


def zip_parts(source: Path | bytes) -> dict[str, bytes]:
    """Every part of an ``.xlsx`` package: name -> bytes."""
    import io
    import zipfile

    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {name: z.read(name) for name in z.namelist()}


def sheet_parts(parts: dict[str, bytes]) -> dict[str, str]:
    """Sheet name -> the name of its XML part (``xl/worksheets/sheetN.xml``), in workbook order."""
    import xml.etree.ElementTree as ET

    book = ET.fromstring(parts["xl/workbook.xml"])
    rels = ET.fromstring(parts["xl/_rels/workbook.xml.rels"])
    targets = {r.get("Id"): r.get("Target") for r in rels.findall("rel:Relationship", _NS)}
    out = {}
    for sheet in book.find("m:sheets", _NS):
        target = targets[sheet.get(f"{{{_NS['r']}}}id")]
        out[sheet.get("name")] = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    return out


def shared_strings(parts: dict[str, bytes]) -> list[str]:
    """The shared string table, in order (rich text runs joined)."""
    import xml.etree.ElementTree as ET

    if "xl/sharedStrings.xml" not in parts:
        return []
    root = ET.fromstring(parts["xl/sharedStrings.xml"])
    return ["".join(t.text or "" for t in si.iter(f"{{{_NS['m']}}}t")) for si in root.findall("m:si", _NS)]


@dataclass(frozen=True)
class XmlCell:
    """One ``<c>`` element as stored: its type attribute, formula, raw value and the text it shows."""

    ref: str
    t: str | None
    style: int
    formula: str | None
    value: str | None
    has_v: bool
    text: str | None  # the string of a shared or inline string cell


def xml_cells(parts: dict[str, bytes], sheet: str) -> dict[str, XmlCell]:
    """A1 reference -> :class:`XmlCell` for every cell element in ``sheet``'s XML."""
    import xml.etree.ElementTree as ET

    sst = shared_strings(parts)
    root = ET.fromstring(parts[sheet_parts(parts)[sheet]])
    cells = {}
    m = f"{{{_NS['m']}}}"
    for c in root.iter(f"{m}c"):
        f, v, inline = c.find(f"{m}f"), c.find(f"{m}v"), c.find(f"{m}is")
        t = c.get("t")
        text = None
        if t == "s" and v is not None:
            text = sst[int(v.text)]
        elif t == "inlineStr" and inline is not None:
            text = "".join(x.text or "" for x in inline.iter(f"{m}t"))
        cells[c.get("r")] = XmlCell(
            ref=c.get("r"),
            t=t,
            style=int(c.get("s", 0)),
            formula=None if f is None else (f.text or ""),
            value=None if v is None else (v.text or ""),
            has_v=v is not None,
            text=text,
        )
    return cells


def read_metadata(path: Path) -> dict[str, str]:
    """Column A -> column B of the hidden Metadata sheet (key/value rows only), from the raw XML."""
    cells = xml_cells(zip_parts(path), L.METADATA)
    out = {}
    for row in range(1, len(L.M_KEYS) + 1):
        key, value = cells.get(f"A{row}"), cells.get(f"B{row}")
        if key is not None:
            out[key.text if key.text is not None else key.value] = (
                None if value is None else value.text if value.text is not None else value.value
            )
    return out


# --- filled workbooks from a literal table (reading them back) ------------------------

import io  # noqa: E402
import re  # noqa: E402
import zipfile  # noqa: E402
from collections.abc import Callable, Mapping  # noqa: E402

_BLANKS: dict[tuple, bytes] = {}


def parse_table(table: str) -> list[list[str]]:
    """The cells of a table written as ``| a | b |`` lines.

    Cells are stripped; a cell written in quotes (``' nvt '``) is kept exactly
    as quoted, so leading and trailing spaces can be typed.
    """
    rows = []
    for line in table.strip().splitlines():
        line = line.strip()
        if not line or set(line) <= set("|-: "):
            continue  # blank or a |---|---| separator
        assert line.startswith("|") and line.endswith("|"), f"not a table row: {line!r}"
        cells = []
        for cell in line[1:-1].split("|"):
            cell = cell.strip()
            if len(cell) >= 2 and cell[0] == cell[-1] and cell[0] in "'\"":
                cell = cell[1:-1]
            cells.append(cell)
        rows.append(cells)
    return rows


def indicator_rows(s: IndicatorSet) -> dict[str, int]:
    """Indicator id -> its 1-based row in a blank Vragenlijst (a heading row per pillar, then its indicators)."""
    rows, row = {}, L.Q_FIRST_ROW + 1
    for pillar in s.pillars:
        row += 1
        for ind in s.indicators_of(pillar.code):
            rows[ind.id] = row
            row += 1
    return rows


def answer_ref(s: IndicatorSet, ident: str, slot: int = 0) -> str:
    """``Vragenlijst!F6``: the answer cell of ``ident`` in ``slot`` of a blank dashboard."""
    return f"{L.QUESTIONS}!{L.col_letter(L.answer_col(slot))}{indicator_rows(s)[ident]}"


def slot_of(label: str) -> int:
    """``0-meting`` -> 0, ``Meting 2`` -> 2 (also ``Antwoord Meting 2``)."""
    label = label.removeprefix("Antwoord ").strip()
    for slot in range(L.MAX_SLOTS):
        if L.slot_label(slot) == label:
            return slot
    raise AssertionError(f"{label!r} is not a slot label")


def blank_bytes(s: IndicatorSet, slots: int = L.DEFAULT_SLOTS, gemeente: str = "Teststad", regio: str | None = None) -> bytes:
    """A blank dashboard as bytes (made once per set, slot count and names)."""
    from piramide.writer import WorkbookSpec, workbook_bytes

    key = (s.fingerprint, slots, gemeente, regio)
    if key not in _BLANKS:
        _BLANKS[key] = workbook_bytes(WorkbookSpec(s, gemeente, regio=regio, slots=slots))
    return _BLANKS[key]


def filled_workbook(
    folder: Path,
    table: str,
    *,
    indicator_set: IndicatorSet | None = None,
    slots: int = L.DEFAULT_SLOTS,
    gemeente: str = "Teststad",
    regio: str | None = None,
    dates: Mapping[int, object] | None = None,
    by: Mapping[int, str] | None = None,
    cells: Mapping[str, object] | None = None,
    edit: Callable[[openpyxl.Workbook, dict[str, int]], None] | None = None,
    name: str = "filled.xlsx",
) -> Path:
    """A dashboard with the answers of a literal table typed in (openpyxl), saved as ``folder/name``.

    ``table``: a header ``| id | 0-meting | Meting 1 |`` (slot labels), then a
    row per indicator id with the answers as typed (blank: left empty). Rows
    ``datum`` and ``ingevuld door`` type text into the date and name cells.
    ``dates`` puts values of any type (a ``date``, a serial number, text) in
    the date cell of a slot; ``cells`` sets ``{"Sheet!A1": value}`` after the
    answers (``None`` empties a cell); ``edit(workbook, rows)`` does anything
    else last (``rows``: id -> 1-based row as made). Default set: the reference set 2026.1.
    """
    from piramide import bundled_set

    s = indicator_set or bundled_set("nl-referentie@2026.1")
    wb = openpyxl.load_workbook(io.BytesIO(blank_bytes(s, slots, gemeente, regio)))
    ws = wb[L.QUESTIONS]
    rows = indicator_rows(s)
    header, *body = parse_table(table)
    assert header[0].lower() == "id", f"the first column is 'id', not {header[0]!r}"
    cols = [L.answer_col(slot_of(label)) + 1 for label in header[1:]]
    special = {"datum": L.Q_ROW_DATE + 1, "ingevuld door": L.Q_ROW_BY + 1}
    for ident, *values in body:
        assert len(values) == len(cols), f"row {ident}: {len(values)} cells for {len(cols)} columns"
        row = special.get(ident.lower()) or rows[ident]
        for col, value in zip(cols, values, strict=True):
            if value != "":
                ws.cell(row, col).value = value
    for slot, value in (dates or {}).items():
        ws.cell(L.Q_ROW_DATE + 1, L.answer_col(slot) + 1).value = value
    for slot, value in (by or {}).items():
        ws.cell(L.Q_ROW_BY + 1, L.answer_col(slot) + 1).value = value
    for ref, value in (cells or {}).items():
        sheet, coordinate = ref.split("!")
        wb[sheet][coordinate].value = value
    if edit is not None:
        edit(wb, rows)
    path = Path(folder) / name
    wb.save(path)
    return path


def rezip(parts: Mapping[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    """An ``.xlsx`` package (deflated unless told) from ``name -> bytes``, in the given order."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return out.getvalue()


def set_cell_xml(parts: dict[str, bytes], sheet: str, ref: str, text: str | None) -> None:
    """Replace one cell in ``sheet``'s XML by an inline string (or an empty cell), keeping its style.

    Changes the stored value only: cached formula results elsewhere stay as
    they were, which is what openpyxl cannot do (it drops them all).
    """
    part = sheet_parts(parts)[sheet]
    xml = parts[part].decode("utf-8")
    pattern = re.compile(rf'<c r="{ref}"(?P<attrs>[^>]*?)(?:/>|>.*?</c>)', re.S)
    match = pattern.search(xml)
    assert match, f"{sheet}!{ref} is not in {part}"
    style = re.search(r'\ss="(\d+)"', match.group("attrs"))
    s_attr = f' s="{style.group(1)}"' if style else ""
    if text is None:
        new = f'<c r="{ref}"{s_attr}/>'
    else:
        escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        new = f'<c r="{ref}"{s_attr} t="inlineStr"><is><t xml:space="preserve">{escaped}</t></is></c>'
    parts[part] = (xml[: match.start()] + new + xml[match.end() :]).encode("utf-8")


# --- deelvragenlijsten (parts) ------------------------------------------------------------


def part_cells(
    part: Path,
    answers: Mapping[str, str] | None = None,
    notes: Mapping[str, str] | None = None,
    date: str | None = None,
    by: str | None = None,
    plan: Mapping[str, Mapping[str, str]] | None = None,
) -> list[list]:
    """The cells to type into a part (``lo_fill`` format, 0-based), found as a person finds them.

    The answer and note columns by their header (``Antwoord <label>``,
    ``Toelichting <label>``), the rows by the id in column A, the date and
    name above the answer column. ``plan``: per indicator id, Actieplan fields
    (``actie``, ``eigenaar``, ``deadline`` as ISO date, ``status``,
    ``toelichting``), typed in the column under its header, the row by its id.
    """
    book = openpyxl.load_workbook(part)
    ws = book[L.QUESTIONS]
    header = [c.value for c in ws[L.Q_ROW_HEADER + 1]]
    a = next(i for i, h in enumerate(header) if isinstance(h, str) and h.startswith("Antwoord "))
    n = next(i for i, h in enumerate(header) if isinstance(h, str) and h.startswith("Toelichting "))
    rows = question_rows(ws)
    cells: list[list] = []
    if date:
        cells.append([L.QUESTIONS, L.Q_ROW_DATE, a, "date", date])
    if by:
        cells.append([L.QUESTIONS, L.Q_ROW_BY, a, "text", by])
    for ident, value in (answers or {}).items():
        cells.append([L.QUESTIONS, rows[ident] - 1, a, "text", value])
    for ident, value in (notes or {}).items():
        cells.append([L.QUESTIONS, rows[ident] - 1, n, "text", value])
    if plan:
        actions = book[L.ACTIONS]
        headers = [c.value for c in actions[L.A_ROW_HEADER + 1]]
        ids = {actions.cell(r + 1, L.A_COL_ID + 1).value: r for r in range(L.A_FIRST_ROW, actions.max_row)}
        for ident, fields in plan.items():
            for field, value in fields.items():
                col = headers.index(L.A_HEADERS[L.A_FIELDS[field]])
                cells.append([L.ACTIONS, ids[ident], col, "date" if field == "deadline" else "text", value])
    return cells


def fill_part(part: Path, out: Path | None = None, **values) -> Path:
    """Type into a part with openpyxl (as a script would) what :func:`part_cells` finds; save as ``out``."""
    wb = openpyxl.load_workbook(part)
    for sheet, row, col, kind, value in part_cells(part, **values):
        wb[sheet].cell(row + 1, col + 1).value = dt.date.fromisoformat(value) if kind == "date" else value
    out = out or part
    wb.save(out)
    return out


def set_metadata(path: Path, out: Path, **values: str) -> Path:
    """The workbook with Metadata values changed (``key=value``), saved by openpyxl as ``out``."""
    wb = openpyxl.load_workbook(path)
    ws = wb[L.METADATA]
    for key, value in values.items():
        ws.cell(L.metadata_row(key) + 1, 2).value = value
    wb.save(out)
    return out


def plan_rows(s: IndicatorSet) -> dict[str, int]:
    """Indicator id -> its 0-based row in the Actieplan (one row per indicator, grouped by pillar as written)."""
    order = [ind.id for p in s.pillars for ind in s.indicators_of(p.code)]
    return {ident: L.A_FIRST_ROW + n for n, ident in enumerate(order)}
