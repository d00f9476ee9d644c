"""Upgrades (issue 6): carry a municipality's history to a new set or more slots, losing nothing silently.

The main scenario is the issue's "done when": a five-slot dashboard on the
reference set with three measurements, upgraded to a revised set (a variant
of the reference set, written out below) that drops two indicators
(IP-4.03, CO-2.06), adds three (IP-1.09, CO-3.05, BH-4.04) and merges two
into one (BH-1.03 + BH-1.04 -> BH-1.09). Pillars BO and IV are untouched,
so their phases must read back exactly as before.

The merge rule (docs, ``piramide.upgrade``): blank only if every old answer
is blank; ``n.v.t.`` if every given one is; otherwise the applicable answer
with the fewest points. Notes of a merge are joined, each marked ``[old id]``.
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import datetime as dt
import io
import json
import tempfile
from pathlib import Path
from types import SimpleNamespace

import openpyxl
import pytest
from engine import make_profile, need_soffice, recalc
from helpers import REF_2026_1_PATH, edit, set_yaml, write_set
from hypothesis import given, settings
from hypothesis import strategies as st
from wb import question_rows, random_grid

from piramide import IndicatorSet, load_set, read_workbook, score_measurement
from piramide import layout as L
from piramide import upgrade as U
from piramide.cli import run
from piramide.errors import UpgradeRefused, UpgradeVerificationError
from piramide.upgrade import plan_upgrade, upgrade_workbook
from piramide.writer import SlotContent, build_workbook

# --- the revised reference set of the issue -------------------------------------------

REVISED = """\
extend: {base}
id: nl-referentie-herzien
name: Piramide Fitte Gemeenten - herziene set
version: "2027.1"
remove: [IP-4.03, CO-2.06, BH-1.03, BH-1.04]
add:
  - id: BH-1.09
    pillar: BH
    phase: 1
    text: Er is een Bibob-coördinator en de APV is in de afgelopen drie jaar getoetst op ondermijning.
    handvat: Wijs een Bibob-coördinator aan en leg de APV naast de model-APV van het RIEC.
    replaces: [BH-1.03, BH-1.04]
  - id: IP-1.09
    pillar: IP
    phase: 1
    text: De gemeente kent de fenomenen van ondermijning die het RIEC voor haar gebied beschrijft.
    handvat: Bespreek het ondermijningsbeeld van het RIEC in het driehoeksoverleg.
  - id: CO-3.05
    pillar: CO
    phase: 3
    text: De gemeente meet jaarlijks hoeveel meldingen er via de interne meldroute binnenkomen.
    handvat: Tel de meldingen per kwartaal en rapporteer ze aan de gemeentesecretaris.
  - id: BH-4.04
    pillar: BH
    phase: 4
    text: De gemeente deelt haar Bibob-aanpak met buurgemeenten in de regio.
    handvat: Presenteer de aanpak in het regionale Bibob-overleg.
"""
OLD_REF = "nl-referentie 2026.1"
NEW_REF = "nl-referentie-herzien 2027.1"
DROPPED = ("IP-4.03", "CO-2.06")
ADDED = ("IP-1.09", "CO-3.05", "BH-4.04")
MERGED_TO, MERGED_FROM = "BH-1.09", ("BH-1.03", "BH-1.04")
DATES = (dt.date(2023, 3, 1), dt.date(2024, 3, 15), dt.date(2025, 4, 1))
NAMES = ("J. de Vries (OOV)", "A. Bakker, RIEC Oost", "Ë. Çelik")
#: Per slot the two answers that merge, and the answer the rule gives.
MERGE_CASES = ((("n.v.t.", "n.v.t."), "n.v.t."), (("ja", "deels"), "deels"), ((None, "nee"), "nee"))
CSV_HEADER = ["gemeente", "slot", "label", "datum", "indicator", "indicator_tekst", "antwoord", "toelichting", "reden",
              "actie", "eigenaar", "deadline", "status", "actie_toelichting"]  # fmt: skip
POINTS = {"ja": 1, "deels": 0.5, "nee": 0}


def revised_yaml() -> str:
    return REVISED.format(base=REF_2026_1_PATH)


def expected_merge(answers) -> str | None:
    """The documented merge rule, written out independently of the code under test."""
    given_ = [a for a in answers if a is not None]
    if not given_:
        return None
    applicable = [a for a in given_ if a != "n.v.t."]
    if not applicable:
        return "n.v.t."
    return min(applicable, key=POINTS.__getitem__)


def csv_guard(text: str) -> str:
    """What the CSV holds for a text: a leading apostrophe before what a spreadsheet would run."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def reference_contents(s: IndicatorSet) -> list[SlotContent]:
    """Three measurements: random answers, the merge cases, notes on carried, merged and dropped indicators."""
    contents = []
    for slot in range(3):
        answers = random_grid(s, seed=600 + slot)
        (a, b), _ = MERGE_CASES[slot]
        answers[MERGED_FROM[0]], answers[MERGED_FROM[1]] = a, b
        for ident in DROPPED:
            answers[ident] = ("ja", "deels", "nee")[slot]
        notes = {
            "BO-1.01": f"Besproken in het college, besluit {slot + 1}",
            "IV-2.03": "=Zie het integriteitsbeleid",
            MERGED_FROM[0]: f"Coördinator benoemd ({slot})",
            MERGED_FROM[1]: f"APV getoetst in {2022 + slot}",
            "IP-4.03": f"Analyse {slot}; niet meer gevraagd",
        }
        if slot == 1:
            notes["CO-2.06"] = "-afspraak met de griffie"
        contents.append(SlotContent(answers=answers, notes=notes, date=DATES[slot], ingevuld_door=NAMES[slot]))
    return contents


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under ``folder``: name -> (bytes, mtime in ns)."""
    files = (p for p in folder.rglob("*") if p.is_file())
    return {str(p.relative_to(folder)): (p.read_bytes(), p.stat().st_mtime_ns) for p in files}


def read_csv(path: Path) -> list[list[str]]:
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf"), "the CSV starts with a UTF-8 BOM (for Excel)"
    return list(csv.reader(io.StringIO(data[3:].decode("utf-8"), newline=""), delimiter=";"))


def run_quiet(*args) -> tuple[int, str, str]:
    """The command line, for module-scoped fixtures (no capsys there)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = run([str(a) for a in args])
    return code, out.getvalue(), err.getvalue()


def identical_pillars(old: IndicatorSet, new: IndicatorSet) -> list[str]:
    """Pillars whose indicators (id and phase) are the same in both sets."""

    def of(s: IndicatorSet, code: str) -> set[tuple[str, int]]:
        return {(i.id, i.phase) for i in s.indicators_of(code)}

    return [c for c in old.pillar_codes if c in new.pillar_codes and of(old, c) == of(new, c)]


def expected_dropped_rows(before, dropped_ids) -> set[tuple]:
    """(slot, indicator, answer, note) for every dropped answer or note in ``before``."""
    rows = set()
    for m in before.measurements:
        for ident in dropped_ids:
            answer, note = m.answers.get(ident, ""), m.notes.get(ident, "")
            if answer or note:
                rows.add((str(m.slot), ident, answer, csv_guard(note)))
    return rows


def csv_rows(path: Path) -> set[tuple]:
    rows = read_csv(path)
    assert rows[0] == CSV_HEADER
    return {(r[1], r[4], r[6], r[7]) for r in rows[1:]}


def type_measurement(path: Path, slot: int, answers: dict, date: dt.date | None = None, by: str | None = None,
                     notes: dict | None = None, out: Path | None = None) -> None:  # fmt: skip
    """Type one measurement into a dashboard with openpyxl (as a user or script would) and save it."""
    wb = openpyxl.load_workbook(path)
    ws = wb[L.QUESTIONS]
    rows = question_rows(ws)
    a, n = L.answer_col(slot) + 1, L.note_col(slot) + 1
    for ident, value in answers.items():
        if value is not None:
            ws.cell(rows[ident], a).value = value
    for ident, value in (notes or {}).items():
        ws.cell(rows[ident], n).value = value
    if date is not None:
        ws.cell(L.Q_ROW_DATE + 1, a).value = date
    if by is not None:
        ws.cell(L.Q_ROW_BY + 1, a).value = by
    wb.save(out or path)


