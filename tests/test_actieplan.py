"""The action plan (issue 14): the Actieplan sheet, reading it back, progress and upgrades.

The issue's "done when" is the LibreOffice part at the end: plan rows typed
in LibreOffice itself (dates typed as dates and as text, statuses from the
list and one that is not), read back exactly, the wrong status reported with
its cell, carried through an upgrade, counted by `progress`; and the live
columns as LibreOffice computes them equal to the engine.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest
from engine import convert, lo_fill, make_profile, need_soffice, need_uno, recalc
from helpers import REF_2026_1
from test_workbook import _effective
from wb import blank_bytes, lo_cells, plan_rows, question_rows, random_grid, zip_parts

from piramide import layout as L
from piramide import bundled_set, read_workbook, reference_set, score_measurement
from piramide.errors import PiramideError, UpgradeRefused
from piramide.plan import STATUSES, PlanRow, join_rows, plan_progress
from piramide.progress import region_progress
from piramide.progress_out import overview_bytes, plan_csv_bytes
from piramide.scoring import blocking
from piramide.upgrade import upgrade_workbook
from piramide.writer import SlotContent, build_workbook

#: The upgrade of the LibreOffice test: 2026.1 -> 2026.2 (the newest bundled reference set), where
#: BH-4.03 and CO-4.03 merge into BO-4.03, CO-2.06 becomes BO-2.07 and BO-4.01 is dropped.
MERGED_FROM, MERGED_TO = ("BH-4.03", "CO-4.03"), "BO-4.03"
RENAMED_FROM, RENAMED_TO = "CO-2.06", "BO-2.07"
DROPPED = ("BO-4.01",)
TODAY = dt.date.today()
OLD = bundled_set(REF_2026_1)  # the tests pin ids of 2026.1 (as the `reference` fixture)
PAST, FUTURE = TODAY - dt.timedelta(days=30), TODAY + dt.timedelta(days=400)


def engine_blocking(s, answers: dict) -> dict[str, list[str]]:
    result = score_measurement(s, answers)
    return blocking(s, {code: p.phase for code, p in result.pillars.items()}, answers)


def plan_column(path: Path, col: int) -> dict[str, object]:
    """Indicator id -> the value (as stored) in one column of the Actieplan."""
    ws = openpyxl.load_workbook(path, data_only=True)[L.ACTIONS]
    out = {}
    for row in ws.iter_rows(min_row=L.A_FIRST_ROW + 1):
        if row[L.A_COL_ID].value:
            out[row[L.A_COL_ID].value] = row[col].value
    return out


# --- the sheet --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def blank(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("ap-blank") / "blank.xlsx"
    path.write_bytes(blank_bytes(OLD))
    return path


def test_actieplan_follows_vragenlijst_with_the_documented_header(blank):
    """The sheet comes right after Vragenlijst; its header row is the layout's, in order."""
    wb = openpyxl.load_workbook(blank)
    assert wb.sheetnames[wb.sheetnames.index(L.QUESTIONS) + 1] == L.ACTIONS
    ws = wb[L.ACTIONS]
    header = [c.value for c in ws[L.A_ROW_HEADER + 1]][: len(L.A_HEADERS)]
    assert header == list(L.A_HEADERS)
    assert header[5:12] == ["Laatste antwoord", "Houdt volgende fase tegen", "Actie", "Eigenaar", "Deadline",
                            "Status", "Toelichting"]  # fmt: skip


def test_one_row_per_indicator_in_the_order_of_the_vragenlijst(blank, reference):
    """Same ids in the same order as Vragenlijst (without its pillar heading rows)."""
    wb = openpyxl.load_workbook(blank)
    in_questions = list(question_rows(wb[L.QUESTIONS]))
    assert list(plan_column(blank, L.A_COL_ID)) == in_questions
    assert len(in_questions) == len(reference.indicators)


def test_input_columns_are_unlocked_and_the_rest_locked(blank, tmp_path):
    """Actie, Eigenaar, Deadline, Status and Toelichting can be typed, blank or written; the rest cannot."""
    plan = [PlanRow(indicator="BO-1.02", actie="a", eigenaar="b", deadline=FUTURE, status="open", toelichting="c")]
    written = build_workbook(tmp_path / "w.xlsx", gemeente="Slotdorp", indicator_set=OLD, plan=plan)
    for path, ident in ((blank, "BO-1.01"), (written, "BO-1.02")):
        ws = openpyxl.load_workbook(path)[L.ACTIONS]
        assert ws.protection.sheet
        row = plan_rows(OLD)[ident] + 1
        for col in range(len(L.A_HEADERS)):
            locked = _effective(ws, row, col + 1).protection.locked
            assert locked is (col not in L.A_INPUT_COLS), (path.name, L.A_HEADERS[col])


