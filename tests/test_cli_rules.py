"""Rules every command keeps: `python -m piramide`, one exit-code rule, the words of the messages.

Exit codes (README): 0 fine (warnings allowed); 1 the input has errors or the
work was refused (an output exists, answers would be dropped); 2 bad usage or
an input that cannot be used at all; 3 a bug.
"""

from __future__ import annotations

import datetime as dt
import pickle
import re
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import SMALL_SET, write_set
from wb import filled_workbook

import piramide.errors as E
from piramide import build_workbook, cli
from piramide._text import issue_counts, measurement, plural
from piramide.batch import BatchRow, duplicate_rows
from piramide.parts import split_workbook
from piramide.upgrade import upgrade_workbook

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)


# --- python -m piramide ---------------------------------------------------------------------


def test_python_m_piramide_is_the_command_line(cli):
    """`python -m piramide --help` exits 0 and prints what `piramide --help` prints."""
    done = subprocess.run([sys.executable, "-m", "piramide", "--help"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout == cli("--help").out
    assert done.stdout.startswith("Usage: piramide ")


def test_python_m_piramide_passes_the_exit_code():
    """`python -m piramide read MISSING` exits 2 with one error line, like the script."""
    done = subprocess.run(
        [sys.executable, "-m", "piramide", "read", "weg.xlsx"], capture_output=True, text=True, timeout=60
    )
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr.startswith("piramide: error: weg.xlsx: ") and len(done.stderr.splitlines()) == 1


# --- exit codes: one rule -------------------------------------------------------------------


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> dict[str, Path]:
    """A folder of inputs of every kind, made once: good and bad workbooks, sets and CSV files."""
    d = tmp_path_factory.mktemp("inputs")
    (d / "leeg").mkdir()
    table = "| id | 0-meting |\n| BO-1.01 | ja |\n| datum | 01-03-2025 |"
    good = filled_workbook(d, table, name="goed.xlsx")
    bad = filled_workbook(d, "| id | 0-meting |\n| BO-1.01 | misschien |\n| datum | 01-03-2025 |", name="fout.xlsx")
    (d / "tekst.xlsx").write_text("geen werkboek", encoding="utf-8")
    (d / "regio").mkdir()
    filled_workbook(d / "regio", table, name="a.xlsx")
    filled_workbook(d / "regio", "| id | 0-meting |\n| BO-1.01 | misschien |", name="b.xlsx")
    small = write_set(d, SMALL_SET, "klein.yaml")
    broken = write_set(d, SMALL_SET.replace("pillar: BB\n", "pillar: XX\n", 1), "kapot.yaml")
    (d / "goed.csv").write_text("gemeente;code\nUtrecht;GM0344\n", encoding="utf-8")
    (d / "rij.csv").write_text("gemeente;code\nUtrecht;GM0344\n;GM0000\n", encoding="utf-8")
    (d / "kop.csv").write_text("naam\nUtrecht\n", encoding="utf-8")
    (d / "resp.csv").write_text("indicator;respondent\nBO;A\n", encoding="utf-8")  # the other pillars: none
    split_workbook(good, d / "delen")
    return {
        "parts": d / "delen",
        "respondents-short": d / "resp.csv",
        "good": good,
        "bad": bad,
        "text": d / "tekst.xlsx",
        "region": d / "regio",
        "empty": d / "leeg",
        "small": small,
        "broken": broken,
        "csv": d / "goed.csv",
        "csv-row": d / "rij.csv",
        "csv-header": d / "kop.csv",
    }


#: (arguments, exit code): every command, each way it can end. {name} is a path from ``inputs``;
#: "exists.xlsx" / "exists.csv" exist before the command runs.
EXITS = [
    # bad usage: 2
    (["nosuchcommand"], 2),
    (["sets"], 2),
    (["read", "--nosuchoption", "{good}"], 2),
    (["new"], 2),
    (["new", "--gemeente", "X", "--gemeenten", "{csv}"], 2),
    (["new", "--gemeente", "X", "--slots", "31"], 2),
    (["new", "--gemeente", "X", "--slots", "0"], 2),
    (["new", "--gemeente", "   "], 2),
    (["new", "--gemeenten", "{csv}"], 2),
    (["progress", "{good}", "--today", "morgen"], 2),
    (["read", "{good}", "--set", "nl-refrentie"], 2),
    (["sets", "show", "nl-refrentie"], 2),
    (["upgrade", "{good}", "--out", "uit.xlsx"], 2),
    (["upgrade", "{good}", "--slots", "3", "--out", "uit.xlsx"], 2),
    (["upgrade", "{good}", "--slots", "31", "--out", "uit.xlsx"], 2),
    (["upgrade", "{good}", "--slots", "5", "--out", "uit.xlsx"], 2),
    (["upgrade", "{good}", "--slots", "9", "--out", "{good}"], 2),
    (["split", "{good}"], 2),
    (["split", "{good}", "--out-dir", "delen", "--slot", "7"], 2),
    (["merge", "{good}", "--out", "uit.xlsx"], 2),
    (["merge", "{good}", "{parts}", "--out", "{good}"], 2),
    (["merge", "{good}", "{parts}", "--out", "uit.xlsx", "--prefer", "beide"], 2),
    # an input that cannot be used at all: 2
    (["sets", "validate", "weg.yaml"], 2),
    (["sets", "show", "weg.yaml"], 2),
    (["new", "--gemeente", "X", "--set", "weg.yaml"], 2),
    (["new", "--gemeenten", "weg.csv", "--out-dir", "uit"], 2),
    (["new", "--gemeenten", "{csv-header}", "--out-dir", "uit"], 2),
    (["read", "weg.xlsx"], 2),
    (["read", "{text}"], 2),
    (["check", "{text}"], 2),
    (["check", "{good}", "{text}"], 2),
    (["check", "{empty}"], 2),
    (["progress", "{empty}"], 2),
    (["upgrade", "{text}", "--slots", "9", "--out", "uit.xlsx"], 2),
    (["split", "{text}", "--out-dir", "delen"], 2),
    (["split", "{good}", "--out-dir", "delen", "--respondenten", "{csv}"], 2),
    (["merge", "{text}", "{parts}", "--out", "uit.xlsx"], 2),
    (["merge", "{good}", "{empty}", "--out", "uit.xlsx"], 2),
    # input with errors, or refused work: 1
    (["sets", "validate", "{broken}"], 1),
    (["sets", "show", "{broken}"], 1),
    (["new", "--gemeente", "X", "--set", "{broken}"], 1),
    (["new", "--gemeente", "X", "--out", "exists.xlsx"], 1),
    (["new", "--gemeenten", "{csv-row}", "--out-dir", "uit", "--set", "{small}"], 1),
    (["read", "{bad}"], 1),
    (["check", "{bad}"], 1),
    (["check", "{region}"], 1),
    (["progress", "{region}"], 1),
    (["progress", "{good}", "--csv", "exists.csv"], 1),
    (["upgrade", "{bad}", "--slots", "9", "--out", "uit.xlsx"], 1),
    (["upgrade", "{good}", "--slots", "9", "--out", "exists.xlsx"], 1),
    (["split", "{bad}", "--out-dir", "delen"], 1),
    (["split", "{good}", "--out-dir", "delen", "--respondenten", "{respondents-short}"], 1),
    (["merge", "{good}", "{good}", "--out", "uit.xlsx"], 1),
    (["merge", "{good}", "{parts}", "--out", "exists.xlsx"], 1),
    # fine: 0
    (["sets", "list"], 0),
    (["sets", "list", "--json"], 0),
    (["sets", "show", "nl-referentie@2026.1"], 0),
    (["check", "{good}", "--set", "{small}", "--set", "nl-referentie"], 0),
    (["sets", "validate"], 0),
    (["sets", "show", "{small}"], 0),
    (["new", "--gemeente", "X", "--set", "{small}", "--out", "x.xlsx"], 0),
    (["new", "--gemeente", "X", "--set", "{small}", "--out", "exists.xlsx", "--force"], 0),
    (["new", "--gemeenten", "{csv}", "--out-dir", "uit", "--set", "{small}"], 0),
    (["read", "{good}"], 0),
    (["check", "{good}"], 0),
    (["progress", "{good}", "--csv", "exists.csv", "--force"], 0),
    (["upgrade", "{good}", "--slots", "9", "--out", "uit.xlsx"], 0),
    (["split", "{good}", "--out-dir", "delen"], 0),
    (["merge", "{good}", "{parts}", "--out", "uit.xlsx"], 0),
]


@pytest.mark.parametrize(("args", "code"), EXITS, ids=[" ".join(a) for a, _ in EXITS])
def test_exit_codes_follow_one_rule(cli, inputs, args, code):
    """Every command exits by the README's rule; an error is one line, never a traceback."""
    Path("exists.xlsx").write_bytes(b"al aanwezig")
    Path("exists.csv").write_bytes(b"al aanwezig")
    result = cli(*(a.format(**{k: str(v) for k, v in inputs.items()}) for a in args))
    assert result.code == code, result
    assert "Traceback" not in result.err
    if code == 2:  # a message names the problem (check lists each refused file on its own line)
        assert "piramide: error: " in result.err or "[refused]" in result.out or result.err.startswith("Usage:")


def test_help_and_readme_state_the_same_exit_code_rule(cli):
    """`piramide --help` ends with the rule; the README's table has the same four codes and meanings."""
    text = " ".join(cli("--help").out.split())
    assert "Exit codes (every command): 0 done, warnings allowed; 1 the input has errors" in text
    assert "2 bad usage, or an input that cannot be used at all; 3 an internal error" in text
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = re.findall(r"^\| (\d) \| ([^|]+) \|", readme, flags=re.M)
    assert [(code, meaning.split(",")[0].split(" (")[0]) for code, meaning in table] == [
        ("0", "done"),
        ("1", "the input has errors"),
        ("2", "bad usage"),
        ("3", "an internal error"),
    ]


def test_every_command_of_the_cli_is_in_the_exit_code_table():
    """The table above runs every command of the command line at least once, and each with its exits."""
    seen = {" ".join(a[:2]) if a[0] == "sets" else a[0] for a, _ in EXITS}
    commands = {
        f"{name} {sub}" if hasattr(command, "commands") else name
        for name, command in cli.cli.commands.items()
        for sub in (getattr(command, "commands", None) or [""])
    }
    assert {c.strip() for c in commands} <= seen


# --- the core names Python arguments; the command line names its options ----------------------


def test_output_exists_names_force_true_in_python_and_force_on_the_command_line(cli, tmp_path):
    """Python: 'pass force=True to overwrite it'; the CLI: 'use --force to overwrite it'."""
    target = build_workbook(tmp_path / "u.xlsx", gemeente="Utrecht")
    with pytest.raises(E.OutputExistsError) as caught:
        build_workbook(target, gemeente="Utrecht")
    assert str(caught.value) == f"{target}: exists already; pass force=True to overwrite it"
    assert caught.value.path == target
    result = cli("new", "--gemeente", "Utrecht", "--out", target)
    assert result.err == f"piramide: error: {target}: exists already; use --force to overwrite it\n"


def test_fewer_slots_names_the_argument_as_each_audience_writes_it(cli, tmp_path):
    """Python: 'slots=3: fewer than ...'; the CLI: '--slots 3: fewer than ...'; both bad usage."""
    source = build_workbook(tmp_path / "u.xlsx", gemeente="Utrecht", slots=5)
    with pytest.raises(E.ArgumentError, match=r"^slots=3: fewer than the 5 slots the workbook has"):
        upgrade_workbook(source, tmp_path / "v.xlsx", slots=3)
    result = cli("upgrade", source, "--slots", "3", "--out", tmp_path / "v.xlsx")
    assert result.err.startswith("piramide: error: --slots 3: fewer than the 5 slots the workbook has")


def _core_arguments() -> set[str]:
    """The argument names that the core's messages name (Remedy and ArgumentError), from its source."""
    names = set()
    for path in (ROOT / "piramide").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        names |= set(re.findall(r'(?:Remedy|ArgumentError)\(\s*"(\w+)"', text))
    return names


def test_every_argument_the_core_names_is_an_option_of_the_command_line():
    """Each keyword argument named in a core message has an option of that spelling in some command."""
    options = {
        opt
        for command in _all_commands(cli.cli)
        for param in command.params
        for opt in param.opts
        if opt.startswith("--")
    }
    named = _core_arguments()
    assert {"force", "allow_drop", "slots"} <= named
    spelled = {cli._OPTIONS.argument(name, True) for name in named}
    assert spelled <= options, spelled - options


def _all_commands(group):
    for command in group.commands.values():
        if hasattr(command, "commands"):
            yield from _all_commands(command)
        else:
            yield command


def test_core_messages_never_name_a_command_line_option():
    """No message in the core tells a Python user to pass '--something' (the CLI respells arguments)."""
    offenders = []
    for path in sorted((ROOT / "piramide").glob("*.py")):
        if path.name == "cli.py":
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            code = line.split("#", 1)[0]
            if re.search(r"""["'][^"']*\s--[a-z][a-z-]+""", code) and "``" not in line:
                offenders.append(f"{path.name}:{n}: {line.strip()}")
    assert offenders == []


def test_errors_survive_a_trip_between_processes():
    """Errors made in a worker (batch, progress) arrive whole: message, remedy, argument."""
    for error in (E.OutputExistsError("x.xlsx"), E.ArgumentError("slots", 3, "fewer"), E.UpgradeRefused("no", None)):
        again = pickle.loads(pickle.dumps(error))
        assert (type(again), str(again), again.describe(cli._OPTIONS)) == (
            type(error),
            str(error),
            error.describe(cli._OPTIONS),
        )


def test_every_library_error_is_importable_from_piramide_errors():
    """The errors the library raises on purpose all live in piramide.errors (issue 12)."""
    import importlib
    import inspect

    import piramide

    defined = {}
    for path in (ROOT / "piramide").glob("*.py"):
        module = importlib.import_module(f"piramide.{path.stem}") if path.stem != "__main__" else None
        for name, obj in inspect.getmembers(module, inspect.isclass) if module else ():
            if issubclass(obj, E.PiramideError):
                defined[name] = obj.__module__
    assert set(defined.values()) == {"piramide.errors"}
    assert set(defined) <= set(E.__all__)
    assert all(getattr(piramide, n) is getattr(E, n) for n in ("InputError", "WorkbookRefused", "PiramideError"))


# --- words: plurals and measurement labels ------------------------------------------------------


@pytest.mark.parametrize(
    ("n", "word", "words", "expected"),
    [
        (0, "warning", None, "0 warnings"),
        (1, "warning", None, "1 warning"),
        (2, "warning", None, "2 warnings"),
        (1, "gemeente", "gemeenten", "1 gemeente"),
        (12, "gemeente", "gemeenten", "12 gemeenten"),
    ],
)
def test_plural(n, word, words, expected):
    """One plural helper: '1 warning', '2 warnings', Dutch plurals when given."""
    assert plural(n, word, words) == expected


def test_issue_counts_and_measurement_names():
    """'1 error, 2 warnings'; '0-meting (2025-03-01)'; 'Meting 2' without a date."""
    import datetime as dt

    assert issue_counts(1, 2) == "1 error, 2 warnings"
    assert issue_counts(0, 1) == "0 errors, 1 warning"
    assert measurement(0, dt.date(2025, 3, 1)) == "0-meting (2025-03-01)"
    assert measurement(2) == "Meting 2"


def test_no_report_builds_a_plural_by_hand():
    """Every command counts with the plural helper: no "(s)", "(en)" or "'s' if n != 1" in the package."""
    offenders = []
    for path in sorted((ROOT / "piramide").glob("*.py")):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.search(r"""[\"'][^\"']*[a-z]\((s|en)\)|'s' if|\"s\" if|'n' if""", line):
                offenders.append(f"{path.name}:{n}: {line.strip()}")
    assert offenders == []


def test_one_of_one_dashboard_and_one_slot(cli, tmp_path):
    """`new` says '1 of 1 dashboard' and '1 slot', never '1 dashboards' or '1 slots'."""
    small = write_set(tmp_path, SMALL_SET, "klein.yaml")
    Path("een.csv").write_text("gemeente\nUtrecht\n", encoding="utf-8")
    result = cli("new", "--gemeenten", "een.csv", "--out-dir", "uit", "--set", small)
    assert result.out == "1 of 1 dashboard written to uit\n", result
    result = cli("new", "--gemeente", "Ede", "--set", small, "--slots", "1", "--out", "ede.xlsx")
    assert result.out == "ede.xlsx: dashboard for Ede (klein 1, 1 slot)\n"


def test_read_counts_issues_with_the_helper(cli, inputs):
    """`read` on a workbook with one error: 'Issues (1 error, 0 warnings):'."""
    result = cli("read", inputs["bad"])
    assert "Issues (1 error, 0 warnings):" in result.out.splitlines()


def test_progress_text_speaks_of_one_gemeente_and_one_file(cli, tmp_path):
    """`progress` on one workbook: 'Progress of 1 gemeente (1 file read)' and blocking in the users' words."""
    from piramide import SlotContent, reference_set

    answers = {i.id: "nee" for i in reference_set().indicators}  # complete, so settled: blocking is listed
    path = build_workbook(tmp_path / "een.xlsx", gemeente="Eenstad", content=[
        SlotContent(answers=answers, date=dt.date(2025, 3, 1))])  # fmt: skip
    result = cli("progress", path, "--today", "2025-06-01")
    lines = result.out.splitlines()
    assert lines[0] == "Progress of 1 gemeente (1 file read)"
    assert "  what blocks the next phase, in 0-meting (2025-03-01):" in lines
    assert not [line for line in lines if re.search(r"\bslot\b", line)]


# --- batch: duplicates are a warning where the dashboards are made --------------------------------


def test_duplicate_rows_groups_the_same_municipality():
    """Same name (case and spaces ignored) or same code is a duplicate; two Bergens with two codes are not."""
    rows = [
        BatchRow(2, "Hengelo"),
        BatchRow(3, "Bergen", code="GM0373"),
        BatchRow(4, " hengelo "),
        BatchRow(5, "Bergen", code="GM0893"),
        BatchRow(6, "Ede", code="GM0228"),
        BatchRow(7, "Ede (Gld)", code="gm0228"),
    ]
    assert duplicate_rows(rows) == [[0, 2], [4, 5]]


def test_batch_warns_about_duplicates_with_the_file_names_they_got(cli, tmp_path):
    """A name twice in the CSV: a warning naming the lines and both file names; exit 0, both written."""
    small = write_set(tmp_path, SMALL_SET, "klein.yaml")
    Path("regio.csv").write_text("gemeente;regio\nHengelo;Oost\nDelden;Oost\nhengelo;Oost\n", encoding="utf-8")
    result = cli("new", "--gemeenten", "regio.csv", "--out-dir", "uit", "--set", small)
    assert result.code == 0, result
    assert result.err == (
        "piramide: warning: regio.csv:2, 4: 'Hengelo' is on 2 rows (the same gemeente; progress uses one "
        "workbook per gemeente); written as Hengelo.xlsx and hengelo-2.xlsx\n"
    )
    assert sorted(p.name for p in Path("uit").iterdir()) == ["Delden.xlsx", "Hengelo.xlsx", "hengelo-2.xlsx"]
    assert result.out == "3 of 3 dashboards written to uit\n"
