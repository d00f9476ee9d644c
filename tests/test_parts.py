"""Deelvragenlijsten: `piramide split` and `piramide merge` (files filled by openpyxl; LibreOffice in test_parts_engine)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
from pathlib import Path

import openpyxl
import pytest
from helpers import SMALL_SET, run_cli, write_set
from wb import fill_part, set_metadata

import piramide
from piramide import layout as L
from piramide.errors import OutputExistsError, OutputHoldsAnswers, PartsRefused, WorkbookRefused
from piramide.parts import merge_parts, read_respondents_csv, split_workbook
from piramide.upgrade import upgrade_workbook
from piramide.writer import SlotContent

EARLIER = dt.date(2025, 3, 1)


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> piramide.IndicatorSet:
    return piramide.load_set(write_set(tmp_path_factory.mktemp("set"), SMALL_SET))


def dashboard(folder: Path, s, name="dash.xlsx", gemeente="Teststad", content=()) -> Path:
    """A dashboard of ``s``, with ``content`` in its first slots (a fresh workbook id)."""
    return piramide.build_workbook(folder / name, gemeente=gemeente, indicator_set=s, content=content)


def herhaal(folder: Path, s, **kw) -> Path:
    """A dashboard with a 0-meting: everything ja, with a note on AA-1.01."""
    zero = SlotContent(
        answers={i.id: "ja" for i in s.indicators}, notes={"AA-1.01": "agenda 2025"}, date=EARLIER, ingevuld_door="OOV"
    )
    return dashboard(folder, s, content=[zero], **kw)


def _locked(ws, row: int, col: int) -> bool:
    """Whether a cell is locked: its own format, or else its column's (an empty input cell has none)."""
    cell = ws._cells.get((row, col))
    if cell is not None and cell.has_style:
        return cell.protection.locked
    return ws.column_dimensions[L.col_letter(col - 1)].protection.locked


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- split ----------------------------------------------------------------------------------


def test_split_makes_one_part_per_pillar_named_after_its_owner(tmp_path):
    """The reference set: five parts, `<gemeente> - <respondent>.xlsx`, each holding its pillar's 21 indicators."""
    s = piramide.reference_set()
    path = dashboard(tmp_path, s, gemeente="Súdwest-Fryslân")
    report = split_workbook(path, tmp_path / "delen")
    assert [p.respondent for p in report.parts] == [
        "BO gemeentesecretaris/OOV",
        "IP informatievoorziening",
        "BH vergunningverlening en handhaving",
        "IV HRM/P&O",
        "CO communicatie",
    ]
    assert sorted(p.name for p in (tmp_path / "delen").iterdir()) == sorted(
        [
            "Sudwest-Fryslan - BO-gemeentesecretaris-OOV.xlsx",
            "Sudwest-Fryslan - IP-informatievoorziening.xlsx",
            "Sudwest-Fryslan - BH-vergunningverlening-en-handhaving.xlsx",
            "Sudwest-Fryslan - IV-HRM-P-O.xlsx",
            "Sudwest-Fryslan - CO-communicatie.xlsx",
        ]
    )
    dash = piramide.read_workbook(path)
    for p in report.parts:
        r = piramide.read_workbook(p.path)
        assert (r.kind, r.workbook_id, r.gemeente, r.set) == (
            "deelvragenlijst",
            dash.workbook_id,
            dash.gemeente,
            dash.set,
        )
        code = p.respondent.split()[0]
        assert r.part.indicators == [i.id for i in s.indicators if i.pillar == code]
        assert (r.part.slot, r.part.respondent, r.part.total, r.part.answered) == (0, p.respondent, 21, 0)
        assert r.issues == [] and r.measurements == []


def test_a_herhaalmeting_part_shows_the_previous_answers_read_only_beside_the_new_columns(tmp_path, small):
    """Headers as the dashboard's, plus `Vorig antwoord (0-meting)` columns that are locked and hold the 0-meting."""
    report = split_workbook(herhaal(tmp_path, small), tmp_path / "delen")
    assert report.slot == 1 and report.previous_slot == 0
    wb = openpyxl.load_workbook(report.parts[0].path)
    assert wb.sheetnames == list(L.PART_SHEET_ORDER)
    assert [wb[n].sheet_state for n in L.PART_SHEET_ORDER] == ["visible", "visible", "visible", "hidden", "hidden"]
    ws = wb[L.QUESTIONS]
    header = [c.value for c in ws[L.Q_ROW_HEADER + 1]]
    assert header == [
        *L.Q_FIXED_HEADERS,
        "Vorig antwoord (0-meting)",
        "Vorige toelichting (0-meting)",
        "Antwoord Meting 1",
        "Toelichting Meting 1",
    ]
    rows = {ws.cell(r, 1).value: r for r in range(L.Q_FIRST_ROW + 1, ws.max_row + 1) if ws.cell(r, 1).value}
    assert set(rows) == {"AA-1.01", "AA-2.01"}
    row = rows["AA-1.01"]
    assert [ws.cell(row, c).value for c in (6, 7)] == ["ja", "agenda 2025"]
    assert _locked(ws, row, 6) and _locked(ws, row, 7)
    assert not _locked(ws, row, 8) and not _locked(ws, row, 9)
    assert not _locked(ws, L.Q_ROW_BY + 1, 8) and not _locked(ws, L.Q_ROW_DATE + 1, 8) and ws.protection.sheet
    validations = [dv for dv in ws.data_validations.dataValidation if dv.type == "list"]
    assert [str(dv.sqref) for dv in validations] == [f"H{L.Q_FIRST_ROW + 1}:H{ws.max_row}"]
    assert validations[0].formula1 == L.NAME_ANSWER_LIST
    assert "Vorig antwoord" not in "".join(h for h in header if h.startswith(("Antwoord", "Toelichting")))