# --- fixtures ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def revised(tmp_path_factory) -> tuple[Path, IndicatorSet]:
    path = write_set(tmp_path_factory.mktemp("revised"), revised_yaml(), "herzien.yaml")
    return path, load_set(path)


@pytest.fixture(scope="module")
def source_bytes(tmp_path_factory, reference) -> bytes:
    path = build_workbook(tmp_path_factory.mktemp("bron") / "Testdorp.xlsx", gemeente="Testdorp", regio="Oost",
                          code="GM9999", indicator_set=reference, slots=5,
                          content=reference_contents(reference))  # fmt: skip
    return path.read_bytes()


@pytest.fixture
def source(tmp_path, source_bytes) -> Path:
    """The issue's input: five slots, three measurements, in ``tmp_path/in/``."""
    path = tmp_path / "in" / "Testdorp.xlsx"
    path.parent.mkdir()
    path.write_bytes(source_bytes)
    return path


@pytest.fixture(scope="module")
def done(tmp_path_factory, reference, revised) -> SimpleNamespace:
    """The issue's scenario, upgraded once with --allow-drop through the command line."""
    folder = tmp_path_factory.mktemp("done")
    src = build_workbook(folder / "Testdorp.xlsx", gemeente="Testdorp", regio="Oost", code="GM9999",
                         indicator_set=reference, slots=5, content=reference_contents(reference))  # fmt: skip
    before = read_workbook(src)
    assert not before.issues and len(before.measurements) == 3
    out = folder / "Testdorp-2027.xlsx"
    code, stdout, stderr = run_quiet("upgrade", src, "--set", revised[0], "--out", out, "--allow-drop", "--json")
    return SimpleNamespace(src=src, out=out, csv=folder / "Testdorp-2027.dropped.csv", before=before,
                           after=read_workbook(out), code=code, report=json.loads(stdout) if code == 0 else None,
                           stderr=stderr, old=reference, new=revised[1])  # fmt: skip


# --- the issue's "done when" --------------------------------------------------------------


def test_without_allow_drop_a_lossy_upgrade_is_refused_and_writes_nothing(cli, source, revised, tmp_path):
    """Answers would be dropped: exit 1 naming the dropped ids; no output, no CSV, input untouched."""
    before = snapshot(tmp_path)
    result = cli("upgrade", source, "--set", revised[0], "--out", tmp_path / "in" / "nieuw.xlsx")
    assert result.code == 1
    assert "--allow-drop" in result.err and all(ident in result.err for ident in DROPPED)
    assert snapshot(tmp_path) == before


def test_with_allow_drop_it_succeeds_and_verifies(done):
    """With --allow-drop: exit 0, the new file is on the new set, and the report says it was verified."""
    assert done.code == 0, done.stderr
    assert done.report["verified"] is True
    assert done.after.set.id == "nl-referentie-herzien" and not done.after.errors
    assert (done.after.gemeente, done.after.regio, done.after.code) == ("Testdorp", "Oost", "GM9999")
    assert done.after.slots == 5


def test_carried_answers_are_identical_per_slot(done):
    """Every indicator in both sets has, in every slot, exactly its old answer (blank stays blank)."""
    carried = [i.id for i in done.new.indicators if i.id in done.old.by_id]
    assert len(carried) == 105 - 4
    assert [m.slot for m in done.after.measurements] == [0, 1, 2]
    for old, new in zip(done.before.measurements, done.after.measurements, strict=True):
        assert {i: new.answers.get(i) for i in carried} == {i: old.answers.get(i) for i in carried}


def test_carried_notes_dates_and_names_are_identical_per_slot(done):
    """Notes of carried indicators, the dates and the 'ingevuld door' names read back unchanged."""
    for old, new in zip(done.before.measurements, done.after.measurements, strict=True):
        assert {k: v for k, v in new.notes.items() if k != MERGED_TO} == {
            k: v for k, v in old.notes.items() if k in done.new.by_id
        }
        assert (new.date, new.ingevuld_door) == (old.date, old.ingevuld_door)
    assert [m.date for m in done.after.measurements] == list(DATES)
    assert [m.ingevuld_door for m in done.after.measurements] == list(NAMES)


def test_merged_answer_follows_the_merge_rule(done):
    """BH-1.03 + BH-1.04 -> BH-1.09: n.v.t.+n.v.t. = n.v.t., ja+deels = deels, blank+nee = nee."""
    got = [m.answers.get(MERGED_TO) for m in done.after.measurements]
    assert got == [expected for _, expected in MERGE_CASES]
    olds = [tuple(m.answers.get(o) for o in MERGED_FROM) for m in done.before.measurements]
    assert got == [expected_merge(pair) for pair in olds]


def test_merged_notes_are_joined_with_their_old_ids(done):
    """The merged indicator's note holds both old notes, each after its [old id]."""
    for old, new in zip(done.before.measurements, done.after.measurements, strict=True):
        assert new.notes[MERGED_TO] == "\n".join(f"[{o}] {old.notes[o]}" for o in MERGED_FROM)


def test_new_indicators_are_unanswered(done):
    """The three added indicators are blank in every carried measurement, and reported as new."""
    for m in done.after.measurements:
        assert not {i: m.answers.get(i) for i in ADDED if m.answers.get(i)}
        assert not {i: m.notes.get(i) for i in ADDED if m.notes.get(i)}
    assert sorted(done.report["new"]) == sorted(ADDED)


def test_dropped_answers_and_notes_are_in_the_csv(done):
    """OUT.dropped.csv (BOM, ';') holds one row per slot and dropped indicator, with answer, note and date."""
    assert done.report["dropped_csv"] == str(done.csv)
    assert csv_rows(done.csv) == expected_dropped_rows(done.before, DROPPED)
    rows = read_csv(done.csv)[1:]
    assert {r[0] for r in rows} == {"Testdorp"} and {r[8] for r in rows} == {"not in the new set"}
    assert {(r[1], r[2], r[3]) for r in rows} == {(str(k), L.slot_label(k), DATES[k].isoformat()) for k in range(3)}
    assert {r[5] for r in rows if r[4] == "IP-4.03"} == {done.old.by_id["IP-4.03"].text}


def test_csv_neutralises_a_note_a_spreadsheet_would_run(done):
    """A dropped note that starts with '-' is written with a leading apostrophe in the CSV."""
    rows = read_csv(done.csv)[1:]
    assert [r[7] for r in rows if r[4] == "CO-2.06" and r[7]] == ["'-afspraak met de griffie"]


def test_phases_are_the_same_on_pillars_with_the_same_indicators(done):
    """On BO and IV (indicators unchanged) the new file's phases equal the scoring engine's on the old answers."""
    same = identical_pillars(done.old, done.new)
    assert same == ["BO", "IV"]
    for old, new in zip(done.before.measurements, done.after.measurements, strict=True):
        engine = score_measurement(done.old, old.answers)
        for code in same:
            assert new.pillars[code].phase == engine.pillars[code].phase
            assert new.pillars[code].provisional == engine.pillars[code].provisional
            assert new.pillars[code].scores == old.pillars[code].scores


def test_the_input_is_not_modified_by_a_successful_upgrade(tmp_path, cli, source, revised):
    """After a successful upgrade the input has the same bytes and modification time."""
    before = source.read_bytes(), source.stat().st_mtime_ns
    assert cli("upgrade", source, "--set", revised[0], "--out", tmp_path / "uit.xlsx", "--allow-drop").code == 0
    assert (source.read_bytes(), source.stat().st_mtime_ns) == before


