"""Reading filled-in dashboards back: the JSON contract, what users do, what is wrong (issue 4).

Most tests write the answers as a literal table next to their assertions
(``wb.filled_workbook``): a blank dashboard of the reference set with the
table typed in by openpyxl. Reports are compared flattened, as
``[(code, location)]``. openpyxl keeps no formula results, so every file it
saves carries a ``cache-missing`` warning; :func:`flat` leaves that one out
unless asked.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
from pathlib import Path

import openpyxl
import pytest
from wb import (
    answer_ref,
    blank_bytes,
    fill_openpyxl,
    filled_workbook,
    indicator_rows,
    random_grid,
    rezip,
    set_cell_xml,
    uniform_grid,
    zip_parts,
)

from piramide import InputError, WorkbookReading, WorkbookRefused, read_workbook, score_measurement
from piramide import layout as L
from piramide.reader import ISSUE_CODES
from piramide.writer import SlotContent, build_workbook

Q = L.QUESTIONS


def flat(reading: WorkbookReading, ignore: tuple[str, ...] = ("cache-missing",)) -> list[tuple[str, str | None]]:
    """The issues as ``[(code, location)]``, in a stable order (frictionless style)."""
    found = [(i.code, i.location) for i in reading.issues if i.code not in ignore]
    return sorted(found, key=lambda t: (t[0], t[1] or ""))


def row_of(reference, ident: str) -> int:
    return indicator_rows(reference)[ident]


# --- the literal-table helper --------------------------------------------------------


def test_a_literal_table_becomes_the_answers_read_back(tmp_path):
    """The answers typed from a table are read back per slot, matched by id, canonical."""
    path = filled_workbook(
        tmp_path,
        """
        | id      | 0-meting | Meting 1 |
        | BO-1.01 | ja       | deels    |
        | BO-1.02 | Ja       |          |
        | datum   | 1-3-2025 | 1-3-2026 |
        """,
    )
    reading = read_workbook(path)
    assert [(m.slot, m.label, m.answers) for m in reading.measurements] == [
        (0, "0-meting", {"BO-1.01": "ja", "BO-1.02": "ja"}),
        (1, "Meting 1", {"BO-1.01": "deels"}),
    ]
    assert [m.date for m in reading.measurements] == [dt.date(2025, 3, 1), dt.date(2026, 3, 1)]
    assert flat(reading) == []


# --- the JSON contract ----------------------------------------------------------------


@pytest.fixture(scope="module")
def contract_dump(tmp_path_factory, reference) -> dict:
    """A reading with two measurements, a date, a name and one issue, as JSON data."""
    path = filled_workbook(
        tmp_path_factory.mktemp("contract"),
        """
        | id            | 0-meting  | Meting 1  |
        | BO-1.01       | ja        | deels     |
        | BO-1.02       | nee       | misschien |
        | IP-1.01       | n.v.t.    | ja        |
        | ingevuld door | A. Advies |           |
        """,
        dates={0: dt.date(2025, 3, 1), 1: dt.date(2026, 2, 28)},
        regio="Midden-Nederland",
    )
    return read_workbook(path).model_dump(mode="json")


def test_json_has_exactly_the_contract_keys(contract_dump):
    """model_dump(mode='json') has exactly the keys of the documented contract, at every level."""
    d = contract_dump
    assert set(d) == {
        "file", "kind", "workbook_id", "gemeente", "regio", "set", "measurements", "plan", "part", "issues",
    }  # fmt: skip
    assert d["kind"] == "dashboard" and d["part"] is None
    assert set(d["set"]) == {"id", "version", "fingerprint"}
    assert d["measurements"]
    for m in d["measurements"]:
        assert set(m) == {
            *("slot", "label", "date", "ingevuld_door", "answered", "total", "answers", "pillars", "phase"),
            "settled", "notes",
        }
        assert set(m["pillars"]) == {"BO", "IP", "BH", "IV", "CO"}
        for pillar in m["pillars"].values():
            assert set(pillar) == {"phase", "provisional", "phase_max", "scores"}
            assert set(pillar["scores"]) == {"1", "2", "3", "4"}
    assert d["issues"]
    for issue in d["issues"]:
        assert set(issue) == {"code", "severity", "location", "message"}


def test_json_values_have_the_contract_types(contract_dump, reference):
    """Strings, ints, bools, floats or null where the contract says; dates as YYYY-MM-DD."""
    d = contract_dump
    assert d["gemeente"] == "Teststad" and d["regio"] == "Midden-Nederland"
    assert d["set"] == {"id": reference.id, "version": reference.version, "fingerprint": reference.fingerprint}
    assert d["file"].endswith("filled.xlsx")
    m0, m1 = d["measurements"]
    assert (m0["date"], m1["date"]) == ("2025-03-01", "2026-02-28")
    assert (m0["ingevuld_door"], m1["ingevuld_door"]) == ("A. Advies", None)
    assert (m0["answered"], m0["total"]) == (3, 105)
    assert (m1["answered"], m1["total"]) == (2, 105)  # 'misschien' is not an answer
    for m in d["measurements"]:
        assert type(m["slot"]) is int and type(m["phase"]) is int and isinstance(m["label"], str)
        assert type(m["settled"]) is bool
        for pillar in m["pillars"].values():
            assert type(pillar["phase"]) is int and type(pillar["provisional"]) is bool
            assert type(pillar["phase_max"]) is int
            assert all(v is None or type(v) is float for v in pillar["scores"].values())
    assert [(i["code"], i["severity"], i["location"]) for i in d["issues"]] == [
        ("answer-invalid", "error", f"{Q}!H7"),
        ("cache-missing", "warning", None),
    ]
    assert json.loads(json.dumps(d)) == d  # plain JSON, nothing lost


def test_every_issue_code_has_a_known_severity(contract_dump):
    """The codes and severities in a report come from the documented catalogue."""
    for issue in contract_dump["issues"]:
        assert ISSUE_CODES[issue["code"]][0] == issue["severity"]
    assert {sev for sev, _ in ISSUE_CODES.values()} == {"error", "warning"}


def test_json_round_trips_through_the_model(contract_dump):
    """The JSON validates back into a WorkbookReading and dumps to the same JSON."""
    again = WorkbookReading.model_validate(json.loads(json.dumps(contract_dump)))
    assert again.model_dump(mode="json") == contract_dump


def test_measurements_only_for_slots_with_answers_in_slot_order(tmp_path):
    """Slots without any answer are left out; the others come in slot order."""
    path = filled_workbook(
        tmp_path,
        """
        | id      | Meting 3 | 0-meting | Meting 1 |
        | BO-1.01 | nee      | ja       |          |
        | BO-1.02 |          | ja       |          |
        """,
    )
    reading = read_workbook(path)
    assert [m.slot for m in reading.measurements] == [0, 3]
    assert [m.label for m in reading.measurements] == ["0-meting", "Meting 3"]


def test_answers_list_only_answered_indicators_with_canonical_labels(tmp_path):
    """Blank answers are absent from ``answers``; typed ones appear as the set's labels."""
    path = filled_workbook(
        tmp_path,
        """
        | id      | 0-meting |
        | BO-1.01 | JA       |
        | BO-1.02 |          |
        | BO-1.03 | N.v.T.   |
        | CO-4.03 | Deels    |
        """,
    )
    (m,) = read_workbook(path).measurements
    assert m.answers == {"BO-1.01": "ja", "BO-1.03": "n.v.t.", "CO-4.03": "deels"}
    assert list(m.answers) == ["BO-1.01", "BO-1.03", "CO-4.03"]  # in the set's order
    assert m.answered == 3