def test_the_part_instructions_are_dutch_and_name_the_respondent_and_the_measurement(tmp_path, small):
    """Instructie tells the respondent who it is for, which measurement, and to send it back."""
    report = split_workbook(herhaal(tmp_path, small), tmp_path / "delen")
    ws = openpyxl.load_workbook(report.parts[1].path)[L.INSTRUCTIONS]
    text = "\n".join(str(c.value) for c in ws["A"] if c.value)
    assert "Instructie deelvragenlijst" in text and "voor: BB Tweede pijler" in text and "Meting 1" in text
    assert "vorige meting (0-meting)" in text and "stuur het terug" in text


def test_split_refuses_a_part_and_an_existing_output_and_names_a_slot_that_cannot_be(tmp_path, small):
    """A part is not a dashboard; existing parts are kept without force; --slot beyond the workbook is refused."""
    path = herhaal(tmp_path, small)
    report = split_workbook(path, tmp_path / "delen")
    with pytest.raises(WorkbookRefused, match="is a deelvragenlijst .* not a dashboard"):
        split_workbook(report.parts[0].path, tmp_path / "weer")
    before = digest(report.parts[0].path)
    with pytest.raises(OutputExistsError):
        split_workbook(path, tmp_path / "delen")
    assert digest(report.parts[0].path) == before
    assert split_workbook(path, tmp_path / "delen", force=True).parts[0].path == report.parts[0].path
    fill_part(report.parts[1].path, answers={"BB-1.01": "ja"})
    with pytest.raises(OutputHoldsAnswers, match="deelvragenlijst Meting 1 of BB Tweede pijler .1 answer.; a dash"):
        split_workbook(path, tmp_path / "delen", force=True)
    with pytest.raises(piramide.errors.ArgumentError, match="slot=5: must be from 0 to 4"):
        split_workbook(path, tmp_path / "x", slot=5)


def test_new_dashboards_have_a_stable_id_that_upgrade_keeps(tmp_path, small):
    """Every new dashboard has its own 32-hex id; an upgrade carries it; reading twice gives the same."""
    a, b = herhaal(tmp_path, small, name="a.xlsx"), herhaal(tmp_path, small, name="b.xlsx")
    ra, rb = piramide.read_workbook(a), piramide.read_workbook(b)
    assert ra.workbook_id != rb.workbook_id and len(ra.workbook_id) == 32 and ra.workbook_id_stored
    upgrade_workbook(a, tmp_path / "a10.xlsx", slots=10)
    assert piramide.read_workbook(tmp_path / "a10.xlsx").workbook_id == ra.workbook_id


def test_an_old_dashboard_without_an_id_is_split_and_merged_by_a_derived_one_which_merge_stores(tmp_path, small):
    """No workbook_id in the metadata: a stable derived id binds its parts, and the merged file stores it."""
    old = set_metadata(herhaal(tmp_path, small), tmp_path / "oud.xlsx", workbook_id=None)
    before = piramide.read_workbook(old)
    assert not before.workbook_id_stored and before.workbook_id == piramide.read_workbook(old).workbook_id
    report = split_workbook(old, tmp_path / "delen")
    assert not report.workbook_id_stored
    fill_part(report.parts[0].path, answers={"AA-1.01": "nee"})
    merge_parts(old, [p.path for p in report.parts], tmp_path / "uit.xlsx")
    after = piramide.read_workbook(tmp_path / "uit.xlsx")
    assert after.workbook_id == before.workbook_id and after.workbook_id_stored
    assert after.measurements[0].answers == before.measurements[0].answers  # the 0-meting unchanged


# --- merge ----------------------------------------------------------------------------------