# --- the merge rule (plan_upgrade) -----------------------------------------------------------

MERGE_SET = """\
extend: oud.yaml
id: gemaakt-samengevoegd
version: "2"
remove: [AA-1.01, AA-1.02, BB-1.01]
add:
  - id: AA-1.09
    pillar: AA
    phase: 1
    text: Het onderwerp staat op de agenda en er is beleid.
    handvat: Zet het op de agenda.
    replaces: [AA-1.01, AA-1.02]
  - id: BB-1.09
    pillar: BB
    phase: 1
    text: Er is een aanspreekpunt, opnieuw geformuleerd.
    handvat: Wijs een aanspreekpunt aan.
    replaces: BB-1.01
"""


@pytest.fixture
def small_sets(tmp_path) -> tuple[IndicatorSet, IndicatorSet]:
    """A small set (AA, BB; two indicators per phase) and a variant merging AA-1.01 + AA-1.02 into AA-1.09."""
    write_set(tmp_path, set_yaml(per_phase=(2, 2)), "oud.yaml")
    return load_set(tmp_path / "oud.yaml"), load_set(write_set(tmp_path, MERGE_SET, "nieuw.yaml"))


def plan_for(tmp_path, old: IndicatorSet, new: IndicatorSet, *contents: SlotContent):
    path = build_workbook(tmp_path / "wb.xlsx", gemeente="Klein", indicator_set=old, slots=3, content=contents,
                          force=True)  # fmt: skip
    return plan_upgrade(read_workbook(path), new, None)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (None, None, None),
        (None, "ja", "ja"),
        ("nee", None, "nee"),
        ("n.v.t.", None, "n.v.t."),
        ("n.v.t.", "n.v.t.", "n.v.t."),
        ("ja", "n.v.t.", "ja"),
        ("n.v.t.", "deels", "deels"),
        ("ja", "ja", "ja"),
        ("ja", "deels", "deels"),
        ("deels", "ja", "deels"),
        ("deels", "nee", "nee"),
        ("nee", "ja", "nee"),
    ],
)
def test_merge_rule(tmp_path, small_sets, a, b, expected):
    """Blank only if all blank; n.v.t. if all given are n.v.t.; otherwise the fewest points."""
    plan = plan_for(tmp_path, *small_sets, SlotContent(answers={"AA-1.01": a, "AA-1.02": b, "BB-2.01": "ja"}))
    assert plan.contents[0].answers.get("AA-1.09") == expected
    assert not plan.dropped


def test_merge_reports_the_old_answers_per_slot(tmp_path, small_sets):
    """The plan lists, per slot, the old answers of a merge and the answer they became."""
    plan = plan_for(tmp_path, *small_sets, SlotContent(answers={"AA-1.01": "ja", "AA-1.02": "nee"}),
                    SlotContent(answers={"AA-1.02": "deels"}))  # fmt: skip
    mapped = {m.to: m for m in plan.mapped}
    assert mapped["AA-1.09"].sources == ("AA-1.01", "AA-1.02")
    assert mapped["AA-1.09"].answers == {
        0: {"from": {"AA-1.01": "ja", "AA-1.02": "nee"}, "to": "nee"},
        1: {"from": {"AA-1.01": None, "AA-1.02": "deels"}, "to": "deels"},
    }


def test_merged_notes_are_joined_in_set_order_with_old_id_markers(tmp_path, small_sets):
    """Notes of merged indicators are joined one per line as '[old id] note', in the order of 'replaces'."""
    plan = plan_for(tmp_path, *small_sets, SlotContent(answers={"AA-1.01": "ja"},
                    notes={"AA-1.02": "Beleid vastgesteld", "AA-1.01": "Op de agenda gezet"}))  # fmt: skip
    assert plan.contents[0].notes["AA-1.09"] == "[AA-1.01] Op de agenda gezet\n[AA-1.02] Beleid vastgesteld"


def test_a_single_note_of_a_merge_is_still_marked(tmp_path, small_sets):
    """When only one of the merged indicators has a note, it is kept with its [old id]."""
    plan = plan_for(tmp_path, *small_sets, SlotContent(answers={"AA-1.01": "ja"}, notes={"AA-1.02": "Alleen deze"}))
    assert plan.contents[0].notes["AA-1.09"] == "[AA-1.02] Alleen deze"


def test_a_rename_carries_answer_and_note_unchanged(tmp_path, small_sets):
    """An indicator that replaces one old id takes its answer and its note as they were."""
    plan = plan_for(tmp_path, *small_sets, SlotContent(answers={"BB-1.01": "deels"}, notes={"BB-1.01": "Half"}))
    assert plan.contents[0].answers["BB-1.09"] == "deels"
    assert plan.contents[0].notes["BB-1.09"] == "Half"
    assert "BB-1.01" not in plan.contents[0].answers and not plan.dropped


def test_an_indicator_that_keeps_its_id_can_also_replace_another(tmp_path):
    """'replaces' on a kept id merges the other old indicator into it instead of dropping it."""
    write_set(tmp_path, set_yaml(per_phase=(2, 2)), "oud.yaml")
    new = load_set(write_set(tmp_path, """\
        extend: oud.yaml
        id: gemaakt-2
        version: "2"
        remove: [AA-1.02]
        replace:
          - id: AA-1.01
            replaces: [AA-1.02]
        """, "nieuw.yaml"))  # fmt: skip
    plan = plan_for(tmp_path, load_set(tmp_path / "oud.yaml"), new,
                    SlotContent(answers={"AA-1.01": "ja", "AA-1.02": "deels"}, notes={"AA-1.02": "Half"}))  # fmt: skip
    assert not plan.dropped
    assert plan.contents[0].answers["AA-1.01"] == "deels"
    assert plan.contents[0].notes["AA-1.01"] == "[AA-1.02] Half"
    assert [(m.to, m.sources) for m in plan.mapped] == [("AA-1.01", ("AA-1.01", "AA-1.02"))]


# --- statements and answer scales --------------------------------------------------------


def test_a_changed_statement_is_carried_and_reported(cli, tmp_path, source, reference):
    """Same id, new text: the answers are carried, and the id is listed under text_changed."""
    new_set = write_set(tmp_path, f"""\
        extend: {REF_2026_1_PATH}
        id: nl-referentie-tekst
        version: "2026.2"
        replace:
          - id: BO-1.01
            text: Ondermijning is in de afgelopen 12 maanden besproken in het college, met een besluit over de aanpak.
        """)  # fmt: skip
    out = tmp_path / "tekst.xlsx"
    result = cli("upgrade", source, "--set", new_set, "--out", out, "--json")
    assert result.code == 0, result.err
    report = json.loads(result.out)
    assert report["text_changed"] == ["BO-1.01"] and "BO-1.01" in report["carried"]
    assert report["dropped"] == [] and report["mapped"] == [] and report["new"] == []
    old, new = read_workbook(source), read_workbook(out)
    assert [m.answers for m in new.measurements] == [m.answers for m in old.measurements]
    assert [m.notes.get("BO-1.01") for m in new.measurements] == [m.notes.get("BO-1.01") for m in old.measurements]
    text = cli("upgrade", source, "--set", new_set, "--out", tmp_path / "tekst2.xlsx")
    assert "statement changed, answers carried: BO-1.01" in text.out


NO_DEELS = edit(edit(set_yaml(), "  - {label: deels, points: 0.5}\n", ""), 'version: "1"', 'version: "2"')


