"""Progress after the 0-meting (issue 5): per municipality, across a region, and its outputs.

Every input is a dashboard written by ``build_workbook`` from answer grids
spelled out in the test, so each expectation can be checked by hand. The
set: three pillars (BO, IP, BH), four phases, two indicators per phase, a
threshold of 0.75. A level is reached with ``ja ja``, ``ja deels``,
``ja n.v.t.`` or ``n.v.t. n.v.t.``; not with ``ja nee``, ``deels deels`` or
``ja -`` (a blank counts 0).
"""

from __future__ import annotations

import csv
import datetime as dt
import importlib.util
import io
import json
import random
from pathlib import Path

import openpyxl
import pytest
from engine import convert, make_profile, need_soffice
from helpers import set_yaml, write_set
from wb import question_rows, xml_cells, zip_parts

from piramide import IndicatorSet, load_set, read_workbook, score_measurement
from piramide import layout as L
from piramide._files import safe_file_stem
from piramide.progress import gemeente_progress, region_progress
from piramide.progress_out import overview_bytes
from piramide.writer import SlotContent, build_workbook

ROOT = Path(__file__).resolve().parent.parent
PILLARS = ("BO", "IP", "BH")
TODAY = "2025-06-30"
CSV_HEADER = ["gemeente", "regio", "slot", "label", "datum", "pijler", "fase",
              "score_1", "score_2", "score_3", "score_4", "code"]  # fmt: skip
HOSTILE = '=HYPERLINK("http://x","klik")'
SHEET_FORBIDDEN = set("[]:*?/\\")


# --- building inputs ---------------------------------------------------------------------


def grid(**pillars: str) -> dict[str, str | None]:
    """Answers per pillar as four levels of two answers, ``'ja ja | ja nee | - - | - -'`` (``-`` is blank).

    A pillar that is not given is blank throughout.
    """
    out: dict[str, str | None] = {}
    for code, text in pillars.items():
        levels = [level.split() for level in text.split("|")]
        assert len(levels) == 4 and all(len(level) == 2 for level in levels), text
        for phase, answers in enumerate(levels, 1):
            for n, answer in enumerate(answers, 1):
                out[f"{code}-{phase}.{n:02d}"] = None if answer == "-" else answer
    return out


def at(**phases: int) -> dict[str, str | None]:
    """A grid in which each pillar reaches exactly the phase given (0 for a pillar not given)."""
    texts = {}
    for code in PILLARS:
        n = phases.get(code, 0)
        texts[code] = " | ".join(["ja ja"] * n + ["nee nee"] * (4 - n))
    return grid(**texts)


@pytest.fixture(scope="session")
def small_set(tmp_path_factory) -> IndicatorSet:
    folder = tmp_path_factory.mktemp("set")
    return load_set(write_set(folder, set_yaml(pillars=PILLARS, per_phase=(2, 2, 2, 2))))


@pytest.fixture
def make(tmp_path, small_set):
    """``make(gemeente, (date, grid) | None, ..., code=, regio=, folder=, file=) -> Path``.

    Measurements go in slot order; ``None`` leaves a slot empty.
    """

    def build(gemeente, *measurements, code=None, regio="Testregio", folder=None, file=None, slots=5):
        target = (folder or tmp_path / "regio") / (file or f"{safe_file_stem(gemeente)}.xlsx")
        content = [SlotContent() if m is None else SlotContent(answers=m[1], date=m[0]) for m in measurements]
        return build_workbook(target, gemeente=gemeente, regio=regio, code=code, indicator_set=small_set,
                              slots=slots, content=content)  # fmt: skip

    return build


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def with_answer(path: Path, ident: str, slot: int, answer: str) -> Path:
    """The dashboard at ``path`` with one answer typed over (as a user would, with openpyxl)."""
    wb = openpyxl.load_workbook(path)
    ws = wb[L.QUESTIONS]
    ws.cell(question_rows(ws)[ident], L.answer_col(slot) + 1).value = answer
    wb.save(path)
    return path