def test_merge_puts_answers_notes_respondents_and_the_latest_date_into_the_slot(tmp_path, small):
    """Answers into Meting 1; notes prefixed with the respondent; who filled in; the later part date."""
    path = herhaal(tmp_path, small)
    report = split_workbook(path, tmp_path / "delen")
    aa, bb = (p.path for p in report.parts)
    fill_part(
        aa, answers={"AA-1.01": "ja", "AA-2.01": "deels"}, notes={"AA-2.01": "concept"}, date="2026-03-02", by="Ann"
    )
    fill_part(bb, answers={"BB-1.01": "Nee"}, date="2026-03-09")
    before = digest(path), digest(aa), digest(bb)
    result = merge_parts(path, [aa, bb], tmp_path / "uit.xlsx")
    assert (digest(path), digest(aa), digest(bb)) == before
    assert result.verified and result.conflicts == [] and result.merged == ["AA-1.01", "AA-2.01", "BB-1.01"]
    r = piramide.read_workbook(tmp_path / "uit.xlsx")
    zero, one = r.measurements
    assert zero.answers == {i.id: "ja" for i in small.indicators} and zero.notes == {"AA-1.01": "agenda 2025"}
    assert one.answers == {"AA-1.01": "ja", "AA-2.01": "deels", "BB-1.01": "nee"}
    assert one.notes == {"AA-2.01": "[AA Eerste pijler] concept"}
    assert one.ingevuld_door == "AA Eerste pijler (Ann); BB Tweede pijler"
    assert one.date == dt.date(2026, 3, 9)
    assert [str(b) for b in result.still_blank] == [
        "AA Eerste pijler: 0 van 2 nog open",
        "BB Tweede pijler: 1 van 2 nog open",
    ]
    assert result.still_blank[1].open == ["BB-2.01"]


def test_merging_the_same_parts_again_changes_nothing(tmp_path, small):
    """Merging the parts into the merged file again: no conflict, no note twice."""
    path = herhaal(tmp_path, small)
    parts = [p.path for p in split_workbook(path, tmp_path / "delen").parts]
    fill_part(parts[0], answers={"AA-1.01": "ja"}, notes={"AA-1.01": "besluit"}, date="2026-03-02")
    merge_parts(path, parts, tmp_path / "een.xlsx")
    merge_parts(tmp_path / "een.xlsx", parts, tmp_path / "twee.xlsx")
    one, two = (piramide.read_workbook(tmp_path / f).measurements[1] for f in ("een.xlsx", "twee.xlsx"))
    assert (two.answers, two.notes, two.date, two.ingevuld_door) == (
        one.answers,
        one.notes,
        one.date,
        one.ingevuld_door,
    )


def test_an_answer_that_differs_from_the_dashboard_is_a_conflict_until_prefer_says_which_wins(tmp_path, small, capsys):
    """The dashboard already has Meting 1 AA-1.01 = nee; a part says ja: refused and listed; --prefer decides."""
    path = herhaal(tmp_path, small)
    running = tmp_path / "loopt.xlsx"
    content = [
        SlotContent(answers={i.id: "ja" for i in small.indicators}, date=EARLIER),
        SlotContent(answers={"AA-1.01": "nee"}),
    ]
    dashboard(tmp_path, small, name="loopt.xlsx", content=content)
    report = split_workbook(running, tmp_path / "delen", slot=1)
    aa = report.parts[0].path
    assert piramide.read_workbook(aa).part.answers == {"AA-1.01": "nee"}  # what the dashboard has, shown
    fill_part(aa, answers={"AA-1.01": "ja", "AA-2.01": "ja"})
    with pytest.raises(PartsRefused, match="1 conflict; nothing was written") as caught:
        merge_parts(running, [aa], tmp_path / "uit.xlsx")
    assert not (tmp_path / "uit.xlsx").exists()
    (conflict,) = caught.value.report.conflicts
    assert conflict.to_json()["values"] == [
        {"file": str(running), "respondent": None, "answer": "nee"},
        {"file": str(aa), "respondent": "AA Eerste pijler", "answer": "ja"},
    ]
    result = run_cli(capsys, "merge", running, aa, "--out", tmp_path / "uit.xlsx")
    assert result.code == 1 and "conflict: AA-1.01: nee in" in result.out and "ja in" in result.out
    assert "use --prefer parts (or file) to say which wins" in result.err
    merge_parts(running, [aa], tmp_path / "delen-wint.xlsx", prefer="parts")
    merge_parts(running, [aa], tmp_path / "dashboard-wint.xlsx", prefer="file")
    wins = {
        f: piramide.read_workbook(tmp_path / f).measurements[1].answers
        for f in ("delen-wint.xlsx", "dashboard-wint.xlsx")
    }
    assert wins == {
        "delen-wint.xlsx": {"AA-1.01": "ja", "AA-2.01": "ja"},
        "dashboard-wint.xlsx": {"AA-1.01": "nee", "AA-2.01": "ja"},
    }
    assert path.exists()


def test_two_parts_that_disagree_are_refused_and_no_option_chooses_between_them(tmp_path, small):
    """Two splits give AA-1.01 to two respondents who answer differently: refused, even with prefer='parts'."""
    path = herhaal(tmp_path, small)
    per_pillar = split_workbook(path, tmp_path / "a").parts[0].path
    csv = tmp_path / "ieder.csv"
    csv.write_text("indicator;respondent\nAA;Iedereen\nBB;Iedereen\n", encoding="utf-8")
    everyone = split_workbook(path, tmp_path / "b", respondents=csv).parts[0].path
    fill_part(per_pillar, answers={"AA-1.01": "ja"})
    fill_part(everyone, answers={"AA-1.01": "deels", "BB-1.01": "ja"})
    for prefer in (None, "parts", "file"):
        with pytest.raises(PartsRefused, match="no option chooses between respondents") as caught:
            merge_parts(path, [per_pillar, everyone], tmp_path / "uit.xlsx", prefer=prefer)
        assert [c.indicator for c in caught.value.report.unresolved] == ["AA-1.01"]
    assert not (tmp_path / "uit.xlsx").exists()