def test_an_answer_not_on_the_new_scale_is_refused_without_allow_drop(cli, tmp_path):
    """A 'deels' that the new scale does not have would be lost: exit 1 and nothing written."""
    old = load_set(write_set(tmp_path, set_yaml(), "oud.yaml"))
    new_path = write_set(tmp_path, NO_DEELS, "nieuw.yaml")
    content = [SlotContent(answers={"AA-1.01": "deels", "BB-1.01": "ja"}, date=DATES[0])]
    src = build_workbook(tmp_path / "in.xlsx", gemeente="Klein", indicator_set=old, slots=2, content=content)
    before = snapshot(tmp_path)
    result = cli("upgrade", src, "--set", new_path, "--out", tmp_path / "uit.xlsx")
    assert result.code == 1 and "AA-1.01" in result.err and "--allow-drop" in result.err
    assert snapshot(tmp_path) == before


def test_an_answer_not_on_the_new_scale_is_dropped_and_reported(cli, tmp_path):
    """With --allow-drop the 'deels' is blank in the new file, reported with its reason, and in the CSV."""
    old = load_set(write_set(tmp_path, set_yaml(), "oud.yaml"))
    new_path = write_set(tmp_path, NO_DEELS, "nieuw.yaml")
    src = build_workbook(tmp_path / "in.xlsx", gemeente="Klein", indicator_set=old, slots=2, content=[
        SlotContent(answers={"AA-1.01": "deels", "BB-1.01": "ja"}, notes={"AA-1.01": "Half gedaan"}, date=DATES[0]),
        SlotContent(answers={"AA-1.01": "ja", "BB-1.01": "deels"}, date=DATES[1]),
    ])  # fmt: skip
    result = cli("upgrade", src, "--set", new_path, "--out", tmp_path / "uit.xlsx", "--allow-drop", "--json")
    assert result.code == 0, result.err
    report = json.loads(result.out)
    dropped = {(d["id"], tuple(d["answers"].items())) for d in report["dropped"]}
    assert dropped == {("AA-1.01", (("0", "deels"),)), ("BB-1.01", (("1", "deels"),))}
    assert all("deels" in d["reason"] and "answer scale" in d["reason"] for d in report["dropped"])
    after = read_workbook(tmp_path / "uit.xlsx")
    assert [m.answers for m in after.measurements] == [{"BB-1.01": "ja"}, {"AA-1.01": "ja"}]
    assert after.measurements[0].notes == {"AA-1.01": "Half gedaan"}  # the note stays with its indicator
    assert {(r[1], r[4], r[6]) for r in read_csv(tmp_path / "uit.dropped.csv")[1:]} == {
        ("0", "AA-1.01", "deels"), ("1", "BB-1.01", "deels")}  # fmt: skip


# --- slots ------------------------------------------------------------------------------------


def test_more_slots_keep_every_answer_note_date_and_name(cli, tmp_path, source):
    """--slots 8 without --set: the same measurements, answers, notes, dates and names, on 8 slots."""
    out = tmp_path / "acht.xlsx"
    result = cli("upgrade", source, "--slots", "8", "--out", out)
    assert result.code == 0, result.err
    old, new = read_workbook(source), read_workbook(out)
    assert new.slots == 8 and not new.issues
    assert new.set == old.set
    assert [m.model_dump() for m in new.measurements] == [m.model_dump() for m in old.measurements]
    assert [m.notes for m in new.measurements] == [m.notes for m in old.measurements]
    assert not (tmp_path / "acht.dropped.csv").exists()


def test_more_slots_add_answer_columns_up_to_meting_7(cli, tmp_path, source):
    """--slots 8 gives the Vragenlijst columns 'Antwoord Meting 7' and 'Toelichting Meting 7', and no more."""
    out = tmp_path / "acht.xlsx"
    assert cli("upgrade", source, "--slots", "8", "--out", out).code == 0
    wb = openpyxl.load_workbook(out, read_only=True)
    with contextlib.closing(wb):  # read-only mode keeps the file open until closed
        ws = wb[L.QUESTIONS]
        headers = [c for c in next(ws.iter_rows(min_row=L.Q_ROW_HEADER + 1, max_row=L.Q_ROW_HEADER + 1,
                                                values_only=True)) if c]  # fmt: skip
    assert headers == L.question_headers(8)
    assert headers[-2:] == ["Antwoord Meting 7", "Toelichting Meting 7"]


def test_more_slots_on_the_same_set_add_no_history(cli, tmp_path, source):
    """Only adding slots keeps the set, so no upgrade record is added to the history."""
    out = tmp_path / "acht.xlsx"
    assert cli("upgrade", source, "--slots", "8", "--out", out).code == 0
    assert read_workbook(out).history == []
    assert [read_workbook(out).set_of_slot(k) for k in range(8)] == [OLD_REF] * 8


def test_fewer_slots_are_refused(cli, tmp_path, source):
    """--slots 3 on a five-slot dashboard: bad usage, exit 2 (as --slots 31), 'fewer', nothing written."""
    before = snapshot(tmp_path)
    result = cli("upgrade", source, "--slots", "3", "--out", tmp_path / "drie.xlsx")
    assert result.code == 2
    assert result.err.startswith("piramide: error: --slots 3: fewer"), result.err
    assert len(result.err.splitlines()) == 1
    assert snapshot(tmp_path) == before


def test_neither_set_nor_slots_is_refused_with_a_clear_message(cli, tmp_path, source):
    """Without --set and --slots there is nothing to do: bad usage (exit 2), saying to give --set or --slots."""
    before = snapshot(tmp_path)
    result = cli("upgrade", source, "--out", tmp_path / "zelfde.xlsx")
    assert result.code == 2
    assert "give --set NEW.yaml, --slots N, or both" in result.err
    assert snapshot(tmp_path) == before


def test_same_number_of_slots_without_set_is_refused(cli, tmp_path, source):
    """--slots 5 on a five-slot dashboard without --set changes nothing: bad usage, exit 2."""
    result = cli("upgrade", source, "--slots", "5", "--out", tmp_path / "vijf.xlsx")
    assert result.code == 2 and "nothing to do" in result.err
    assert not (tmp_path / "vijf.xlsx").exists()


@pytest.mark.parametrize("spelling", ["absolute", "relative", "dotted"])
def test_out_equal_to_the_input_is_refused(cli, tmp_path, source, revised, monkeypatch, spelling):
    """--out naming the input (however spelled) is bad usage, exit 2; the input is untouched."""
    monkeypatch.chdir(tmp_path)
    spellings = {"absolute": source, "relative": Path("in/Testdorp.xlsx"), "dotted": Path("in/../in/./Testdorp.xlsx")}
    out = spellings[spelling]
    before = snapshot(tmp_path)
    result = cli("upgrade", source, "--set", revised[0], "--out", out, "--allow-drop", "--force")
    assert result.code == 2
    assert result.err.startswith(f"piramide: error: --out {out}: ") and "is the input" in result.err.split(": ", 3)[-1]
    assert len(result.err.splitlines()) == 1
    assert snapshot(tmp_path) == before


# --- outputs, the input, and what is left behind ----------------------------------------------


def test_an_existing_output_is_not_overwritten_without_force(cli, tmp_path, source, revised):
    """An existing --out file: exit 1 mentioning --force; the file and the folder are unchanged."""
    out = tmp_path / "in" / "bestaand.xlsx"
    out.write_bytes(b"niet overschrijven")
    before = snapshot(tmp_path)
    result = cli("upgrade", source, "--set", revised[0], "--out", out, "--allow-drop")
    assert result.code == 1 and "--force" in result.err
    assert snapshot(tmp_path) == before


def test_an_existing_dropped_csv_is_not_overwritten_without_force(cli, tmp_path, source, revised):
    """An existing OUT.dropped.csv also stops the upgrade before anything is written."""
    (tmp_path / "in" / "nieuw.dropped.csv").write_bytes(b"eerder;bestand\r\n")
    before = snapshot(tmp_path)
    result = cli("upgrade", source, "--set", revised[0], "--out", tmp_path / "in" / "nieuw.xlsx", "--allow-drop")
    assert result.code == 1 and "nieuw.dropped.csv" in result.err
    assert snapshot(tmp_path) == before