def corrupt(path: Path) -> Path:
    """Random bytes under an .xlsx name."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(random.Random(7).randbytes(3000))
    return path


def progress_json(cli, *args) -> tuple[int, dict]:
    result = cli("progress", *map(str, args), "--json", "--today", TODAY)
    assert result.out.strip(), result.err
    return result.code, json.loads(result.out)


def by_name(data: dict) -> dict[str, dict]:
    return {g["gemeente"]: g for g in data["gemeenten"]}


def contract(g: dict) -> dict:
    """A gemeente of ``--json`` reduced to the keys issue 5 fixes (other keys may come and go)."""
    return {
        "gemeente": g["gemeente"],
        "file": g["file"],
        "measurements": [{k: m[k] for k in ("slot", "label", "date", "phase", "pillars")} for m in g["measurements"]],
        "change_since_baseline": g["change_since_baseline"],
        "regressions": [{k: r[k] for k in ("pillar", "from_slot", "to_slot", "from", "to")} for r in g["regressions"]],
        "blocking": g["blocking"],
    }


# --- Teststad: three measurements, with a regression ------------------------------------------

TESTSTAD = [
    # 0-meting: BO 1, IP 2, BH 4, overall 1
    (d("2023-03-01"), grid(BO="ja ja | nee nee | nee nee | nee nee",
                           IP="ja deels | ja ja | nee - | nee nee",
                           BH="ja ja | ja ja | ja ja | ja ja")),  # fmt: skip
    # Meting 1: BO 2, IP 3, BH 4, overall 2
    (d("2024-03-01"), grid(BO="ja ja | ja deels | nee nee | nee nee",
                           IP="ja ja | ja ja | ja ja | ja nee",
                           BH="ja ja | ja ja | ja ja | ja ja")),  # fmt: skip
    # Meting 2: BO falls back to 1 (level 2 scores 0.25), IP 4, BH 3, overall 1
    (d("2025-03-01"), grid(BO="ja ja | deels nee | ja ja | nee nee",
                           IP="ja ja | ja ja | ja ja | ja ja",
                           BH="ja ja | ja ja | ja n.v.t. | nee -")),  # fmt: skip
]


@pytest.fixture
def teststad(make) -> Path:
    return make("Teststad", *TESTSTAD)


def test_json_contract_is_exact(cli, teststad):
    """`progress --json` gives issue 5's keys with exactly these values for a hand-computed history."""
    code, data = progress_json(cli, teststad.parent)
    assert code == 0
    assert data["errors"] == []
    assert [contract(g) for g in data["gemeenten"]] == [
        {
            "gemeente": "Teststad",
            "file": str(teststad),
            "measurements": [
                {"slot": 0, "label": "0-meting", "date": "2023-03-01", "phase": 1, "pillars": {"BO": 1, "IP": 2, "BH": 4}},
                {"slot": 1, "label": "Meting 1", "date": "2024-03-01", "phase": 2, "pillars": {"BO": 2, "IP": 3, "BH": 4}},
                {"slot": 2, "label": "Meting 2", "date": "2025-03-01", "phase": 1, "pillars": {"BO": 1, "IP": 4, "BH": 3}},
            ],
            "change_since_baseline": {"BO": 0, "IP": 2, "BH": -1, "totaal": 0},
            "regressions": [
                {"pillar": "BO", "from_slot": 1, "to_slot": 2, "from": 2, "to": 1},
                {"pillar": "BH", "from_slot": 1, "to_slot": 2, "from": 4, "to": 3},
            ],
            "blocking": {"BO": ["BO-2.01", "BO-2.02"], "BH": ["BH-4.01", "BH-4.02"]},
        }
    ]


def test_json_types_follow_the_contract(cli, make, tmp_path):
    """Numbers are ints (not bools or floats), a missing date is null, errors carry file and message."""
    make("Teststad", (None, at(BO=2, IP=1, BH=3)))
    corrupt(tmp_path / "regio" / "kapot.xlsx")
    _, data = progress_json(cli, tmp_path / "regio")
    assert set(data) >= {"gemeenten", "errors"}
    [g] = data["gemeenten"]
    [m] = g["measurements"]
    assert m["date"] is None
    ints = [m["slot"], m["phase"], *m["pillars"].values(), *g["change_since_baseline"].values()]
    assert all(type(v) is int for v in ints)
    assert set(g["change_since_baseline"]) == {"BO", "IP", "BH", "totaal"}
    assert all(isinstance(ids, list) and all(isinstance(i, str) for i in ids) for ids in g["blocking"].values())
    [e] = data["errors"]
    assert isinstance(e["file"], str) and isinstance(e["message"], str) and e["message"]


def test_change_since_previous(teststad):
    """The change since the previous measurement compares the last two measurements, per pillar and overall."""
    g = gemeente_progress(read_workbook(teststad))
    assert g.change_since_previous == {"BO": -1, "IP": 1, "BH": -1, "totaal": -1}


def test_measurements_skip_empty_slots_and_keep_their_slot(cli, make):
    """An empty slot between two measurements is left out; the others keep their slot, label and date."""
    path = make("Gatstad", (d("2022-05-01"), at(BO=1)), None, (d("2024-05-01"), at(BO=2)))
    _, data = progress_json(cli, path)
    [g] = data["gemeenten"]
    assert [(m["slot"], m["label"], m["date"], m["pillars"]["BO"]) for m in g["measurements"]] == [
        (0, "0-meting", "2022-05-01", 1),
        (2, "Meting 2", "2024-05-01", 2),
    ]
    assert g["change_since_baseline"]["BO"] == 1


def test_single_measurement_has_no_change_and_no_regression(cli, make):
    """With only a 0-meting the change is 0 everywhere and nothing regressed."""
    path = make("Eenstad", (d("2025-01-10"), at(BO=3, IP=1, BH=2)))
    _, data = progress_json(cli, path)
    [g] = data["gemeenten"]
    assert g["change_since_baseline"] == {"BO": 0, "IP": 0, "BH": 0, "totaal": 0}
    assert g["regressions"] == []


def test_changed_answers_between_consecutive_measurements(make):
    """Only indicators whose answer differs between two consecutive measurements are listed, blanks included."""
    path = make(
        "Wisselstad",
        (d("2023-01-01"), grid(BO="ja ja | nee - | - - | - -")),
        (d("2024-01-01"), grid(BO="ja ja | ja - | - nee | - -")),
        (d("2025-01-01"), grid(BO="ja ja | ja - | - - | - -")),
    )
    g = gemeente_progress(read_workbook(path))
    assert [(c.indicator, c.from_slot, c.to_slot, c.before, c.after) for c in g.changes] == [
        ("BO-2.01", 0, 1, "nee", "ja"),
        ("BO-3.02", 0, 1, None, "nee"),
        ("BO-3.02", 1, 2, "nee", None),
    ]