def test_phases_equal_the_scoring_engine(tmp_path, reference):
    """Per slot (eight random grids): answers, counts, phases, provisional flags and scores equal score_measurement."""
    grids = [random_grid(reference, seed=10 + k) for k in range(8)]
    blank = tmp_path / "blank.xlsx"
    blank.write_bytes(blank_bytes(reference, slots=8))
    path = tmp_path / "random.xlsx"
    fill_openpyxl(blank, path, grids, dates=[dt.date(2017 + k, 3, 1) for k in range(8)])
    reading = read_workbook(path)
    assert [m.slot for m in reading.measurements] == list(range(8))
    phases = set()
    for m, grid in zip(reading.measurements, grids, strict=True):
        expected = score_measurement(reference, grid)
        assert m.answers == {k: v for k, v in grid.items() if v is not None}
        assert (m.answered, m.total, m.phase) == (expected.answered, expected.total, expected.phase)
        for code, pillar in expected.pillars.items():
            got = m.pillars[code]
            assert (got.phase, got.provisional) == (pillar.phase, pillar.provisional), (m.slot, code)
            assert got.scores == {str(lv.level): None if lv.score is None else float(lv.score) for lv in pillar.levels}
            phases.add(got.phase)
        assert m.date == dt.date(2017 + m.slot, 3, 1)
    assert len(phases) >= 3  # the grids reach several phases, not only 0 or 4
    assert flat(reading) == []


def test_a_fully_answered_slot_is_not_provisional(tmp_path, reference):
    """All ja: phase 4 everywhere, nothing provisional, every answer counted."""
    blank = tmp_path / "blank.xlsx"
    blank.write_bytes(blank_bytes(reference))
    path = tmp_path / "ja.xlsx"
    fill_openpyxl(blank, path, [uniform_grid(reference, "ja")], dates=[dt.date(2025, 3, 1)])
    (m,) = read_workbook(path).measurements
    assert (m.answered, m.total, m.phase) == (105, 105, 4)
    assert all(p.phase == 4 and not p.provisional for p in m.pillars.values())


# --- what users do, handled -------------------------------------------------------------


def test_answers_typed_in_another_case_are_answers(tmp_path):
    """Case does not matter, as in the dashboard's formulas: Ja, DEELS, N.V.T., nEE are answers."""
    path = filled_workbook(
        tmp_path,
        """
        | id      | 0-meting  |
        | BO-1.01 | Ja        |
        | BO-1.03 | DEELS     |
        | BO-1.04 | N.V.T.    |
        | BO-1.05 | nEE       |
        """,
        dates={0: dt.date(2025, 3, 1)},
    )
    reading = read_workbook(path)
    assert reading.measurements[0].answers == {
        "BO-1.01": "ja", "BO-1.03": "deels", "BO-1.04": "n.v.t.", "BO-1.05": "nee",
    }  # fmt: skip
    assert flat(reading) == []


def test_answers_the_dashboard_does_not_count_are_errors_at_their_cells(tmp_path, reference):
    """Spaces, a non-breaking space or a missing dot: the formulas do not count them, so neither does the reader."""
    path = filled_workbook(
        tmp_path,
        """
        | id      | 0-meting  |
        | BO-1.01 | ja        |
        | BO-1.02 | ' nvt '   |
        | BO-1.03 | 'ja '     |
        | BO-1.04 | N.V.T     |
        | BO-1.05 | ' Nee'    |
        | BO-1.06 | 'ja\u00a0' |
        """,
        dates={0: dt.date(2025, 3, 1)},
    )
    reading = read_workbook(path)
    assert reading.measurements[0].answers == {"BO-1.01": "ja"}  # the others read as blank, as the dashboard sees them
    ids = ["BO-1.02", "BO-1.03", "BO-1.04", "BO-1.05", "BO-1.06"]
    assert flat(reading) == sorted(("answer-not-counted", answer_ref(reference, i)) for i in ids)
    messages = {i.location: i.message for i in reading.issues}
    assert messages[answer_ref(reference, "BO-1.03")] == (
        "'ja ' is not counted by the dashboard (it counts 'ja' exactly, in any case); choose ja from the list"
    )
    assert {i.severity for i in reading.issues if i.code == "answer-not-counted"} == {"error"}


def test_a_cell_of_only_spaces_is_blank(tmp_path):
    """An answer cell holding only spaces counts as not answered, not as an error."""
    path = filled_workbook(
        tmp_path,
        """
        | id      | 0-meting |
        | BO-1.01 | ja       |
        | BO-1.02 | '   '    |
        """,
        dates={0: dt.date(2025, 3, 1)},
    )
    reading = read_workbook(path)
    assert reading.measurements[0].answers == {"BO-1.01": "ja"}
    assert flat(reading) == []


TABLE = """
    | id      | 0-meting | Meting 1 |
    | BO-1.01 | ja       | nee      |
    | BO-1.08 | deels    | ja       |
    | IP-2.03 | nee      | n.v.t.   |
    | CO-4.03 | n.v.t.   | deels    |
    """
TABLE_ANSWERS = [
    {"BO-1.01": "ja", "BO-1.08": "deels", "IP-2.03": "nee", "CO-4.03": "n.v.t."},
    {"BO-1.01": "nee", "BO-1.08": "ja", "IP-2.03": "n.v.t.", "CO-4.03": "deels"},
]
DATES = {0: dt.date(2025, 3, 1), 1: dt.date(2026, 3, 1)}


def _answers(path: Path) -> list[dict[str, str]]:
    return [m.answers for m in read_workbook(path).measurements]