def test_a_part_of_another_dashboard_is_refused_and_named(tmp_path, small, capsys):
    """Same set, same gemeente name, another dashboard: refused with both ids; nothing written."""
    mine = herhaal(tmp_path, small, name="mijn.xlsx")
    other = herhaal(tmp_path, small, name="ander.xlsx")
    theirs = split_workbook(other, tmp_path / "ander").parts[0].path
    ours = split_workbook(mine, tmp_path / "mijn").parts[1].path
    result = run_cli(capsys, "merge", mine, ours, theirs, "--out", tmp_path / "uit.xlsx")
    assert result.code == 1 and not (tmp_path / "uit.xlsx").exists()
    assert f"refused: {theirs}: belongs to another dashboard (Teststad, workbook id" in result.out
    assert "piramide: error: 1 deelvragenlijst refused; nothing was written" in result.err


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"workbook_id": "0123456789abcdef0123456789abcdef"}, "belongs to another dashboard"),
        ({"workbook_id": "../../etc"}, "metadata is damaged (workbook_id)"),
        ({"part_slot": "3"}, "column 'Antwoord Meting 3' is missing"),  # the columns say Meting 1
        ({"part_slot": "zeven"}, "metadata is damaged (part_slot)"),
        ({"part_indicators": '["AA-1.01", "AA-2.01", "BB-1.01"]'}, "has no row"),
        ({"part_indicators": '["XX-1.01"]'}, "metadata is damaged (part_indicators)"),
        ({"part_respondent": "An\nn"}, "metadata is damaged (part_respondent)"),
        ({"fingerprint": "sha256:" + "0" * 64}, "does not match the stored set"),
        ({"gemeente": "Elders"}, "it was altered"),
        ({"kind": "dashboard"}, "is a dashboard with this dashboard's id (a copy, or an altered deelvragenlijst)"),
        ({"kind": "iets"}, "metadata is damaged (kind"),
    ],
)
def test_a_part_with_altered_metadata_is_refused_with_the_reason(tmp_path, small, change, reason):
    """Edited binding metadata never merges: each case refused, named, nothing written."""
    path = herhaal(tmp_path, small)
    part = split_workbook(path, tmp_path / "delen").parts[0].path
    fill_part(part, answers={"AA-1.01": "nee"})
    altered = set_metadata(part, tmp_path / "veranderd.xlsx", **change)
    with pytest.raises(PartsRefused) as caught:
        merge_parts(path, [altered], tmp_path / "uit.xlsx")
    ((file, why),) = caught.value.report.refused
    assert file == str(altered) and reason in why
    assert not (tmp_path / "uit.xlsx").exists()


def test_a_renamed_dashboard_a_text_file_and_a_duplicated_part_are_refused(tmp_path, small):
    """Each refused part is named with its reason; a copied part counts as the respondent twice."""
    path = herhaal(tmp_path, small)
    part = split_workbook(path, tmp_path / "delen").parts[0].path
    renamed = shutil.copy(herhaal(tmp_path, small, name="ander.xlsx"), tmp_path / "Teststad - AA.xlsx")
    text = tmp_path / "tekst.xlsx"
    text.write_text("geen werkboek", encoding="utf-8")
    copy = shutil.copy(part, tmp_path / "kopie.xlsx")
    with pytest.raises(PartsRefused) as caught:
        merge_parts(path, [part, renamed, text, copy], tmp_path / "uit.xlsx")
    reasons = dict(caught.value.report.refused)
    assert reasons[str(renamed)] == "is a dashboard, not a deelvragenlijst"
    assert "not a workbook" in reasons[str(text)] or "cannot be read" in reasons[str(text)]
    assert "is given 2 times" in reasons[str(copy)] and "is given 2 times" in reasons[str(part)]


def test_parts_for_two_measurements_are_refused(tmp_path, small):
    """A part for Meting 1 and one for Meting 2 of the same dashboard do not merge together."""
    path = herhaal(tmp_path, small)
    one = split_workbook(path, tmp_path / "een").parts[0].path
    two = split_workbook(path, tmp_path / "twee", slot=2).parts[1].path
    with pytest.raises(PartsRefused) as caught:
        merge_parts(path, [one, two], tmp_path / "uit.xlsx")
    assert all("different measurements" in why for _, why in caught.value.report.refused)


