"""The dashboard workbook's structure, read back with openpyxl and from the raw XML (no LibreOffice).

What a spreadsheet engine computes is in ``test_workbook_engine.py``; here
is everything else of issue 3's contract: sheets, columns, dropdowns,
protection, printing, defined names, formulas, text that stays text, the
metadata sheet and the cover.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import openpyxl
import pytest
from helpers import edit, set_yaml, write_set
from openpyxl.cell.cell import Cell
from openpyxl.utils import get_column_letter
from wb import name_values, random_grid, read_metadata, sheet_parts, xml_cells, zip_parts

import piramide
from piramide import IndicatorSet, PiramideError, load_set, score_measurement
from piramide import layout as L
from piramide.errors import ArgumentError
from piramide.writer import SlotContent, WorkbookSpec, build_workbook, workbook_bytes

GEMEENTE = "Teststad"
REGIO = "Midden-Nederland"
PORTABLE_FUNCTIONS = {"SUMPRODUCT", "IF", "AND", "OR", "MIN", "MAX", "INDEX", "MATCH", "IFERROR", "COUNTIFS", "TODAY"}
PORTABLE_FUNCTIONS |= {"LEFT", "LEN", "ROUND", "DAY", "MONTH", "YEAR"}  # text and dates on the Voorblad
PORTABLE_FUNCTIONS |= {"TRIM", "CLEAN"}  # an Actieplan owner: text other than spaces (Excel 2010 and LibreOffice)

HOSTILE_GEMEENTE = '=HYPERLINK("http://x","klik")'
HOSTILE_REGIO = "+31 6"
#: Indicator id -> (statement, handvat) that a spreadsheet would take for a formula if typed.
HOSTILE_SET_TEXT = {
    "AA-1.01": ('=HYPERLINK("http://x","klik")', "+31 6 12345678"),
    "AA-2.01": ("-1 is minder dan nul", "@gemeente volgen"),
    "BB-1.01": ("@SUM(A1)", "=1+1"),
    "BB-2.01": ("+ plus", "- min"),
}
HOSTILE_NOTE = "=SUM(A1:A9)"
HOSTILE_BY = '=HYPERLINK("http://y","wie")'


# --- fixtures: each workbook is written and read once per module ----------------------


@pytest.fixture(scope="module")
def blank(tmp_path_factory, reference) -> Path:
    """A blank dashboard of the reference set, 5 slots."""
    path = tmp_path_factory.mktemp("blank") / "Teststad.xlsx"
    return build_workbook(path, gemeente=GEMEENTE, regio=REGIO, indicator_set=reference)


@pytest.fixture(scope="module")
def blank_wb(blank):
    return openpyxl.load_workbook(blank)


@pytest.fixture(scope="module")
def blank_parts(blank) -> dict[str, bytes]:
    return zip_parts(blank)


@pytest.fixture(scope="module")
def contents(reference) -> list[SlotContent]:
    """Three measurements: random answers, a note, a date and who filled them in."""
    out = []
    for k in range(3):
        grid = random_grid(reference, seed=40 + k)
        first = reference.indicators[k].id
        out.append(
            SlotContent(
                answers=grid,
                notes={first: f"Zie besluit {k}", reference.indicators[-1].id: HOSTILE_NOTE},
                date=dt.date(2023 + k, 3, 1),
                ingevuld_door=f"Adviseur {k}",
            )
        )
    return out


@pytest.fixture(scope="module")
def filled(tmp_path_factory, reference, contents) -> Path:
    """The reference dashboard with three measurements written into it (5 slots)."""
    path = tmp_path_factory.mktemp("filled") / "Gevuld.xlsx"
    return build_workbook(path, gemeente="Gevuld", indicator_set=reference, content=contents)


@pytest.fixture(scope="module")
def filled_wb(filled):
    return openpyxl.load_workbook(filled)


@pytest.fixture(scope="module")
def hostile_set(tmp_path_factory) -> IndicatorSet:
    """A small set whose statements and handvatten begin with ``=``, ``+``, ``-`` and ``@``."""
    text = set_yaml()
    for ident, (statement, handvat) in HOSTILE_SET_TEXT.items():
        pillar, rest = ident.split("-")
        phase = rest.split(".")[0]
        old = f"    text: Stelling 1 van fase {phase} in pijler {pillar}.\n    handvat: Doe er iets aan.\n"
        new = f"    text: {json.dumps(statement)}\n    handvat: {json.dumps(handvat)}\n"
        text = edit(text, old, new)
    s = load_set(write_set(tmp_path_factory.mktemp("hostile-set"), text))
    assert {i.id: (i.text, i.handvat) for i in s.indicators} == HOSTILE_SET_TEXT
    return s


@pytest.fixture(scope="module")
def hostile(tmp_path_factory, hostile_set) -> Path:
    """A dashboard where every user-supplied text looks like a formula."""
    content = [SlotContent(answers={"AA-1.01": "ja"}, notes={"AA-1.01": HOSTILE_NOTE}, ingevuld_door=HOSTILE_BY)]
    path = tmp_path_factory.mktemp("hostile") / "hostile.xlsx"
    return build_workbook(
        path, gemeente=HOSTILE_GEMEENTE, regio=HOSTILE_REGIO, indicator_set=hostile_set, slots=2, content=content
    )


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> IndicatorSet:
    """A set of three pillars, two phases (two and one indicators per pillar)."""
    return load_set(write_set(tmp_path_factory.mktemp("small"), set_yaml(pillars=("AA", "BB", "CC"), per_phase=(2, 1))))


def _small_book(folder: Path, s: IndicatorSet, slots: int) -> Path:
    return build_workbook(folder / f"small-{slots}.xlsx", gemeente="Klein", indicator_set=s, slots=slots)


# --- helpers ------------------------------------------------------------------------------


def _effective(ws, row: int, col: int):
    """The style object that applies to a 1-based cell: its own, else its row's, else its column's."""
    cell = ws._cells.get((row, col))
    if cell is not None:
        return cell
    if row in ws.row_dimensions and ws.row_dimensions[row].customFormat:
        return ws.row_dimensions[row]
    for dim in ws.column_dimensions.values():
        if dim.min is not None and dim.min <= col <= (dim.max or dim.min):
            return dim
    return Cell(ws, row=row, column=col)  # no style anywhere: the default (locked, General)


def _cell(ws, row: int, col: int):
    """The cell at a 1-based position if the file has it, else None (unlike ws.cell, never creates one)."""
    return ws._cells.get((row, col))


def _v(ws, row: int, col: int):
    cell = _cell(ws, row, col)
    return None if cell is None else cell.value


def _indicator_rows(ws) -> dict[str, int]:
    """Indicator id -> 1-based row in Vragenlijst."""
    rows = {}
    for row in range(L.Q_FIRST_ROW + 1, ws.max_row + 1):
        value = _v(ws, row, L.Q_COL_ID + 1)
        if value:
            rows[value] = row
    return rows


def _header(ws) -> list:
    row = L.Q_ROW_HEADER + 1
    values = [_v(ws, row, c) for c in range(1, ws.max_column + 1)]
    while values and values[-1] is None:
        values.pop()
    return values


def _formulas(parts: dict[str, bytes]) -> dict[tuple[str, str], str]:
    """(sheet, cell) -> formula for every cell formula in the package."""
    out = {}
    for sheet in sheet_parts(parts):
        for ref, c in xml_cells(parts, sheet).items():
            if c.formula is not None:
                out[(sheet, ref)] = c.formula
    return out


def _cells_with_text(parts: dict[str, bytes], text: str) -> list[tuple[str, object]]:
    """Every (sheet, XmlCell) whose stored text or value is exactly ``text``."""
    hits = []
    for sheet in sheet_parts(parts):
        for c in xml_cells(parts, sheet).values():
            if c.text == text or (c.t in ("str", None) and c.value == text and c.formula is None):
                hits.append((sheet, c))
    return hits


def _single_cell(wb, name: str) -> tuple[str, str]:
    (dest,) = list(wb.defined_names[name].destinations)
    return dest


# --- sheets -------------------------------------------------------------------------------


def test_sheets_are_in_the_layouts_order(blank_wb):
    """The sheets come in the order of layout.SHEET_ORDER, starting with the cover."""
    assert blank_wb.sheetnames == list(L.SHEET_ORDER)
    assert blank_wb.sheetnames[:4] == ["Voorblad", "Vragenlijst", "Actieplan", "Instructie"]


def test_calculation_lists_and_metadata_are_hidden_the_rest_visible(blank_wb):
    """Berekening, Lijsten and Metadata are hidden (so they never print); Voorblad, Vragenlijst and Instructie are visible."""
    states = {ws.title: ws.sheet_state for ws in blank_wb.worksheets}
    assert {n for n, st in states.items() if st != "visible"} == {"Berekening", "Lijsten", "Metadata"}
    assert states["Berekening"] == states["Lijsten"] == states["Metadata"] == "hidden"
    assert all(states[n] == "visible" for n in ("Voorblad", "Vragenlijst", "Instructie"))


def test_workbook_opens_on_the_cover(blank_wb):
    """The active sheet when the file opens is the Voorblad."""
    assert blank_wb.active.title == "Voorblad"


# --- Vragenlijst ------------------------------------------------------------------------------


@pytest.mark.parametrize("slots", [1, 5, 8])
def test_header_row_has_fixed_columns_then_answer_and_note_per_slot(tmp_path, small, slots):
    """The header row is ID, Pijler, Fase, Indicator, Handvat, then Antwoord/Toelichting per slot label."""
    ws = openpyxl.load_workbook(_small_book(tmp_path, small, slots))[L.QUESTIONS]
    labels = ["0-meting"] + [f"Meting {k}" for k in range(1, slots)]
    expected = ["ID", "Pijler", "Fase", "Indicator", "Handvat"]
    for label in labels:
        expected += [f"Antwoord {label}", f"Toelichting {label}"]
    assert _header(ws) == expected


def test_reference_header_row_has_five_slots(blank_wb):
    """The default dashboard has the 0-meting and Meting 1..4."""
    header = _header(blank_wb[L.QUESTIONS])
    assert [h for h in header if h.startswith("Antwoord ")] == [
        "Antwoord 0-meting", "Antwoord Meting 1", "Antwoord Meting 2", "Antwoord Meting 3", "Antwoord Meting 4",
    ]  # fmt: skip


def test_one_row_per_indicator_grouped_by_pillar_under_a_heading(blank_wb, reference):
    """Below the header: per pillar a heading row (blank ID, the code under Pijler), then its indicators in set order."""
    ws = blank_wb[L.QUESTIONS]
    got = []
    for r in range(L.Q_FIRST_ROW + 1, ws.max_row + 1):
        row = [_v(ws, r, c) for c in (1, 2, 3)]
        if any(v not in (None, "") for v in row):
            got.append(tuple(row))
    expected = []
    for pillar in reference.pillars:
        expected.append((None, pillar.code, None))
        expected += [(i.id, i.pillar, i.phase) for i in reference.indicators_of(pillar.code)]
    normalised = [(r[0] or None, r[1], r[2] if r[2] != "" else None) for r in got]
    assert normalised == expected
    assert len([r for r in normalised if r[0]]) == len(reference.indicators) == 105


def test_indicator_rows_carry_the_sets_texts(blank_wb, reference):
    """Each indicator row holds its id, pillar, phase (a number), statement and handvat as in the set."""
    ws = blank_wb[L.QUESTIONS]
    rows = _indicator_rows(ws)
    assert list(rows) == [i.id for p in reference.pillar_codes for i in reference.indicators_of(p)]
    for ind in reference.indicators:
        values = [_v(ws, rows[ind.id], c) for c in range(1, 6)]
        assert values == [ind.id, ind.pillar, ind.phase, ind.text, ind.handvat], ind.id


def test_indicators_listed_out_of_pillar_order_are_grouped_by_pillar(tmp_path, small):
    """A set built (in Python) with interleaved pillars still gets one block per pillar, in set order within it."""
    order = sorted(small.indicators, key=lambda i: (i.phase, i.id))  # AA-1.01, AA-1.02, BB-1.01, ...
    s = small.model_copy(update={"indicators": tuple(order)})
    assert [i.pillar for i in s.indicators][:3] == ["AA", "AA", "BB"]
    ws = openpyxl.load_workbook(build_workbook(tmp_path / "x.xlsx", gemeente="X", indicator_set=s))[L.QUESTIONS]
    column_b = [_v(ws, r, 2) for r in range(L.Q_FIRST_ROW + 1, ws.max_row + 1)]
    assert column_b == ["AA"] * 4 + ["BB"] * 4 + ["CC"] * 4
    assert list(_indicator_rows(ws)) == [i.id for p in ("AA", "BB", "CC") for i in s.indicators if i.pillar == p]


# --- dropdowns ----------------------------------------------------------------------------------


def test_every_answer_cell_has_the_named_list_dropdown_with_an_input_message(blank_wb, reference):
    """Every answer cell of every slot has a list validation whose source is the name `antwoorden`."""
    ws = blank_wb[L.QUESTIONS]
    rows = _indicator_rows(ws)
    header = _header(ws)
    answer_cols = [c for c, h in enumerate(header, 1) if h.startswith("Antwoord ")]
    assert len(answer_cols) == 5
    lists = [dv for dv in ws.data_validations.dataValidation if dv.type == "list"]
    for col in answer_cols:
        for ident, row in rows.items():
            ref = f"{get_column_letter(col)}{row}"
            hits = [dv for dv in lists if ref in dv.sqref]
            assert len(hits) == 1, (ident, ref)
            dv = hits[0]
            assert dv.formula1 == "antwoorden", (ref, dv.formula1)
            assert not dv.showDropDown  # in OOXML, showDropDown=1 *hides* the arrow
            assert dv.showInputMessage and dv.prompt and "ja" in dv.prompt, ref


def test_dropdown_source_is_never_an_inline_list(blank_parts):
    """No data validation in the package carries the labels inline (a quoted comma list)."""
    for sheet, part in sheet_parts(blank_parts).items():
        xml = blank_parts[part].decode("utf-8")
        formulas = re.findall(r"<dataValidation [^>]*type=\"list\".*?<formula1>(.*?)</formula1>", xml)
        assert all(f in ("antwoorden", "actiestatus") for f in formulas), (sheet, formulas)


def test_antwoorden_name_points_at_the_scale_labels_on_lijsten(blank_wb, reference):
    """`antwoorden` refers to the Lijsten cells that hold exactly the set's answer labels, in order."""
    sheet, ref = _single_cell(blank_wb, "antwoorden")
    assert sheet == "Lijsten"
    cells = blank_wb[sheet][ref.replace("$", "")]
    values = [row[0].value for row in cells]
    assert values == [a.label for a in reference.answers] == ["ja", "deels", "nee", "n.v.t."]