def _sort_rows(wb, rows, key_col=L.Q_COL_TEXT + 1) -> None:
    """Sort every row under the header by the statement, as Excel's sort does (values only)."""
    ws = wb[Q]
    first, last = L.Q_FIRST_ROW + 1, max(rows.values())
    width = ws.max_column
    data = [[ws.cell(r, c).value for c in range(1, width + 1)] for r in range(first, last + 1)]
    data.sort(key=lambda values: str(values[key_col - 1] or ""))
    for r, values in enumerate(data, start=first):
        for c, value in enumerate(values, start=1):
            ws.cell(r, c).value = value


def test_rows_sorted_by_statement_are_matched_by_id(tmp_path, reference):
    """After sorting the rows by statement, every answer still belongs to its indicator."""
    path = filled_workbook(tmp_path, TABLE, dates=DATES, edit=_sort_rows)
    ws = openpyxl.load_workbook(path)[Q]
    moved = ws.cell(row_of(reference, "BO-1.01"), L.Q_COL_ID + 1).value
    assert moved != "BO-1.01"  # the sort really moved the rows
    reading = read_workbook(path)
    assert [m.answers for m in reading.measurements] == TABLE_ANSWERS
    assert flat(reading) == []


def test_rows_sorted_in_reverse_order_by_id_are_matched_by_id(tmp_path):
    """Any order of the rows gives the same reading."""

    def reverse(wb, rows):
        ws = wb[Q]
        first, last = L.Q_FIRST_ROW + 1, max(rows.values())
        data = [[c.value for c in row] for row in ws.iter_rows(min_row=first, max_row=last)]
        for r, values in enumerate(reversed(data), start=first):
            for c, value in enumerate(values, start=1):
                ws.cell(r, c).value = value

    path = filled_workbook(tmp_path, TABLE, dates=DATES, edit=reverse)
    reading = read_workbook(path)
    assert [m.answers for m in reading.measurements] == TABLE_ANSWERS
    assert flat(reading) == []


def test_filtered_rows_are_read(tmp_path, reference):
    """Rows hidden by an autofilter still count: a filter is a view, not a deletion."""

    def hide(wb, rows):
        ws = wb[Q]
        for ident, row in rows.items():
            if not ident.startswith("IP"):
                ws.row_dimensions[row].hidden = True
        ws.auto_filter.add_filter_column(L.Q_COL_PILLAR, ["IP"])

    path = filled_workbook(tmp_path, TABLE, dates=DATES, edit=hide)
    assert openpyxl.load_workbook(path)[Q].row_dimensions[row_of(reference, "BO-1.01")].hidden
    reading = read_workbook(path)
    assert [m.answers for m in reading.measurements] == TABLE_ANSWERS
    assert flat(reading) == []


def test_inserted_empty_rows_do_not_shift_answers(tmp_path, reference):
    """Empty rows inserted inside a pillar and between pillars leave every answer with its indicator."""

    def insert(wb, rows):
        wb[Q].insert_rows(rows["IP-1.01"] - 1, amount=2)  # between BO and IP (lower first)
        wb[Q].insert_rows(rows["BO-1.05"], amount=3)  # inside BO

    path = filled_workbook(tmp_path, TABLE, dates=DATES, edit=insert)
    assert openpyxl.load_workbook(path)[Q].cell(row_of(reference, "BO-1.05"), 1).value is None
    reading = read_workbook(path)
    assert [m.answers for m in reading.measurements] == TABLE_ANSWERS
    assert flat(reading) == []


def test_rows_inserted_above_the_header_move_the_dates_with_it(tmp_path):
    """Rows inserted at the top: the header is found lower down, the dates just above it."""
    path = filled_workbook(tmp_path, TABLE, dates=DATES, edit=lambda wb, rows: wb[Q].insert_rows(2, amount=3))
    reading = read_workbook(path)
    assert [m.answers for m in reading.measurements] == TABLE_ANSWERS
    assert [m.date for m in reading.measurements] == list(DATES.values())
    assert flat(reading) == []


def test_dates_in_every_form_users_type(tmp_path):
    """An Excel date, d-m-yyyy text, ISO text or an Excel serial number: all read as 1 March."""
    typed = [
        dt.date(2025, 3, 1),  # an Excel date (a number with a date format)
        dt.datetime(2025, 3, 1, 0, 0),
        "1-3-2025",
        "01-03-2025",
        "2025-03-01",
        45717,  # the serial number of 1 March 2025, typed into a cell formatted as a number
        45717.0,
        " 1-3-2025 ",
    ]
    path = filled_workbook(
        tmp_path,
        """
        | id      | 0-meting | Meting 1 | Meting 2 | Meting 3 | Meting 4 | Meting 5 | Meting 6 | Meting 7 |
        | BO-1.01 | ja       | ja       | ja       | ja       | ja       | ja       | ja       | ja       |
        """,
        slots=8,
        dates=dict(enumerate(typed)),
    )
    reading = read_workbook(path)
    assert [m.date for m in reading.measurements] == [dt.date(2025, 3, 1)] * 8
    assert {m["date"] for m in reading.model_dump(mode="json")["measurements"]} == {"2025-03-01"}
    assert flat(reading) == []


def test_a_file_saved_by_openpyxl_warns_that_results_are_missing(tmp_path):
    """openpyxl keeps no formula results: one cache-missing warning, no error, phases still computed."""
    path = filled_workbook(tmp_path, "| id | 0-meting |\n| BO-1.01 | ja |", dates={0: dt.date(2025, 3, 1)})
    reading = read_workbook(path)
    assert [(i.code, i.severity, i.location) for i in reading.issues] == [("cache-missing", "warning", None)]
    assert reading.errors == []
    assert reading.measurements[0].pillars["BO"].provisional


def test_a_file_written_by_piramide_has_no_issues(tmp_path, reference):
    """A dashboard written with answers carries matching cached values: nothing to report."""
    content = [
        SlotContent(answers=random_grid(reference, seed=k), date=dt.date(2024 + k, 3, 1), ingevuld_door=f"Adviseur {k}")
        for k in range(3)
    ]
    path = build_workbook(tmp_path / "written.xlsx", gemeente="Schoonstad", content=content, indicator_set=reference)
    reading = read_workbook(path)
    assert reading.issues == []
    assert [m.ingevuld_door for m in reading.measurements] == ["Adviseur 0", "Adviseur 1", "Adviseur 2"]
    for m, c in zip(reading.measurements, content, strict=True):
        assert m.answers == {k: v for k, v in c.answers.items() if v is not None}