def test_merge_json_reports_merged_conflicts_and_still_blank(tmp_path, small, capsys):
    """--json: the report's keys; still_blank per respondent with its text."""
    path = herhaal(tmp_path, small)
    parts = [p.path for p in split_workbook(path, tmp_path / "delen").parts]
    fill_part(parts[1], answers={"BB-1.01": "ja", "BB-2.01": "n.v.t."}, date="2026-01-05")
    result = run_cli(capsys, "merge", path, tmp_path / "delen", "--out", tmp_path / "uit.xlsx", "--json")
    assert result.code == 0, result
    data = json.loads(result.out)
    assert set(data) == {
        "input", "output", "workbook_id", "slot", "label", "parts", "refused", "merged", "plan_merged", "conflicts",
        "still_blank", "date", "ingevuld_door", "verified",
    }  # fmt: skip
    assert (data["slot"], data["label"], data["merged"], data["verified"]) == (
        1,
        "Meting 1",
        ["BB-1.01", "BB-2.01"],
        True,
    )
    assert [b["text"] for b in data["still_blank"]] == [
        "AA Eerste pijler: 2 van 2 nog open",
        "BB Tweede pijler: 0 van 2 nog open",
    ]
    assert run_cli(capsys, "merge", path, tmp_path / "delen", "--out", tmp_path / "uit.xlsx").code == 1  # exists
    again = run_cli(capsys, "merge", path, tmp_path / "delen", "--out", tmp_path / "uit.xlsx", "--force")
    assert again.code == 1 and "a dashboard with answers is never overwritten" in again.err


def test_indicators_in_no_part_given_are_reported_apart(tmp_path, small):
    """Only the AA part comes back: BB's indicators are 'in no deelvragenlijst'."""
    path = herhaal(tmp_path, small)
    aa = split_workbook(path, tmp_path / "delen").parts[0].path
    fill_part(aa, answers={"AA-1.01": "ja"})
    result = merge_parts(path, [aa], tmp_path / "uit.xlsx")
    assert [str(b) for b in result.still_blank] == [
        "AA Eerste pijler: 1 van 2 nog open",
        "in no deelvragenlijst: 2 van 2 nog open",
    ]


def test_merge_refuses_a_part_as_the_file_and_an_output_that_is_an_input(tmp_path, small):
    """FILE must be a dashboard; --out must not be FILE nor a part."""
    path = herhaal(tmp_path, small)
    part = split_workbook(path, tmp_path / "delen").parts[0].path
    with pytest.raises(WorkbookRefused, match="is a deelvragenlijst"):
        merge_parts(part, [part], tmp_path / "uit.xlsx")
    for out in (path, part):
        with pytest.raises(piramide.errors.ArgumentError, match="is an input"):
            merge_parts(path, [part], out)
    with pytest.raises(WorkbookRefused, match="is a deelvragenlijst"):
        upgrade_workbook(part, tmp_path / "u.xlsx", slots=9)


# --- respondents --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        ("indicator;respondent\nAA;Zoë de Vries\nBB-1.01;Hûs & Hiem\nBB;Zoë de Vries\n", "utf-8"),
        ("indicator,respondent\r\nAA,Zoë de Vries\r\nBB-1.01,Hûs & Hiem\r\nBB,Zoë de Vries\r\n", "cp1252"),
        ("\ufeffIndicator;Respondent\nbb-1.01;Hûs & Hiem\naa;Zoë de Vries\nbb;Zoë de Vries\n", "utf-8"),
    ],
)
def test_a_respondents_csv_maps_ids_and_pillars_and_an_id_wins_over_its_pillar(tmp_path, small, text, encoding):
    """`;` or `,`, UTF-8 or Windows-1252, any case: BB-1.01 goes to its own respondent, the rest of BB to the pillar's."""
    csv = tmp_path / "resp.csv"
    csv.write_bytes(text.encode(encoding))
    assert read_respondents_csv(csv, small) == {
        "AA-1.01": "Zoë de Vries",
        "AA-2.01": "Zoë de Vries",
        "BB-1.01": "Hûs & Hiem",
        "BB-2.01": "Zoë de Vries",
    }
    report = split_workbook(herhaal(tmp_path, small), tmp_path / "delen", respondents=csv)
    assert [(p.respondent, p.path.name, p.indicators) for p in report.parts] == [
        ("Zoë de Vries", "Teststad - Zoe-de-Vries.xlsx", ["AA-1.01", "AA-2.01", "BB-2.01"]),
        ("Hûs & Hiem", "Teststad - Hus-Hiem.xlsx", ["BB-1.01"]),
    ]


def test_indicators_without_a_respondent_are_listed_and_exit_1(tmp_path, small, capsys):
    """Only AA and BB-1.01 mapped: BB-2.01 is listed; nothing written."""
    csv = tmp_path / "resp.csv"
    csv.write_text("indicator;respondent\nAA;A\nBB-1.01;B\n", encoding="utf-8")
    result = run_cli(capsys, "split", herhaal(tmp_path, small), "--out-dir", tmp_path / "delen", "--respondenten", csv)
    assert result.code == 1 and not (tmp_path / "delen").exists()
    assert f"{csv}: no respondent for BB-2.01" in result.err
    assert "1 indicator has no respondent" in result.err