def test_blocking_counts_blank_skips_nvt_and_omits_phase_4(cli, make):
    """Blocking: next-phase indicators not `ja`; a blank blocks, `n.v.t.` never does, phase 4 has no entry."""
    path = make(
        "Blokstad",
        (d("2024-01-01"), at(BO=4, IP=4, BH=4)),  # an earlier measurement is not what blocks
        (d("2025-01-01"), grid(
            BO="ja ja | ja n.v.t. | nee - | ja deels",  # phase 2 (settled: even ja would score 0.5), blank blocks
            IP="nee n.v.t. | ja ja | ja ja | ja ja",  # phase 0: level 1 blocks, n.v.t. does not
            BH="ja ja | ja ja | n.v.t. n.v.t. | ja ja",  # phase 4: level 3 has nothing applicable
        )),  # fmt: skip
    )
    _, data = progress_json(cli, path)
    [g] = data["gemeenten"]
    assert g["measurements"][-1]["pillars"] == {"BO": 2, "IP": 0, "BH": 4}
    assert g["measurements"][-1]["settled"] is True
    assert g["blocking"] == {"BO": ["BO-3.01", "BO-3.02"], "IP": ["IP-1.01"]}


def test_a_running_measurement_never_replaces_the_settled_one(cli, make):
    """A started herhaalmeting is reported as running with its range; changes, regressions and blocking
    follow the latest settled measurement."""
    path = make(
        "Loopstad",
        (d("2024-01-01"), at(BO=3, IP=2, BH=1)),
        (d("2025-01-01"), grid(BO="ja ja | ja - | - - | - -")),  # 3 answers: BO 1..4, IP and BH 0..4
    )
    code, data = progress_json(cli, path)
    [g] = data["gemeenten"]
    assert [m["settled"] for m in g["measurements"]] == [True, False]
    assert g["running"] == {
        "slot": 1,
        "label": "Meting 1",
        "date": "2025-01-01",
        "answered": 3,
        "total": 24,
        "pillars": {"BO": [1, 4], "IP": [0, 4], "BH": [0, 4]},
    }
    assert g["regressions"] == []
    assert g["change_since_baseline"] == {"BO": 0, "IP": 0, "BH": 0, "totaal": 0}
    assert g["blocking"] == {"BO": ["BO-4.01", "BO-4.02"], "IP": ["IP-3.01", "IP-3.02"], "BH": ["BH-2.01", "BH-2.02"]}
    assert data["region"]["latest"]["Loopstad"]["pillars"] == {"BO": 3, "IP": 2, "BH": 1}
    text = cli("progress", path, "--today", TODAY).out
    assert "Meting 1 is running: 3 of 24 answered; phases BO 1-4, IP 0-4, BH 0-4" in text


def test_blocking_lists_deels_and_nee(make):
    """`deels` and `nee` both block: only `ja` (full points) meets an indicator."""
    path = make("Halfstad", (d("2025-01-01"), grid(BO="ja ja | deels nee | - - | - -", IP="ja ja | ja ja | ja deels | nee ja",
                                                   BH="ja ja | ja ja | ja ja | ja ja")))  # fmt: skip
    g = gemeente_progress(read_workbook(path))
    assert g.blocking == {"BO": ["BO-2.01", "BO-2.02"], "IP": ["IP-4.01"]}


def test_text_output_flags_regressions_and_blocking(cli, teststad):
    """The terminal report names the regression and the blocking indicators."""
    result = cli("progress", teststad, "--today", TODAY)
    assert result.code == 0
    assert (
        "Regression: BO went down from phase 2 in Meting 1 (2024-03-01) to phase 1 in Meting 2 (2025-03-01)"
        in result.out
    )
    assert "what blocks the next phase, in Meting 2 (2025-03-01):\n    BO phase 1 -> 2: BO-2.01, BO-2.02" in result.out


# --- the same municipality twice -----------------------------------------------------------


def test_same_name_twice_uses_the_latest_and_notes_the_other(cli, make, tmp_path):
    """Two workbooks of the same name: the one with the latest measurement is used, the other is noted."""
    old = make("Ede", (d("2023-03-01"), at(BO=1)), (d("2024-03-01"), at(BO=2)), folder=tmp_path / "a")
    new = make("Ede", (d("2025-02-01"), at(BO=3)), folder=tmp_path / "b")
    _, data = progress_json(cli, old, new)
    [g] = data["gemeenten"]
    assert g["file"] == str(new)
    assert g["measurements"][-1]["pillars"]["BO"] == 3
    assert any(str(old) in note for note in g["notes"])


def test_same_code_under_another_name_is_the_same_municipality(cli, make, tmp_path):
    """Two workbooks with the same code (names differ) count as one municipality."""
    make("Den Bosch", (d("2023-03-01"), at(BO=1)), code="GM0796", folder=tmp_path / "r")
    new = make("'s-Hertogenbosch", (d("2024-09-01"), at(BO=2)), code="GM0796", folder=tmp_path / "r")
    _, data = progress_json(cli, tmp_path / "r")
    assert [(g["gemeente"], g["file"]) for g in data["gemeenten"]] == [("'s-Hertogenbosch", str(new))]


def test_same_name_with_and_without_code_is_the_same_municipality(cli, make, tmp_path):
    """A workbook with a code and one without, of the same name, count as one municipality."""
    make("Oss", (d("2023-03-01"), at(BO=1)), code="GM0828", folder=tmp_path / "r", file="Oss-2023.xlsx")
    new = make("Oss", (d("2024-09-01"), at(BO=2)), folder=tmp_path / "r", file="Oss-2024.xlsx")
    _, data = progress_json(cli, tmp_path / "r")
    assert [(g["gemeente"], g["file"]) for g in data["gemeenten"]] == [("Oss", str(new))]