def test_a_blank_dashboard_has_no_measurements_and_no_issues(tmp_path, reference):
    """A dashboard nobody filled in: no measurements, nothing wrong."""
    path = tmp_path / "blank.xlsx"
    path.write_bytes(blank_bytes(reference))
    reading = read_workbook(path)
    assert reading.measurements == [] and reading.issues == []


# --- what is wrong, reported with its cell --------------------------------------------


def test_an_answer_outside_the_scale_names_its_cell_and_the_scale(tmp_path, reference):
    """'misschien' is reported at its cell, with the exact message of the issue."""
    path = filled_workbook(
        tmp_path,
        """
        | id      | 0-meting  |
        | BO-1.01 | ja        |
        | BO-1.07 | misschien |
        """,
        dates={0: dt.date(2025, 3, 1)},
    )
    reading = read_workbook(path)
    row = row_of(reference, "BO-1.07")
    (issue,) = reading.errors
    assert f"{issue.location}: {issue.message}" == (
        f"Vragenlijst!F{row}: 'misschien' is not an answer; use ja, deels, nee or n.v.t."
    )
    assert (issue.code, issue.severity) == ("answer-invalid", "error")
    assert reading.measurements[0].answers == {"BO-1.01": "ja"}  # the bad one is not guessed


def test_every_answer_outside_the_scale_is_reported(tmp_path, reference):
    """All bad answers in all slots, one issue each, in one pass."""
    path = filled_workbook(
        tmp_path,
        """
        | id      | 0-meting | Meting 1 |
        | BO-1.01 | ja ja    | 1        |
        | BO-1.02 | ja       |          |
        | IP-1.01 | yes      | nee      |
        | CO-4.03 | j        | ?        |
        """,
        dates=DATES,
    )
    assert flat(read_workbook(path)) == sorted(
        ("answer-invalid", answer_ref(reference, ident, slot))
        for ident, slot in [("BO-1.01", 0), ("BO-1.01", 1), ("IP-1.01", 0), ("CO-4.03", 0), ("CO-4.03", 1)]
    )


def test_a_deleted_row_is_reported_and_counts_as_blank(tmp_path, reference):
    """Deleting an indicator's row: row-missing, and that indicator is unanswered."""
    path = filled_workbook(
        tmp_path, TABLE, dates=DATES, edit=lambda wb, rows: wb[Q].delete_rows(rows["BO-1.08"])
    )
    reading = read_workbook(path)
    assert flat(reading) == [("row-missing", None)]
    assert "BO-1.08" in reading.errors[0].message
    assert "BO-1.08" not in reading.measurements[0].answers


def test_an_added_row_with_a_new_id_is_reported_at_its_id(tmp_path, reference):
    """A row added with an id the set does not have: row-unknown at its id cell, its answers ignored."""
    at = row_of(reference, "BO-1.08") + 1

    def add(wb, rows):
        ws = wb[Q]
        ws.insert_rows(at)
        for col, value in enumerate(["BO-1.99", "BO", 1, "Een eigen stelling van de regio.", "", "ja"], start=1):
            ws.cell(at, col).value = value

    path = filled_workbook(tmp_path, TABLE, dates=DATES, edit=add)
    reading = read_workbook(path)
    assert flat(reading) == [("row-unknown", f"{Q}!A{at}")]
    assert "BO-1.99" not in reading.measurements[0].answers
    assert [m.answers for m in reading.measurements] == TABLE_ANSWERS


def test_a_duplicated_row_is_reported_at_the_copy(tmp_path, reference):
    """A row copied below itself: row-duplicate at the copy; the first row's answers count."""
    row = row_of(reference, "BO-1.01")

    def duplicate(wb, rows):
        ws = wb[Q]
        ws.insert_rows(row + 1)
        for col in range(1, ws.max_column + 1):
            ws.cell(row + 1, col).value = ws.cell(row, col).value
        ws.cell(row + 1, L.answer_col(0) + 1).value = "nee"

    path = filled_workbook(tmp_path, TABLE, dates=DATES, edit=duplicate)
    reading = read_workbook(path)
    assert flat(reading) == [("row-duplicate", f"{Q}!A{row + 1}")]
    assert reading.measurements[0].answers["BO-1.01"] == "ja"


def test_a_changed_statement_pillar_or_phase_is_reported_at_the_cell(tmp_path, reference):
    """Editing a row's statement, pillar or phase: row-changed at exactly that cell, naming the indicator."""
    statement = f"{Q}!D{row_of(reference, 'IP-2.03')}"
    pillar = f"{Q}!B{row_of(reference, 'BO-1.08')}"
    phase = f"{Q}!C{row_of(reference, 'CO-4.03')}"
    path = filled_workbook(
        tmp_path, TABLE, dates=DATES, cells={statement: "Een andere stelling.", pillar: "IP", phase: 3}
    )
    reading = read_workbook(path)
    assert flat(reading) == sorted([("row-changed", statement), ("row-changed", pillar), ("row-changed", phase)])
    messages = {i.location: i.message for i in reading.errors}
    assert "IP-2.03" in messages[statement] and reference.by_id["IP-2.03"].text in messages[statement]
    assert "BO-1.08" in messages[pillar] and "'IP'" in messages[pillar]
    assert "CO-4.03" in messages[phase] and "'3'" in messages[phase]
    assert [m.answers for m in reading.measurements] == TABLE_ANSWERS  # still matched by id


def test_whitespace_in_a_statement_is_not_a_change(tmp_path, reference):
    """Extra spaces or a line break in a statement (a re-wrap) are not reported."""
    ind = reference.by_id["BO-1.01"]
    ref = f"{Q}!D{row_of(reference, 'BO-1.01')}"
    rewrapped = ind.text.replace(" ", "\n", 1).replace(" ", "  ", 1) + " "
    path = filled_workbook(tmp_path, TABLE, dates=DATES, cells={ref: rewrapped})
    assert flat(read_workbook(path)) == []


def test_a_changed_id_is_reported_as_such(tmp_path, reference):
    """An id typed over: id-changed at the id cell (not also a missing and an unknown row)."""
    ref = f"{Q}!A{row_of(reference, 'BO-1.08')}"
    path = filled_workbook(tmp_path, TABLE, dates=DATES, cells={ref: "BO-1.80"})
    reading = read_workbook(path)
    assert flat(reading) == [("id-changed", ref)]
    assert "BO-1.08" in reading.errors[0].message


