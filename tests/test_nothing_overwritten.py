"""Nothing that holds answers is overwritten; outputs keep their place, their permissions and the user's words.

Issue 9, point 5: ``new --force`` (single and batch) never replaces a
dashboard with answers; ``--skip-existing`` reruns a batch; ``progress``
never writes over its inputs or any dashboard, and skips its own overviews
in folders; a replaced file keeps its permission bits; SIGTERM and SIGHUP
are handled like Ctrl-C (no temporary file, no worker left); errors name
the user's path.
"""

from __future__ import annotations

import errno
import os
import signal
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from helpers import SMALL_SET, write_set
from wb import filled_workbook

from piramide._files import write_atomic
from piramide._outputs import is_dashboard, is_piramide_output, refuse_overwriting_answers
from piramide.errors import OutputError, OutputHoldsAnswers
from piramide.writer import build_workbook

TABLE = """
| id      | 0-meting |
| BO-1.01 | ja       |
| BO-1.02 | nee      |
"""


@pytest.fixture
def small_set(tmp_path):
    return write_set(tmp_path, SMALL_SET, "klein.yaml")


@pytest.fixture
def filled(tmp_path) -> Path:
    """A dashboard of the reference set with two answers in the 0-meting."""
    return filled_workbook(tmp_path, TABLE, gemeente="Utrecht", name="Utrecht.xlsx")


def _names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# --- new --force ---------------------------------------------------------------------------------


def test_new_force_refuses_to_replace_a_dashboard_with_answers(cli, filled):
    """--force on a dashboard with answers: exit 1, the answers listed, the file byte for byte unchanged."""
    before = filled.read_bytes()
    r = cli("new", "--gemeente", "Utrecht", "--out", filled, "--force")
    assert r.code == 1
    assert r.err.strip() == (
        f"piramide: error: {filled}: holds answers: 0-meting (2 answers); a dashboard with answers is never "
        "overwritten: move it away first"
    )
    assert filled.read_bytes() == before
    assert _names(filled.parent) == ["Utrecht.xlsx"]


def test_new_force_refuses_a_dashboard_with_only_a_date_and_name(cli, tmp_path):
    """A slot with a typed date and name but no answers is content too: it is listed and kept."""
    path = filled_workbook(tmp_path, "| id | 0-meting |\n| BO-1.01 | |", dates={1: "1-3-2026"}, by={1: "A. de Vries"})
    before = path.read_bytes()
    r = cli("new", "--gemeente", "Teststad", "--out", path, "--force")
    assert r.code == 1 and "holds answers: Meting 1 (a date, name or notes)" in r.err
    assert path.read_bytes() == before


def test_new_force_replaces_a_blank_dashboard(cli, tmp_path, small_set):
    """A dashboard without answers is replaced with --force (that is what --force is for)."""
    target = tmp_path / "x.xlsx"
    assert cli("new", "--gemeente", "Oud", "--out", target, "--set", small_set).code == 0
    r = cli("new", "--gemeente", "Nieuw", "--out", target, "--set", small_set, "--force")
    assert r.code == 0, r.err
    from wb import read_metadata

    assert read_metadata(target)["gemeente"] == "Nieuw"


def test_new_force_refuses_an_unreadable_dashboard(cli, tmp_path, filled):
    """A file that looks like a dashboard but cannot be read may hold answers: it is not replaced."""
    import zipfile

    damaged = tmp_path / "kapot.xlsx"
    with zipfile.ZipFile(filled) as src, zipfile.ZipFile(damaged, "w") as dst:
        for item in src.infolist():
            dst.writestr(item, src.read(item).replace(b">set_json<", b">set_jsox<"))  # the stored set is lost
    assert is_dashboard(damaged)
    before = damaged.read_bytes()
    r = cli("new", "--gemeente", "Utrecht", "--out", damaged, "--force")
    assert r.code == 1 and "looks like a dashboard but cannot be read, so it may hold answers" in r.err
    assert damaged.read_bytes() == before