def test_same_name_with_different_codes_are_two_municipalities(cli, make, tmp_path):
    """Two workbooks of the same name but with different codes are two municipalities, both reported."""
    a = make("Bergen", (d("2024-03-01"), at(BO=1)), code="GM0373", folder=tmp_path / "r", file="Bergen-NH.xlsx")
    b = make("Bergen", (d("2025-03-01"), at(BO=2)), code="GM0893", folder=tmp_path / "r", file="Bergen-L.xlsx")
    _, data = progress_json(cli, tmp_path / "r")
    assert sorted(g["file"] for g in data["gemeenten"]) == sorted([str(a), str(b)])
    assert all(g["notes"] == [] for g in data["gemeenten"])


def test_duplicates_do_not_depend_on_input_order(make, tmp_path):
    """The choice between duplicates, and what is noted, is the same whatever order the files come in."""
    files = [
        make("Ede", (d("2024-03-01"), at(BO=1)), folder=tmp_path / "a"),
        make("Ede", (d("2025-03-01"), at(BO=2)), folder=tmp_path / "b"),
        make("Ede", (d("2025-03-01"), at(BO=3)), folder=tmp_path / "c"),  # ties with b: b sorts first
        make("Wijk", (d("2025-01-01"), at(IP=1)), folder=tmp_path / "a"),
        make("WIJK ", (d("2025-01-01"), at(IP=2)), folder=tmp_path / "b"),  # the same name, another spelling
    ]
    today = d(TODAY)
    forward = region_progress(files, today=today).to_json()
    backward = region_progress(files[::-1], today=today).to_json()
    assert forward == backward
    assert [(g["gemeente"], g["file"]) for g in forward["gemeenten"]] == [
        ("Ede", str(files[1])),
        ("Wijk", str(files[3])),
    ]


# --- the region ----------------------------------------------------------------------------


def test_distribution_counts_each_gemeente_once_per_year(cli, make):
    """Per calendar year each gemeente counts with its last measurement of that year; undated ones are left out."""
    make("Aastad", (d("2023-02-01"), at(BO=1, IP=1, BH=1)), (d("2023-11-01"), at(BO=2, IP=1, BH=3)),
         (d("2024-05-01"), at(BO=3, IP=2, BH=3)))  # fmt: skip
    make("Beestad", (d("2023-06-01"), at(IP=4, BH=4)))
    path = make("Ceestad", (d("2024-01-15"), at(BO=3, IP=3, BH=3)), (None, at(BO=4, IP=4, BH=4)))
    _, data = progress_json(cli, path.parent)
    region = data["region"]
    assert region["distribution_per_year"] == {
        "2023": {"BO": {"0": 1, "2": 1}, "IP": {"1": 1, "4": 1}, "BH": {"3": 1, "4": 1}, "totaal": {"0": 1, "1": 1}},
        "2024": {"BO": {"3": 2}, "IP": {"2": 1, "3": 1}, "BH": {"3": 2}, "totaal": {"2": 1, "3": 1}},
    }
    assert region["undated_measurements"] == 1


def test_without_recent_measurement_is_15_months_before_today(cli, make):
    """Gemeenten whose latest dated measurement is more than 15 months before --today, or none, are listed."""
    make("Recentstad", (d("2024-04-15"), at(BO=1)))  # 14.5 months before 2025-06-30
    make("Oudstad", (d("2023-01-01"), at(BO=1)), (d("2024-03-15"), at(BO=2)))  # 15.5 months
    make("Zonderdatum", (None, at(BO=1)))
    path = make("Verschoven", (d("2024-06-01"), at(BO=1)), (None, at(BO=2)))  # its latest slot has no date
    _, data = progress_json(cli, path.parent)
    assert data["region"]["without_recent_measurement"] == [
        {"gemeente": "Oudstad", "code": None, "latest_date": "2024-03-15"},
        {"gemeente": "Zonderdatum", "code": None, "latest_date": None},
    ]


def test_today_moves_the_15_month_limit(cli, make):
    """The same files, a later --today: the gemeente is now overdue."""
    path = make("Recentstad", (d("2024-04-15"), at(BO=1)))
    assert progress_json(cli, path)[1]["region"]["without_recent_measurement"] == []
    result = cli("progress", path, "--json", "--today", "2025-08-01")
    assert json.loads(result.out)["region"]["without_recent_measurement"] == [
        {"gemeente": "Recentstad", "code": None, "latest_date": "2024-04-15"}
    ]


def test_blank_dashboard_is_reported_without_measurements(cli, make, tmp_path):
    """A dashboard with no answers yet is listed with no measurements and does not stop the outputs."""
    make("Leegstad")
    make("Aastad", (d("2025-01-01"), at(BO=1)))
    result = cli("progress", tmp_path / "regio", "--json", "--today", TODAY,
                 "--xlsx", tmp_path / "o.xlsx", "--csv", tmp_path / "o.csv")  # fmt: skip
    assert result.code == 0, result.err
    g = by_name(json.loads(result.out))["Leegstad"]
    assert (g["measurements"], g["regressions"], g["blocking"]) == ([], [], {})
    assert [r[0] for r in read_csv(tmp_path / "o.csv")[1:]] == ["Aastad"] * (3 + 1)  # 3 pillars and totaal
    assert "Leegstad" in [ws["A1"].value for ws in openpyxl.load_workbook(tmp_path / "o.xlsx").worksheets]


# --- files -------------------------------------------------------------------------------


