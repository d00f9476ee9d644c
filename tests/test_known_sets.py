"""The set in a file is the set it claims: workbooks compared with the published sets.

The reader knows every bundled set and any set given with ``--set``. A
workbook whose stored set has the id and version of a known set but other
content is the error ``set-altered``; a set that is not known is the warning
``set-unknown``; ``progress`` reports files that claim one set with different
content instead of preferring one of them.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import openpyxl
import pytest

from helpers import REF_2026_1, SMALL_SET, edit, write_set
from piramide import IndicatorSet, InputError, KnownSets, bundled_set, load_set, read_workbook
from piramide import layout as L
from piramide.progress import region_progress
from piramide.sets import find_bundled
from piramide.writer import SlotContent, build_workbook

META_VERSION = f"{L.METADATA}!B{L.metadata_row('set_version') + 1}"


def small_answers(s: IndicatorSet) -> dict[str, str]:
    return {i.id: "ja" for i in s.indicators}


def alter_stored_set(path: Path, change) -> IndicatorSet:
    """Change the set stored in a workbook, and its fingerprint with it (as a careful tamperer would)."""
    wb = openpyxl.load_workbook(path)
    ws = wb[L.METADATA]
    row = next(r for r in range(1, 80) if ws.cell(r, 1).value == "set_json")
    parts, col = [], 2
    while ws.cell(row, col).value not in (None, ""):
        parts.append(ws.cell(row, col).value)
        ws.cell(row, col).value = None
        col += 1
    data = json.loads("".join(parts))
    change(data)
    altered = IndicatorSet.from_canonical_json(json.dumps(data, ensure_ascii=False))
    text = altered.canonical_json()
    for k in range(0, len(text), 30000):
        ws.cell(row, 2 + k // 30000).value = text[k : k + 30000]
    ws.cell(L.metadata_row("fingerprint") + 1, 2).value = altered.fingerprint
    wb.save(path)
    return altered


def lower_threshold(data: dict) -> None:
    data["threshold"] = "0.5"


@pytest.fixture
def small(tmp_path) -> tuple[Path, IndicatorSet]:
    path = write_set(tmp_path, SMALL_SET, "klein.yaml")
    return path, load_set(path)


def small_workbook(folder: Path, s: IndicatorSet, name: str, gemeente: str | None = None) -> Path:
    content = [SlotContent(answers=small_answers(s), date=dt.date(2025, 5, 1))]
    return build_workbook(folder / name, gemeente=gemeente or name, indicator_set=s, content=content)


# --- the reader ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["nl-referentie@2026.1", "nl-referentie@2026.2", "riec-voorbeeld"])
def test_a_workbook_on_a_bundled_set_has_no_set_issue(tmp_path, name):
    """Every bundled version is known: its dashboards read without a set issue."""
    s = load_set(name)
    reading = read_workbook(build_workbook(tmp_path / "a.xlsx", gemeente="A", indicator_set=s))
    assert reading.issues == []


def test_an_altered_bundled_set_is_the_error_set_altered(tmp_path, reference):
    """A 2026.1 dashboard whose stored threshold was lowered (fingerprint updated too): set-altered."""
    path = build_workbook(tmp_path / "a.xlsx", gemeente="A", indicator_set=reference)
    altered = alter_stored_set(path, lower_threshold)
    reading = read_workbook(path)
    assert [(i.code, i.severity, i.location) for i in reading.issues if i.code.startswith(("set", "finger"))] == [
        ("set-altered", "error", META_VERSION)
    ]
    message = reading.errors[0].message
    assert "claims to be nl-referentie 2026.1 but differs from the published set" in message
    assert altered.fingerprint[:19] in message and reference.fingerprint[:19] in message


def test_an_altered_indicator_is_set_altered_too(tmp_path, reference):
    """Changing one statement inside the stored set (and the sheet would follow) is set-altered."""
    path = build_workbook(tmp_path / "a.xlsx", gemeente="A", indicator_set=reference)

    def change(data):
        data["indicators"][0]["text"] = "De burgemeester vindt ondermijning belangrijk."

    alter_stored_set(path, change)
    assert "set-altered" in [i.code for i in read_workbook(path).errors]


def test_an_unknown_set_is_a_warning_that_names_it(tmp_path, small):
    """A dashboard on a set that is neither bundled nor given: the warning set-unknown, naming 'klein 1'."""
    _, s = small
    reading = read_workbook(small_workbook(tmp_path, s, "k.xlsx"))
    assert [(i.code, i.severity, i.location) for i in reading.issues] == [("set-unknown", "warning", META_VERSION)]
    assert reading.warnings[0].message.startswith("the set klein 1 is neither bundled with piramide nor given")


def test_a_set_given_is_known(tmp_path, small):
    """With the set given (known=KnownSets([set])), its dashboards have no issue; an altered copy is set-altered."""
    _, s = small
    known = KnownSets([s])
    good = small_workbook(tmp_path, s, "goed.xlsx")
    bad = small_workbook(tmp_path, s, "fout.xlsx")
    alter_stored_set(bad, lower_threshold)
    assert read_workbook(good, known).issues == []
    assert [i.code for i in read_workbook(bad, known).issues if i.code != "cache-missing"] == ["set-altered"]


def test_a_given_set_cannot_claim_a_bundled_id_and_version(tmp_path):
    """A file that says 'nl-referentie 2026.2' but differs from the bundled set is refused as a known set."""
    text = find_bundled("nl-referentie").path.read_text(encoding="utf-8")
    path = write_set(tmp_path, edit(text, "threshold: 0.75", "threshold: 0.6"), "kopie.yaml")
    with pytest.raises(InputError, match=r"two different sets claim to be nl-referentie 2026\.2"):
        KnownSets([load_set(path)])
    KnownSets([bundled_set("nl-referentie"), bundled_set(REF_2026_1)])  # the published ones themselves: fine


# --- the command line ------------------------------------------------------------------------


def test_read_exits_1_on_an_altered_set(cli, tmp_path, reference):
    """piramide read: set-altered is an error (exit 1) with its cell."""
    path = build_workbook(tmp_path / "a.xlsx", gemeente="A", indicator_set=reference)
    alter_stored_set(path, lower_threshold)
    result = cli("read", path)
    assert result.code == 1
    assert f"{META_VERSION}: the set stored in the dashboard claims to be nl-referentie 2026.1" in result.out


def test_read_with_set_knows_the_given_set(cli, tmp_path, small):
    """piramide read --set FILE: the warning goes away; without it the warning is shown (exit 0)."""
    path_set, s = small
    wb = small_workbook(tmp_path, s, "k.xlsx")
    without = cli("read", wb)
    assert without.code == 0 and "[warning: set-unknown]" in without.out
    given = cli("read", wb, "--set", path_set)
    assert given.code == 0 and "set-unknown" not in given.out and "No issues." in given.out


def test_check_with_set_names_and_repeats(cli, tmp_path, small):
    """piramide check --set may be repeated, with files and bundled names; an altered file is an error."""
    path_set, s = small
    folder = tmp_path / "regio"
    folder.mkdir()
    small_workbook(folder, s, "goed.xlsx")
    alter_stored_set(small_workbook(folder, s, "fout.xlsx"), lower_threshold)
    result = cli("check", folder, "--set", path_set, "--set", "nl-referentie@2026.1")
    assert result.code == 1
    (line,) = [line for line in result.out.splitlines() if "cache-missing" not in line]  # openpyxl saved it
    assert line.startswith(f"{folder / 'fout.xlsx'}: {META_VERSION}: the set stored in the dashboard claims to be klein 1")
    assert line.endswith("[error: set-altered]")


def test_a_set_option_that_is_no_set_is_refused(cli, tmp_path):
    """--set with a name that is neither a file nor a bundled set: exit 2, one line."""
    result = cli("check", tmp_path, "--set", "nl-refrentie")
    assert result.code == 2
    assert result.err.startswith("piramide: error: nl-refrentie: no such YAML file, and no bundled set")


# --- progress --------------------------------------------------------------------------------


def two_claims(tmp_path, small) -> tuple[Path, Path, Path]:
    """A folder with two workbooks that both claim 'klein 1', one with a lowered threshold."""
    _, s = small
    folder = tmp_path / "regio"
    folder.mkdir()
    a = small_workbook(folder, s, "a.xlsx", "Adorp")
    b = small_workbook(folder, s, "b.xlsx", "Bstad")
    alter_stored_set(b, lower_threshold)
    return folder, a, b


def test_progress_reports_two_files_that_claim_one_set_with_different_content(tmp_path, small):
    """Neither file is preferred: both are named, per fingerprint, in set_conflicts."""
    folder, a, b = two_claims(tmp_path, small)
    result = region_progress([a, b])
    fa, fb = read_workbook(a).indicator_set.fingerprint, read_workbook(b).indicator_set.fingerprint
    assert result.set_conflicts == [
        {"set": {"id": "klein", "version": "1"}, "files": dict(sorted({fa: [str(a)], fb: [str(b)]}.items()))}
    ]
    assert result.to_json()["set_conflicts"] == result.set_conflicts


def test_progress_cli_exits_1_on_a_set_conflict_and_names_both_files(cli, tmp_path, small):
    """The text output names the conflict and both files; the exit code is 1."""
    folder, a, b = two_claims(tmp_path, small)
    result = cli("progress", folder)
    assert result.code == 1
    assert "Set conflict: 2 different sets claim to be klein 1 (none of them is preferred):" in result.out
    assert str(a) in result.out.split("Set conflict")[1] and str(b) in result.out.split("Set conflict")[1]


def test_progress_with_set_uses_the_published_one_and_refuses_the_other(cli, tmp_path, small):
    """With the set given, the altered file is not used (set-altered) and there is no conflict left."""
    path_set, _ = small
    folder, a, b = two_claims(tmp_path, small)
    data = json.loads(cli("progress", folder, "--set", path_set, "--json").out)
    assert data["set_conflicts"] == []
    assert [e["file"] for e in data["errors"]] == [str(b)]
    assert "claims to be klein 1 but differs" in data["errors"][0]["message"]
    assert [g["file"] for g in data["gemeenten"]] == [str(a)]


def test_progress_passes_the_known_sets_to_its_worker_processes(tmp_path, small):
    """The parallel path (16 files or more) checks against the given sets as the serial one does."""
    _, s = small
    folder = tmp_path / "veel"
    folder.mkdir()
    files = [small_workbook(folder, s, f"g{k:02d}.xlsx", f"Gemeente {k}") for k in range(16)]
    alter_stored_set(files[3], lower_threshold)
    serial = region_progress(files, workers=1, known=KnownSets([s]))
    parallel = region_progress(files, workers=2, known=KnownSets([s]))
    assert [e.file for e in parallel.errors] == [e.file for e in serial.errors] == [str(files[3])]
    assert parallel.set_conflicts == serial.set_conflicts == []


def test_an_altered_workbook_cannot_be_upgraded_into_a_clean_one(tmp_path, reference):
    """upgrade refuses a workbook whose set was altered: the change cannot be laundered into the next version."""
    from piramide.errors import UpgradeRefused
    from piramide.upgrade import upgrade_workbook

    path = build_workbook(tmp_path / "a.xlsx", gemeente="A", indicator_set=reference)
    alter_stored_set(path, lower_threshold)
    with pytest.raises(UpgradeRefused):
        upgrade_workbook(path, tmp_path / "b.xlsx", new_set=bundled_set("nl-referentie"), allow_drop=True)
    assert not (tmp_path / "b.xlsx").exists()
