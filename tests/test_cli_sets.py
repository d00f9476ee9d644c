"""The command line for indicator sets: piramide sets validate / show, --help, --version."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import SMALL_SET, edit, line_of
from piramide import __version__, bundled_sets, load_set, reference_set

EXAMPLE_VARIANT = Path(__file__).resolve().parents[1] / "indicators" / "regio-voorbeeld.yaml"


@pytest.fixture(scope="module")
def newest():
    """The newest bundled reference set: what 'sets show' and new dashboards use by default."""
    return reference_set()


# --- sets validate -------------------------------------------------------------


def test_validate_without_path_checks_every_bundled_set(cli):
    """'sets validate' with no path checks every bundled set, one line each: exit 0."""
    result = cli("sets", "validate")
    assert result.code == 0
    expected = [
        f"bundled {b.path.name}: valid: {b.id} {b.version}, {len(s.indicators)} indicators, "
        f"{len(s.pillars)} pillars, {len(s.phases)} phases, {s.fingerprint}"
        for b in bundled_sets()
        for s in [b.load()]
    ]
    assert result.out.splitlines() == expected and len(expected) == 3
    assert result.err == ""


def test_validate_a_valid_file(cli, write_set):
    """A valid file gives one 'valid' line with its id, counts and fingerprint: exit 0."""
    path = write_set(SMALL_SET)
    result = cli("sets", "validate", path)
    assert result.code == 0
    assert result.out == f"{path}: valid: klein 1, 4 indicators, 2 pillars, 2 phases, {load_set(path).fingerprint}\n"


def test_validate_lists_every_problem_on_stdout(cli, write_set):
    """An invalid file: every problem as FILE:LINE: message on stdout, a count on stderr, exit 1."""
    text = edit(SMALL_SET, "threshold: 0.75", "threshold: 2")
    text = edit(text, "- id: BB-2.01", "- id: BB-1.01")
    path = write_set(text)
    result = cli("sets", "validate", path)
    assert result.code == 1
    assert result.out.splitlines() == [
        f"{path}:4: threshold 2 is outside (0, 1]; use a share such as 0.75",
        f"{path}:{line_of(SMALL_SET, '- id: BB-2.01')}: duplicate indicator id 'BB-1.01' "
        f"(first at line {line_of(SMALL_SET, '- id: BB-1.01')}); every id must be unique",
    ]
    assert result.err == f"{path}: 2 problems\n"


def test_validate_several_paths(cli, write_set):
    """Several paths are each checked; one invalid file makes the exit code 1."""
    good = write_set(SMALL_SET, "goed.yaml")
    bad = write_set(edit(SMALL_SET, "threshold: 0.75", "threshold: 0"), "fout.yaml")
    result = cli("sets", "validate", good, bad, EXAMPLE_VARIANT)
    assert result.code == 1
    lines = result.out.splitlines()
    assert lines[0].startswith(f"{good}: valid: klein 1")
    assert lines[1] == f"{bad}:4: threshold 0 is outside (0, 1]; use a share such as 0.75"
    assert lines[2].startswith(f"{EXAMPLE_VARIANT}: valid: riec-voorbeeld ")
    assert result.err == f"{bad}: 1 problem\n"


def test_validate_unreadable_file_among_others(cli, write_set, tmp_path):
    """A file that cannot be read gives exit 2, and the other files are still checked."""
    good = write_set(SMALL_SET)
    result = cli("sets", "validate", tmp_path / "weg.yaml", good)
    assert result.code == 2
    assert result.err == f"piramide: error: {tmp_path / 'weg.yaml'}: no such YAML file\n"
    assert result.out.startswith(f"{good}: valid: ")


def test_validate_the_example_variant(cli):
    """The bundled example variant is valid."""
    result = cli("sets", "validate", EXAMPLE_VARIANT)
    assert result.code == 0
    assert "valid: riec-voorbeeld 2026.2-voorbeeld.1, 106 indicators" in result.out


# --- sets show -------------------------------------------------------------------


def test_show_text(cli, newest):
    """'sets show' prints the name, id, version, fingerprint, threshold, scale, phases and pillars."""
    result = cli("sets", "show")
    assert result.code == 0
    lines = result.out.splitlines()
    assert lines[0] == newest.name
    assert f"  fingerprint  {newest.fingerprint}" in lines
    assert "  threshold    0.75" in lines
    assert "  answers      ja (1), deels (0.5), nee (0), n.v.t. (not applicable)" in lines
    assert "  phases       1 Bewust, 2 Georganiseerd, 3 Fit, 4 Proactief" in lines
    assert any(line.startswith("  BO    Bewustwording en organisatie") and line.endswith("8 / 6 / 4 / 3  (21)") for line in lines)
    assert "Indicators (105):" in lines
    assert sum(line.startswith("  BO-1.01  ") for line in lines) == 1


def test_show_text_of_a_file(cli):
    """'sets show PATH' shows the set at PATH."""
    result = cli("sets", "show", EXAMPLE_VARIANT)
    assert result.code == 0
    assert "  phases       1 Bewust, 2 Georganiseerd, 3 Fit, 4 Voorlopend" in result.out.splitlines()


def test_show_json_keys(cli):
    """'sets show --json' has the documented top-level keys."""
    data = json.loads(cli("sets", "show", "--json").out)
    assert {"id", "name", "version", "fingerprint", "threshold", "phases", "pillars", "indicators"} <= set(data)


def test_show_json_values(cli, newest):
    """'sets show --json' gives the id, fingerprint, threshold, phases and per-phase counts."""
    result = cli("sets", "show", "--json")
    assert result.code == 0
    data = json.loads(result.out)
    assert (data["id"], data["version"], data["fingerprint"]) == ("nl-referentie", "2026.2", newest.fingerprint)
    assert data["threshold"] == 0.75
    assert [(p["number"], p["name"]) for p in data["phases"]] == [(1, "Bewust"), (2, "Georganiseerd"), (3, "Fit"), (4, "Proactief")]
    assert [p["code"] for p in data["pillars"]] == ["BO", "IP", "BH", "IV", "CO"]
    assert all(p["per_phase"] == {"1": 8, "2": 6, "3": 4, "4": 3} for p in data["pillars"])


def test_show_json_indicators(cli, newest):
    """Each indicator in the JSON has id, pillar, phase, text and handvat, in the set's order."""
    data = json.loads(cli("sets", "show", "--json").out)
    assert [i["id"] for i in data["indicators"]] == [i.id for i in newest.indicators]
    first = data["indicators"][0]
    assert {"id", "pillar", "phase", "text", "handvat"} <= set(first)
    assert (first["pillar"], first["phase"]) == ("BO", 1)
    assert first["text"] == newest.indicators[0].text