def test_folder_is_searched_recursively(cli, make, tmp_path):
    """A folder is searched for .xlsx in every subfolder; other files are ignored."""
    make("Noordstad", (d("2025-01-01"), at(BO=1)), folder=tmp_path / "regio" / "noord")
    make("Zuidstad", (d("2025-01-01"), at(BO=2)), folder=tmp_path / "regio" / "zuid" / "diep")
    (tmp_path / "regio" / "lees mij.txt").write_text("geen werkboek", encoding="utf-8")
    code, data = progress_json(cli, tmp_path / "regio")
    assert code == 0
    assert [g["gemeente"] for g in data["gemeenten"]] == ["Noordstad", "Zuidstad"]
    assert data["errors"] == []


def test_bad_files_are_listed_and_the_others_reported(cli, make, tmp_path):
    """A corrupt file and a workbook with an invalid answer are listed with their reason; the rest is reported; exit 1."""
    make("Aastad", (d("2025-01-01"), at(BO=1)))
    make("Beestad", (d("2025-01-01"), at(BO=2)))
    kapot = corrupt(tmp_path / "regio" / "kapot.xlsx")
    fout = with_answer(make("Foutstad", (d("2025-01-01"), at(BO=3))), "BO-2.01", 0, "misschien")
    row = question_rows(openpyxl.load_workbook(fout)[L.QUESTIONS])["BO-2.01"]
    code, data = progress_json(cli, tmp_path / "regio")
    assert code == 1
    assert [g["gemeente"] for g in data["gemeenten"]] == ["Aastad", "Beestad"]
    errors = {e["file"]: e["message"] for e in data["errors"]}
    assert set(errors) == {str(kapot), str(fout)}
    assert "not an .xlsx workbook" in errors[str(kapot)]
    assert f"{L.QUESTIONS}!{L.col_letter(L.answer_col(0))}{row}: 'misschien' is not an answer" in errors[str(fout)]


def test_bad_files_are_listed_in_the_text_report(cli, make, tmp_path):
    """Without --json the files not used are listed at the end with their reason."""
    make("Aastad", (d("2025-01-01"), at(BO=1)))
    kapot = corrupt(tmp_path / "regio" / "kapot.xlsx")
    result = cli("progress", tmp_path / "regio", "--today", TODAY)
    assert result.code == 1
    assert "Not used (1):" in result.out
    assert f"{kapot}: " in result.out.split("Not used (1):")[1]


def test_all_good_exits_0(cli, make, tmp_path):
    """When every file was used the exit code is 0."""
    make("Aastad", (d("2025-01-01"), at(BO=1)))
    make("Beestad", (d("2025-01-01"), at(BO=2)))
    assert cli("progress", tmp_path / "regio", "--today", TODAY).code == 0


def test_no_files_exits_2(cli, tmp_path):
    """A folder without .xlsx files is unusable: exit 2 with a message."""
    (tmp_path / "leeg").mkdir()
    (tmp_path / "leeg" / "notities.txt").write_text("x", encoding="utf-8")
    result = cli("progress", tmp_path / "leeg")
    assert result.code == 2
    assert "no .xlsx files" in result.err


def test_office_lock_files_are_skipped(cli, make, tmp_path):
    """Excel's ~$ and LibreOffice's .~lock files next to an open workbook are not read."""
    path = make("Aastad", (d("2025-01-01"), at(BO=1)))
    corrupt(path.parent / f"~${path.name}")
    corrupt(path.parent / f".~lock.{path.name}#")
    code, data = progress_json(cli, path.parent)
    assert code == 0
    assert data["errors"] == []
    assert data["region"]["files"] == 1


# --- CSV ---------------------------------------------------------------------------------


@pytest.fixture
def csv_region(make, tmp_path) -> Path:
    make("Teststad", (d("2024-03-01"), grid(BO="ja ja | ja deels | deels nee | n.v.t. n.v.t.",
                                            IP="ja ja | ja ja | ja ja | ja ja",
                                            BH="deels n.v.t. | nee nee | - - | - -")),
         (d("2025-03-01"), at(BO=3, IP=4, BH=1)))  # fmt: skip
    make(HOSTILE, (d("2025-01-01"), at(BO=1, IP=2, BH=3)), regio="@regio")
    return tmp_path / "regio"


def read_csv(path: Path) -> list[list[str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline=""), delimiter=";"))


def test_csv_is_bom_semicolon_with_the_header(cli, csv_region, tmp_path):
    """The CSV is UTF-8 with BOM, ';'-separated, with the documented header."""
    out = tmp_path / "voortgang.csv"
    assert cli("progress", csv_region, "--csv", out, "--today", TODAY).code == 0
    rows = read_csv(out)
    assert rows[0] == CSV_HEADER
    assert out.read_bytes().split(b"\r\n")[0] == b"\xef\xbb\xbf" + ";".join(CSV_HEADER).encode()


def test_csv_has_one_row_per_gemeente_measurement_pillar(cli, csv_region, tmp_path):
    """Rows: gemeente x measurement x pillar, with phase, scores with a decimal comma, empty where nothing applies.

    Each measurement ends with a ``totaal`` row: the overall phase (the lowest pillar phase), no scores.
    """
    out = tmp_path / "voortgang.csv"
    cli("progress", csv_region, "--csv", out, "--today", TODAY)
    rows = read_csv(out)[1:]
    teststad = [r for r in rows if r[0] == "Teststad"]
    assert teststad == [
        ["Teststad", "Testregio", "0", "0-meting", "2024-03-01", "BO", "2", "1", "0,75", "0,25", "", ""],
        ["Teststad", "Testregio", "0", "0-meting", "2024-03-01", "IP", "4", "1", "1", "1", "1", ""],
        ["Teststad", "Testregio", "0", "0-meting", "2024-03-01", "BH", "0", "0,5", "0", "0", "0", ""],
        ["Teststad", "Testregio", "0", "0-meting", "2024-03-01", "totaal", "0", "", "", "", "", ""],
        ["Teststad", "Testregio", "1", "Meting 1", "2025-03-01", "BO", "3", "1", "1", "1", "0", ""],
        ["Teststad", "Testregio", "1", "Meting 1", "2025-03-01", "IP", "4", "1", "1", "1", "1", ""],
        ["Teststad", "Testregio", "1", "Meting 1", "2025-03-01", "BH", "1", "1", "0", "0", "0", ""],
        ["Teststad", "Testregio", "1", "Meting 1", "2025-03-01", "totaal", "1", "", "", "", "", ""],
    ]
    assert len(rows) == 8 + 4