def test_batch_force_keeps_the_dashboard_with_answers_and_writes_the_rest(cli, tmp_path, filled):
    """--gemeenten --force: the row whose file holds answers fails with its line; the others are written."""
    out = filled.parent
    csv = tmp_path / "regio.csv"
    csv.write_text("gemeente\nUtrecht\nZeist\n", encoding="utf-8")
    before = filled.read_bytes()
    r = cli("new", "--gemeenten", csv, "--out-dir", out, "--force")
    assert r.code == 1
    assert f"{csv}:2: Utrecht: {filled}: holds answers: 0-meting (2 answers)" in r.err
    assert "1 of 2 dashboards written" in r.out
    assert filled.read_bytes() == before and (out / "Zeist.xlsx").exists()


# --- new --gemeenten --skip-existing ---------------------------------------------------------------------


def test_skip_existing_keeps_existing_files_and_counts_them(cli, tmp_path, filled, small_set):
    """A rerun with --skip-existing keeps what exists (answers or not), writes the rest, exits 0."""
    out = filled.parent
    csv = tmp_path / "regio.csv"
    csv.write_text("gemeente\nUtrecht\nZeist\nHouten\n", encoding="utf-8")
    assert cli("new", "--gemeente", "Zeist", "--out", out / "Zeist.xlsx", "--set", small_set).code == 0
    kept = {name: (out / name).read_bytes() for name in ("Utrecht.xlsx", "Zeist.xlsx")}
    r = cli("new", "--gemeenten", csv, "--out-dir", out, "--skip-existing")
    assert r.code == 0, r.err
    assert r.out.strip() == f"1 of 3 dashboards written to {out}; 2 existed already and were kept"
    assert {name: (out / name).read_bytes() for name in kept} == kept
    assert (out / "Houten.xlsx").exists()


def test_skip_existing_twice_writes_nothing_the_second_time(cli, tmp_path, small_set):
    """The second run of the same batch keeps all files: 0 written, all counted as kept, exit 0."""
    csv = tmp_path / "regio.csv"
    csv.write_text("gemeente\nA\nB\n", encoding="utf-8")
    out = tmp_path / "uit"
    assert cli("new", "--gemeenten", csv, "--out-dir", out, "--set", small_set).code == 0
    r = cli("new", "--gemeenten", csv, "--out-dir", out, "--set", small_set, "--skip-existing")
    assert (r.code, r.out.strip()) == (0, f"0 of 2 dashboards written to {out}; 2 existed already and were kept")


@pytest.mark.parametrize(
    "args",
    [
        ("--gemeenten", "regio.csv", "--out-dir", "uit", "--skip-existing", "--force"),
        ("--gemeente", "Utrecht", "--skip-existing"),
    ],
)
def test_skip_existing_is_refused_where_it_means_nothing(cli, tmp_path, monkeypatch, args):
    """--skip-existing with --force, or for one workbook: bad usage (exit 2), nothing written."""
    monkeypatch.chdir(tmp_path)
    Path("regio.csv").write_text("gemeente\nA\n", encoding="utf-8")
    r = cli("new", *args)
    assert r.code == 2 and "--skip-existing" in r.err
    assert _names(tmp_path) == ["regio.csv"]


# --- progress outputs --------------------------------------------------------------------------------------


def test_progress_output_that_is_an_input_is_refused_even_with_force(cli, filled):
    """--xlsx naming one of the workbooks read: exit 1, the workbook untouched."""
    before = filled.read_bytes()
    r = cli("progress", filled.parent, "--xlsx", filled, "--force")
    assert r.code == 1
    assert r.err.strip() == f"piramide: error: {filled}: is one of the workbooks read; choose another file for the output"
    assert filled.read_bytes() == before


@pytest.mark.parametrize("option", ["--xlsx", "--csv"])
def test_progress_output_that_is_any_dashboard_is_refused_even_with_force(cli, tmp_path, filled, option):
    """An output path that is a dashboard (not among the inputs) is never overwritten."""
    other = tmp_path / "elders"
    other.mkdir()
    target = filled_workbook(other, TABLE, gemeente="Zeist", name="Zeist.xlsx")
    before = target.read_bytes()
    r = cli("progress", filled, option, target, "--force")
    assert r.code == 1
    assert f"{target}: is a Piramide dashboard; it is never overwritten by an output" in r.err
    assert target.read_bytes() == before