def test_status_is_a_dropdown_from_the_named_list_and_deadline_a_validated_date(blank):
    """Status: a list from `actiestatus` (Lijsten: the five statuses); Deadline: a date between 1990 and 2100."""
    wb = openpyxl.load_workbook(blank)
    ws = wb[L.ACTIONS]
    rules = {next(iter(dv.sqref.ranges)).min_col - 1: dv for dv in ws.data_validations.dataValidation}
    status, deadline = rules[L.A_COL_STATUS], rules[L.A_COL_DEADLINE]
    assert (status.type, status.formula1) == ("list", L.NAME_STATUS_LIST)
    assert (deadline.type, deadline.operator or "between") == ("date", "between")  # between is the default
    assert (deadline.formula1, deadline.formula2) == ("32874", "73415")  # 1-1-1990 and 31-12-2100
    last = L.A_FIRST_ROW + len(OLD.indicators)
    assert str(status.sqref) == f"K{L.A_FIRST_ROW + 1}:K{last}"
    dn = wb.defined_names[L.NAME_STATUS_LIST]
    sheet, ref = next(iter(dn.destinations))
    assert sheet == L.LISTS
    assert [r[0].value for r in wb[sheet][ref.replace("$", "")]] == list(STATUSES)
    assert STATUSES == ("open", "gepland", "bezig", "gereed", "vervallen")


def test_filter_on_every_column_and_one_page_wide_a4_landscape(blank):
    """The autofilter spans every column from the header to the last indicator; printing fits one page wide."""
    ws = openpyxl.load_workbook(blank)[L.ACTIONS]
    last = L.A_FIRST_ROW + len(OLD.indicators)
    assert ws.auto_filter.ref == f"A{L.A_ROW_HEADER + 1}:{L.col_letter(len(L.A_HEADERS) - 1)}{last}"
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize in (9, "9")
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert (int(ws.page_setup.fitToWidth or 1), int(ws.page_setup.fitToHeight)) == (1, 0)  # 1 wide, as tall as needed
    assert ws.print_title_rows == f"${L.A_ROW_HEADER + 1}:${L.A_ROW_HEADER + 1}"


@pytest.mark.soffice
def test_libreoffice_prints_the_actieplan_one_page_wide(blank, tmp_path):
    """Printed by LibreOffice (PDF), every page of the Actieplan holds its first and its last column."""
    need_soffice()
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is missing")
    (pdf,) = convert([blank], tmp_path / "pdf", make_profile(tmp_path / "profile"), "pdf")
    pages = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True).stdout.split("\f")
    plan_pages = [p for p in pages if "Houdt" in p or "Verlopen" in p]
    assert len(plan_pages) >= 2  # 105 rows do not fit on one page
    for page in plan_pages:
        assert "Houdt" in page and "Verlopen" in page and "Pijler" in page, page[:200]


def test_blocking_rows_are_orange_as_in_the_vragenlijst(blank):
    """The blocking rule of the Actieplan uses the Vragenlijst's orange, and overdue actions have their own rule."""
    parts = zip_parts(blank)
    styles = parts["xl/styles.xml"].decode()
    from piramide import palette as P

    assert P.HIGHLIGHT[0].lstrip("#").upper() in styles.upper()
    ws = openpyxl.load_workbook(blank)[L.ACTIONS]
    formulas = [r.formula[0] for cf in ws.conditional_formatting for r in cf.rules if r.type == "expression"]
    assert f'$G{L.A_FIRST_ROW + 1}="ja"' in formulas
    assert f'$M{L.A_FIRST_ROW + 1}="verlopen"' in formulas


def test_cached_live_columns_equal_the_engine(tmp_path, reference):
    """Written with answers: Laatste antwoord and Houdt volgende fase tegen carry the engine's values."""
    s = reference
    # Complete (no blanks), so settled: the live columns follow the measurement on the cover (issue 10).
    grids = [{k: v or "nee" for k, v in random_grid(s, seed=seed).items()} for seed in (1401, 1402)]
    content = [SlotContent(answers=g) for g in grids]
    path = build_workbook(tmp_path / "w.xlsx", gemeente="Cachedorp", indicator_set=OLD, content=content)
    latest = {k: v for k, v in grids[-1].items() if v}
    expected = {i for ids in engine_blocking(s, latest).values() for i in ids}
    assert expected
    assert {i for i, v in plan_column(path, L.A_COL_BLOCKS).items() if v == "ja"} == expected
    answers = plan_column(path, L.A_COL_ANSWER)
    assert {i: v for i, v in answers.items() if v} == latest