# --- protection --------------------------------------------------------------------------------


def test_every_sheet_is_protected_without_a_password_by_default(blank_wb, blank_parts):
    """Each sheet is protected, and without --password no password hash is stored."""
    for ws in blank_wb.worksheets:
        assert ws.protection.sheet, ws.title
        assert not ws.protection.password, ws.title
    for part in sheet_parts(blank_parts).values():
        tag = re.search(r"<sheetProtection [^>]*>", blank_parts[part].decode("utf-8")).group(0)
        assert "password" not in tag.lower() and "hashValue" not in tag, tag


def test_a_password_is_stored_as_a_hash_on_every_sheet(tmp_path, small):
    """With password= every sheet's protection carries a hash, never the password itself."""
    path = build_workbook(tmp_path / "p.xlsx", gemeente="P", indicator_set=small, password="Geheim123")
    parts = zip_parts(path)
    for sheet, part in sheet_parts(parts).items():
        tag = re.search(r"<sheetProtection [^>]*>", parts[part].decode("utf-8")).group(0)
        assert re.search(r'(password|hashValue)="[^"]+"', tag), (sheet, tag)
    assert not any(b"Geheim123" in data for data in parts.values())
    wb = openpyxl.load_workbook(path)
    assert all(ws.protection.sheet and ws.protection.password for ws in wb.worksheets)