def test_show_json_of_a_variant(cli):
    """The JSON of the example variant shows its own id, threshold and phase name."""
    data = json.loads(cli("sets", "show", "--json", EXAMPLE_VARIANT).out)
    assert (data["id"], data["threshold"], data["phases"][3]["name"]) == ("riec-voorbeeld", 0.7, "Voorlopend")
    assert next(p for p in data["pillars"] if p["code"] == "CO")["per_phase"] == {"1": 7, "2": 6, "3": 4, "4": 3}


def test_show_json_is_utf8_text(cli):
    """Non-ASCII text (such as 'coördinator') is written as itself, not as \\u escapes."""
    out = cli("sets", "show", "--json").out
    assert "\\u00" not in out
    assert "ö" in out or "é" in out or "ë" in out


def test_show_invalid_file(cli, write_set):
    """'sets show' on an invalid file lists the problems on stderr and exits 1."""
    path = write_set(edit(SMALL_SET, "threshold: 0.75", "threshold: hoog"))
    result = cli("sets", "show", path)
    assert result.code == 1
    assert result.out == ""
    assert result.err.startswith(f"{path}:4: 'threshold' must be a number")
    assert "Traceback" not in result.err


# --- help, version, usage -----------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [["--help"], ["-h"], ["sets", "--help"], ["sets", "validate", "--help"], ["sets", "show", "--help"]],
    ids=["piramide", "piramide -h", "sets", "sets validate", "sets show"],
)
def test_help(cli, args):
    """--help works on every command and exits 0."""
    result = cli(*args)
    assert result.code == 0
    assert result.out.startswith("Usage: piramide")
    assert result.err == ""


@pytest.mark.parametrize("flag", ["--version", "-V"])
def test_version(cli, flag):
    """--version prints the program name and version."""
    result = cli(flag)
    assert (result.code, result.out) == (0, f"piramide {__version__}\n")


def test_unknown_command(cli):
    """An unknown command is a usage error: exit 2, a message on stderr."""
    result = cli("bestaat-niet")
    assert result.code == 2
    assert "No such command" in result.err
    assert result.out == ""