def test_a_plan_written_reads_back_exactly(tmp_path, reference):
    """Rows given to the writer (as an upgrade does) read back the same, with their overdue mark."""
    plan = [
        PlanRow(indicator="BO-1.01", actie="Agenderen", eigenaar="J. Jansen", deadline=PAST, status="bezig"),
        PlanRow(indicator="CO-2.01", toelichting="=geen formule"),
        PlanRow(indicator="IV-1.02", status="gereed", deadline=PAST),
    ]
    path = build_workbook(tmp_path / "p.xlsx", gemeente="Plandorp", indicator_set=OLD, plan=plan)
    reading = read_workbook(path)
    assert reading.plan == sorted(plan, key=lambda r: list(plan_rows(reference)).index(r.indicator))
    assert reading.issues == []
    assert plan_column(path, L.A_COL_OVERDUE)["BO-1.01"] == "verlopen"
    assert plan_column(path, L.A_COL_OVERDUE)["IV-1.02"] in ("", None)


def test_the_writer_refuses_plan_rows_of_unknown_indicators(tmp_path):
    with pytest.raises(PiramideError, match="XX-9.99"):
        plan = [PlanRow(indicator="XX-9.99", actie="a")]
        build_workbook(tmp_path / "x.xlsx", gemeente="X", indicator_set=OLD, plan=plan)
    assert not (tmp_path / "x.xlsx").exists()


# --- reading (typed with openpyxl) ------------------------------------------------------------


def type_plan(blank: Path, out: Path, cells: dict[tuple[str, int], object]) -> Path:
    """Type ``{(id, column): value}`` into the Actieplan with openpyxl and save as ``out``."""
    wb = openpyxl.load_workbook(blank)
    ws = wb[L.ACTIONS]
    rows = plan_rows(OLD)
    for (ident, col), value in cells.items():
        ws.cell(rows[ident] + 1, col + 1).value = value
    wb.save(out)
    return out


def test_statuses_and_dates_are_read_as_users_type_them(blank, tmp_path):
    """A status in any case with spaces; a deadline as a date, as text d-m-yyyy or yyyy-mm-dd."""
    path = type_plan(blank, tmp_path / "t.xlsx", {
        ("BO-1.01", L.A_COL_STATUS): " Gereed ",
        ("BO-1.01", L.A_COL_DEADLINE): dt.datetime(2026, 3, 1),
        ("BO-1.02", L.A_COL_DEADLINE): "1-9-2026",
        ("BO-1.03", L.A_COL_DEADLINE): "2026-10-01",
        ("BO-1.04", L.A_COL_OWNER): "  ",  # only spaces: no input
    })  # fmt: skip
    reading = read_workbook(path)
    assert [(r.indicator, r.status, r.deadline) for r in reading.plan] == [
        ("BO-1.01", "gereed", dt.date(2026, 3, 1)),
        ("BO-1.02", None, dt.date(2026, 9, 1)),
        ("BO-1.03", None, dt.date(2026, 10, 1)),
    ]
    assert reading.errors == []


def test_a_wrong_status_and_a_wrong_deadline_are_errors_with_their_cells(blank, tmp_path):
    """`klaar` is not a status; `volgende week` is not a date: each an error at its cell; the row is kept."""
    rows = plan_rows(OLD)
    path = type_plan(blank, tmp_path / "w.xlsx", {
        ("IP-1.01", L.A_COL_STATUS): "klaar",
        ("IP-1.02", L.A_COL_DEADLINE): "volgende week",
        ("IP-1.02", L.A_COL_ACTION): "Meldroute",
    })  # fmt: skip
    reading = read_workbook(path)
    flat = sorted((i.code, i.location) for i in reading.errors)
    assert flat == [
        ("plan-deadline-invalid", f"{L.ACTIONS}!J{rows['IP-1.02'] + 1}"),
        ("plan-status-invalid", f"{L.ACTIONS}!K{rows['IP-1.01'] + 1}"),
    ]
    status_issue = next(i for i in reading.errors if i.code == "plan-status-invalid")
    assert "'klaar' is not a status; use open, gepland, bezig, gereed or vervallen" in status_issue.message
    assert [r.indicator for r in reading.plan] == ["IP-1.01", "IP-1.02"]


def test_a_dashboard_without_an_actieplan_reads_an_empty_plan_and_upgrades_to_one(blank, tmp_path):
    """Dashboards made before the Actieplan: no plan, no issue; an upgrade gives them an empty Actieplan."""
    wb = openpyxl.load_workbook(blank)
    del wb[L.ACTIONS]
    old = tmp_path / "oud.xlsx"
    wb.save(old)
    reading = read_workbook(old)
    assert reading.plan == [] and reading.errors == []
    new = tmp_path / "nieuw.xlsx"
    upgrade_workbook(old, new, slots=6)
    assert L.ACTIONS in openpyxl.load_workbook(new).sheetnames
    assert read_workbook(new).plan == []