def test_bad_respondent_lines_are_each_listed_with_their_line(tmp_path, small, capsys):
    """Unknown ids, control characters, empty names and a second respondent for one indicator: FILE:LINE each."""
    csv = tmp_path / "resp.csv"
    csv.write_text(
        "indicator;respondent\nAA;A\nXX-9;B\nBB;\nBB;C\x07D\nAA;Z\nBB;C\nBB;c\n",
        encoding="utf-8",
    )
    with pytest.raises(PartsRefused) as caught:
        read_respondents_csv(csv, small)
    assert caught.value.problems == [
        f"{csv}:3: 'XX-9' is neither an indicator id nor a pillar code of klein 1 (pillars: AA, BB)",
        f"{csv}:4: the respondent is empty",
        f"{csv}:5: the respondent contains a control character (a tab, a line break?); type the name on one line",
        f"{csv}:6: AA has the respondent 'A' already (line 2)",
    ]
    result = run_cli(capsys, "split", herhaal(tmp_path, small), "--out-dir", tmp_path / "d", "--respondenten", csv)
    assert result.code == 1 and f"{csv}:3: " in result.err and "Traceback" not in result.err


def test_respondent_names_with_path_separators_stay_in_the_out_dir(tmp_path, small):
    """`../../x` and `a\\b` become file names inside DIR; distinct names stay distinct files."""
    csv = tmp_path / "resp.csv"
    csv.write_text("indicator;respondent\nAA;../../buiten\nBB;..\\\\buiten\n", encoding="utf-8")
    report = split_workbook(herhaal(tmp_path, small), tmp_path / "delen", respondents=csv)
    assert [p.path.parent for p in report.parts] == [tmp_path / "delen"] * 2
    assert [p.path.name for p in report.parts] == ["Teststad - buiten.xlsx", "Teststad - buiten-2.xlsx"]
    assert [piramide.read_workbook(p.path).part.respondent for p in report.parts] == ["../../buiten", "..\\\\buiten"]


def test_a_respondents_csv_that_is_not_one_is_refused_in_one_line(tmp_path, small, capsys):
    """A wrong header or a binary file: exit 2 with one line."""
    path = herhaal(tmp_path, small)
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("gemeente;naam\nx;y\n", encoding="utf-8")
    binary = tmp_path / "bin.csv"
    binary.write_bytes(b"\x00\x01\x02")
    for csv in (wrong, binary, tmp_path / "weg.csv"):
        result = run_cli(capsys, "split", path, "--out-dir", tmp_path / "d", "--respondenten", csv)
        assert result.code == 2 and len(result.err.splitlines()) == 1, result


# --- read, check, progress ------------------------------------------------------------------


def test_read_and_check_report_a_part_with_its_kind_respondent_and_slot(tmp_path, small, capsys):
    """`read --json`: kind deelvragenlijst, part.respondent, part.slot; text names it; check passes it."""
    report = split_workbook(herhaal(tmp_path, small), tmp_path / "delen")
    part = fill_part(report.parts[0].path, answers={"AA-1.01": "misschien", "AA-2.01": "ja"}, date="2026-02-01")
    data = json.loads(run_cli(capsys, "read", part, "--json").out)
    assert (data["kind"], data["part"]["respondent"], data["part"]["slot"], data["part"]["label"]) == (
        "deelvragenlijst", "AA Eerste pijler", 1, "Meting 1",
    )  # fmt: skip
    assert data["part"]["answers"] == {"AA-2.01": "ja"} and data["measurements"] == []
    issues = [i for i in data["issues"] if i["code"] != "set-unknown"]  # the small set is not a published one
    assert [i["code"] for i in issues] == ["answer-invalid"] and issues[0]["location"] == "Vragenlijst!H6"
    text = run_cli(capsys, "read", part)
    assert text.code == 1 and "Deelvragenlijst for Meting 1, respondent AA Eerste pijler" in text.out
    check = run_cli(capsys, "check", tmp_path / "delen")
    assert check.code == 1
    assert f"{part} (deelvragenlijst AA Eerste pijler, Meting 1): Vragenlijst!H6: 'misschien'" in check.out
    assert "2 workbooks: 1 without errors, 1 with errors, 0 refused (2 of them deelvragenlijsten)" in check.err


def test_progress_skips_parts_with_a_note_and_never_counts_them(tmp_path, small, capsys):
    """A folder with a dashboard and its parts: one gemeente, the parts under `skipped`, exit 0."""
    path = herhaal(tmp_path / "regio", small) if (tmp_path / "regio").mkdir() is None else None
    split_workbook(path, tmp_path / "regio" / "delen")
    result = run_cli(capsys, "progress", tmp_path / "regio", "--json")
    assert result.code == 0, result
    data = json.loads(result.out)
    assert [g["gemeente"] for g in data["gemeenten"]] == ["Teststad"] and data["errors"] == []
    assert (
        len(data["skipped"]) == 2
        and "is a deelvragenlijst (AA Eerste pijler, Meting 1)" in data["skipped"][0]["message"]
    )
    text = run_cli(capsys, "progress", tmp_path / "regio")
    assert "2 skipped, listed at the end" in text.out and "Skipped (2):" in text.out


def test_a_second_split_into_the_same_folder_names_the_parts_of_the_first(tmp_path, small, capsys):
    """Split per pillar, then with a CSV into the same folder: the earlier parts are named, not silently mixed."""
    path = herhaal(tmp_path, small)
    split_workbook(path, tmp_path / "delen")
    csv = tmp_path / "resp.csv"
    csv.write_text("indicator;respondent\nAA;Iedereen\nBB;Iedereen\n", encoding="utf-8")
    result = run_cli(capsys, "split", path, "--out-dir", tmp_path / "delen", "--respondenten", csv)
    assert result.code == 0
    notes = [line for line in result.out.splitlines() if "from an earlier split" in line]
    assert len(notes) == 2 and "(AA Eerste pijler)" in notes[0] and "(BB Tweede pijler)" in notes[1]