def test_force_overwrites_output_and_csv(cli, tmp_path, source, revised):
    """With --force an existing output and CSV are replaced by the upgrade."""
    out, dropped = tmp_path / "nieuw.xlsx", tmp_path / "nieuw.dropped.csv"
    out.write_bytes(b"oud")
    dropped.write_bytes(b"oud")
    result = cli("upgrade", source, "--set", revised[0], "--out", out, "--allow-drop", "--force")
    assert result.code == 0, result.err
    assert read_workbook(out).set.id == "nl-referentie-herzien"
    assert read_csv(dropped)[0] == CSV_HEADER


@pytest.mark.parametrize(
    "args",
    [
        ("--set", "{set}", "--allow-drop"),  # succeeds
        ("--set", "{set}"),  # refused: would drop
        ("--slots", "3"),  # refused: fewer slots
        ("--slots", "9"),  # succeeds
        ("--set", "{set}", "--allow-drop", "--out-exists"),  # refused: output exists
    ],
    ids=["success", "drop-refused", "fewer-slots", "more-slots", "output-exists"],
)
def test_the_input_is_never_modified(cli, tmp_path, source, revised, args):
    """Whatever the outcome, the input keeps its bytes and modification time, and no temporary file remains."""
    out = tmp_path / "in" / "uit.xlsx"
    if "--out-exists" in args:
        out.write_bytes(b"bestaand")
        args = tuple(a for a in args if a != "--out-exists")
    stat = source.read_bytes(), source.stat().st_mtime_ns
    cli("upgrade", source, *(a.format(set=revised[0]) for a in args), "--out", out)
    assert (source.read_bytes(), source.stat().st_mtime_ns) == stat
    assert not [p.name for p in tmp_path.rglob("*.tmp")]


def test_a_verification_failure_writes_nothing(tmp_path, source, revised, monkeypatch):
    """A written file that reads back without an answer raises UpgradeVerificationError; no output, no CSV."""
    real = U.workbook_bytes
    lost = []

    def lossy(spec):
        first = spec.content[0]
        victim = next(k for k, v in first.answers.items() if v)
        lost.append(victim)
        kept = dataclasses.replace(first, answers={k: v for k, v in first.answers.items() if k != victim})
        return real(dataclasses.replace(spec, content=(kept, *spec.content[1:])))

    monkeypatch.setattr(U, "workbook_bytes", lossy)
    before = snapshot(tmp_path)
    with pytest.raises(UpgradeVerificationError, match="slot 0 answers differ"):
        upgrade_workbook(source, tmp_path / "in" / "nieuw.xlsx", new_set=revised[1], allow_drop=True)
    assert lost, "the upgrade went through workbook_bytes"
    assert snapshot(tmp_path) == before


def test_a_verification_failure_exits_non_zero_on_the_command_line(cli, tmp_path, source, revised, monkeypatch):
    """Through the CLI a verification failure exits 3 (a bug) with one line, and leaves nothing behind."""
    real = U.workbook_bytes
    monkeypatch.setattr(U, "workbook_bytes", lambda spec: real(dataclasses.replace(spec, content=spec.content[:1])))
    before = snapshot(tmp_path)
    result = cli("upgrade", source, "--set", revised[0], "--out", tmp_path / "nieuw.xlsx", "--allow-drop")
    assert result.code == 3 and "did not read back" in result.err and len(result.err.strip().splitlines()) == 1
    assert snapshot(tmp_path) == before


def test_a_workbook_with_errors_is_refused_before_anything_is_written(cli, tmp_path, source, revised):
    """An invalid answer ('misschien') makes the upgrade refuse with exit 1; nothing is written."""
    broken = tmp_path / "in" / "fout.xlsx"
    type_measurement(source, 3, {"BO-1.01": "misschien"}, date=dt.date(2026, 1, 5), out=broken)
    assert any(i.code == "answer-invalid" for i in read_workbook(broken).errors)
    before = snapshot(tmp_path)
    result = cli("upgrade", broken, "--set", revised[0], "--out", tmp_path / "in" / "nieuw.xlsx", "--allow-drop",
                 "--force")  # fmt: skip
    assert result.code == 1
    (line,) = result.err.splitlines()
    assert line.startswith(f"piramide: error: {broken}: has 1 error; the first: Vragenlijst!") and (
        "'misschien' is not an answer; use ja, deels, nee or n.v.t. [error: answer-invalid]; fix them first" in line
    ), line
    assert snapshot(tmp_path) == before


def test_a_note_date_and_name_in_a_slot_without_answers_are_carried(tmp_path, reference):
    """A slot with only a date, a name and a note (no answers yet) loses none of them in an upgrade."""
    contents = reference_contents(reference)[:1] + [
        SlotContent(notes={"BO-1.02": "Nog in te vullen"}, date=dt.date(2026, 2, 1), ingevuld_door="P. Jansen")
    ]
    src = build_workbook(tmp_path / "in.xlsx", gemeente="Testdorp", indicator_set=reference, slots=5, content=contents)
    upgrade_workbook(src, tmp_path / "uit.xlsx", slots=6)
    ws = openpyxl.load_workbook(tmp_path / "uit.xlsx")[L.QUESTIONS]
    col = L.answer_col(1) + 1
    assert ws.cell(question_rows(ws)["BO-1.02"], L.note_col(1) + 1).value == "Nog in te vullen"
    assert ws.cell(L.Q_ROW_BY + 1, col).value == "P. Jansen"
    assert ws.cell(L.Q_ROW_DATE + 1, col).value == dt.datetime(2026, 2, 1)


# --- the report ---------------------------------------------------------------------------------


def test_json_report_has_the_documented_keys(done):
    """--json has exactly the documented top-level keys, with the sets, slots and carried ids filled in."""
    r = done.report
    assert set(r) == {"input", "output", "from_set", "to_set", "slots", "carried", "mapped", "text_changed", "moved",
                      "dropped", "new", "emptied", "actions", "dropped_answers", "dropped_actions", "dropped_csv",
                      "verified"}  # fmt: skip
    assert (r["input"], r["output"]) == (str(done.src), str(done.out))
    assert r["from_set"] == {"id": "nl-referentie", "version": "2026.1", "fingerprint": done.old.fingerprint}
    assert r["to_set"] == {"id": "nl-referentie-herzien", "version": "2027.1", "fingerprint": done.new.fingerprint}
    assert r["slots"] == {"from": 5, "to": 5}
    assert r["carried"] == [i.id for i in done.new.indicators if i.id in done.old.by_id]
    assert r["text_changed"] == []


def test_json_report_lists_the_merge_with_its_answers(done):
    """mapped: [{to, from, answers: {slot: {from: {old: answer}, to: answer}}}]."""
    olds = {str(m.slot): {o: m.answers.get(o) for o in MERGED_FROM} for m in done.before.measurements}
    assert done.report["mapped"] == [{
        "to": MERGED_TO, "from": list(MERGED_FROM),
        "answers": {k: {"from": v, "to": expected_merge(v.values())} for k, v in olds.items()},
    }]  # fmt: skip


def test_json_report_lists_the_dropped_with_answers_and_notes(done):
    """dropped: [{id, text, reason, answers, notes, action}] per indicator; dropped_answers counts answers and notes."""
    dropped = {d["id"]: d for d in done.report["dropped"]}
    assert set(dropped) == set(DROPPED)
    for ident in DROPPED:
        d = dropped[ident]
        assert set(d) == {"id", "text", "reason", "answers", "notes", "action"}
        assert d["action"] is None  # no Actieplan row had input
        assert d["text"] == done.old.by_id[ident].text and d["reason"] == "not in the new set"
        assert d["answers"] == {str(m.slot): m.answers[ident] for m in done.before.measurements if ident in m.answers}
        assert d["notes"] == {str(m.slot): m.notes[ident] for m in done.before.measurements if ident in m.notes}
    assert done.report["dropped_answers"] == 10  # 6 answers and 4 notes