def test_read_text_lists_open_actions_per_pillar(cli, tmp_path, reference):
    """`read` (text) lists the open actions by pillar; gereed and vervallen are not open."""
    plan = [
        PlanRow(indicator="BO-1.01", actie="Agenderen", eigenaar="J. Jansen", deadline=PAST, status="bezig"),
        PlanRow(indicator="CO-1.01", actie="Column burgemeester"),
        PlanRow(indicator="IV-1.02", actie="Klaar", status="gereed"),
        PlanRow(indicator="IV-1.03", actie="Vervalt", status="vervallen"),
    ]
    path = build_workbook(tmp_path / "r.xlsx", gemeente="Leesdorp", indicator_set=OLD, plan=plan)
    result = cli("read", path)
    assert result.code == 0
    text = result.out
    assert "Actieplan: 2 open actions (of 4 rows with input)" in text
    assert f"    BO-1.01  Agenderen  [eigenaar J. Jansen; deadline {PAST.isoformat()} (overdue); bezig]" in text
    assert "    CO-1.01  Column burgemeester  [no owner; no deadline; no status]" in text
    assert text.index("  BO\n") < text.index("  CO\n")
    assert "IV-1.02" not in text and "IV-1.03" not in text


# --- the plan's rules -------------------------------------------------------------------------


def test_join_rows_is_conservative():
    """Texts marked with their old id, distinct owners, the earliest deadline, the least advanced status."""
    a = PlanRow(indicator="A", actie="Eerste", eigenaar="X", deadline=dt.date(2027, 1, 1), status="bezig")
    b = PlanRow(indicator="B", actie="Tweede", eigenaar="Y", deadline=dt.date(2026, 6, 1), status="gepland",
                toelichting="Zie besluit")  # fmt: skip
    c = PlanRow(indicator="C", eigenaar="X", status="vervallen")
    joined = join_rows("N", [("A", a), ("B", b), ("C", c)])
    assert joined == PlanRow(indicator="N", actie="[A] Eerste\n[B] Tweede", eigenaar="X; Y",
                             deadline=dt.date(2026, 6, 1), status="gepland", toelichting="[B] Zie besluit")  # fmt: skip
    assert join_rows("N", [("C", c)]) == c.model_copy(update={"indicator": "N"})
    assert join_rows("N", [("C", c), ("D", PlanRow(indicator="D", status="vervallen"))]).status == "vervallen"
    assert join_rows("N", []) is None


def test_plan_progress_counts_owners_overdue_and_done():
    rows = [
        PlanRow(indicator="A", eigenaar="X", deadline=PAST, status="bezig"),  # owner, overdue
        PlanRow(indicator="B", eigenaar=" ", deadline=PAST, status="gereed"),  # no owner; done, not overdue
        PlanRow(indicator="C", deadline=PAST, status="vervallen"),  # closed: not overdue
        PlanRow(indicator="D", deadline=FUTURE),  # not yet due
    ]
    got = plan_progress(rows, {"P": ["A", "B", "E"]}, TODAY)
    assert got == {"blocking_without_owner": ["B", "E"], "overdue": ["A"], "done": ["B"]}
    assert plan_progress(rows, {}, PAST - dt.timedelta(days=1))["overdue"] == []


# --- the engine: typed in LibreOffice -----------------------------------------------------------


@dataclass
class Typed:
    good: Path
    bad: Path
    rows: dict[str, int]
    answers: dict[str, str]
    blocking: dict[str, list[str]]
    plan: list[PlanRow]
    ids: dict[str, str]
    notes: dict[str, str]


