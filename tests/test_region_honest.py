"""Honest region reports and a typed overview (issue 9, points 6 and 8).

A municipality is known by its CBS code; a file that could not be used is
named in its municipality's section; two files with the same latest date
and different answers are a conflict; a date after today, or before the
slot before it, is a warning with its cell and never makes a year or wins a
duplicate. The overview workbook holds dates, years and changes as typed
cells.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import openpyxl
from test_progress import TODAY, at, d, make, progress_json, sheet_rows, small_set, with_answer  # noqa: F401

from piramide import layout as L
from piramide.reader import read_workbook

DATE_CELL = {slot: f"{L.QUESTIONS}!{L.col_letter(L.answer_col(slot))}{L.Q_ROW_DATE + 1}" for slot in range(5)}


def _gemeenten(data: dict) -> list[tuple]:
    return [(g["gemeente"], g["code"], g["file"]) for g in data["gemeenten"]]


# --- the CBS code ----------------------------------------------------------------------------------------


def test_two_bergens_are_two_entries_everywhere_with_their_code(cli, make, tmp_path):
    """JSON gemeenten, region.latest and the overdue list carry the code; latest has a key for each Bergen."""
    a = make("Bergen", (d("2023-03-01"), at(BO=1)), code="GM0373", folder=tmp_path / "r", file="Bergen-NH.xlsx")
    b = make("Bergen", (d("2025-03-01"), at(BO=2)), code="GM0893", folder=tmp_path / "r", file="Bergen-L.xlsx")
    _, data = progress_json(cli, tmp_path / "r")
    assert sorted(_gemeenten(data)) == [("Bergen", "GM0373", str(a)), ("Bergen", "GM0893", str(b))]
    latest = data["region"]["latest"]
    assert {k: (v["gemeente"], v["code"], v["phase"]) for k, v in latest.items()} == {
        "Bergen (GM0373)": ("Bergen", "GM0373", 0),
        "Bergen (GM0893)": ("Bergen", "GM0893", 0),
    }
    assert latest["Bergen (GM0893)"]["pillars"]["BO"] == 2 and latest["Bergen (GM0373)"]["pillars"]["BO"] == 1
    assert data["region"]["without_recent_measurement"] == [
        {"gemeente": "Bergen", "code": "GM0373", "latest_date": "2023-03-01"}
    ]
    assert sum(data["region"]["distribution_per_year"]["2025"]["BO"].values()) == 1


def test_a_unique_name_keeps_its_plain_key_and_still_carries_the_code(cli, make, tmp_path):
    """A municipality whose name is unique keeps its name as key in region.latest (and the code inside)."""
    make("Ede", (d("2025-01-01"), at(BO=1)), code="GM0228", folder=tmp_path / "r")
    _, data = progress_json(cli, tmp_path / "r")
    assert list(data["region"]["latest"]) == ["Ede"]
    assert data["region"]["latest"]["Ede"]["code"] == "GM0228"
    assert data["gemeenten"][0]["code"] == "GM0228"


def test_text_csv_and_overview_show_the_code(cli, make, tmp_path):
    """The code appears in the text table and section, as the CSV's last column and in the Overzicht."""
    make("Bergen", (d("2025-03-01"), at(BO=2)), code="GM0893", folder=tmp_path / "r")
    out = tmp_path / "uit"
    r = cli("progress", tmp_path / "r", "--today", TODAY, "--csv", out / "p.csv", "--xlsx", out / "p.xlsx")
    assert r.code == 0, r.err
    table = r.out.splitlines()
    assert table[2].split()[:2] == ["Gemeente", "Code"] and table[3].split()[:2] == ["Bergen", "GM0893"]
    assert "Bergen (GM0893) (regio Testregio)" in r.out
    rows = [line.split(";") for line in (out / "p.csv").read_text(encoding="utf-8-sig").splitlines()]
    assert rows[0][-1] == "code" and {row[-1] for row in rows[1:]} == {"GM0893"}
    ws = openpyxl.load_workbook(out / "p.xlsx")["Overzicht"]
    [row] = [r for r in sheet_rows(ws, 4) if r["Gemeente"]]
    assert (row["Gemeente"], row["Code"]) == ("Bergen", "GM0893")


# --- a file that could not be used ------------------------------------------------------------------------