def test_answer_note_date_and_by_cells_are_unlocked(blank_wb):
    """In a blank dashboard every answer, note, date and 'ingevuld door' cell can be edited."""
    ws = blank_wb[L.QUESTIONS]
    rows = _indicator_rows(ws)
    for slot in range(5):
        a, n = L.answer_col(slot) + 1, L.note_col(slot) + 1
        assert _effective(ws, L.Q_ROW_DATE + 1, a).protection.locked is False, ("date", slot)
        assert _effective(ws, L.Q_ROW_BY + 1, a).protection.locked is False, ("by", slot)
        for ident, row in rows.items():
            assert _effective(ws, row, a).protection.locked is False, (ident, slot, "answer")
            assert _effective(ws, row, n).protection.locked is False, (ident, slot, "note")


def test_written_notes_and_answers_stay_unlocked(filled_wb, contents):
    """Cells written with content (answers, notes, who) are as editable as blank ones."""
    ws = filled_wb[L.QUESTIONS]
    rows = _indicator_rows(ws)
    for slot, content in enumerate(contents):
        for ident in content.notes:
            assert _cell(ws, rows[ident], L.note_col(slot) + 1).protection.locked is False
        for ident, answer in content.answers.items():
            if answer:
                assert _cell(ws, rows[ident], L.answer_col(slot) + 1).protection.locked is False
        assert _cell(ws, L.Q_ROW_BY + 1, L.answer_col(slot) + 1).protection.locked is False