@pytest.fixture(scope="module")
def typed(tmp_path_factory) -> Typed:
    """A 0-meting and plan rows typed in LibreOffice (one run, two files: one with a wrong status and deadline)."""
    need_uno()
    s = OLD
    work = tmp_path_factory.mktemp("ap-lo")
    profile = make_profile(work / "profile")
    blank = work / "blank.xlsx"
    blank.write_bytes(blank_bytes(s))
    grid = {k: v or "nee" for k, v in random_grid(s, seed=1403, p_yes=0.65).items()}  # settled: on the cover
    answers = {k: v for k, v in grid.items() if v}
    blocked = engine_blocking(s, answers)
    special = {*MERGED_FROM, *DROPPED, RENAMED_FROM}
    candidates = [i for ids in blocked.values() for i in ids if i not in special]
    done_id = next(i for i, v in answers.items() if v == "ja" and i not in special and i not in candidates)
    assert len(candidates) >= 3
    b0, b1, b2 = candidates[:3]
    rows = plan_rows(s)
    cells = lo_cells(blank, [grid])
    cells.append([L.QUESTIONS, L.Q_ROW_DATE, L.answer_col(0), "date", "2026-03-01"])
    q_rows = question_rows(openpyxl.load_workbook(blank)[L.QUESTIONS])
    first, second, third = (i.id for i in s.indicators[:3])
    typed_notes = {first: '  Besluit <B&W> "12-2" & \'t college  ', second: "   ", third: "regel 1\nregel 2"}
    for ident, note in typed_notes.items():  # notes (Toelichting) of the 0-meting
        cells.append([L.QUESTIONS, q_rows[ident] - 1, L.note_col(0), "text", note])
    notes = {first: 'Besluit <B&W> "12-2" & \'t college', third: "regel 1\nregel 2"}  # trimmed, blanks left out

    def put(ident, col, kind, value):
        cells.append([L.ACTIONS, rows[ident], col, kind, value])

    typed_rows = {  # id -> (action, owner, deadline (kind, value), status, note)
        b0: ("Aanspreekpunt aanwijzen", "J. Jansen", ("date", PAST.isoformat()), "bezig", None),
        b1: (None, "A. de Vries", ("text", "1-9-2030"), "Gepland", None),
        b2: ("Nog niemand gevonden", "   ", None, "open", None),  # an owner of only spaces is no owner
        done_id: ("Besluit nemen", "P. Smit", ("date", PAST.isoformat()), "gereed", "Besluit B&W 12-2"),
        MERGED_FROM[0]: ("Coördinator benoemen", "K. Bos", ("date", "2031-01-01"), "bezig", None),
        MERGED_FROM[1]: ("APV toetsen", "L. Ali", ("date", "2030-12-01"), "open", None),
        DROPPED[0]: ("Analyses delen met het RIEC", None, None, "open", None),
        RENAMED_FROM: ("Raad informeren", "M. Yilmaz", ("text", "2031-03-01"), "Bezig", "Via de raadsinformatiebrief"),
    }
    for ident, (action, owner, deadline, status, note) in typed_rows.items():
        if action:
            put(ident, L.A_COL_ACTION, "text", action)
        if owner:
            put(ident, L.A_COL_OWNER, "text", owner)
        if deadline:
            put(ident, L.A_COL_DEADLINE, *deadline)
        put(ident, L.A_COL_STATUS, "text", status)
        if note:
            put(ident, L.A_COL_NOTE, "text", note)
    wrong = next(i.id for i in s.indicators if i.id not in typed_rows)
    bad_cells = [*cells, [L.ACTIONS, rows[wrong], L.A_COL_STATUS, "text", "klaar"],
                 [L.ACTIONS, rows[wrong], L.A_COL_DEADLINE, "text", "volgende week"]]  # fmt: skip
    good, bad = work / "good.xlsx", work / "bad.xlsx"
    lo_fill(
        [{"in": str(blank), "out": str(good), "cells": cells}, {"in": str(blank), "out": str(bad), "cells": bad_cells}],
        profile,
        work,
    )
    plan = []
    for ident in rows:  # the sheet's order
        if ident in typed_rows:
            action, owner, deadline, status, note = typed_rows[ident]
            date = None
            if deadline:
                kind, value = deadline
                date = dt.date.fromisoformat(value) if "-" in value[4:5] else dt.date(2030, 9, 1)
            plan.append(PlanRow(indicator=ident, actie=action, eigenaar=(owner or "").strip() or None, deadline=date,
                                status=status.lower(), toelichting=note))  # fmt: skip
    ids = {"b0": b0, "b1": b1, "b2": b2, "done": done_id, "wrong": wrong}
    return Typed(good, bad, rows, answers, blocked, plan, ids, notes)


@pytest.mark.soffice
def test_plan_typed_in_libreoffice_reads_back_exactly(typed, cli):
    """`read --json`: the plan exactly as typed (typed dates, text dates, statuses from the list), no errors."""
    result = cli("read", "--json", typed.good)
    assert result.code == 0, result
    data = json.loads(result.out)
    assert data["plan"] == [r.model_dump(mode="json") for r in typed.plan]
    assert [i for i in data["issues"] if i["severity"] == "error"] == []
    b0 = next(r for r in data["plan"] if r["indicator"] == typed.ids["b0"])
    assert b0 == {"indicator": typed.ids["b0"], "actie": "Aanspreekpunt aanwijzen", "eigenaar": "J. Jansen",
                  "deadline": PAST.isoformat(), "status": "bezig", "toelichting": None}  # fmt: skip