def test_a_folder_of_parts_may_hold_the_dashboard_and_the_output(tmp_path, small, capsys):
    """`merge dash.xlsx FOLDER --out FOLDER/uit.xlsx` with the dashboard in FOLDER; another dashboard there is named."""
    path = herhaal(tmp_path, small)
    split_workbook(path, tmp_path)
    assert run_cli(capsys, "merge", path, tmp_path, "--out", tmp_path / "uit.xlsx").code == 0
    result = run_cli(capsys, "merge", path, tmp_path, "--out", tmp_path / "twee.xlsx")  # uit.xlsx is not a part
    assert (
        result.code == 1 and f"refused: {tmp_path / 'uit.xlsx'}: is a dashboard with this dashboard's id" in result.out
    )
    assert run_cli(capsys, "merge", path, path, "--out", tmp_path / "x.xlsx").code == 1  # named: refused


def test_merge_carries_the_actieplan_of_the_dashboard(tmp_path, small):
    """The dashboard's Actieplan rows are in the merged file unchanged (carried as upgrade carries them)."""
    from piramide.plan import PlanRow

    zero = SlotContent(answers={i.id: "nee" for i in small.indicators}, date=EARLIER)
    row = PlanRow(indicator="AA-1.01", actie="Agenderen", eigenaar="Ann", deadline=dt.date(2026, 6, 1), status="bezig")
    path = piramide.build_workbook(
        tmp_path / "dash.xlsx", gemeente="Teststad", indicator_set=small, content=[zero], plan=[row]
    )
    parts = [p.path for p in split_workbook(path, tmp_path / "delen").parts]
    fill_part(parts[0], answers={"AA-1.01": "ja"})
    merge_parts(path, parts, tmp_path / "uit.xlsx")
    assert piramide.read_workbook(tmp_path / "uit.xlsx").plan == [row]
    assert piramide.read_workbook(parts[0]).plan == [row]  # the respondent's own rows, as the dashboard had them
    assert piramide.read_workbook(parts[1]).plan == []


def test_a_part_with_answers_typed_beside_its_columns_is_refused(tmp_path, small):
    """An answer typed in a column the part does not have is not read: an error, so merge refuses the part."""
    path = herhaal(tmp_path, small)
    part = split_workbook(path, tmp_path / "delen").parts[0].path
    wb = openpyxl.load_workbook(part)
    wb[L.QUESTIONS]["J6"] = "ja"  # right of Toelichting Meting 1, in AA-1.01's row
    wb.save(part)
    reading = piramide.read_workbook(part)
    assert [(i.code, i.location) for i in reading.errors] == [("answers-unread", "Vragenlijst!J6")]
    assert [i.code for i in reading.issues if i.code != "set-unknown"] == ["answers-unread"]  # F, G: known
    with pytest.raises(PartsRefused) as caught:
        merge_parts(path, [part], tmp_path / "uit.xlsx")
    assert "answers-unread" in caught.value.report.refused[0][1]


# --- the Actieplan in parts ------------------------------------------------------------------


def _with_plan(folder: Path, s) -> tuple[Path, object]:
    from piramide.plan import PlanRow

    zero = SlotContent(answers={i.id: "nee" for i in s.indicators}, date=EARLIER)
    row = PlanRow(indicator="AA-1.01", actie="Agenderen", eigenaar="Ann", deadline=dt.date(2026, 6, 1), status="bezig")
    path = piramide.build_workbook(
        folder / "dash.xlsx", gemeente="Teststad", indicator_set=s, content=[zero], plan=[row]
    )
    return path, row


def test_plan_rows_typed_in_parts_are_merged_and_read_shows_them_exactly(tmp_path, small, capsys):
    """Each respondent gets the Actieplan rows of their indicators; new rows and new fields come back."""
    from piramide.plan import PlanRow

    path, row = _with_plan(tmp_path, small)
    aa, bb = (p.path for p in split_workbook(path, tmp_path / "delen").parts)
    assert [r.indicator for r in piramide.read_workbook(aa).plan] == ["AA-1.01"]
    ws = openpyxl.load_workbook(aa)[L.ACTIONS]
    assert [ws.cell(L.A_FIRST_ROW + 1 + n, 1).value for n in range(3)] == ["AA-1.01", "AA-2.01", None]
    fill_part(aa, plan={"AA-1.01": {"toelichting": "in de raad"}, "AA-2.01": {"actie": "Plan maken", "status": "Open"}})
    fill_part(bb, plan={"BB-2.01": {"eigenaar": "Bob", "deadline": "2026-09-01", "status": "gepland"}})
    result = run_cli(capsys, "merge", path, aa, bb, "--out", tmp_path / "uit.xlsx")
    assert result.code == 0, result.err
    assert "merged: 0 answers, 3 Actieplan rows" in result.out
    assert piramide.read_workbook(tmp_path / "uit.xlsx").plan == [
        row.model_copy(update={"toelichting": "in de raad"}),
        PlanRow(indicator="AA-2.01", actie="Plan maken", status="open"),
        PlanRow(indicator="BB-2.01", eigenaar="Bob", deadline=dt.date(2026, 9, 1), status="gepland"),
    ]
    read = run_cli(capsys, "read", tmp_path / "uit.xlsx", "--json")
    assert [r["indicator"] for r in json.loads(read.out)["plan"]] == ["AA-1.01", "AA-2.01", "BB-2.01"]