def test_a_newer_unusable_file_is_named_and_the_municipality_still_counts(cli, make, tmp_path):
    """Utrecht's newer file has an error: it is listed, named in Utrecht's section, and Utrecht still counts."""
    good = make("Utrecht", (d("2023-03-01"), at(BO=2)), code="GM0344", folder=tmp_path / "r", file="u-oud.xlsx")
    bad = make("Utrecht", (d("2025-05-01"), at(BO=3)), code="GM0344", folder=tmp_path / "r", file="u-nieuw.xlsx")
    with_answer(bad, "BO-1.01", 0, "misschien")
    code, data = progress_json(cli, tmp_path / "r")
    assert code == 1 and [e["file"] for e in data["errors"]] == [str(bad)]
    [g] = data["gemeenten"]
    assert (g["file"], g["code"]) == (str(good), "GM0344")
    assert g["unusable_files"] == [{"file": str(bad), "latest_date": "2025-05-01"}]
    [note] = g["notes"]
    assert note.startswith(f"{bad} holds Utrecht too but could not be used (has 1 error; the first: ")
    assert note.endswith("it holds a later measurement (2025-05-01), so this is not the latest state")
    assert data["region"]["distribution_per_year"] == {"2023": {"BO": {"2": 1}, "IP": {"0": 1}, "BH": {"0": 1},
                                                                "totaal": {"0": 1}}}  # fmt: skip
    assert data["region"]["without_recent_measurement"] == [
        {"gemeente": "Utrecht", "code": "GM0344", "latest_date": "2023-03-01"}
    ]
    text = cli("progress", tmp_path / "r", "--today", TODAY).out
    section = text.split("Utrecht (GM0344)")[1]
    assert f"note: {bad} holds Utrecht too but could not be used" in section


def two_files(cli, make, tmp_path, first: tuple, second: tuple) -> tuple[Path, Path, dict]:
    """Two files of Ede (a.xlsx, b.xlsx) with one measurement each; their paths and Ede's JSON entry."""
    a = make("Ede", first, folder=tmp_path / "r", file="a.xlsx")
    b = make("Ede", second, folder=tmp_path / "r", file="b.xlsx")
    _, data = progress_json(cli, tmp_path / "r")
    [g] = data["gemeenten"]
    return a, b, g


# --- conflicts ----------------------------------------------------------------------------------------------


def test_same_latest_date_with_different_answers_is_a_conflict(cli, make, tmp_path):
    """Two files of Ede with a measurement of the same date but other answers: a conflict, never 'the same'."""
    a, b, g = two_files(cli, make, tmp_path, (d("2025-01-10"), at(BO=1)), (d("2025-01-10"), at(BO=2)))
    assert g["file"] == str(a)
    assert g["conflicts"] == [{"file": str(b), "date": "2025-01-10"}]
    [note] = g["notes"]
    assert note.startswith(f"CONFLICT: {b} holds Ede too, with a latest measurement of the same date (2025-01-10)")
    assert "the same latest measurement" not in note


def test_same_latest_measurement_is_not_a_conflict(cli, make, tmp_path):
    """A copy of the same file (same date, same answers): noted as the same measurement, no conflict."""
    _, b, g = two_files(cli, make, tmp_path, (d("2025-01-10"), at(BO=1)), (d("2025-01-10"), at(BO=1)))
    assert g["conflicts"] == []
    assert g["notes"] == [f"{b} holds Ede too; both have the same latest measurement; the first file is used"]


# --- dates ------------------------------------------------------------------------------------------------------


def test_a_future_date_is_a_warning_with_its_cell(make, tmp_path):
    """A measurement dated after today: warning date-future at its date cell."""
    path = make("Ede", (d("2024-01-10"), at(BO=1)), (d("2031-01-10"), at(BO=2)))
    issues = [(i.code, i.severity, i.location) for i in read_workbook(path, today=d(TODAY)).issues]
    assert ("date-future", "warning", DATE_CELL[1]) in issues
    assert [i for i in issues if i[0] in ("date-future", "date-order")] == [("date-future", "warning", DATE_CELL[1])]


def test_a_date_before_the_slot_before_it_is_a_warning_with_its_cell(make):
    """Meting 1 dated before the 0-meting: warning date-order at Meting 1's date cell, naming both dates."""
    path = make("Ede", (d("2024-06-01"), at(BO=1)), (d("2023-06-01"), at(BO=2)))
    [issue] = [i for i in read_workbook(path, today=d(TODAY)).issues if i.code == "date-order"]
    assert (issue.severity, issue.location) == ("warning", DATE_CELL[1])
    assert issue.message.startswith("Meting 1 is dated 01-06-2023, before 0-meting (01-06-2024)")