def test_unknown_option(cli):
    """An unknown option is a usage error: exit 2."""
    result = cli("sets", "show", "--xml")
    assert result.code == 2
    assert "No such option" in result.err


# --- the installed console script -------------------------------------------------------


def _console_script() -> str:
    beside = Path(sys.executable).parent / "piramide"
    found = str(beside) if beside.exists() else shutil.which("piramide")
    if found is None:
        pytest.fail("the 'piramide' console script is not installed (pip install -e .)")
    return found


def test_console_script(write_set):
    """The installed 'piramide' entry point runs and returns the exit code."""
    good = write_set(SMALL_SET)
    env = {k: v for k, v in os.environ.items() if k != "PIRAMIDE_DEBUG"}
    done = subprocess.run(
        [_console_script(), "sets", "validate", str(good), str(good.parent / "weg.yaml")],
        capture_output=True, text=True, timeout=60, env=env,
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stdout.startswith(f"{good}: valid: klein 1")
    assert done.stderr == f"piramide: error: {good.parent / 'weg.yaml'}: no such YAML file\n"


# --- bundled sets by name ---------------------------------------------------------------


def test_list_prints_every_bundled_set(cli):
    """'sets list': id, version (the newest marked), fingerprint and number of indicators, one line each."""
    result = cli("sets", "list")
    assert result.code == 0 and result.err == ""
    header, *rows = result.out.splitlines()
    assert header.split() == ["id", "version", "fingerprint", "indicators"]
    assert [row.split() for row in rows] == [
        [b.id, b.version, *(["(newest)"] if b.name in ("nl-referentie@2026.2", "riec-voorbeeld@2026.2-voorbeeld.1") else []),
         b.load().fingerprint, str(len(b.load().indicators))]
        for b in bundled_sets()
    ]
    assert [row.split()[:2] for row in rows][:2] == [["nl-referentie", "2026.1"], ["nl-referentie", "2026.2"]]


def test_list_json(cli):
    """'sets list --json': a list of objects with id, version, name, newest, fingerprint and indicators."""
    data = json.loads(cli("sets", "list", "--json").out)
    ref = [d for d in data if d["id"] == "nl-referentie"]
    assert [(d["version"], d["name"], d["newest"], d["indicators"]) for d in ref] == [
        ("2026.1", "nl-referentie@2026.1", False, 105),
        ("2026.2", "nl-referentie@2026.2", True, 105),
    ]
    assert all(d["fingerprint"] == load_set(d["name"]).fingerprint for d in data)


def test_show_by_name(cli):
    """'sets show nl-referentie@2026.1' shows the released version; 'nl-referentie' the newest."""
    old = cli("sets", "show", "nl-referentie@2026.1", "--json")
    assert old.code == 0 and json.loads(old.out)["version"] == "2026.1"
    assert json.loads(cli("sets", "show", "nl-referentie", "--json").out)["version"] == "2026.2"


def test_new_with_a_bundled_name(cli, tmp_path):
    """'new --set nl-referentie@2026.1' makes a dashboard on the released version; without --set, the newest."""
    old = cli("new", "--gemeente", "Oudstad", "--set", "nl-referentie@2026.1", "--out", tmp_path / "oud.xlsx")
    assert old.code == 0 and "(nl-referentie 2026.1, 5 slots)" in old.out
    new = cli("new", "--gemeente", "Nieuwstad", "--out", tmp_path / "nieuw.xlsx")
    assert new.code == 0 and "(nl-referentie 2026.2, 5 slots)" in new.out


def test_upgrade_to_the_newest_by_name(cli, tmp_path):
    """'upgrade FILE --set nl-referentie' carries a blank 2026.1 dashboard to 2026.2 (nothing to drop)."""
    cli("new", "--gemeente", "Oudstad", "--set", "nl-referentie@2026.1", "--out", tmp_path / "oud.xlsx")
    result = cli("upgrade", tmp_path / "oud.xlsx", "--set", "nl-referentie", "--out", tmp_path / "nieuw.xlsx")
    assert result.code == 0, result.err
    assert "set    nl-referentie 2026.1 -> nl-referentie 2026.2" in result.out


def test_an_unknown_name_is_one_line_and_exit_2(cli):
    """'sets show nl-refrentie' (a typo): exit 2, one line that lists the bundled sets."""
    result = cli("sets", "show", "nl-refrentie")
    assert result.code == 2
    assert result.err.count("\n") == 1
    assert "no bundled set has this name; the bundled sets are nl-referentie@2026.1, nl-referentie@2026.2" in result.err