def test_json_report_of_a_refusal_is_printed_unverified(cli, tmp_path, source, revised):
    """A refused upgrade with --json still prints the plan, with verified false and no CSV."""
    result = cli("upgrade", source, "--set", revised[0], "--out", tmp_path / "nieuw.xlsx", "--json")
    assert result.code == 1
    report = json.loads(result.out)
    assert report["verified"] is False and report["dropped_csv"] is None
    assert {d["id"] for d in report["dropped"]} == set(DROPPED)


def test_text_report_says_what_was_carried_mapped_dropped_and_new(cli, tmp_path, source, revised):
    """The text report names the merge with its answers, the dropped indicators, the new ones and the CSV."""
    result = cli("upgrade", source, "--set", revised[0], "--out", tmp_path / "nieuw.xlsx", "--allow-drop")
    assert result.code == 0, result.err
    out = result.out
    assert "set    nl-referentie 2026.1 -> nl-referentie-herzien 2027.1" in out
    assert "carried: 101 indicators" in out
    assert "mapped: BH-1.03, BH-1.04 -> BH-1.09 (0-meting: BH-1.03=n.v.t., BH-1.04=n.v.t. -> n.v.t.;" in out
    assert "Meting 2: BH-1.03=-, BH-1.04=nee -> nee)" in out
    assert "dropped: IP-4.03 (not in the new set): 0-meting=ja, Meting 1=deels, Meting 2=nee, 3 notes" in out
    assert "new, unanswered: IP-1.09, BH-4.04, CO-3.05" in out
    assert f"dropped answers saved to {tmp_path / 'nieuw.dropped.csv'}" in out
    assert "verified" in out


# --- metadata and progress across versions ------------------------------------------------------


def test_history_holds_the_upgrade_record(done):
    """The new file's history records from, to, carried, mapped, dropped, new and each id's pillar."""
    (record,) = done.after.history
    assert record["from"] == {"id": "nl-referentie", "version": "2026.1", "fingerprint": done.old.fingerprint}
    assert record["to"] == {"id": "nl-referentie-herzien", "version": "2027.1", "fingerprint": done.new.fingerprint}
    assert record["mapped"] == {MERGED_TO: list(MERGED_FROM)}
    assert sorted(record["dropped"]) == sorted(DROPPED) and sorted(record["new"]) == sorted(ADDED)
    assert record["carried"] == done.report["carried"] and record["text_changed"] == []
    assert record["pillars"]["IP-4.03"] == "IP" and record["pillars"]["BH-4.04"] == "BH"
    dt.date.fromisoformat(record["date"])


def test_carried_measurements_keep_their_set_and_later_slots_use_the_new_one(done):
    """set_of_slot: the old set for the three carried measurements, the new set for slots 3 and 4."""
    assert [done.after.set_of_slot(k) for k in range(5)] == [OLD_REF] * 3 + [NEW_REF] * 2


def test_progress_reports_the_set_change_per_pillar(cli, tmp_path, done):
    """After a new measurement in slot 3, progress lists per pillar what differs between the two set versions."""
    work = tmp_path / "verder.xlsx"
    type_measurement(done.out, 3, {i.id: "ja" for i in done.new.indicators}, date=dt.date(2026, 3, 1), out=work)
    reading = read_workbook(work)
    assert not reading.errors and reading.set_of_slot(3) == NEW_REF and reading.set_of_slot(2) == OLD_REF
    result = cli("progress", work, "--json", "--today", "2026-06-01")
    assert result.code == 0, result.err
    (g,) = json.loads(result.out)["gemeenten"]
    assert g["set_changes"] == [{
        "from_slot": 2, "to_slot": 3, "from": OLD_REF, "to": NEW_REF,
        "pillars": {
            "BH": {"dropped": [], "added": ["BH-4.04"], "mapped": [{"to": "BH-1.09", "from": ["BH-1.03", "BH-1.04"]}],
                   "text_changed": []},
            "CO": {"dropped": ["CO-2.06"], "added": ["CO-3.05"], "mapped": [], "text_changed": []},
            "IP": {"dropped": ["IP-4.03"], "added": ["IP-1.09"], "mapped": [], "text_changed": []},
        },
    }]  # fmt: skip


def test_progress_reports_a_changed_statement(cli, tmp_path, source, reference):
    """A statement changed under the same id shows up as text_changed of its pillar in progress."""
    new_set = write_set(tmp_path, f"""\
        extend: {REF_2026_1_PATH}
        id: nl-referentie-tekst
        version: "2026.2"
        replace:
          - id: IV-1.02
            text: Alle medewerkers en bestuurders hebben de eed of belofte afgelegd en kennen de gedragscode.
        """)  # fmt: skip
    out = tmp_path / "tekst.xlsx"
    assert cli("upgrade", source, "--set", new_set, "--out", out).code == 0
    type_measurement(out, 3, {i.id: "ja" for i in reference.indicators}, date=dt.date(2026, 3, 1))
    result = cli("progress", out, "--json", "--today", "2026-06-01")
    (g,) = json.loads(result.out)["gemeenten"]
    assert [c["pillars"] for c in g["set_changes"]] == [
        {"IV": {"dropped": [], "added": [], "mapped": [], "text_changed": ["IV-1.02"]}}
    ]


# --- round trips over random filled workbooks (Hypothesis) ---------------------------------------

LABELS = (None, "ja", "deels", "nee", "n.v.t.")
SMALL_IDS = tuple(f"{p}-{ph}.{n:02d}" for p in ("AA", "BB", "CC") for ph in (1, 2) for n in (1, 2))
#: Notes: any printable text (no '_', which xlsx escapes as _xHHHH_), newlines, and what a spreadsheet would run.
note_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Cn"), blacklist_characters="_")
    | st.sampled_from("\n=-+@;\"'"),
    min_size=1,
    max_size=30,
)
name_text = st.text(alphabet="abcdefghij ABCDËÇ.()-", min_size=1, max_size=20).filter(str.strip)


@st.composite
def slot_contents(draw, ids=SMALL_IDS) -> SlotContent:
    answers = {i: draw(st.sampled_from(LABELS)) for i in ids}
    if not any(answers.values()):
        answers[draw(st.sampled_from(ids))] = draw(st.sampled_from(LABELS[1:]))
    notes = {i: draw(note_text) for i in draw(st.lists(st.sampled_from(ids), max_size=4, unique=True))}
    date = draw(st.one_of(st.none(), st.dates(dt.date(2020, 1, 1), dt.date(2030, 12, 31))))
    by = draw(st.one_of(st.none(), name_text))
    return SlotContent(answers=answers, notes=notes, date=date, ingevuld_door=by.strip() if by else None)


def measurement_view(m) -> dict:
    return {**m.model_dump(), "notes": m.notes}


MAPPED_SET = """\
extend: oud.yaml
id: gemaakt-herzien
version: "2"
remove: [AA-1.02, BB-1.01, BB-1.02]
replace:
  - id: AA-2.01
    text: Stelling 1 van fase 2 in pijler AA, scherper geformuleerd.
add:
  - id: BB-1.09
    pillar: BB
    phase: 1
    text: Twee stellingen van fase 1 in pijler BB, samengevoegd.
    handvat: Doe er iets aan.
    replaces: [BB-1.01, BB-1.02]
  - id: AA-2.09
    pillar: AA
    phase: 2
    text: Een nieuwe stelling in pijler AA.
    handvat: Doe er iets aan.
"""


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> SimpleNamespace:
    """A small set (AA, BB, CC; two indicators per phase) and MAPPED_SET, a revision of it."""
    folder = tmp_path_factory.mktemp("klein")
    write_set(folder, set_yaml(pillars=("AA", "BB", "CC"), per_phase=(2, 2)), "oud.yaml")
    write_set(folder, MAPPED_SET, "nieuw.yaml")
    # The same set loaded twice: an upgrade to "the same set" gets an equal, not the identical, object.
    return SimpleNamespace(old=load_set(folder / "oud.yaml"), again=load_set(folder / "oud.yaml"),
                           new=load_set(folder / "nieuw.yaml"))  # fmt: skip