def test_an_edited_fingerprint_is_reported_on_the_metadata_sheet(tmp_path):
    """Changing the stored fingerprint: fingerprint-mismatch at Metadata!B<row>."""
    ref = f"{L.METADATA}!B{L.metadata_row('fingerprint') + 1}"
    path = filled_workbook(tmp_path, TABLE, dates=DATES, cells={ref: "sha256:" + "0" * 64})
    reading = read_workbook(path)
    assert flat(reading) == [("fingerprint-mismatch", ref)]
    assert [m.answers for m in reading.measurements] == TABLE_ANSWERS


def test_a_deleted_questionnaire_sheet_is_reported_and_nothing_is_measured(tmp_path):
    """Without the Vragenlijst sheet: sheet-missing, and no measurements (not a refusal)."""

    def delete(wb, rows):
        del wb[Q]

    path = filled_workbook(tmp_path, TABLE, dates=DATES, edit=delete)
    reading = read_workbook(path)
    assert reading.measurements == []
    assert flat(reading) == [("sheet-missing", None)]
    assert Q in reading.errors[0].message


def test_a_renamed_answer_header_is_reported_and_the_other_slots_read(tmp_path):
    """Renaming 'Antwoord 0-meting': column-missing at the header; Meting 1 is still read."""
    ref = f"{Q}!F{L.Q_ROW_HEADER + 1}"
    path = filled_workbook(tmp_path, TABLE, dates=DATES, cells={ref: "Antwoord nulmeting"})
    reading = read_workbook(path)
    first_answer = f"{Q}!F{L.Q_FIRST_ROW + 2}"  # BO-1.01, under the renamed header
    assert [(i.code, i.location) for i in reading.errors] == [("column-missing", ref), ("answers-unread", first_answer)]
    assert "'Antwoord 0-meting'" in reading.errors[0].message
    assert "4 cells in column F (headed 'Antwoord nulmeting')" in reading.errors[1].message
    assert ("cell-unread", f"{Q}!F{L.Q_ROW_DATE + 1}") in flat(reading)  # its date is not read either
    assert [m.slot for m in reading.measurements] == [1]
    assert reading.measurements[0].answers == TABLE_ANSWERS[1]


def test_a_date_that_is_not_a_date_is_reported_at_its_cell(tmp_path):
    """Text, a day that does not exist, a truth value: date-invalid at each date cell (and no date-missing too)."""
    typed = ["gisteren", "31-2-2025", "2025-13-01", "1-3", "ja", True]
    path = filled_workbook(
        tmp_path,
        """
        | id      | 0-meting | Meting 1 | Meting 2 | Meting 3 | Meting 4 | Meting 5 |
        | BO-1.01 | ja       | ja       | ja       | ja       | ja       | ja       |
        """,
        slots=6,
        dates=dict(enumerate(typed)),
    )
    reading = read_workbook(path)
    assert flat(reading) == sorted(("date-invalid", f"{Q}!{L.col_letter(L.answer_col(k))}2") for k in range(6))
    assert [m.date for m in reading.measurements] == [None] * 6
    assert reading.errors[0].message == "'gisteren' is not a date; use a date such as 1-3-2026"


def test_a_number_that_is_no_plausible_date_is_reported(tmp_path):
    """12 typed in a date cell is 12-1-1900 to a spreadsheet: not a measurement date."""
    path = filled_workbook(tmp_path, "| id | 0-meting |\n| BO-1.01 | ja |", dates={0: 12})
    assert flat(read_workbook(path)) == [("date-invalid", f"{Q}!F2")]


def test_a_later_slot_filled_while_an_earlier_is_empty_is_a_warning(tmp_path):
    """Meting 2 filled with Meting 1 empty: a slot-gap warning at the Meting 2 header."""
    path = filled_workbook(
        tmp_path,
        """
        | id      | 0-meting | Meting 2 |
        | BO-1.01 | ja       | ja       |
        """,
        dates={0: dt.date(2024, 3, 1), 2: dt.date(2026, 3, 1)},
    )
    reading = read_workbook(path)
    assert flat(reading) == [("slot-gap", f"{Q}!J{L.Q_ROW_HEADER + 1}")]
    assert reading.errors == []
    assert [m.slot for m in reading.measurements] == [0, 2]


def test_only_a_later_slot_filled_is_a_gap(tmp_path):
    """Only Meting 1 filled (the 0-meting empty): a slot-gap warning too."""
    path = filled_workbook(tmp_path, "| id | Meting 1 |\n| BO-1.01 | ja |", dates={1: dt.date(2026, 3, 1)})
    assert flat(read_workbook(path)) == [("slot-gap", f"{Q}!H{L.Q_ROW_HEADER + 1}")]


def test_answers_without_a_date_are_a_warning(tmp_path):
    """A measurement with answers and no date: date-missing (a warning) at the date cell."""
    path = filled_workbook(tmp_path, TABLE, dates={1: dt.date(2026, 3, 1)})
    reading = read_workbook(path)
    assert flat(reading) == [("date-missing", f"{Q}!F{L.Q_ROW_DATE + 1}")]
    assert reading.errors == []


def _stale_workbook(folder: Path, reference) -> tuple[Path, str]:
    """A dashboard written with all 'ja' (cached phases 4), then BO's phase-1 answers set to 'nee' in the XML."""
    content = [SlotContent(answers=uniform_grid(reference, "ja"), date=dt.date(2025, 3, 1))]
    written = build_workbook(folder / "written.xlsx", gemeente="Oudstad", content=content, indicator_set=reference)
    parts = zip_parts(written)
    for ind in reference.indicators_of("BO", 1):
        set_cell_xml(parts, Q, answer_ref(reference, ind.id).split("!")[1], "nee")
    path = folder / "stale.xlsx"
    path.write_bytes(rezip(parts))
    calc = L.CalcLayout(5, reference.pillar_codes, reference.phase_numbers)
    return path, f"{L.CALCULATION}!{L.cell(calc.slot_row(0), calc.slot_pillar_col('BO'))}"


def test_cached_values_that_disagree_are_a_warning(tmp_path, reference):
    """Answers changed without recalculating: cache-stale (a warning); the computed phases are reported."""
    path, first_phase_cell = _stale_workbook(tmp_path, reference)
    reading = read_workbook(path)
    assert flat(reading, ignore=()) == [("cache-stale", first_phase_cell)]
    assert reading.errors == []
    (m,) = reading.measurements
    assert m.pillars["BO"].phase == 0 and m.phase == 0  # computed, not the file's 4
    assert "fase_BO_0 shows 4, computed 0" in reading.warnings[0].message