def test_indicator_texts_and_formula_cells_are_locked(blank_wb):
    """Ids, statements, handvatten and every formula cell of every sheet are locked."""
    ws = blank_wb[L.QUESTIONS]
    for row in _indicator_rows(ws).values():
        for col in range(1, 6):
            assert _effective(ws, row, col).protection.locked is not False, (row, col)
    n = 0
    for sheet in blank_wb.worksheets:
        for c in sheet._cells.values():
            if isinstance(c.value, str) and c.value.startswith("="):
                n += 1
                assert c.protection.locked is not False, (sheet.title, c.coordinate)
    assert n > 100


# --- viewing and printing ------------------------------------------------------------------------


def test_questions_freeze_the_header_and_the_statement(blank_wb):
    """Vragenlijst freezes the rows up to the header and the columns up to the statement."""
    ws = blank_wb[L.QUESTIONS]
    assert ws.freeze_panes == f"{get_column_letter(L.Q_COL_TEXT + 2)}{L.Q_ROW_HEADER + 2}" == "E5"


def test_questions_filter_starts_at_the_header_row_and_spans_the_table(blank_wb, reference):
    """The autofilter covers the header row down to the last indicator, over every column."""
    ws = blank_wb[L.QUESTIONS]
    last_row = L.Q_ROW_HEADER + 1 + len(reference.indicators) + len(reference.pillars)
    last_col = get_column_letter(len(_header(ws)))
    assert ws.auto_filter.ref == f"A{L.Q_ROW_HEADER + 1}:{last_col}{last_row}"


def test_questions_print_the_header_row_on_every_page(blank_wb):
    """Vragenlijst repeats its header row as print titles."""
    assert blank_wb[L.QUESTIONS].print_title_rows == f"${L.Q_ROW_HEADER + 1}:${L.Q_ROW_HEADER + 1}"


def test_cover_prints_on_one_a4_landscape_page(blank_wb, blank_parts):
    """Voorblad is set to landscape, paper size 9 (A4), fit to 1 page wide and 1 tall."""
    ws = blank_wb[L.COVER]
    assert ws.page_setup.orientation == "landscape"
    assert int(ws.page_setup.paperSize) == 9
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    xml = blank_parts[sheet_parts(blank_parts)[L.COVER]].decode("utf-8")
    setup = re.search(r"<pageSetup [^>]*>", xml).group(0)
    for attr in ("fitToWidth", "fitToHeight"):  # absent means the default, 1
        value = re.search(rf'{attr}="(\d+)"', setup)
        assert value is None or value.group(1) == "1", setup


# --- defined names ----------------------------------------------------------------------------


@pytest.mark.parametrize("slots", [1, 3, 8])
def test_phase_and_date_names_are_exactly_the_contract(tmp_path, small, slots):
    """fase_<PILLAR>_<slot>, fase_totaal_<slot> and datum_<slot> exist for slots 0..N-1 and no others."""
    wb = openpyxl.load_workbook(_small_book(tmp_path, small, slots))
    names = set(wb.defined_names)
    expected_phase = {f"fase_{p}_{k}" for p in ("AA", "BB", "CC") for k in range(slots)}
    expected_phase |= {f"fase_totaal_{k}" for k in range(slots)}
    assert {n for n in names if re.fullmatch(r"fase_\w+_\d+", n)} == expected_phase
    assert {n for n in names if n.startswith("datum_")} == {f"datum_{k}" for k in range(slots)}


def test_phase_and_date_names_each_refer_to_one_cell(blank_wb, reference):
    """Every fase_* and datum_* name refers to a single cell, never a range."""
    names = [n for n in blank_wb.defined_names if re.fullmatch(r"(fase_\w+|datum)_\d+", n)]
    assert len(names) == 5 * (len(reference.pillars) + 2)
    for name in names:
        sheet, ref = _single_cell(blank_wb, name)
        assert re.fullmatch(r"\$?[A-Z]{1,3}\$?\d+", ref), (name, ref)


def test_date_names_are_the_date_input_cells_above_each_answer_column(blank_wb):
    """datum_<slot> is the (editable, date-formatted) cell in Vragenlijst above that slot's answer column."""
    ws = blank_wb[L.QUESTIONS]
    header = _header(ws)
    for slot in range(5):
        label = "0-meting" if slot == 0 else f"Meting {slot}"
        col = header.index(f"Antwoord {label}") + 1
        sheet, ref = _single_cell(blank_wb, f"datum_{slot}")
        assert sheet == L.QUESTIONS
        cell = ws[ref.replace("$", "")]
        assert (cell.row, cell.column) == (L.Q_ROW_DATE + 1, col)
        assert _v(ws, cell.row, 4) == "Datum meting"
        assert cell.protection.locked is False
        assert "yy" in cell.number_format