@settings(max_examples=25, deadline=None)
@given(contents=st.lists(slot_contents(), min_size=1, max_size=3), extra=st.integers(0, 3))
def test_upgrade_to_the_same_set_changes_nothing(small, contents, extra):
    """Same set, same or more slots: answers, notes, dates, names and phases read back equal."""
    with tempfile.TemporaryDirectory() as tmp:
        src = build_workbook(Path(tmp) / "in.xlsx", gemeente="Rondgang", indicator_set=small.old, slots=3,
                             content=contents)  # fmt: skip
        plan = upgrade_workbook(src, Path(tmp) / "uit.xlsx", new_set=small.again, slots=3 + extra)
        old, new = read_workbook(src), read_workbook(Path(tmp) / "uit.xlsx")
        assert plan.verified and not plan.dropped and not plan.mapped and not plan.new
        assert new.slots == 3 + extra and new.set == old.set and not new.errors
        assert [measurement_view(m) for m in new.measurements] == [measurement_view(m) for m in old.measurements]
        assert new.history == [] and sorted(p.name for p in Path(tmp).iterdir()) == ["in.xlsx", "uit.xlsx"]


@settings(max_examples=25, deadline=None)
@given(contents=st.lists(slot_contents(), min_size=1, max_size=3))
def test_upgrade_that_maps_and_drops_behaves_as_specified(small, contents):
    """Carried kept, merge by the rule, renamed statement carried, new blank, dropped in the CSV, CC's phases equal."""
    old_set, new_set = small.old, small.new
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        src = build_workbook(folder / "in.xlsx", gemeente="=Rondgang", indicator_set=old_set, slots=3, content=contents)
        before = read_workbook(src)
        lossy = bool(expected_dropped_rows(before, ["AA-1.02"]))
        if lossy:
            with pytest.raises(UpgradeRefused, match="allow_drop=True"):
                upgrade_workbook(src, folder / "uit.xlsx", new_set=new_set)
            assert sorted(p.name for p in folder.iterdir()) == ["in.xlsx"]
        plan = upgrade_workbook(src, folder / "uit.xlsx", new_set=new_set, allow_drop=True)
        after = read_workbook(folder / "uit.xlsx")
        assert plan.verified and plan.text_changed == ["AA-2.01"] and plan.new == ["AA-2.09"]
        carried = [i for i in SMALL_IDS if i in new_set.by_id]
        assert [m.slot for m in after.measurements] == [m.slot for m in before.measurements]
        for old, new in zip(before.measurements, after.measurements, strict=True):
            assert {i: new.answers.get(i) for i in carried} == {i: old.answers.get(i) for i in carried}
            assert {i: new.notes.get(i) for i in carried} == {i: old.notes.get(i) for i in carried}
            assert (new.date, new.ingevuld_door) == (old.date, old.ingevuld_door)
            pair = [old.answers.get("BB-1.01"), old.answers.get("BB-1.02")]
            assert new.answers.get("BB-1.09") == expected_merge(pair)
            merged_notes = [f"[{o}] {old.notes[o]}" for o in ("BB-1.01", "BB-1.02") if o in old.notes]
            assert new.notes.get("BB-1.09") == ("\n".join(merged_notes) or None)
            assert "AA-2.09" not in new.answers and "AA-2.09" not in new.notes
            assert new.pillars["CC"] == old.pillars["CC"]
        if lossy:
            rows = read_csv(folder / "uit.dropped.csv")
            assert {r[0] for r in rows[1:]} == {"'=Rondgang"}
            assert csv_rows(folder / "uit.dropped.csv") == expected_dropped_rows(before, ["AA-1.02"])
        else:
            assert not (folder / "uit.dropped.csv").exists() and plan.dropped_csv is None


# --- a workbook saved by LibreOffice --------------------------------------------------------------


@pytest.fixture(scope="module")
def lo_done(tmp_path_factory, reference, revised) -> SimpleNamespace:
    """The issue's scenario on a dashboard filled with openpyxl and then saved by LibreOffice (recalculated)."""
    need_soffice()
    folder = tmp_path_factory.mktemp("lo")
    blank = build_workbook(folder / "leeg.xlsx", gemeente="Lodorp", regio="Zuid", indicator_set=reference, slots=5)
    filled = folder / "gevuld" / "Lodorp.xlsx"
    filled.parent.mkdir()
    contents = reference_contents(reference)
    type_measurement(blank, 0, contents[0].answers, contents[0].date, contents[0].ingevuld_door, contents[0].notes,
                     out=filled)  # fmt: skip
    for slot in (1, 2):
        c = contents[slot]
        type_measurement(filled, slot, c.answers, c.date, c.ingevuld_door, c.notes)
    (saved,) = recalc([filled], folder / "lo", make_profile(folder / "profile"))
    before = read_workbook(saved)
    assert not before.errors and len(before.measurements) == 3, before.issues
    out = folder / "Lodorp-2027.xlsx"
    code, stdout, stderr = run_quiet("upgrade", saved, "--set", revised[0], "--out", out, "--allow-drop", "--json")
    assert code == 0, stderr
    return SimpleNamespace(saved=saved, out=out, before=before, after=read_workbook(out), old=reference,
                           new=revised[1], report=json.loads(stdout), contents=contents)  # fmt: skip


@pytest.mark.soffice
def test_libreoffice_saved_workbook_reads_back_as_typed(lo_done):
    """The LibreOffice-saved input holds the typed answers, dates and names (the upgrade starts from them)."""
    for m, c in zip(lo_done.before.measurements, lo_done.contents, strict=True):
        assert m.answers == {k: v for k, v in c.answers.items() if v}
        assert (m.date, m.ingevuld_door) == (c.date, c.ingevuld_door)


@pytest.mark.soffice
def test_libreoffice_saved_workbook_upgrade_keeps_carried_answers_and_notes(lo_done):
    """Every carried answer, note, date and name of the LibreOffice-saved file reads back identical."""
    carried = [i.id for i in lo_done.new.indicators if i.id in lo_done.old.by_id]
    for old, new in zip(lo_done.before.measurements, lo_done.after.measurements, strict=True):
        assert {i: new.answers.get(i) for i in carried} == {i: old.answers.get(i) for i in carried}
        assert {i: new.notes.get(i) for i in carried} == {i: old.notes.get(i) for i in carried}
        assert (new.date, new.ingevuld_door) == (old.date, old.ingevuld_door)
    assert lo_done.report["verified"] is True


@pytest.mark.soffice
def test_libreoffice_saved_workbook_upgrade_merges_by_the_rule(lo_done):
    """The merged indicator follows the merge rule on the LibreOffice-saved answers."""
    got = [m.answers.get(MERGED_TO) for m in lo_done.after.measurements]
    assert got == [expected for _, expected in MERGE_CASES]


@pytest.mark.soffice
def test_libreoffice_saved_workbook_upgrade_writes_the_dropped_csv(lo_done):
    """The dropped answers and notes of the LibreOffice-saved file are in the CSV."""
    assert csv_rows(Path(lo_done.report["dropped_csv"])) == expected_dropped_rows(lo_done.before, DROPPED)