@pytest.mark.soffice
def test_notes_typed_in_libreoffice_are_in_read_json_per_measurement(typed, cli):
    """`read --json` carries each measurement's notes (Toelichting): trimmed, XML-special characters and line
    breaks as typed, only the non-empty ones."""
    result = cli("read", "--json", typed.good)
    assert result.code == 0, result
    (zero,) = json.loads(result.out)["measurements"]
    assert zero["notes"] == typed.notes
    assert read_workbook(typed.good).measurements[0].notes == typed.notes


@pytest.mark.soffice
def test_a_wrong_status_typed_in_libreoffice_is_reported_with_its_cell(typed, cli):
    """The wrong status and the deadline that is not a date are errors at their cells (exit 1)."""
    result = cli("read", "--json", typed.bad)
    assert result.code == 1
    row = typed.rows[typed.ids["wrong"]] + 1
    issues = {(i["code"], i["location"]) for i in json.loads(result.out)["issues"] if i["severity"] == "error"}
    assert issues == {("plan-status-invalid", f"{L.ACTIONS}!K{row}"), ("plan-deadline-invalid", f"{L.ACTIONS}!J{row}")}


@pytest.mark.soffice
def test_libreoffice_computes_the_live_columns_as_the_engine(typed):
    """Houdt volgende fase tegen = the engine's blocking indicators; Laatste antwoord = the answers;
    Verlopen = the plan's overdue actions (against today)."""
    blocks = plan_column(typed.good, L.A_COL_BLOCKS)
    assert {i for i, v in blocks.items() if v == "ja"} == {i for ids in typed.blocking.values() for i in ids}
    assert {i: v for i, v in plan_column(typed.good, L.A_COL_ANSWER).items() if v} == typed.answers
    overdue = {i for i, v in plan_column(typed.good, L.A_COL_OVERDUE).items() if v == "verlopen"}
    assert overdue == {typed.ids["b0"]} == {r.indicator for r in typed.plan if r.overdue(TODAY)}


@pytest.mark.soffice
def test_the_cover_summary_as_libreoffice_computes_it(typed):
    """Per pillar `CO: 4 van 6 met eigenaar, 1 gereed`, counted from the engine's blocking and the plan."""
    ws = openpyxl.load_workbook(typed.good, data_only=True)[L.COVER]
    lines = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str) and "met eigenaar" in c.value]
    s = OLD
    plan = {r.indicator: r for r in typed.plan}
    expected = []
    for code in s.pillar_codes:
        ids = typed.blocking.get(code, [])
        owned = sum(1 for i in ids if i in plan and plan[i].has_owner)
        done = sum(1 for r in typed.plan if s.by_id[r.indicator].pillar == code and r.status == "gereed")
        expected.append(f"{code}: {owned} van {len(ids)} met eigenaar, {done} gereed")
    assert lines == expected
    assert any(" 2 van " in line or " 1 van " in line for line in lines)  # owners were counted


@pytest.mark.soffice
def test_an_owner_of_only_spaces_is_no_owner_on_the_cover_nor_in_progress(typed, cli):
    """One rule: the cover's `met eigenaar` as LibreOffice computes it equals what `progress` counts."""
    b2 = typed.ids["b2"]
    assert plan_column(typed.good, L.A_COL_OWNER)[b2] == "   "  # typed: spaces only
    pillar = OLD.by_id[b2].pillar
    ws = openpyxl.load_workbook(typed.good, data_only=True)[L.COVER]
    line = next(c.value for row in ws.iter_rows() for c in row
                if isinstance(c.value, str) and c.value.startswith(f"{pillar}: ") and "met eigenaar" in c.value)  # fmt: skip
    result = cli("progress", "--json", "--today", TODAY.isoformat(), typed.good)
    plan = json.loads(result.out)["gemeenten"][0]["plan"]
    blocking = typed.blocking[pillar]
    assert b2 in blocking and b2 in plan["blocking_without_owner"]
    owned = len([i for i in blocking if i not in plan["blocking_without_owner"]])
    assert line.startswith(f"{pillar}: {owned} van {len(blocking)} met eigenaar, ")
    read = json.loads(cli("read", "--json", typed.good).out)
    assert next(r for r in read["plan"] if r["indicator"] == b2)["eigenaar"] is None