def test_blank_dashboard_caches_phase_zero_everywhere(blank, reference):
    """In a blank dashboard every fase_* name's cached value is 0, and the dates are empty."""
    values = name_values(blank)
    phases = {n: v for n, v in values.items() if re.fullmatch(r"fase_\w+_\d+", n)}
    assert len(phases) == 5 * (len(reference.pillars) + 1)
    assert set(phases.values()) == {0}
    assert all(values[f"datum_{k}"] in (None, "") for k in range(5))


def test_cached_phases_equal_the_scoring_engine_for_written_answers(filled, reference, contents):
    """With content, each fase_* name's cached value is what piramide.score_measurement computes."""
    values = name_values(filled)
    results = [score_measurement(reference, c.answers) for c in contents] + [score_measurement(reference, {})] * 2
    assert len({r.phase for r in results[:3]} | {p.phase for r in results for p in r.pillars.values()}) > 1
    for slot, result in enumerate(results):
        for code, pillar in result.pillars.items():
            assert values[f"fase_{code}_{slot}"] == pillar.phase, (slot, code)
        assert values[f"fase_totaal_{slot}"] == result.phase, slot


def test_written_dates_are_the_cached_date_names(filled, contents):
    """A measurement's date lands in its datum_<slot> cell."""
    values = name_values(filled)
    for slot, content in enumerate(contents):
        assert values[f"datum_{slot}"] == dt.datetime.combine(content.date, dt.time())


# --- formulas ------------------------------------------------------------------------------------


def _functions(formula: str) -> set[str]:
    without_strings = re.sub(r'"(?:[^"]|"")*"', '""', formula)
    return {name.upper() for name in re.findall(r"([A-Za-z_][A-Za-z0-9_.]*)\s*\(", without_strings)}


def test_function_scan_finds_functions():
    """The scan used below sees nested functions and ignores text inside string literals."""
    assert _functions('=IF(A1="MAX(x)",SUMPRODUCT((B1:B2="a")*1),_xlfn.IFS(1))') == {"IF", "SUMPRODUCT", "_XLFN.IFS"}


@pytest.mark.parametrize("book", ["blank", "filled"])
def test_formulas_use_only_functions_excel_2010_and_libreoffice_share(request, book):
    """Every cell formula uses only SUMPRODUCT, IF, AND, OR, MIN, MAX, INDEX, MATCH, IFERROR, COUNTIFS."""
    formulas = _formulas(zip_parts(request.getfixturevalue(book)))
    used = set().union(*map(_functions, formulas.values()))
    assert used - PORTABLE_FUNCTIONS == set(), sorted(used - PORTABLE_FUNCTIONS)
    assert {"SUMPRODUCT", "IF", "MIN", "INDEX"} <= used


@pytest.mark.parametrize("book", ["blank", "filled"])
def test_no_xlfn_prefix_anywhere_in_the_package(request, book):
    """No part of the package (sheets, names, charts, validations) mentions an `_xlfn.` function."""
    parts = zip_parts(request.getfixturevalue(book))
    assert [name for name, data in parts.items() if b"_xlfn." in data.lower()] == []


def test_no_array_or_dynamic_formulas(blank_parts):
    """No sheet holds an array formula (t="array") or a dynamic-array cell (cm=)."""
    for sheet, part in sheet_parts(blank_parts).items():
        xml = blank_parts[part].decode("utf-8")
        assert 't="array"' not in xml, sheet
        assert not re.search(r"<c [^>]*\bcm=", xml), sheet
    assert "xl/metadata.xml" not in blank_parts


@pytest.mark.parametrize("book", ["blank", "filled"])
def test_every_formula_cell_carries_a_cached_value(request, book):
    """Each formula cell in the sheet XML has a <v> element, so viewers that never recalculate show a value."""
    formulas = 0
    parts = zip_parts(request.getfixturevalue(book))
    for sheet in sheet_parts(parts):
        for ref, c in xml_cells(parts, sheet).items():
            if c.formula is not None:
                formulas += 1
                assert c.has_v, (sheet, ref, c.formula)
    assert formulas > 300


def test_cached_strings_of_formulas_are_typed_as_strings(filled):
    """A formula whose cached value is text says so (t="str"), so it is not read as a number."""
    parts = zip_parts(filled)
    for sheet in sheet_parts(parts):
        for ref, c in xml_cells(parts, sheet).items():
            if c.formula is not None and c.value not in (None, ""):
                try:
                    float(c.value)
                except ValueError:
                    assert c.t == "str", (sheet, ref, c.value)


# --- text stays text ----------------------------------------------------------------------------


@pytest.mark.parametrize("text", [HOSTILE_GEMEENTE, HOSTILE_REGIO])
def test_gemeente_and_regio_that_look_like_formulas_are_stored_as_text(hostile, text):
    """A gemeente `=HYPERLINK(...)` and a regio `+31 6` are strings on the cover and in Metadata, never formulas."""
    parts = zip_parts(hostile)
    hits = _cells_with_text(parts, text)
    assert {sheet for sheet, _ in hits} >= {L.COVER, L.METADATA}
    for sheet, c in hits:
        assert c.formula is None and c.t in ("s", "inlineStr"), (sheet, c)
    for (sheet, ref), formula in _formulas(parts).items():
        assert "HYPERLINK" not in formula.upper() and "+31" not in formula, (sheet, ref, formula)