@pytest.mark.soffice
def test_libreoffice_saved_workbook_upgrade_keeps_phases_on_unchanged_pillars(lo_done):
    """BO and IV phases after the upgrade equal the scoring engine's on the LibreOffice-saved answers."""
    for old, new in zip(lo_done.before.measurements, lo_done.after.measurements, strict=True):
        engine = score_measurement(lo_done.old, old.answers)
        for code in identical_pillars(lo_done.old, lo_done.new):
            assert new.pillars[code].phase == engine.pillars[code].phase


def test_an_answer_off_the_scale_in_several_slots_is_one_dropped_entry(tmp_path):
    """The same old answer dropped in several slots is reported once, with every slot."""
    from piramide.upgrade import plan_upgrade

    s = load_set(write_set(tmp_path, set_yaml()))
    no_deels = load_set(write_set(tmp_path, set_yaml().replace("  - {label: deels, points: 0.5}\n", ""), "nodeels.yaml"))
    grid = {i.id: "ja" for i in s.indicators} | {"AA-1.01": "deels"}
    path = build_workbook(tmp_path / "w.xlsx", gemeente="Schaaldorp", indicator_set=s,
                          content=[SlotContent(answers=dict(grid)), SlotContent(answers=dict(grid))])
    plan = plan_upgrade(read_workbook(path), no_deels, None)
    entries = [d for d in plan.dropped if d.indicator == "AA-1.01"]
    assert len(entries) == 1 and entries[0].answers == {0: "deels", 1: "deels"}


def test_a_moved_indicator_is_carried_and_reported(tmp_path):
    """An indicator that keeps its id but moves to another phase is carried and listed under 'moved'."""
    from piramide.upgrade import plan_upgrade

    s = load_set(write_set(tmp_path, set_yaml(per_phase=(2, 1))))
    moved_text = set_yaml(per_phase=(2, 1)).replace("- id: AA-1.02\n    pillar: AA\n    phase: 1", "- id: AA-1.02\n    pillar: AA\n    phase: 2")
    moved = load_set(write_set(tmp_path, moved_text, "moved.yaml"))
    path = build_workbook(tmp_path / "w.xlsx", gemeente="Schuifdorp", indicator_set=s,
                          content=[SlotContent(answers={i.id: "ja" for i in s.indicators})])
    plan = plan_upgrade(read_workbook(path), moved, None)
    assert plan.moved == [{"id": "AA-1.02", "from": {"pillar": "AA", "phase": 1}, "to": {"pillar": "AA", "phase": 2}}]
    assert plan.contents[0].answers["AA-1.02"] == "ja"


def test_a_measurement_whose_answers_all_sit_on_dropped_indicators_stays_in_its_slot(small, tmp_path):
    """The case the property test once hit: the 0-meting answered only AA-1.02, which the new set drops.

    Contract: it stays a measurement in slot 0 with its date and name (no answers on the new set), the
    upgrade says so, and Meting 1 never becomes the 0-meting of progress.
    """
    from piramide.progress import gemeente_progress

    later = {i: "ja" for i in SMALL_IDS if i != "AA-1.02"}
    contents = [
        SlotContent(answers={"AA-1.02": "ja"}, date=dt.date(2024, 3, 1), ingevuld_door="A. Eerst"),
        SlotContent(answers=later, date=dt.date(2025, 3, 1), ingevuld_door="B. Later"),
    ]
    src = build_workbook(tmp_path / "in.xlsx", gemeente="Rondgang", indicator_set=small.old, slots=3, content=contents)
    plan = upgrade_workbook(src, tmp_path / "uit.xlsx", new_set=small.new, allow_drop=True)
    after = read_workbook(tmp_path / "uit.xlsx")
    assert plan.verified and plan.emptied == [0] and plan.to_json()["emptied"] == [0]
    assert [(m.slot, m.date, m.ingevuld_door, m.answered) for m in after.measurements] == [
        (0, dt.date(2024, 3, 1), "A. Eerst", 0),
        (1, dt.date(2025, 3, 1), "B. Later", len([i for i in later if i in small.new.by_id]) + 1),  # + merged BB-1.09
    ]
    assert not after.errors and after.set_of_slot(0) == f"{small.old.id} {small.old.version}"
    g = gemeente_progress(after)
    assert g.measurements[0].slot == 0
    # Without answers on the new set its phases are not settled (issue 10): it stays in its slot, but no change
    # or regression is measured from it.
    assert not g.measurements[0].settled and all(m.slot != 0 for m in g.settled)


def test_the_report_says_a_measurement_kept_no_answers(cli, tmp_path):
    """The text report names the measurement that has no answers left, and that it was kept."""
    old = load_set(write_set(tmp_path, set_yaml(pillars=("AA", "BB", "CC"), per_phase=(2, 2)), "oud.yaml"))
    write_set(tmp_path, MAPPED_SET, "nieuw.yaml")
    contents = [SlotContent(answers={"AA-1.02": "nee"}, date=dt.date(2024, 3, 1))]
    src = build_workbook(tmp_path / "in.xlsx", gemeente="Rondgang", indicator_set=old, slots=2, content=contents)
    r = cli("upgrade", src, "--set", tmp_path / "nieuw.yaml", "--out", tmp_path / "uit.xlsx", "--allow-drop")
    assert r.code == 0, r.err
    assert "0-meting: every answer was on a dropped indicator; it stays a measurement in its slot" in r.out


# --- content outside the dashboard's cells is never left behind (issue 9) ----------------------


@pytest.mark.parametrize(
    ("cells", "code"),
    [
        ({"P4": "Antwoord Meting 5", "P6": "ja"}, "answers-unread"),  # an added answer column
        ({"P200": "een opmerking onder de tabel"}, "cell-unread"),  # a warning only, still refused
    ],
)
def test_upgrade_refuses_a_workbook_with_content_outside_its_cells(cli, tmp_path, cells, code):
    """`upgrade` would not carry such cells: exit 1 with the cell and what to do; nothing written, input unchanged."""
    from wb import filled_workbook

    source = filled_workbook(
        tmp_path,
        """
        | id      | 0-meting |
        | BO-1.01 | ja       |
        """,
        dates={0: dt.date(2025, 3, 1)},
        cells={f"{L.QUESTIONS}!{ref}": value for ref, value in cells.items()},
    )
    first = next(ref for ref in cells if ref != "P4")
    assert {i.code for i in read_workbook(source).issues} >= {code}
    before = snapshot(tmp_path)
    result = cli("upgrade", source, "--slots", "8", "--out", tmp_path / "nieuw.xlsx")
    assert result.code == 1, result
    (line,) = result.err.splitlines()
    assert line.startswith(f"piramide: error: {source}: holds content outside the dashboard's cells")
    severity = "error" if code == "answers-unread" else "warning"
    assert f"{L.QUESTIONS}!{first}: " in line and f"[{severity}: {code}]" in line
    assert "move it into an answer or note (Toelichting) column or remove it" in line
    assert snapshot(tmp_path) == before


def test_joined_texts_longer_than_a_cell_are_refused_naming_the_indicator(tmp_path, small_sets, capsys):
    """Two Actieplan actions of 20,000 characters merged into AA-1.09 would not fit a cell: exit 1, no read-back failure."""
    from helpers import run_cli

    from piramide.plan import PlanRow

    old, new = small_sets
    long = [PlanRow(indicator=i, actie="x" * 20_000) for i in ("AA-1.01", "AA-1.02")]
    path = build_workbook(tmp_path / "wb.xlsx", gemeente="Klein", indicator_set=old, slots=3,
                          content=[SlotContent(answers={"AA-1.01": "ja"})], plan=long)  # fmt: skip
    assert read_workbook(path).plan == long
    result = run_cli(capsys, "upgrade", path, "--set", tmp_path / "nieuw.yaml", "--out", tmp_path / "uit.xlsx")
    assert result.code == 1, result.err
    assert "AA-1.09: the Actieplan actie would have 40,021 characters" in result.err
    assert "an Excel cell holds at most 32,767 characters" in result.err and not (tmp_path / "uit.xlsx").exists()