def test_csv_neutralises_text_that_excel_would_run(cli, csv_region, tmp_path):
    """A gemeente or regio starting with = or @ gets a leading apostrophe, so Excel shows it as text."""
    out = tmp_path / "voortgang.csv"
    cli("progress", csv_region, "--csv", out, "--today", TODAY)
    hostile = [r for r in read_csv(out)[1:] if r[0] != "Teststad"]
    assert [(r[0], r[1], r[5], r[6]) for r in hostile] == [
        ("'" + HOSTILE, "'@regio", "BO", "1"),
        ("'" + HOSTILE, "'@regio", "IP", "2"),
        ("'" + HOSTILE, "'@regio", "BH", "3"),
        ("'" + HOSTILE, "'@regio", "totaal", "1"),
    ]
    assert not any(cell[:1] in ("=", "+", "@") for r in read_csv(out) for cell in r)


# --- the overview workbook ------------------------------------------------------------------

#: Names that are hard as sheet names, with the latest phases of each (BO, IP, BH).
AWKWARD = {
    "=1+1": (1, 2, 3),
    "Overzicht": (0, 1, 1),
    "Sint-Michielsgestel-en-omstreken Noord": (2, 2, 2),
    "Sint-Michielsgestel-en-omstreken Zuid": (3, 3, 3),
    "Vreemd [a]:b*c?d/e\\f": (4, 4, 4),
    "'Quote'": (1, 1, 1),
    "Ede": (2, 0, 1),
    "EDE": (3, 1, 0),  # another code: another gemeente, same name but for case
}


@pytest.fixture(scope="module")
def overview(tmp_path_factory, small_set) -> tuple[bytes, dict]:
    """The overview workbook (bytes) of a region with awkward names and one corrupt file, and its JSON."""
    folder = tmp_path_factory.mktemp("overview") / "regio"
    for k, (name, (bo, ip, bh)) in enumerate(AWKWARD.items()):
        build_workbook(folder / f"w{k}.xlsx", gemeente=name, code=f"GM{k:04d}", regio="Testregio",
                       indicator_set=small_set,
                       content=[SlotContent(answers=at(BO=1), date=d("2023-05-01")),
                                SlotContent(answers=at(BO=bo, IP=ip, BH=bh), date=d("2024-05-01"))])  # fmt: skip
    corrupt(folder / "kapot.xlsx")
    result = region_progress(sorted(folder.glob("*.xlsx")), today=d(TODAY))
    return overview_bytes(result), result.to_json()


def sheet_rows(ws, header_row: int) -> list[dict[str, object]]:
    headers = [c.value for c in ws[header_row]]
    return [dict(zip(headers, (c.value for c in row), strict=True)) for row in ws.iter_rows(min_row=header_row + 1)]


def test_overview_has_its_sheets_and_one_per_gemeente(overview):
    """Overzicht, Verdeling, one sheet per gemeente (titled with its name) and Niet gebruikt for the errors."""
    wb = openpyxl.load_workbook(io.BytesIO(overview[0]))
    names = wb.sheetnames
    assert names[:2] == ["Overzicht", "Verdeling"]
    assert names[-1] == "Niet gebruikt"
    per_gemeente = names[2:-1]
    assert sorted(wb[n]["A1"].value for n in per_gemeente) == sorted(AWKWARD)
    assert wb["Niet gebruikt"]["A4"].value.endswith("kapot.xlsx")


def test_overview_sheet_names_are_unique_and_valid(overview):
    """Sheet names are at most 31 characters, without []:*?/\\, not quoted, and unique ignoring case."""
    wb = openpyxl.load_workbook(io.BytesIO(overview[0]))
    names = wb.sheetnames
    assert len({n.casefold() for n in names}) == len(names)
    for n in names:
        assert 1 <= len(n) <= 31, n
        assert not SHEET_FORBIDDEN & set(n), n
        assert not n.startswith("'") and not n.endswith("'"), n


def test_overview_holds_the_latest_phases(overview):
    """Overzicht: per gemeente the phase of every pillar and overall in its latest measurement, as numbers."""
    ws = openpyxl.load_workbook(io.BytesIO(overview[0]))["Overzicht"]
    rows = {r["Gemeente"]: (r["BO"], r["IP"], r["BH"], r["Totaal"]) for r in sheet_rows(ws, 4) if r["Gemeente"]}
    assert rows == {name: (*phases, min(phases)) for name, phases in AWKWARD.items()}


def test_overview_has_no_formulas_and_keeps_text_as_text(overview):
    """No cell of the overview is a formula; a gemeente called =1+1 is stored as a string."""
    parts = zip_parts(overview[0])
    wb = openpyxl.load_workbook(io.BytesIO(overview[0]))
    for name in wb.sheetnames:
        assert [c.ref for c in xml_cells(parts, name).values() if c.formula is not None] == [], name
    cells = [c for c in xml_cells(parts, "Overzicht").values() if c.text == "=1+1"]
    assert [(c.t, c.formula) for c in cells] == [("s", None)]