def test_a_plan_field_changed_in_a_part_is_a_conflict_until_prefer_says_which_wins(tmp_path, small, capsys):
    """The part sets AA-1.01's status to gereed; the dashboard says bezig: refused and listed; --prefer decides."""
    path, row = _with_plan(tmp_path, small)
    aa = split_workbook(path, tmp_path / "delen").parts[0].path
    fill_part(aa, plan={"AA-1.01": {"status": "gereed", "eigenaar": "Ann"}})
    result = run_cli(capsys, "merge", path, aa, "--out", tmp_path / "uit.xlsx")
    assert result.code == 1 and not (tmp_path / "uit.xlsx").exists()
    assert "conflict: AA-1.01 (Actieplan status): bezig in" in result.out and "gereed in" in result.out
    with pytest.raises(PartsRefused, match="1 conflict; nothing was written") as caught:
        merge_parts(path, [aa], tmp_path / "uit.xlsx")
    (conflict,) = caught.value.report.conflicts
    assert conflict.to_json()["field"] == "status"
    merge_parts(path, [aa], tmp_path / "delen.xlsx", prefer="parts")
    merge_parts(path, [aa], tmp_path / "dash.2.xlsx", prefer="file")
    assert piramide.read_workbook(tmp_path / "delen.xlsx").plan == [row.model_copy(update={"status": "gereed"})]
    assert piramide.read_workbook(tmp_path / "dash.2.xlsx").plan == [row]


def test_two_parts_with_different_plan_values_for_one_indicator_are_refused_and_listed(tmp_path, small):
    """Two splits give AA-2.01 to two respondents who plan differently: refused with both values, even with prefer."""
    path, _ = _with_plan(tmp_path, small)
    per_pillar = split_workbook(path, tmp_path / "a").parts[0].path
    csv = tmp_path / "ieder.csv"
    csv.write_text("indicator;respondent\nAA;Iedereen\nBB;Iedereen\n", encoding="utf-8")
    everyone = split_workbook(path, tmp_path / "b", respondents=csv).parts[0].path
    fill_part(per_pillar, plan={"AA-2.01": {"eigenaar": "Ann", "actie": "Zelfde"}})
    fill_part(everyone, plan={"AA-2.01": {"eigenaar": "Bob", "actie": "Zelfde"}})
    for prefer in (None, "parts", "file"):
        with pytest.raises(PartsRefused, match="no option chooses between respondents") as caught:
            merge_parts(path, [per_pillar, everyone], tmp_path / "uit.xlsx", prefer=prefer)
        (conflict,) = caught.value.report.unresolved
        assert str(conflict) == (
            f"AA-2.01 (Actieplan eigenaar): Ann in {per_pillar} (AA Eerste pijler); Bob in {everyone} (Iedereen)"
        )
    assert not (tmp_path / "uit.xlsx").exists()


def test_a_part_with_a_wrong_plan_status_is_refused(tmp_path, small):
    """A status not on the list is an error of the part (the reader's rule), so merge refuses the part."""
    path, _ = _with_plan(tmp_path, small)
    aa = split_workbook(path, tmp_path / "delen").parts[0].path
    fill_part(aa, plan={"AA-2.01": {"status": "misschien"}})
    with pytest.raises(PartsRefused, match="refused") as caught:
        merge_parts(path, [aa], tmp_path / "uit.xlsx")
    assert "error" in caught.value.report.refused[0][1]


def test_a_joined_note_longer_than_a_cell_is_refused_naming_the_indicator(tmp_path, small, capsys):
    """The dashboard's note of 32,750 characters plus a part's note would not fit a cell: exit 1, nothing written."""
    path = herhaal(tmp_path, small)
    running = tmp_path / "loopt.xlsx"
    content = [
        SlotContent(answers={i.id: "ja" for i in small.indicators}, date=EARLIER),
        SlotContent(answers={"AA-1.01": "nee"}, notes={"AA-1.01": "x" * 32_750}),
    ]
    dashboard(tmp_path, small, name="loopt.xlsx", content=content)
    aa = split_workbook(running, tmp_path / "delen", slot=1).parts[0].path
    fill_part(aa, notes={"AA-1.01": "een nieuwe toelichting van de respondent"})
    result = run_cli(capsys, "merge", running, aa, "--out", tmp_path / "uit.xlsx")
    assert result.code == 1 and not (tmp_path / "uit.xlsx").exists()
    assert "AA-1.01: the note of Meting 1 would have 32,810 characters; an Excel cell holds at most" in result.err
    assert "nothing was written" in result.err
    assert path.exists()