def test_five_different_mistakes_are_all_reported_with_their_cells_in_one_read(tmp_path, reference):
    """The issue's 'done when': outside the scale, a deleted row, a changed statement, a date that
    is not a date and a later slot filled with an earlier one empty, all in one read."""
    bad_answer = answer_ref(reference, "BO-1.02", 0)
    statement = f"{Q}!D{row_of(reference, 'IP-1.01')}"
    path = filled_workbook(
        tmp_path,
        """
        | id      | 0-meting  | Meting 2 |
        | BO-1.01 | ja        | ja       |
        | BO-1.02 | misschien | nee      |
        | IP-1.01 | deels     |          |
        | CO-4.03 | nee       | ja       |
        | datum   | gisteren  | 1-3-2026 |
        """,
        cells={statement: "De burgemeester vindt ondermijning belangrijk."},
        edit=lambda wb, rows: wb[Q].delete_rows(rows["CO-4.03"]),  # the last row: nothing shifts
    )
    reading = read_workbook(path)
    assert flat(reading) == [
        ("answer-invalid", bad_answer),
        ("date-invalid", f"{Q}!F{L.Q_ROW_DATE + 1}"),
        ("row-changed", statement),
        ("row-missing", None),  # a deleted row has no cell left; the message names the indicator
        ("slot-gap", f"{Q}!J{L.Q_ROW_HEADER + 1}"),
    ]
    by_code = {i.code: i for i in reading.issues}
    assert "CO-4.03" in by_code["row-missing"].message
    assert by_code["answer-invalid"].message == "'misschien' is not an answer; use ja, deels, nee or n.v.t."
    assert "'gisteren' is not a date" in by_code["date-invalid"].message


def test_reading_never_raises_for_a_workbook_with_errors(tmp_path):
    """Errors in a dashboard are issues, not exceptions: read_workbook returns a reading."""
    path = filled_workbook(tmp_path, "| id | 0-meting |\n| BO-1.01 | misschien |", dates={0: "morgen"})
    reading = read_workbook(path)
    assert {i.code for i in reading.errors} == {"answer-invalid", "date-invalid"}


def test_a_file_that_is_not_a_dashboard_raises_an_input_error(tmp_path):
    """Refusals are WorkbookRefused, an InputError (exit code 2 on the command line)."""
    path = tmp_path / "plain.xlsx"
    wb = openpyxl.Workbook()
    wb.active["A1"] = "hallo"
    wb.save(path)
    with pytest.raises(WorkbookRefused) as caught:
        read_workbook(path)
    assert isinstance(caught.value, InputError)
    assert "not a Piramide dashboard" in str(caught.value)


# --- the command line ----------------------------------------------------------------


@pytest.fixture(scope="module")
def made(tmp_path_factory) -> dict[str, bytes]:
    """Two filled dashboards, made once: 'good' (only a warning, cache-missing) and 'bad' (one error)."""
    folder = tmp_path_factory.mktemp("made")
    good = filled_workbook(folder, TABLE, dates=DATES, by={0: "A. Advies"}, name="good.xlsx")
    bad = filled_workbook(folder, TABLE + "| BO-1.02 | misschien | |", dates=DATES, name="bad.xlsx")
    return {"good": good.read_bytes(), "bad": bad.read_bytes()}


@pytest.fixture
def good(tmp_path, made) -> Path:
    path = tmp_path / "good.xlsx"
    path.write_bytes(made["good"])
    return path


@pytest.fixture
def bad(tmp_path, made) -> Path:
    path = tmp_path / "bad.xlsx"
    path.write_bytes(made["bad"])
    return path


def test_cli_read_prints_the_table_then_the_issues(cli, good):
    """`piramide read FILE`: a table per filled slot (phases per pillar), then the issues; exit 0 with warnings."""
    result = cli("read", good)
    assert result.code == 0, result
    lines = result.out.splitlines()
    header = next(n for n, line in enumerate(lines) if line.split()[:2] == ["Meting", "Datum"])
    assert lines[header].split() == [
        "Meting", "Datum", "Ingevuld", "door", "Beantwoord", "BO", "IP", "BH", "IV", "CO", "Totaal",
    ]  # fmt: skip
    assert lines[header + 1].split()[:4] == ["0-meting", "2025-03-01", "A.", "Advies"]
    assert lines[header + 1].split()[4] == "4/105"
    assert lines[header + 2].split()[:3] == ["Meting", "1", "2026-03-01"]
    issues = next(n for n, line in enumerate(lines) if line.startswith("Issues"))
    assert issues > header + 2
    assert lines[issues] == "Issues (0 errors, 1 warning):"
    assert "[warning: cache-missing]" in lines[issues + 1]
    assert result.err == ""


def test_cli_read_exits_1_on_errors_and_names_the_cell(cli, bad, reference):
    """`piramide read` on a workbook with errors: exit 1, the issue with its cell."""
    result = cli("read", bad)
    assert result.code == 1
    ref = answer_ref(reference, "BO-1.02")
    assert f"{ref}: 'misschien' is not an answer; use ja, deels, nee or n.v.t. [error: answer-invalid]" in result.out


def test_cli_read_exits_2_on_a_file_that_is_not_a_dashboard(cli, tmp_path):
    """`piramide read` on something else: exit 2, one line on stderr, nothing on stdout."""
    path = tmp_path / "notes.xlsx"
    path.write_text("gemeente;fase\nUtrecht;2\n", encoding="utf-8")
    result = cli("read", path)
    assert result.code == 2
    assert result.out == ""
    assert len(result.err.splitlines()) == 1 and result.err.startswith("piramide: error:")


def test_cli_read_json_prints_exactly_the_model_dump(cli, bad):
    """`piramide read --json` prints the model_dump(mode='json') of read_workbook, nothing else."""
    result = cli("read", bad, "--json")
    assert result.code == 1
    assert json.loads(result.out) == read_workbook(bad).model_dump(mode="json")
    assert result.err == ""


def test_cli_read_json_keeps_non_ascii_text(cli, tmp_path):
    """Names with accents come out as text in the JSON, not as escapes."""
    path = filled_workbook(tmp_path, TABLE, dates=DATES, by={0: "Zoë Çelik"}, gemeente="Súdwest-Fryslân")
    result = cli("read", path, "--json")
    assert "Súdwest-Fryslân" in result.out and "Zoë Çelik" in result.out
    data = json.loads(result.out)
    assert data["gemeente"] == "Súdwest-Fryslân"


@pytest.fixture
def folder(tmp_path, good, bad) -> Path:
    """A folder tree: good.xlsx at the top, bad.xlsx in a subfolder, an Office lock file, a text file."""
    root = tmp_path / "inbox"
    (root / "regio" / "west").mkdir(parents=True)
    good.rename(root / "good.xlsx")
    bad.rename(root / "regio" / "west" / "bad.xlsx")
    (root / "~$good.xlsx").write_bytes(b"\x00lock file of Excel\x00")
    (root / "regio" / ".~lock.bad.xlsx#").write_text("LibreOffice lock", encoding="utf-8")
    (root / "regio" / "notes.txt").write_text("niet lezen", encoding="utf-8")
    return root