def test_overview_has_charts(overview):
    """The distribution sheet carries charts."""
    parts = zip_parts(overview[0])
    assert [n for n in parts if n.startswith("xl/charts/chart")]
    wb = openpyxl.load_workbook(io.BytesIO(overview[0]))
    assert wb["Verdeling"]["A4"].value == "Pijler BO"


@pytest.mark.soffice
def test_overview_converts_to_pdf_in_libreoffice(overview, tmp_path):
    """LibreOffice opens the overview workbook and prints it to PDF."""
    need_soffice()
    from pypdf import PdfReader

    source = tmp_path / "overzicht.xlsx"
    source.write_bytes(overview[0])
    [pdf] = convert([source], tmp_path / "pdf", make_profile(tmp_path / "profile"), "pdf")
    reader = PdfReader(pdf)
    assert len(reader.pages) >= 1 + len(AWKWARD)
    assert "voortgang per gemeente" in reader.pages[0].extract_text()


# --- outputs are never overwritten unasked ----------------------------------------------------


@pytest.mark.parametrize("option", ["--xlsx", "--csv"])
def test_existing_output_is_kept_without_force(cli, make, tmp_path, option):
    """An existing --xlsx/--csv file is left as it was and the run exits 1."""
    path = make("Aastad", (d("2025-01-01"), at(BO=1)))
    out = tmp_path / "bestaat"
    out.write_bytes(b"van iemand anders")
    result = cli("progress", path, option, out, "--today", TODAY)
    assert result.code == 1
    assert "exists already" in result.err
    assert out.read_bytes() == b"van iemand anders"


@pytest.mark.parametrize("option", ["--xlsx", "--csv"])
def test_existing_output_is_replaced_with_force(cli, make, tmp_path, option):
    """With --force the existing file is replaced by the new output: the overview workbook or the CSV of this run."""
    path = make("Aastad", (d("2025-01-01"), at(BO=1)))
    out = tmp_path / "bestaat"
    out.write_bytes(b"van iemand anders")
    assert cli("progress", path, option, out, "--force", "--today", TODAY).code == 0
    if option == "--csv":
        rows = read_csv(out)
        assert rows[0] == CSV_HEADER and {r[0] for r in rows[1:]} == {"Aastad"}
    else:
        wb = openpyxl.load_workbook(io.BytesIO(out.read_bytes()))  # no .xlsx suffix: openpyxl wants a stream
        assert "Aastad" in {str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row}


# --- done when: the fictional demo region with one corrupt file --------------------------------