def test_control_characters_in_names_still_give_well_formed_xml(small, tmp_path):
    """A gemeente and regio with control characters (pasted from elsewhere) give well-formed XML in every part."""
    import xml.dom.minidom

    data = workbook_bytes(WorkbookSpec(small, "Ede\x0bNoord\x01", regio="Regio\x1f"))
    parts = zip_parts(data)
    parsed = [name for name, part in parts.items() if name.endswith((".xml", ".rels")) and xml.dom.minidom.parseString(part)]
    assert len(parsed) == sum(name.endswith((".xml", ".rels")) for name in parts) >= 10  # every part, and they are many
    from piramide import read_workbook

    path = tmp_path / "x.xlsx"
    path.write_bytes(data)
    assert read_workbook(path).gemeente == "Ede\x0bNoord\x01"  # and the name comes back as typed


def test_hostile_gemeente_is_shown_as_typed(hostile):
    """openpyxl reads the gemeente back exactly as typed, as a plain string."""
    wb = openpyxl.load_workbook(hostile)
    cover = [c for c in wb[L.COVER]._cells.values() if c.value == HOSTILE_GEMEENTE]
    assert cover and all(c.data_type == "s" for c in cover)
    assert read_metadata(hostile)["gemeente"] == HOSTILE_GEMEENTE
    assert read_metadata(hostile)["regio"] == HOSTILE_REGIO


@pytest.mark.parametrize("ident", list(HOSTILE_SET_TEXT))
def test_statements_and_handvatten_starting_with_operators_stay_text(hostile, ident):
    """A statement or handvat beginning with =, +, - or @ is a string cell in Vragenlijst, shown as typed."""
    statement, handvat = HOSTILE_SET_TEXT[ident]
    parts = zip_parts(hostile)
    cells = xml_cells(parts, L.QUESTIONS)
    ws = openpyxl.load_workbook(hostile)[L.QUESTIONS]
    row = _indicator_rows(ws)[ident]
    for col, text in ((L.Q_COL_TEXT, statement), (L.Q_COL_HANDVAT, handvat)):
        c = cells[f"{get_column_letter(col + 1)}{row}"]
        assert c.formula is None and c.t in ("s", "inlineStr") and c.text == text, c
        assert _v(ws, row, col + 1) == text
    meta = [c for sheet, c in _cells_with_text(parts, statement) if sheet == L.METADATA]
    assert meta and all(c.formula is None for c in meta)


def test_no_set_text_ends_up_inside_a_formula(hostile):
    """None of the hostile statements or handvatten appears in any formula of the package."""
    formulas = _formulas(zip_parts(hostile)).values()
    for texts in HOSTILE_SET_TEXT.values():
        for text in texts:
            assert not any(text in f for f in formulas), text


def test_notes_and_ingevuld_door_starting_with_equals_stay_text(hostile):
    """A note and an 'ingevuld door' beginning with `=` are string cells, not formulas."""
    ws = openpyxl.load_workbook(hostile)[L.QUESTIONS]
    cells = xml_cells(zip_parts(hostile), L.QUESTIONS)
    row = _indicator_rows(ws)["AA-1.01"]
    note = cells[f"{get_column_letter(L.note_col(0) + 1)}{row}"]
    by = cells[f"{get_column_letter(L.answer_col(0) + 1)}{L.Q_ROW_BY + 1}"]
    assert note.formula is None and note.t in ("s", "inlineStr") and note.text == HOSTILE_NOTE
    assert by.formula is None and by.t in ("s", "inlineStr") and by.text == HOSTILE_BY
    assert _v(ws, row, L.note_col(0) + 1) == HOSTILE_NOTE
    assert _v(ws, L.Q_ROW_BY + 1, L.answer_col(0) + 1) == HOSTILE_BY


def test_editable_text_cells_are_formatted_as_text(blank_wb):
    """Answer, note and 'ingevuld door' cells have number format @, so an edit that starts with = stays text."""
    ws = blank_wb[L.QUESTIONS]
    rows = _indicator_rows(ws)
    for slot in range(5):
        a, n = L.answer_col(slot) + 1, L.note_col(slot) + 1
        assert _effective(ws, L.Q_ROW_BY + 1, a).number_format == "@", ("by", slot)
        for ident, row in rows.items():
            assert _effective(ws, row, a).number_format == "@", (ident, slot, "answer")
            assert _effective(ws, row, n).number_format == "@", (ident, slot, "note")


def test_written_notes_and_answers_are_formatted_as_text(filled_wb, contents):
    """Cells written with content keep number format @."""
    ws = filled_wb[L.QUESTIONS]
    rows = _indicator_rows(ws)
    for slot, content in enumerate(contents):
        for ident in content.notes:
            assert _cell(ws, rows[ident], L.note_col(slot) + 1).number_format == "@"
        for ident, answer in content.answers.items():
            if answer:
                assert _cell(ws, rows[ident], L.answer_col(slot) + 1).number_format == "@"


# --- Metadata -------------------------------------------------------------------------------------


def test_metadata_lists_the_layouts_keys_in_column_a(blank_wb):
    """Column A of Metadata holds layout.M_KEYS, one per row from row 1."""
    ws = blank_wb[L.METADATA]
    assert [_v(ws, r, 1) for r in range(1, len(L.M_KEYS) + 1)] == list(L.M_KEYS)
    assert {"set_id", "set_version", "fingerprint", "layout_version", "generator_version",
            "gemeente", "regio", "slots", "set_json"} <= set(L.M_KEYS)  # fmt: skip