def test_a_folder_scan_skips_the_overview_progress_wrote(cli, filled):
    """The overview written into the folder is recognised by its metadata and skipped without an error."""
    folder = filled.parent
    first = cli("progress", folder, "--xlsx", folder / "overzicht.xlsx")
    assert first.code == 0, first.err
    assert is_piramide_output(folder / "overzicht.xlsx") and not is_dashboard(folder / "overzicht.xlsx")
    assert not is_piramide_output(filled)
    again = cli("progress", folder, "--json")
    assert again.code == 0, again.err
    import json

    report = json.loads(again.out)
    assert report["errors"] == [] and report["region"]["files"] == 1
    check = cli("check", folder)
    assert check.code == 0 and "1 workbook:" in check.err


def test_a_named_overview_is_still_reported(cli, filled):
    """Named on the command line (not found in a folder), an overview is read and refused as not a dashboard."""
    folder = filled.parent
    assert cli("progress", filled, "--xlsx", folder / "overzicht.xlsx").code == 0
    r = cli("check", folder / "overzicht.xlsx")
    assert r.code == 2 and "not a Piramide dashboard" in r.out


# --- permissions -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", [0o600, 0o640, 0o664])
def test_a_replaced_file_keeps_its_permission_bits(tmp_path, mode):
    """write_atomic with force keeps the mode of the file it replaces."""
    target = tmp_path / "x.csv"
    target.write_bytes(b"oud")
    target.chmod(mode)
    write_atomic(target, b"nieuw", force=True)
    assert target.read_bytes() == b"nieuw"
    assert stat.S_IMODE(target.stat().st_mode) == mode


def test_new_force_keeps_the_permission_bits_of_a_blank_dashboard(cli, tmp_path, small_set):
    """`new --force` over a blank dashboard made private (0600) leaves it private."""
    target = tmp_path / "x.xlsx"
    assert cli("new", "--gemeente", "A", "--out", target, "--set", small_set).code == 0
    target.chmod(0o600)
    assert cli("new", "--gemeente", "A", "--out", target, "--set", small_set, "--force").code == 0
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


# --- error messages name the user's path ---------------------------------------------------------------------


def test_an_unwritable_folder_is_named_by_the_users_path(cli, tmp_path, monkeypatch, small_set):
    """The temporary file cannot be made (as in a read-only folder): the message names the output, not the temp file."""
    target = tmp_path / "ro" / "x.xlsx"
    target.parent.mkdir()

    def refuse(prefix="", suffix="", dir=None):  # what mkstemp raises in a folder without write permission
        raise PermissionError(errno.EACCES, "Permission denied", os.path.join(dir, f"{prefix}abc{suffix}"))

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    r = cli("new", "--gemeente", "A", "--out", target, "--set", small_set)
    assert (r.code, r.err.strip()) == (2, f"piramide: error: {target}: the folder is not writable")
    assert ".tmp" not in r.err


def test_an_output_folder_that_is_a_file_is_named(cli, tmp_path, monkeypatch, small_set):
    """--out-dir naming a file: `out: is a file, not a folder`, exit 2."""
    monkeypatch.chdir(tmp_path)
    Path("out").write_text("ik ben een bestand")
    Path("regio.csv").write_text("gemeente\nA\n", encoding="utf-8")
    r = cli("new", "--gemeenten", "regio.csv", "--out-dir", "out", "--set", small_set)
    assert (r.code, r.err.strip()) == (2, "piramide: error: out: is a file, not a folder")
    r = cli("new", "--gemeente", "A", "--out", "out/sub/a.xlsx", "--set", small_set)
    assert (r.code, r.err.strip()) == (2, "piramide: error: out: is a file, not a folder")


def test_write_atomic_refuses_a_folder_as_the_target(tmp_path):
    """A target that is a folder: one line naming it, never the temporary file."""
    (tmp_path / "map.xlsx").mkdir()
    with pytest.raises(OutputError, match=r"map\.xlsx: is a folder, not a file$"):
        write_atomic(tmp_path / "map.xlsx", b"x", force=True)


# --- SIGTERM and SIGHUP ---------------------------------------------------------------------------------------