def test_cli_check_walks_folders_and_lists_each_issue_with_file_and_cell(cli, folder, reference):
    """`piramide check DIR`: recursive; one line per issue, file then cell; exit 1 with errors."""
    result = cli("check", folder)
    assert result.code == 1
    bad = folder / "regio" / "west" / "bad.xlsx"
    good = folder / "good.xlsx"
    ref = answer_ref(reference, "BO-1.02")
    (cache_missing,) = read_workbook(good).issues
    assert result.out.splitlines() == [
        f"{good}: {cache_missing}",
        f"{bad}: {ref}: 'misschien' is not an answer; use ja, deels, nee or n.v.t. [error: answer-invalid]",
        f"{bad}: {cache_missing}",
    ]
    assert str(cache_missing).endswith("[warning: cache-missing]")
    assert "~$" not in result.out and "lock" not in result.out
    assert result.err.splitlines() == ["2 workbooks: 1 without errors, 1 with errors, 0 refused"]


def test_cli_check_exit_0_with_only_warnings(cli, folder):
    """Warnings alone do not fail a check."""
    result = cli("check", folder / "good.xlsx")
    assert result.code == 0
    assert len(result.out.splitlines()) == 1 and "[warning: cache-missing]" in result.out


def test_cli_check_exit_2_when_a_file_is_refused_and_still_checks_the_others(cli, folder):
    """A file that is not a dashboard: '[refused]', exit 2; the other files are still checked."""
    (folder / "regio" / "kapot.xlsx").write_bytes(b"PK\x03\x04 this is not a zip")
    result = cli("check", folder)
    assert result.code == 2
    refused = [line for line in result.out.splitlines() if line.endswith("[refused]")]
    assert len(refused) == 1 and "kapot.xlsx" in refused[0]
    assert "answer-invalid" in result.out
    assert result.err.splitlines() == ["3 workbooks: 1 without errors, 1 with errors, 1 refused"]
    assert "Traceback" not in result.out + result.err


def test_cli_check_reads_a_file_given_twice_once(cli, folder):
    """A file named on its own and found again in its folder is checked once."""
    bad = folder / "regio" / "west" / "bad.xlsx"
    result = cli("check", bad, folder, folder / "regio" / "west" / ".." / "west" / "bad.xlsx")
    assert result.out.count("answer-invalid") == 1
    assert result.err.splitlines() == ["2 workbooks: 1 without errors, 1 with errors, 0 refused"]


def test_cli_check_exit_2_when_no_workbook_is_found(cli, tmp_path):
    """A folder without .xlsx files (only lock files): exit 2 with an error."""
    (tmp_path / "~$leeg.xlsx").write_bytes(b"lock")
    result = cli("check", tmp_path)
    assert result.code == 2
    assert "piramide: error: no .xlsx files found" in result.err


def test_cli_check_exit_2_for_a_missing_file(cli, tmp_path):
    """A path that does not exist is refused, not a crash."""
    result = cli("check", tmp_path / "weg.xlsx")
    assert result.code == 2
    assert result.out.strip().endswith("[refused]") and "no such file" in result.out


def test_cli_check_without_paths_is_a_usage_error(cli):
    """`piramide check` with nothing to check: exit 2 (bad usage)."""
    assert cli("check").code == 2


# --- the input file is never modified -------------------------------------------------


def _fingerprint(path: Path) -> tuple[bytes, int, int]:
    st = os.stat(path)
    return path.read_bytes(), st.st_mtime_ns, st.st_size


@pytest.mark.parametrize("kind", ["good", "bad", "refused"])
def test_reading_and_checking_never_modify_the_file(cli, tmp_path, good, bad, kind):
    """Bytes, size and modification time are identical after read, read --json and check."""
    path = {"good": good, "bad": bad, "refused": tmp_path / "plat.xlsx"}[kind]
    if kind == "refused":
        path.write_bytes(b"id;antwoord\nBO-1.01;ja\n")
    os.utime(path, ns=(1_600_000_000_000_000_000, 1_600_000_000_000_000_000))
    before = _fingerprint(path)
    listing = sorted(p.name for p in path.parent.iterdir())
    try:
        read_workbook(path)
    except WorkbookRefused:
        assert kind == "refused"
    codes = [cli("read", path).code, cli("read", "--json", path).code, cli("check", path, path.parent).code]
    assert codes[:2] == [{"good": 0, "bad": 1, "refused": 2}[kind]] * 2
    assert _fingerprint(path) == before
    assert sorted(p.name for p in path.parent.iterdir()) == listing  # nothing written next to it either


_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_TRUNC


def test_inputs_are_only_ever_opened_read_only(tmp_path, good, cli, monkeypatch):
    """read, check, progress and upgrade open the input only for reading: every open of it is recorded
    (os.open flags, open() modes), which holds as root too (root ignores a chmod 0o444)."""
    import builtins

    opened: list[tuple[str, str]] = []
    real_os_open, real_open = os.open, builtins.open

    def is_input(file) -> bool:
        return not isinstance(file, int) and Path(os.fsdecode(file)).resolve() == good.resolve()

    def spy_os_open(file, flags, *args, **kwargs):
        if is_input(file):
            opened.append(("os.open", "write" if flags & _WRITE_FLAGS else "read"))
        return real_os_open(file, flags, *args, **kwargs)

    def spy_open(file, mode="r", *args, **kwargs):
        if is_input(file):
            opened.append(("open", "write" if set(mode) & set("wax+") else "read"))
        return real_open(file, mode, *args, **kwargs)

    monkeypatch.setattr(os, "open", spy_os_open)
    monkeypatch.setattr(builtins, "open", spy_open)
    monkeypatch.setattr(io, "open", spy_open)
    before = _fingerprint(good)
    assert cli("read", good).code == 0
    assert cli("check", good).code == 0
    assert cli("progress", good, "--json").code == 0
    assert cli("upgrade", good, "--slots", "8", "--out", tmp_path / "nieuw.xlsx").code == 0
    assert len(opened) >= 4 and {mode for _, mode in opened} == {"read"}, opened
    assert _fingerprint(good) == before