def test_check_shows_the_date_warnings(cli, make):
    """`check` lists a future date as a warning and still exits 0."""
    path = make("Ede", (d("2024-01-10"), at(BO=1)), (dt.date.today() + dt.timedelta(days=30), at(BO=2)))
    r = cli("check", path)
    assert r.code == 0 and f"{DATE_CELL[1]}: Meting 1 is dated" in r.out and "[warning: date-future]" in r.out


def test_a_future_date_makes_no_year_and_no_latest_date(cli, make, tmp_path):
    """A measurement dated 2031 (today 2025-06-30) creates no year 2031 and leaves the latest date at 2024."""
    make("Ede", (d("2024-01-10"), at(BO=1)), (d("2031-01-10"), at(BO=2)), folder=tmp_path / "r")
    _, data = progress_json(cli, tmp_path / "r")
    assert list(data["region"]["distribution_per_year"]) == ["2024"]
    [g] = data["gemeenten"]
    assert [w["code"] for w in g["warnings"]] == ["date-future"] and g["warnings"][0]["location"] == DATE_CELL[1]
    assert data["region"]["without_recent_measurement"] == [
        {"gemeente": "Ede", "code": None, "latest_date": "2024-01-10"}
    ]


def test_a_future_date_never_wins_a_duplicate(cli, make, tmp_path):
    """Of two files of Ede, the one with a real later date is used, not the one dated in the future."""
    future, real, g = two_files(cli, make, tmp_path, (d("2030-01-01"), at(BO=3)), (d("2025-01-01"), at(BO=1)))
    assert g["file"] == str(real)
    assert g["notes"] == [f"{future} holds Ede too; {real} has the later measurement and is used"]


# --- the overview holds typed cells -------------------------------------------------------------------------------


def test_overview_dates_years_and_changes_are_typed(cli, make, tmp_path):
    """Overzicht: Datum is a date, Δ cells are numbers shown as +2; Verdeling: years are numbers."""
    make("Ede", (d("2023-03-01"), at(BO=1)), (d("2024-04-15"), at(BO=3, IP=1)), folder=tmp_path / "r")
    make("Zeist", (d("2024-02-01"), at(BO=2)), (d("2025-02-01"), at(BO=1)), folder=tmp_path / "r")
    out = tmp_path / "o.xlsx"
    assert cli("progress", tmp_path / "r", "--today", TODAY, "--xlsx", out).code == 0
    wb = openpyxl.load_workbook(out)
    ws = wb["Overzicht"]
    rows = {r["Gemeente"]: r for r in sheet_rows(ws, 4) if r["Gemeente"]}
    assert rows["Ede"]["Datum"] == dt.datetime(2024, 4, 15)
    assert (rows["Ede"]["Δ BO"], rows["Ede"]["Δ IP"], rows["Zeist"]["Δ BO"]) == (2, 1, -1)
    header = [c.value for c in ws[4]]
    delta = ws.cell(5, header.index("Δ BO") + 1)
    assert delta.data_type == "n" and delta.number_format == "+0;-0;0"
    assert ws.cell(5, header.index("Datum") + 1).is_date
    years = [c.value for c in wb["Verdeling"]["A"] if isinstance(c.value, int)]
    assert years[:3] == [2023, 2024, 2025]
    per_gemeente = wb["Ede"]
    assert per_gemeente["B5"].value == dt.datetime(2023, 3, 1) and per_gemeente["B5"].is_date


def test_overview_changes_are_coloured_by_their_value(cli, make, tmp_path):
    """The Δ colours follow the number (<0 red, >0 green), not a text prefix."""
    make("Ede", (d("2023-03-01"), at(BO=1)), folder=tmp_path / "r")
    out = tmp_path / "o.xlsx"
    assert cli("progress", tmp_path / "r", "--today", TODAY, "--xlsx", out).code == 0
    ws = openpyxl.load_workbook(out)["Overzicht"]
    rules = [(rule.type, rule.operator, rule.formula) for cf in ws.conditional_formatting for rule in cf.rules]
    assert ("cellIs", "lessThan", ["0"]) in rules and ("cellIs", "greaterThan", ["0"]) in rules
    assert not [r for r in rules if r[0] == "beginsWith"]


def test_json_stays_valid_json_with_the_new_keys(cli, make, tmp_path):
    """Every gemeente has code, conflicts, unusable_files and warnings (lists), and the JSON parses."""
    make("Ede", (d("2023-03-01"), at(BO=1)), folder=tmp_path / "r")
    r = cli("progress", tmp_path / "r", "--json", "--today", TODAY)
    [g] = json.loads(r.out)["gemeenten"]
    assert (g["code"], g["conflicts"], g["unusable_files"], g["warnings"]) == (None, [], [], [])