def test_metadata_values_describe_the_set_and_the_dashboard(blank, reference):
    """Metadata holds the set id, version and fingerprint, layout and generator version, gemeente, regio, slots."""
    meta = read_metadata(blank)
    assert meta["set_id"] == reference.id == "nl-referentie"
    assert meta["set_version"] == reference.version
    assert meta["fingerprint"] == reference.fingerprint
    assert str(meta["layout_version"]) == str(L.LAYOUT_VERSION)
    assert meta["generator"] == "piramide"
    assert meta["generator_version"] == piramide.__version__
    assert meta["gemeente"] == GEMEENTE
    assert meta["regio"] == REGIO
    assert str(meta["slots"]) == "5"


def test_metadata_without_regio_keeps_the_key(tmp_path, small):
    """A dashboard without a regio still lists the key, with an empty value."""
    meta = read_metadata(build_workbook(tmp_path / "x.xlsx", gemeente="X", indicator_set=small, slots=2))
    assert meta["regio"] in (None, "")
    assert list(meta).index("regio") == L.metadata_row("regio")  # the key, in its row
    assert str(meta["slots"]) == "2"


def _set_json(path: Path) -> list[str]:
    ws = openpyxl.load_workbook(path)[L.METADATA]
    row = L.M_KEYS.index("set_json") + 1
    assert _v(ws, row, 1) == "set_json"
    chunks = []
    col = 2
    while _v(ws, row, col):
        chunks.append(_v(ws, row, col))
        col += 1
    return chunks


def test_set_json_in_one_chunk_rebuilds_the_set(tmp_path, small):
    """A small set's JSON fits one cell and parses back to the same set, with the same fingerprint."""
    chunks = _set_json(_small_book(tmp_path, small, 2))
    assert len(chunks) == 1
    rebuilt = IndicatorSet.from_canonical_json("".join(chunks))
    assert rebuilt == small and rebuilt.fingerprint == small.fingerprint


def test_set_json_over_several_chunks_rebuilds_the_set(blank, reference):
    """The reference set's JSON is longer than one cell: the chunks, joined, parse back to the same set."""
    chunks = _set_json(blank)
    assert len(reference.canonical_json()) > 32_767
    assert len(chunks) >= 2
    assert all(len(c) <= 32_767 for c in chunks)
    rebuilt = IndicatorSet.from_canonical_json("".join(chunks))
    assert rebuilt == reference
    assert rebuilt.fingerprint == reference.fingerprint == read_metadata(blank)["fingerprint"]


def test_set_json_keeps_text_that_looks_like_formulas(hostile, hostile_set):
    """The hostile set's JSON in Metadata rebuilds it exactly."""
    rebuilt = IndicatorSet.from_canonical_json("".join(_set_json(hostile)))
    assert rebuilt == hostile_set


def test_metadata_indicator_table_equals_the_set(blank_wb, reference):
    """Below the keys: a table id, pijler, fase, indicator with every indicator of the set, in set order."""
    ws = blank_wb[L.METADATA]
    header_row = L.M_INDICATOR_HEADER_ROW + 1
    assert [_v(ws, header_row, c) for c in range(1, 5)] == ["id", "pijler", "fase", "indicator"]
    rows = [tuple(_v(ws, r, c) for c in range(1, 5)) for r in range(header_row + 1, ws.max_row + 1)]
    rows = [r for r in rows if any(r)]
    assert rows == [(i.id, i.pillar, i.phase, i.text) for i in reference.indicators]


# --- Voorblad -------------------------------------------------------------------------------------


def _cover_texts(ws) -> list[str]:
    return [c.value for c in ws._cells.values() if isinstance(c.value, str)]


def test_cover_shows_gemeente_regio_and_the_set(blank_wb, reference):
    """The Voorblad shows the gemeente, the regio, and the set's name and version."""
    texts = _cover_texts(blank_wb[L.COVER])
    assert GEMEENTE in texts and REGIO in texts
    assert any(reference.name in t and reference.version in t for t in texts)


def _cover_table(ws) -> dict[str, list]:
    """The cover's table of measurements: row label -> the values per slot (one merged span each)."""
    rows = {}
    for row in ws.iter_rows():
        label = row[0].value
        if label == "Meting" or (rows and isinstance(label, str) and label not in rows):
            rows[label] = row
        elif rows:
            break
    top = rows["Meting"]
    starts = [c.column for c in top[1:] if c.value not in (None, "")]
    return {label: [row[col - 1].value for col in starts] for label, row in rows.items()}


@pytest.mark.parametrize("slots", [1, 8])
def test_cover_has_a_table_column_per_slot(tmp_path, small, slots):
    """The cover's table of measurements has a column per slot (0-meting, Meting 1, ...) and a row per pillar."""
    ws = openpyxl.load_workbook(_small_book(tmp_path, small, slots))[L.COVER]
    table = _cover_table(ws)
    assert list(table) == ["Meting", "Datum", "Ingevuld door", "Beantwoord", "AA", "BB", "CC", "Totaal", "Status"]
    long = {"0-m": "0-meting", **{f"M{k}": f"Meting {k}" for k in range(1, slots)}}  # short labels in narrow columns
    assert [long.get(x, x) for x in table["Meting"]] == ["0-meting"] + [f"Meting {k}" for k in range(1, slots)]