def _simulate_region():
    spec = importlib.util.spec_from_file_location("simulate_region", ROOT / "scripts" / "simulate_region.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.simulate_region


def test_demo_region_with_a_corrupt_file(cli, tmp_path):
    """On the simulated region plus a corrupt file: every gemeente with the phases its answers give, the file listed, outputs written."""
    folder = tmp_path / "regio"
    files = _simulate_region()(folder, n=12, measurements=3, last=d("2026-01-15"), workers=1)
    kapot = corrupt(folder / "kapot.xlsx")
    xlsx, csv_out = tmp_path / "overzicht.xlsx", tmp_path / "voortgang.csv"
    result = cli("progress", folder, "--json", "--xlsx", xlsx, "--csv", csv_out, "--today", "2026-01-31")
    assert result.code == 1
    data = json.loads(result.out)
    assert [e["file"] for e in data["errors"]] == [str(kapot)]
    got = by_name(data)
    assert len(got) == len(files) == 12
    for path in files:
        reading = read_workbook(path)
        s = reading.indicator_set
        g = got[reading.gemeente]
        assert g["file"] == str(path)
        every, expected = [], []  # every measurement; the settled ones, which changes compare
        for m in reading.measurements:
            scored = score_measurement(s, m.answers)
            every.append({"slot": m.slot, "phase": scored.phase, "settled": scored.settled,
                          "pillars": {c: p.phase for c, p in scored.pillars.items()}})  # fmt: skip
            if scored.settled:
                expected.append(every[-1])
        assert [{k: m[k] for k in ("slot", "phase", "settled", "pillars")} for m in g["measurements"]] == every
        assert len(every) == 3
        first, last = expected[0]["pillars"], expected[-1]["pillars"]
        assert g["change_since_baseline"] == {**{c: last[c] - first[c] for c in s.pillar_codes},
                                              "totaal": expected[-1]["phase"] - expected[0]["phase"]}  # fmt: skip
        assert [(r["pillar"], r["from_slot"], r["to_slot"], r["from"], r["to"]) for r in g["regressions"]] == [
            (c, a["slot"], b["slot"], a["pillars"][c], b["pillars"][c])
            for a, b in zip(expected, expected[1:])
            for c in s.pillar_codes
            if b["pillars"][c] < a["pillars"][c]
        ]
        answers = next(m for m in reading.measurements if m.slot == expected[-1]["slot"]).answers
        for c in s.pillar_codes:
            phase = last[c]
            if phase == 4:
                assert c not in g["blocking"]
                continue
            assert g["blocking"][c] == [
                i.id for i in s.indicators_of(c, phase + 1) if answers.get(i.id) not in ("ja", "n.v.t.")
            ]
    wb = openpyxl.load_workbook(xlsx)
    assert len(wb.sheetnames) == 2 + 12 + 1
    rows = read_csv(csv_out)
    assert rows[0] == CSV_HEADER
    assert len(rows) == 1 + 12 * 3 * (5 + 1)  # 5 pillars and totaal
    assert {r[1] for r in rows[1:]} == {"Fictieve demoregio"}


# --- the dashboard itself: the next phase stands out -------------------------------------------


def test_dashboard_highlights_the_next_phase_with_a_conditional_format(make, small_set):
    """Vragenlijst has a formula rule over every indicator row that uses meting_voorblad, voorblad_fasen and pijlers
    (the highlights follow the measurement the Voorblad shows)."""
    path = make("Teststad", (d("2025-01-01"), at(BO=1)))
    ws = openpyxl.load_workbook(path)[L.QUESTIONS]
    first = L.Q_FIRST_ROW + 1
    last = L.Q_FIRST_ROW + len(small_set.indicators) + len(small_set.pillars)
    rows = question_rows(ws)
    assert min(rows.values()) >= first and max(rows.values()) == last
    found = []
    for cf in ws.conditional_formatting:
        for rule in cf.rules:
            formula = " ".join(rule.formula or [])
            if rule.type == "expression" and all(n in formula for n in (L.NAME_COVER, L.NAME_COVER_PHASES, L.NAME_PILLAR_CODES)):
                found.append((str(cf.sqref), formula))
    assert len(found) == 1
    sqref, formula = found[0]
    assert sqref == f"A{first}:{L.col_letter(L.Q_COL_HANDVAT)}{last}"
    assert f"${L.col_letter(L.Q_COL_PHASE)}{first}" in formula


def test_reading_in_worker_processes_gives_the_same_report(tmp_path, monkeypatch):
    """The parallel path (lean results from worker processes, one set object per set) reports exactly what one process does."""
    import piramide.progress as P

    folder = tmp_path / "regio"
    _simulate_region()(folder, n=5, measurements=2, last=d("2026-01-15"), workers=1)
    corrupt(folder / "kapot.xlsx")
    files = sorted(folder.glob("*.xlsx"))
    alone = region_progress(files, today=d("2026-01-31"), workers=1).to_json()
    monkeypatch.setattr(P, "PARALLEL_FROM", 1)
    pooled = region_progress(files, today=d("2026-01-31"), workers=2)
    assert pooled.to_json() == alone
    sets = {id(g.indicator_set) for g in pooled.gemeenten}
    assert len(sets) == 1  # the five readings share one indicator set object


def test_every_output_is_the_same_through_worker_processes(make, tmp_path, monkeypatch):
    """Read in worker processes (many small chunks) or in this process: the same readings and the same JSON, text,
    CSV and plan CSV, with duplicates, a running measurement, a future date, a set of its own and a corrupt file."""
    import piramide.progress as P
    from piramide.progress_out import csv_bytes, format_text, plan_csv_bytes

    folder = tmp_path / "regio"
    make("Aastad", (d("2023-01-01"), at(BO=1)), (d("2024-01-01"), at(BO=2, IP=1)), (d("2025-01-01"), at(BO=1, IP=3)))
    make("Aastad", (d("2023-01-01"), at(BO=1)), folder=folder / "oud", file="Aastad-oud.xlsx")  # older: noted
    make("Beestad", (d("2024-01-01"), at(BH=2)), (d("2025-01-01"), grid(BO="ja ja | ja - | - - | - -")))  # running
    make("Ceestad", (d("2024-06-01"), at(IP=4)), (d("2026-03-01"), at(IP=2)), code="GM0003")  # after today
    for k in range(5):
        make(f"Stad {k}", *[(d(f"202{y}-0{k + 1}-01"), at(BO=(y + k) % 5, BH=y % 5)) for y in range(k % 3 + 1)])
    _simulate_region()(folder / "sim", n=2, measurements=3, last=d("2025-06-01"), workers=1)  # the reference set
    corrupt(folder / "kapot.xlsx")
    files = sorted(folder.rglob("*.xlsx"))
    today = d(TODAY)

    alone = region_progress(files, today=today, workers=1)
    monkeypatch.setattr(P, "PARALLEL_FROM", 1)
    assert len(P.chunk_sizes(len(files), 2)) > 2  # several round trips to the workers
    pooled = region_progress(files, today=today, workers=2)

    assert pooled.to_json() == alone.to_json()
    assert format_text(pooled) == format_text(alone)
    assert csv_bytes(pooled) == csv_bytes(alone)
    assert plan_csv_bytes(pooled) == plan_csv_bytes(alone)
    assert [e.to_json() for e in pooled.errors] == [e.to_json() for e in alone.errors] != []
    assert any(g.notes for g in pooled.gemeenten) and any(g.running for g in pooled.gemeenten)
    assert any(g.warnings for g in pooled.gemeenten)
    for mine, theirs in zip(pooled.gemeenten, alone.gemeenten, strict=True):
        a, b = mine.reading, theirs.reading
        assert a.model_dump() == b.model_dump()
        assert (a.code, a.slots, a.history, a.unanswered, a.workbook_id_stored) == (
            b.code, b.slots, b.history, b.unanswered, b.workbook_id_stored)  # fmt: skip
        assert [a.set_of_slot(m.slot) for m in a.measurements] == [b.set_of_slot(m.slot) for m in b.measurements]
        assert a.indicator_set == b.indicator_set
        assert (mine.changes, mine.regressions, mine.blocking, mine.plan, mine.set_changes) == (
            theirs.changes, theirs.regressions, theirs.blocking, theirs.plan, theirs.set_changes)  # fmt: skip