def test_reading_from_an_in_memory_copy_gives_the_same_result(tmp_path, bad):
    """The reader works from the bytes it read once: a copy elsewhere reads the same (file name aside)."""
    copy = tmp_path / "copy" / "bad.xlsx"
    copy.parent.mkdir()
    copy.write_bytes(bad.read_bytes())
    a, b = read_workbook(bad).model_dump(mode="json"), read_workbook(copy).model_dump(mode="json")
    a.pop("file"), b.pop("file")
    assert a == b


def test_the_helper_types_what_the_table_says(tmp_path, reference):
    """Guard for the helper itself: the cells in the file are the table's, typed as text."""
    path = filled_workbook(tmp_path, "| id | 0-meting | Meting 1 |\n| BO-1.01 | ' Ja ' | 45717 |")
    ws = openpyxl.load_workbook(io.BytesIO(path.read_bytes()))[Q]
    row = row_of(reference, "BO-1.01")
    assert ws.cell(row, 1).value == "BO-1.01"
    assert ws.cell(row, L.answer_col(0) + 1).value == " Ja "
    assert ws.cell(row, L.answer_col(1) + 1).value == "45717"


def test_a_slot_with_only_invalid_answers_is_not_empty_for_the_slot_gap_check(tmp_path):
    """A slot whose answers are all invalid was still filled in: no slot-gap warning for the next slot."""
    path = filled_workbook(tmp_path, "| id | 0-meting | Meting 1 |\n| BO-1.01 | misschien | ja |")
    codes = [issue.code for issue in read_workbook(path).issues]
    assert "answer-invalid" in codes
    assert "slot-gap" not in codes


# --- no answer ignored without a word: cells outside the dashboard's cells (issue 9) ------------

_LAST = L.col_letter(L.note_col(L.DEFAULT_SLOTS - 1))  # the last column of a 5-slot Vragenlijst (O)
_NEXT = L.col_letter(L.note_col(L.DEFAULT_SLOTS - 1) + 1)  # the first column after it (P)


def test_an_added_answer_column_is_an_error_at_its_first_cell(tmp_path, reference):
    """The slots ran out, a column 'Antwoord Meting 5' was added with answers below it: answers-unread, not read."""
    rows = indicator_rows(reference)
    path = filled_workbook(
        tmp_path,
        TABLE,
        dates=DATES,
        cells={
            f"{Q}!{_NEXT}{L.Q_ROW_HEADER + 1}": "Antwoord Meting 5",
            f"{Q}!{_NEXT}{rows['BO-1.01']}": "ja",
            f"{Q}!{_NEXT}{rows['CO-4.03']}": "nee",
        },
    )
    reading = read_workbook(path)
    assert [(i.code, i.location) for i in reading.errors] == [("answers-unread", f"{Q}!{_NEXT}{rows['BO-1.01']}")]
    assert reading.errors[0].message.startswith(f"2 cells in column {_NEXT} (headed 'Antwoord Meting 5') hold answers")
    assert [m.slot for m in reading.measurements] == [0, 1]  # the rest is read as before


def test_notes_under_a_renamed_toelichting_header_are_an_error(tmp_path, reference):
    """'Toelichting 0-meting' renamed to 'Opmerkingen' with notes below: answers-unread at the first note."""
    rows = indicator_rows(reference)
    note_col = L.col_letter(L.note_col(0))
    path = filled_workbook(
        tmp_path,
        TABLE,
        dates=DATES,
        cells={f"{Q}!{note_col}{L.Q_ROW_HEADER + 1}": "Opmerkingen", f"{Q}!{note_col}{rows['BO-1.08']}": "zie besluit"},
    )
    reading = read_workbook(path)
    assert flat(reading) == [("answers-unread", f"{Q}!{note_col}{rows['BO-1.08']}")]
    assert "(headed 'Opmerkingen')" in reading.errors[0].message


def test_an_answer_typed_on_a_pillar_heading_row_is_an_error(tmp_path, reference):
    """A pillar heading has no indicator: an answer typed on it would be ignored, so it is answers-unread."""
    heading = indicator_rows(reference)["BO-1.01"] - 1
    path = filled_workbook(tmp_path, TABLE, dates=DATES, cells={f"{Q}!F{heading}": "ja"})
    assert flat(read_workbook(path)) == [("answers-unread", f"{Q}!F{heading}")]


@pytest.mark.parametrize(
    ("cell", "where"),
    [
        (f"{_NEXT}200", "below the table, beside no indicator"),
        (f"{L.col_letter(L.note_col(0))}{L.Q_ROW_DATE + 1}", "the hidden half of a merged date cell"),
        (f"{_NEXT}{L.Q_ROW_TITLE + 1}", "right of the title"),
    ],
)
def test_any_other_non_empty_cell_is_a_warning_at_its_cell(tmp_path, cell, where):
    """A remark outside the dashboard's cells: cell-unread (a warning) with its cell; nothing else changes."""

    def type_remark(wb, rows):
        ws = wb[Q]
        for merged in list(ws.merged_cells.ranges):
            if cell in merged:
                ws.unmerge_cells(str(merged))
        ws[cell] = "opmerking"

    reading = read_workbook(filled_workbook(tmp_path, TABLE, dates=DATES, edit=type_remark))
    assert flat(reading) == [("cell-unread", f"{Q}!{cell}")], where
    assert [i.severity for i in reading.issues if i.code == "cell-unread"] == ["warning"]
    assert "'opmerking' is outside" in str(reading.issues) or "1 cell in column" in str(reading.issues)
    assert [m.answers for m in reading.measurements] == TABLE_ANSWERS


def test_a_header_without_content_is_a_warning(tmp_path):
    """An extra header with nothing below it: cell-unread (a warning), at the header."""
    path = filled_workbook(tmp_path, TABLE, dates=DATES, cells={f"{Q}!{_NEXT}{L.Q_ROW_HEADER + 1}": "Extra"})
    reading = read_workbook(path)
    assert flat(reading) == [("cell-unread", f"{Q}!{_NEXT}{L.Q_ROW_HEADER + 1}")]
    assert not reading.errors


def test_a_blank_and_a_filled_dashboard_have_no_unread_cells(tmp_path, reference):
    """Control: every cell piramide writes (title, labels, hints, headers, rows, dates, names, notes) is known."""
    content = [
        SlotContent(answers=random_grid(reference, seed=k), date=dt.date(2020 + k, 3, 1), ingevuld_door="A. B.",
                    notes={reference.indicators[k].id: "toelichting"})
        for k in range(L.DEFAULT_SLOTS)
    ]  # fmt: skip
    for name, spec in (("leeg.xlsx", []), ("vol.xlsx", content)):
        path = build_workbook(tmp_path / name, gemeente="Teststad", indicator_set=reference, content=spec)
        assert read_workbook(path).issues == [], name