@pytest.mark.soffice
def test_progress_counts_owners_overdue_and_done(typed, cli, tmp_path):
    """`progress --json`: blocking without owner, overdue (against --today) and done; the region's owner share."""
    result = cli("progress", "--json", "--today", TODAY.isoformat(), typed.good)
    assert result.code == 0, result
    data = json.loads(result.out)
    plan = data["gemeenten"][0]["plan"]
    all_blocking = [i for ids in typed.blocking.values() for i in ids]
    owners = {r.indicator for r in typed.plan if r.has_owner} & set(all_blocking)
    assert {typed.ids["b0"], typed.ids["b1"], MERGED_FROM[0], RENAMED_FROM} <= owners
    assert plan["blocking_without_owner"] == [i for i in all_blocking if i not in owners]
    assert plan["overdue"] == [typed.ids["b0"]]
    assert plan["done"] == [typed.ids["done"]]
    assert data["region"]["plan_owner_share"] == round(len(owners) / len(all_blocking), 4)
    later = cli("progress", "--json", "--today", (PAST - dt.timedelta(days=1)).isoformat(), typed.good)
    assert json.loads(later.out)["gemeenten"][0]["plan"]["overdue"] == []


@pytest.mark.soffice
def test_progress_plan_csv_and_overview(typed, cli, tmp_path):
    """The plan CSV has a row per blocking or planned indicator; the overview shows owners, overdue and done."""
    csv_out, xlsx_out = tmp_path / "plan.csv", tmp_path / "o.xlsx"
    result = cli("progress", "--today", TODAY.isoformat(), "--plan-csv", csv_out, "--xlsx", xlsx_out, typed.good)
    assert result.code == 0, result
    rows = list(csv.DictReader(io.StringIO(csv_out.read_text(encoding="utf-8-sig")), delimiter=";"))
    by_id = {r["indicator"]: r for r in rows}
    all_blocking = {i for ids in typed.blocking.values() for i in ids}
    assert set(by_id) == all_blocking | {r.indicator for r in typed.plan}
    owners = len({r.indicator for r in typed.plan if r.has_owner} & all_blocking)
    assert by_id[typed.ids["b0"]]["verlopen"] == "ja" and by_id[typed.ids["b0"]]["houdt_tegen"] == "ja"
    assert by_id[typed.ids["done"]]["status"] == "gereed" and by_id[typed.ids["done"]]["houdt_tegen"] == ""
    assert by_id[typed.ids["b1"]]["deadline"] == "2030-09-01"
    ws = openpyxl.load_workbook(xlsx_out)["Overzicht"]
    header = [c.value for c in ws[4]]
    values = dict(zip(header, [c.value for c in ws[5]], strict=True))
    assert values["Tegenhouders met eigenaar"] == f"{owners}/{len(all_blocking)}"
    assert (values["Acties verlopen"], values["Acties gereed"]) == (1, 1)


@pytest.mark.soffice
def test_upgrade_to_2026_2_carries_the_plan_joins_merged_rows_and_refuses_to_drop(typed, tmp_path):
    """To nl-referentie 2026.2: every row by id or `replaces` (CO-2.06 -> BO-2.07); BH-4.03 + CO-4.03 joined
    into BO-4.03; BO-4.01's row dropped only with allow_drop, and then in the CSV."""
    new_set = reference_set()
    assert new_set.version == "2026.2" and new_set.by_id[MERGED_TO].replaces == MERGED_FROM
    out = tmp_path / "nieuw.xlsx"
    with pytest.raises(UpgradeRefused, match="1 Actieplan row would be dropped"):
        upgrade_workbook(typed.good, out, new_set=new_set, allow_drop=False)
    assert not out.exists()
    report = upgrade_workbook(typed.good, out, new_set=new_set, allow_drop=True)
    after = {r.indicator: r for r in read_workbook(out).plan}
    before = {r.indicator: r for r in typed.plan}
    for ident, row in before.items():
        if ident in new_set.by_id:
            assert after[ident] == row
    assert after[RENAMED_TO] == before[RENAMED_FROM].model_copy(update={"indicator": RENAMED_TO})
    assert after[MERGED_TO] == PlanRow(
        indicator=MERGED_TO,
        actie=f"[{MERGED_FROM[0]}] Coördinator benoemen\n[{MERGED_FROM[1]}] APV toetsen",
        eigenaar="K. Bos; L. Ali",
        deadline=dt.date(2030, 12, 1),
        status="open",
    )
    assert set(after) == {i for i in before if i in new_set.by_id} | {MERGED_TO, RENAMED_TO}
    assert report.actions_joined == {MERGED_TO: list(MERGED_FROM)}
    rows = list(csv.DictReader(io.StringIO(Path(report.dropped_csv).read_text(encoding="utf-8-sig")), delimiter=";"))
    action_rows = [r for r in rows if r["label"] == L.ACTIONS]
    assert [(r["indicator"], r["actie"], r["status"]) for r in action_rows] == [
        (DROPPED[0], "Analyses delen met het RIEC", "open")
    ]