def _children(pid: int) -> set[int]:
    """The live child processes of ``pid`` (from /proc)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.add(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie has ended; only its exit status is left for its (new) parent


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc to list child processes")
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_a_batch_stopped_by_a_signal_leaves_no_worker_and_no_temporary_file(tmp_path, sig):
    """A real `piramide new --gemeenten` in two worker processes, stopped mid-way: workers end, no .tmp stays."""
    csv = tmp_path / "land.csv"
    csv.write_text("gemeente\n" + "".join(f"Gemeente {n}\n" for n in range(2000)), encoding="utf-8")
    out = tmp_path / "uit"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "piramide"), "new", "--gemeenten", str(csv), "--out-dir", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        deadline = time.time() + 60
        workers: set[int] = set()
        while time.time() < deadline:
            workers |= _children(proc.pid)
            if len(workers) >= 2 and out.is_dir() and len(list(out.glob("*.xlsx"))) >= 4:
                break
            time.sleep(0.05)
        assert len(workers) >= 2 and proc.poll() is None, "the batch did not get going with two workers"
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 128 + sig, err
    assert err.strip().endswith(f"piramide: error: stopped ({signal.Signals(sig).name})"), err
    assert "Traceback" not in err
    time.sleep(0.5)
    assert [w for w in workers if _alive(w)] == []
    leftovers = [p.name for p in out.iterdir() if not p.name.endswith(".xlsx") or p.name.startswith(".")]
    assert leftovers == []
    written = sorted(out.glob("*.xlsx"))
    assert 4 <= len(written) < 2000
    from piramide.reader import read_workbook

    for path in written:  # every file that is there is whole
        assert read_workbook(path).gemeente.startswith("Gemeente ")


def test_a_stop_signal_in_one_process_removes_the_temporary_file(tmp_path):
    """In the parent, SIGTERM during a write raises like Ctrl-C, and the temporary file is removed."""
    from piramide._pool import Stopped, stop_signals_interrupt

    target = tmp_path / "x.xlsx"

    def stop_while_writing(tmp: Path) -> None:
        assert tmp.exists()
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(1)  # the handler raises before this ends

    with pytest.raises(Stopped), stop_signals_interrupt():
        write_atomic(target, b"data", verify=stop_while_writing)
    assert _names(tmp_path) == []
    assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL


def test_refuse_overwriting_answers_is_the_one_check(filled, tmp_path):
    """The check the commands use: a dashboard with answers raises; a blank one, another file or none passes."""
    before = filled.read_bytes()
    with pytest.raises(OutputHoldsAnswers, match="holds answers"):
        refuse_overwriting_answers(filled)
    assert filled.read_bytes() == before
    blank = build_workbook(tmp_path / "leeg.xlsx", gemeente="Leeg")
    (tmp_path / "tekst.xlsx").write_text("geen werkmap")
    for path in (blank, tmp_path / "tekst.xlsx", tmp_path / "er-niet.xlsx"):
        refuse_overwriting_answers(path)


def test_upgrade_force_refuses_to_replace_a_dashboard_with_answers(cli, tmp_path, filled):
    """`upgrade --force` onto a dashboard that holds answers (filled in since?): exit 1, it is kept."""
    (tmp_path / "elders").mkdir()
    target = filled_workbook(tmp_path / "elders", TABLE, gemeente="Utrecht", name="Utrecht-meer.xlsx")
    before = target.read_bytes()
    r = cli("upgrade", filled, "--slots", "6", "--out", target, "--force")
    assert r.code == 1 and f"{target}: holds answers: 0-meting (2 answers)" in r.err
    assert target.read_bytes() == before


def _sleep(seconds: float) -> float:
    time.sleep(seconds)
    return seconds


def test_a_pool_left_by_an_interrupt_ends_its_workers_at_once():
    """The pool of `progress` and `new --gemeenten`: leaving it by Ctrl-C ends the workers, queued work dropped."""
    from piramide._pool import worker_pool

    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt), worker_pool(2) as pool:
        futures = [pool.submit(_sleep, 30) for _ in range(6)]
        workers = list(pool._processes.values())
        time.sleep(0.5)
        raise KeyboardInterrupt
    assert time.monotonic() - started < 15  # not 30 s of sleeping, let alone 90
    assert workers and not any(w.is_alive() for w in workers)
    assert sum(f.cancelled() for f in futures) >= 2  # the queued work was dropped, not run