def test_cover_table_caches_completeness_phases_and_status(filled, reference, contents):
    """Each slot shows answered/total and, once answered, the phase per pillar and overall, or the range while
    the measurement is running, and whether it is settled."""
    ws = openpyxl.load_workbook(filled, data_only=True)[L.COVER]
    table = _cover_table(ws)
    for slot in range(5):
        result = score_measurement(reference, contents[slot].answers if slot < 3 else {})
        assert table["Beantwoord"][slot] == f"{result.answered}/{len(reference.indicators)}"
        for code in [*reference.pillar_codes, None]:
            low, high = (result.pillars[code].phase, result.pillars[code].phase_max) if code else (
                result.phase, result.phase_max)  # fmt: skip
            expected = None if slot >= 3 else low if result.settled or low == high else f"{low}–{high}"
            assert table[code or "Totaal"][slot] == expected, (slot, code)
        assert table["Status"][slot] == (None if slot >= 3 else "vast" if result.settled else "loopt")
        if slot < 3:
            assert table["Ingevuld door"][slot] == contents[slot].ingevuld_door


def test_cover_has_a_chart_per_pillar(blank_parts, reference):
    """One small chart per pillar is drawn on the Voorblad, each with one series named by the pillar code,
    its colour chosen from the palette (not a default), dots without lines."""
    from piramide import palette

    charts = sorted(k for k in blank_parts if re.fullmatch(r"xl/charts/chart\d+\.xml", k))
    assert len(charts) == len(reference.pillars) == 5
    for i, code in enumerate(reference.pillar_codes):
        chart = blank_parts[f"xl/charts/chart{i + 1}.xml"].decode("utf-8")
        series = re.findall(r"<c:ser>.*?</c:ser>", chart)
        assert len(series) == 1 and f"<c:v>{code}</c:v>" in series[0]
        assert palette.SERIES[i].lstrip("#") in series[0]
    assert sheet_parts(blank_parts)[L.COVER] == "xl/worksheets/sheet1.xml"
    assert "drawing" in blank_parts["xl/worksheets/_rels/sheet1.xml.rels"].decode("utf-8")
    drawing_rels = blank_parts["xl/drawings/_rels/drawing1.xml.rels"].decode("utf-8")
    assert all(f"charts/chart{i + 1}.xml" in drawing_rels for i in range(5))


# --- errors ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("gemeente", ["", "   "])
def test_empty_gemeente_is_refused(small, gemeente):
    """An empty gemeente raises PiramideError that says so."""
    with pytest.raises(PiramideError, match="gemeente is empty"):
        workbook_bytes(WorkbookSpec(small, gemeente))


@pytest.mark.parametrize("slots", [0, -1, 21])
def test_slots_outside_1_to_20_are_refused(small, slots):
    """Slots must be 1..20; 0 and 21 raise an ArgumentError naming the argument, its value and the range."""
    with pytest.raises(ArgumentError, match=rf"^slots={slots}: must be from 1 to 20$"):
        workbook_bytes(WorkbookSpec(small, "X", slots=slots))


@pytest.mark.parametrize("slots", [1, 20])
def test_slots_at_the_bounds_are_accepted(small, slots, tmp_path):
    """1 and 20 slots both give a dashboard with that many slots: read back, its headers and names are there."""
    from piramide import KnownSets, read_workbook

    path = tmp_path / "x.xlsx"
    path.write_bytes(workbook_bytes(WorkbookSpec(small, "X", slots=slots)))
    reading = read_workbook(path, KnownSets([small]))
    assert reading.slots == slots and reading.issues == []
    headers = [c.value for c in openpyxl.load_workbook(path)[L.QUESTIONS][L.Q_ROW_HEADER + 1]]
    assert headers == L.question_headers(slots)
    names = name_values(path)
    assert {L.name_overall(slots - 1), L.name_date(slots - 1)} <= set(names) and L.name_overall(slots) not in names


def test_more_measurements_than_slots_are_refused(small):
    """Content for three measurements in two slots raises PiramideError."""
    with pytest.raises(PiramideError, match="3 measurements do not fit in 2 slots"):
        workbook_bytes(WorkbookSpec(small, "X", slots=2, content=(SlotContent(),) * 3))


@pytest.mark.parametrize("phases", [4, 12])
def test_the_covers_fills_end_at_its_width(tmp_path, phases):
    """4 and 12 phases: the pyramid's conditional formats reach exactly the cover's last column (its print
    area), no conditional format passes it, and the headline band is cells up to that column, not a row format
    that runs on to the sheet's end."""
    s = load_set(write_set(tmp_path, set_yaml(pillars=("AA", "BB", "CC"), per_phase=(2,) * phases), "f.yaml"))
    path = build_workbook(tmp_path / "w.xlsx", gemeente="Breed", indicator_set=s, slots=2)
    ws = openpyxl.load_workbook(path)[L.COVER]
    last = openpyxl.utils.cell.range_boundaries(ws.print_area.split("!")[-1].replace("$", ""))[2]
    assert last == 7 + 3 * (2 * phases + 2)  # legend columns + a block per pillar
    ends = {}
    for rng in ws.conditional_formatting:
        for cells in str(rng.sqref).split():
            min_col, min_row, max_col, max_row = openpyxl.utils.cell.range_boundaries(cells)
            ends[(min_row, max_row)] = max_col
    level_rows = [end for (top, bottom), end in ends.items() if top == bottom]
    assert len(level_rows) == phases and set(level_rows) == {last}
    assert max(ends.values()) <= last
    band = [row for row in ws.iter_rows(min_row=4, max_row=8)]
    assert all(row[last - 1].fill.fgColor.rgb == "FFDEEAF6" for row in band)
    assert all(row[last].fill.fgColor.rgb != "FFDEEAF6" for row in band if len(row) > last)
    assert all(dim.fill is None or dim.fill.fgColor.rgb != "FFDEEAF6" for dim in ws.row_dimensions.values())