def test_overview_and_plan_csv_without_plans(tmp_path, reference):
    """A region without any plan: zero owners of the blocking indicators, an empty-plan CSV with only blocking rows."""
    grid = random_grid(reference, seed=1403, p_yes=0.7)
    content = [SlotContent(answers=grid)]
    path = build_workbook(tmp_path / "a.xlsx", gemeente="Leegdorp", indicator_set=OLD, content=content)
    p = region_progress([path], today=TODAY)
    text = plan_csv_bytes(p).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    blocked = {i for ids in p.gemeenten[0].blocking.values() for i in ids}
    assert {r["indicator"] for r in rows} == blocked and all(r["eigenaar"] == "" for r in rows)
    assert p.to_json()["region"]["plan_owner_share"] == 0.0
    assert overview_bytes(p)[:2] == b"PK"


def test_plan_text_with_control_characters_is_xml_safe_and_reads_back(tmp_path):
    """An action, owner and note with control characters (as a carried plan may hold): every part parses, and
    the text reads back exactly (trimmed)."""
    from test_excel_safe import NASTY, assert_every_part_parses

    row = PlanRow(indicator="BO-1.01", actie=f"a{NASTY}b", eigenaar=f"J{NASTY}", toelichting=f"n{NASTY}n")
    path = build_workbook(tmp_path / "nasty.xlsx", gemeente="Ede", indicator_set=OLD, plan=[row])
    assert_every_part_parses(path)
    assert read_workbook(path).plan == [row.model_copy(update={"eigenaar": f"J{NASTY}".strip()})]


@pytest.mark.soffice
def test_a_blank_dashboard_recalculated_by_libreoffice_has_empty_live_columns(blank, tmp_path):
    """Without a measurement, LibreOffice shows no answer, nothing blocking and nothing overdue, as cached."""
    need_soffice()
    (out,) = recalc([blank], tmp_path / "out", make_profile(tmp_path / "profile"))
    for col in (L.A_COL_ANSWER, L.A_COL_BLOCKS, L.A_COL_OVERDUE):
        assert set(plan_column(out, col).values()) <= {"", None}, L.A_HEADERS[col]
        assert set(plan_column(blank, col).values()) <= {"", None}
    lines = [c.value for row in openpyxl.load_workbook(out, data_only=True)[L.COVER].iter_rows() for c in row
             if isinstance(c.value, str) and "met eigenaar" in c.value]  # fmt: skip
    assert lines == [f"{code}: 0 van 0 met eigenaar, 0 gereed" for code in OLD.pillar_codes]


def test_a_renamed_header_an_unknown_id_and_a_second_row_are_errors_with_their_cells(blank, tmp_path):
    """plan-column-missing, plan-row-unknown and plan-row-duplicate, each at its cell; the other rows are read."""
    rows = plan_rows(OLD)

    def edit(ws, cells):
        for ref, value in cells.items():
            ws[ref].value = value

    wb = openpyxl.load_workbook(blank)
    ws = wb[L.ACTIONS]
    r1, r2, r3 = rows["BO-1.01"] + 1, rows["BO-1.02"] + 1, rows["BO-1.03"] + 1
    edit(ws, {
        f"H{r1}": "Agenderen",                         # a good row
        f"A{r2}": "XX-9.99", f"H{r2}": "Iets",          # an id the set does not have, with input
        f"A{r3}": "BO-1.01", f"I{r3}": "K. Bos",        # BO-1.01 a second time, with input
        f"L{L.A_ROW_HEADER + 1}": "Opmerkingen",        # Toelichting renamed
    })  # fmt: skip
    ws.protection.sheet = False
    path = tmp_path / "kapot.xlsx"
    wb.save(path)
    reading = read_workbook(path)
    assert sorted((i.code, i.location) for i in reading.errors) == [
        ("plan-column-missing", f"{L.ACTIONS}!L{L.A_ROW_HEADER + 1}"),
        ("plan-row-duplicate", f"{L.ACTIONS}!A{r3}"),
        ("plan-row-unknown", f"{L.ACTIONS}!A{r2}"),
    ]
    assert reading.plan == [PlanRow(indicator="BO-1.01", actie="Agenderen")]


def test_a_dashboard_whose_actieplan_header_is_gone_reports_it_once(blank, tmp_path):
    """Without the header row, the plan cannot be read: one error, an empty plan."""
    wb = openpyxl.load_workbook(blank)
    wb[L.ACTIONS].delete_rows(L.A_ROW_HEADER + 1)
    path = tmp_path / "zonder-kop.xlsx"
    wb.save(path)
    reading = read_workbook(path)
    where = f"{L.ACTIONS}!A{L.A_ROW_HEADER + 1}"
    assert [(i.code, i.location) for i in reading.errors] == [("plan-column-missing", where)]
    assert reading.plan == []
