#!/usr/bin/env python3
"""Benchmark for ``piramide progress`` on a whole region (issue 5, point 9).

Run it with the project's virtual environment, from the repository root::

    .venv/bin/python scripts/bench_progress.py [--n 342] [--repeat 3] [--keep DIR] [--profile]

What it measures, side by side in one run:

1. **The input**: a fictional region of ``--n`` (342) filled-in dashboards
   with 5 measurements each, in 5 slots, made by
   ``scripts/simulate_region.py`` (``simulate_region(DIR, n, measurements=5,
   slots=5)``). The generation time is printed but is not part of any
   target. With ``--keep DIR`` the files are kept there and reused by later
   runs when DIR holds exactly ``--n`` workbooks that this piramide still
   reads without errors (otherwise they are regenerated, overwriting only
   the simulated file names); without it everything goes into a temporary
   folder that is removed at the end.
2. **Ours, end to end**: ``piramide progress DIR --json`` (the venv's console
   script, process start included), stdout into a temporary file. One
   untimed warm-up run first; its JSON is parsed to check that it lists
   every municipality with all its measurements and no errors (else the
   benchmark is broken: exit 1). Then ``--repeat`` timed runs. Per run:
   the wall time (``Popen`` to reaping), the CPU time (user + system, of
   the process and the workers it reaped: what the work costs whatever the
   load of the machine; on ``c`` cores the wall time cannot go below CPU /
   c), and the peak memory two ways:

   * **largest single process**: the command runs under a tiny launcher,
     ``/usr/bin/time -f %M`` (GNU time) or, without it, a fresh ``python -S
     -c`` that starts it with ``os.posix_spawnp`` and reports ``ru_maxrss``
     from ``os.wait4``. That rusage covers the command *and* the descendants it
     reaped (the worker processes of the pool), so it is the max RSS of the
     largest single process of the tree. The launcher matters: Linux records
     the RSS of the process that calls ``exec`` in the child's ``maxrss``,
     so ``ru_maxrss`` of a child spawned straight from this (large) script
     would show this script's own RSS; a fresh launcher per run also keeps
     earlier children out (the pitfall of ``RUSAGE_CHILDREN``). The figure
     is at least the launcher's own RSS (about 1 MB for GNU time, 10 MB for
     the python launcher; printed).
   * **whole process tree**: a thread samples every 20 ms the ``VmRSS`` of
     the child and all its descendants (found through the parent pid in
     ``/proc/<pid>/stat``; no psutil; the launcher left out) and keeps the
     peak of the sum. Shared pages (the interpreter and libraries, pages the
     forked workers still share with the parent) are counted in every
     process, so this sum is an upper bound of what the tree really needs;
     a peak shorter than 20 ms can be missed. The sampler's own CPU time is
     printed.
3. **The baseline, the same reading with openpyxl**: for every workbook,
   ``openpyxl.load_workbook(path, read_only=True, data_only=True)``, every
   row of ``Metadata``, ``Vragenlijst``, ``Berekening`` and ``Actieplan`` iterated with
   ``values_only=True``, then ``close()``; single process. Run twice per
   round: as a fresh ``python -c`` process (process start and the import of
   openpyxl included, measured exactly like ours) and in this process
   (openpyxl imported beforehand). It only iterates values: no validation,
   scoring or report, which ours does on top. The methods are interleaved
   round by round and their order rotates, so drift in machine load hits
   them alike. The ratio openpyxl / ours (median wall times) is printed.
4. **The verdict**: the targets of the issues (the 342 files in under 5 s
   wall time, issue 15: at most 1.5 s, and under 300 MB peak memory; MB =
   10^6 bytes) next to the
   figures, PASS/MISS each. Memory is judged on both the largest process
   and the whole tree.
5. **Machine context**: cpu count, load average, python and package
   versions. Other work on the machine skews the figures.
6. With ``--profile``, where the time goes: a breakdown of one run in this
   process (imports and process start, finding the files, reading in the
   pool and in one process, the aggregation, the JSON), the cost of
   pickling what each worker sends back to the parent per file (the lean
   result of ``_read_in_worker``), next to a whole
   :class:`~piramide.reader.WorkbookReading` and its parts, and the top
   cumulative entries of a cProfile of ``region_progress(files, workers=1)``
   that live in ``piramide/``, and the memory a reading holds in the parent, read in
   this process and after the trip through pickle (tracemalloc).

A MISS does not fail the run (this is a benchmark, not a test): the exit
status is 0 unless something is broken (the CLI fails, its JSON lacks a
municipality or reports errors, the baseline reads fewer files), then 1.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import datetime as dt
import io
import json
import os
import pickle
import platform
import pstats
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for _p in (ROOT, ROOT / "scripts"):
    if str(_p) not in sys.path:
        sys.path.insert(0, str(_p))

import openpyxl  # noqa: E402,F401  (imported before the in-process baseline is timed)

import piramide  # noqa: E402
from piramide import layout as L  # noqa: E402
from piramide import progress as progress_module  # noqa: E402
from piramide.reader import read_workbook  # noqa: E402
from simulate_region import simulate_region  # noqa: E402

TARGET_WALL_S = 5.0
"""Issue 5, point 9: the 342 files in under 5 s wall time..."""
TARGET_MEM_MB = 300.0
"""... and under 300 MB peak memory (MB = 10^6 bytes)."""
TARGET_WALL_S_15 = 1.5
"""Issue 15, point 2: at most 1.5 s end to end on 2 cores (and the same memory bound)."""
MEASUREMENTS = 5
SLOTS = 5
SAMPLE_EVERY_S = 0.02
SHEETS = (L.METADATA, L.QUESTIONS, L.CALCULATION, L.ACTIONS)
"""The sheets :func:`piramide.read_workbook` parses; the baseline iterates the same ones."""

BASELINE = f"""
import sys
from pathlib import Path

import openpyxl

SHEETS = {SHEETS!r}


def read_all(folder):
    files = sorted(p for p in Path(folder).rglob("*.xlsx") if not p.name.startswith(("~$", ".~lock")))
    rows = 0
    for path in files:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        try:
            for name in SHEETS:
                for _ in wb[name].iter_rows(values_only=True):
                    rows += 1
        finally:
            wb.close()
    return len(files), rows


if __name__ == "__main__":
    print(*read_all(sys.argv[1]))
"""
"""The openpyxl baseline: run as ``python -c BASELINE DIR`` and, in this process, through ``exec``."""


class Broken(Exception):
    """The benchmark cannot give meaningful figures (exit 1)."""


# --- measuring a process tree ----------------------------------------------------------


class TreeSampler(threading.Thread):
    """Samples the summed VmRSS of a process and its descendants every 20 ms, from /proc."""

    def __init__(self, root: int, skip_root: bool = False):
        super().__init__(daemon=True)
        self.root = root
        self.skip_root = skip_root
        self.stop = threading.Event()
        self.peak_kb = 0
        self.peak_procs = 0
        self.samples = 0
        self.cpu_s = 0.0
        self._ppid: dict[int, int] = {}

    def run(self) -> None:
        start = time.thread_time()
        while True:
            self.sample()
            if self.stop.wait(SAMPLE_EVERY_S):
                break
        self.cpu_s = time.thread_time() - start

    def sample(self) -> None:
        pids = {int(name) for name in os.listdir("/proc") if name.isdigit()}
        for gone in self._ppid.keys() - pids:
            del self._ppid[gone]
        for pid in pids - self._ppid.keys():  # only new processes: a parent pid does not change while it lives
            ppid = _ppid(pid)
            if ppid is not None:
                self._ppid[pid] = ppid
        tree, todo = [], [self.root]
        children: dict[int, list[int]] = {}
        for pid, ppid in self._ppid.items():
            children.setdefault(ppid, []).append(pid)
        while todo:
            pid = todo.pop()
            tree.append(pid)
            todo.extend(children.get(pid, ()))
        if self.skip_root:
            tree.remove(self.root)
        rss = [kb for kb in map(_rss_kb, tree) if kb]
        self.samples += 1
        self.peak_kb = max(self.peak_kb, sum(rss))
        self.peak_procs = max(self.peak_procs, len(rss))


def _ppid(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
    except OSError:
        return None
    return int(stat[stat.rindex(b")") + 2 :].split()[1])  # fields after "(comm)": state, ppid, ...


def _rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status", "rb") as f:
            for line in f:
                if line.startswith(b"VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0  # gone, or a zombie (no VmRSS)


@dataclass
class Run:
    wall_s: float
    returncode: int
    cpu_s: float  # user + system of the process and the descendants it reaped
    maxrss_kb: int  # the largest single process of the tree (wait4)
    tree_kb: int  # the peak of the summed VmRSS of the tree (sampled)
    procs: int
    samples: int
    sampler_cpu_s: float
    stdout: Path
    stderr: Path


LAUNCHER = """
import os, sys
pid = os.posix_spawnp(sys.argv[2], sys.argv[2:], os.environ)
_, status, usage = os.wait4(pid, 0)
with open(sys.argv[1], "w") as f:
    f.write(f"{usage.ru_maxrss} {usage.ru_utime} {usage.ru_stime}")
sys.exit(os.waitstatus_to_exitcode(status))
"""
"""The fallback launcher without GNU time: ``python -S -c LAUNCHER MAXRSS_FILE CMD...``."""


def launcher(work: Path) -> tuple[list[str], str]:
    """The launcher prefix (the output file follows it), and its name with its own max RSS."""
    out = work / "probe.rss"
    gnu_time = shutil.which("time", path="/usr/bin:/bin")
    if gnu_time:
        probe = subprocess.run([gnu_time, "-f", "%M %U %S", "-o", str(out), "/bin/true"], capture_output=True)
        fields = out.read_text().split() if probe.returncode == 0 and out.exists() else []
        if len(fields) == 3 and fields[0].isdigit():
            return [gnu_time, "-f", "%M %U %S", "-o"], f"{gnu_time} -f '%M %U %S' (reports {fields[0]} KB for /bin/true)"
    subprocess.run([sys.executable, "-S", "-c", LAUNCHER, str(out), "/bin/true"], check=True)
    prefix = [sys.executable, "-S", "-c", LAUNCHER]
    return prefix, f"python -S launcher (reports {out.read_text().split()[0]} KB for /bin/true)"


_LAUNCHER: list[str] = []


def run_measured(cmd: list[str], stdout: Path, stderr: Path) -> Run:
    """Run ``cmd`` (stdout and stderr into files); wall time, peak of the largest process, peak of the tree."""
    rss_file = stdout.with_suffix(".rss")
    rss_file.unlink(missing_ok=True)
    with open(stdout, "wb") as out, open(stderr, "wb") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen([*_LAUNCHER, str(rss_file), *cmd], stdin=subprocess.DEVNULL, stdout=out, stderr=err)
        sampler = TreeSampler(proc.pid, skip_root=True)
        sampler.start()
        proc.wait()
        wall = time.perf_counter() - t0
        sampler.stop.set()
        sampler.join()
    try:  # GNU time writes "Command exited with non-zero status N" first when it did
        rss, user, system = rss_file.read_text().strip().splitlines()[-1].split()
        maxrss, cpu = int(rss), float(user) + float(system)
    except (OSError, ValueError, IndexError):
        raise Broken(f"the launcher reported no max RSS for {cmd[0]} (exit {proc.returncode})") from None
    return Run(wall, proc.returncode, cpu, maxrss, sampler.peak_kb, sampler.peak_procs, sampler.samples,
               sampler.cpu_s, stdout, stderr)  # fmt: skip


def mb(kb: float) -> float:
    return kb * 1024 / 1e6


# --- the region ---------------------------------------------------------------------------


def _workbooks(folder: Path) -> list[Path]:
    from piramide.cli import find_workbooks

    return find_workbooks([folder])


def prepare_region(folder: Path, n: int) -> tuple[list[Path], str]:
    """The region's workbooks, generated or reused; and a line saying which and how long it took."""
    found = _workbooks(folder) if folder.is_dir() else []
    if len(found) == n:
        probe = read_workbook(found[0])
        if not probe.errors and len(probe.measurements) == MEASUREMENTS:
            return found, f"reused {n} workbooks in {folder} (--keep)"
        why = "; ".join(str(i) for i in probe.errors[:1]) or f"{len(probe.measurements)} measurements"
        note = f"the kept files do not read cleanly with this piramide ({why}); regenerated"
    elif found:
        raise Broken(f"{folder} holds {len(found)} .xlsx files, not {n}: use an empty folder for --keep")
    else:
        note = "generated"
    t0 = time.perf_counter()
    paths = simulate_region(folder, n=n, measurements=MEASUREMENTS, slots=SLOTS, force=bool(found))
    took = time.perf_counter() - t0
    if len(_workbooks(folder)) != n:
        raise Broken(f"{folder}: expected {n} workbooks after generating, found {len(_workbooks(folder))}")
    return sorted(paths), f"{note}: {n} workbooks in {took:.1f} s ({os.cpu_count()} processes) into {folder}"


def verify_json(path: Path, n: int) -> str:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise Broken(f"the output of piramide progress --json is not JSON ({exc})") from exc
    gemeenten, errors = data.get("gemeenten", []), data.get("errors", [])
    if errors:
        raise Broken(f"piramide progress reports {len(errors)} unreadable files, e.g. {errors[0]}")
    if len(gemeenten) != n:
        raise Broken(f"the JSON lists {len(gemeenten)} gemeenten, not {n}")
    short = [g["gemeente"] for g in gemeenten if len(g.get("measurements", [])) != MEASUREMENTS]
    if short:
        raise Broken(f"{len(short)} gemeenten do not have {MEASUREMENTS} measurements, e.g. {short[0]}")
    return (f"JSON checked: {len(gemeenten)} gemeenten with {MEASUREMENTS} measurements each, no errors "
            f"({path.stat().st_size / 1e6:.1f} MB of JSON)")  # fmt: skip


# --- the benchmark ------------------------------------------------------------------------


def _piramide_exe() -> str:
    exe = Path(sys.executable).parent / "piramide"
    if not exe.exists():
        raise Broken(f"{exe} not found: run with the project's venv (.venv/bin/python) after pip install -e .")
    return str(exe)


def benchmark(folder: Path, n: int, repeat: int, work: Path) -> tuple[dict[str, list[Run]], list[float], str]:
    ours_cmd = [_piramide_exe(), "progress", str(folder), "--json"]
    base_cmd = [sys.executable, "-c", BASELINE, str(folder)]

    warm = run_measured(ours_cmd, work / "warm.json", work / "warm.err")
    if warm.returncode not in (0, 1):  # 1: some files not used, which the JSON check below explains
        raise Broken(f"piramide progress exited {warm.returncode}: {warm.stderr.read_text()[-2000:]}")
    checked = verify_json(warm.stdout, n)
    if warm.returncode != 0:
        raise Broken(f"piramide progress exited {warm.returncode}: {warm.stderr.read_text()[-2000:]}")

    ns: dict = {"__name__": "baseline"}
    exec(BASELINE, ns)  # noqa: S102 (our own code, the same text the subprocess runs)
    runs: dict[str, list[Run]] = {"ours": [], "openpyxl": []}
    inproc: list[float] = []

    def ours() -> None:
        r = run_measured(ours_cmd, work / "ours.json", work / "ours.err")
        if r.returncode != 0:
            raise Broken(f"piramide progress exited {r.returncode}: {r.stderr.read_text()[-2000:]}")
        runs["ours"].append(r)

    def base_subprocess() -> None:
        r = run_measured(base_cmd, work / "base.out", work / "base.err")
        got = r.stdout.read_text().split()
        if r.returncode != 0 or not got or int(got[0]) != n:
            raise Broken(f"the openpyxl baseline failed (exit {r.returncode}, {got}): {r.stderr.read_text()[-2000:]}")
        runs["openpyxl"].append(r)

    def base_inprocess() -> None:
        t0 = time.perf_counter()
        files, _rows = ns["read_all"](str(folder))
        inproc.append(time.perf_counter() - t0)
        if files != n:
            raise Broken(f"the openpyxl baseline read {files} files, not {n}")

    methods = [ours, base_subprocess, base_inprocess]
    for k in range(repeat):
        for m in methods[k % 3 :] + methods[: k % 3]:
            m()
        o, b = runs["ours"][-1], runs["openpyxl"][-1]
        print(f"  round {k + 1}: ours {o.wall_s:6.2f} s (cpu {o.cpu_s:5.2f} s), {mb(o.maxrss_kb):4.0f} / "
              f"{mb(o.tree_kb):4.0f} MB ({o.procs} procs) | openpyxl subprocess {b.wall_s:6.2f} s (cpu "
              f"{b.cpu_s:5.2f} s), {mb(b.maxrss_kb):3.0f} MB | openpyxl in-process {inproc[-1]:6.2f} s; "
              f"load {os.getloadavg()[0]:.2f}", flush=True)  # fmt: skip
    return runs, inproc, checked


# --- profiling ------------------------------------------------------------------------------


def profile(files: list[Path], folder: Path) -> None:
    print("\nWhere the time goes (--profile; in this process unless said otherwise)")
    exe = _piramide_exe()
    starts = []
    for _ in range(3):
        t0 = time.perf_counter()
        subprocess.run([exe, "--version"], stdout=subprocess.DEVNULL, check=True)
        starts.append(time.perf_counter() - t0)
    imp = subprocess.run([sys.executable, "-X", "importtime", "-c", "import piramide.cli"],
                         capture_output=True, text=True, check=True).stderr  # fmt: skip
    top_imports = sorted(
        ((int(line.split("|")[1]), line.split("|")[2].strip()) for line in imp.splitlines()
         if line.startswith("import time:") and line.split("|")[1].strip().isdigit()),
        reverse=True,
    )[:5]  # fmt: skip

    from piramide.cli import find_workbooks
    from piramide.progress import read_all, region_progress

    t0 = time.perf_counter()
    found = find_workbooks([folder])
    t_find = time.perf_counter() - t0
    t0 = time.perf_counter()
    results = read_all(found)
    t_pool = time.perf_counter() - t0
    t0 = time.perf_counter()
    results1 = read_all(found, workers=1)
    t_one = time.perf_counter() - t0
    real_read_all = progress_module.read_all
    progress_module.read_all = lambda *args, **kwargs: list(results)  # aggregation alone
    try:
        t0 = time.perf_counter()
        region = region_progress(found)
        t_agg = time.perf_counter() - t0
    finally:
        progress_module.read_all = real_read_all
    t0 = time.perf_counter()
    data = region.to_json()
    t_tojson = time.perf_counter() - t0
    t0 = time.perf_counter()
    text = json.dumps(data, ensure_ascii=False, indent=2)
    t_dumps = time.perf_counter() - t0
    workers = min(os.cpu_count() or 1, len(found))
    print(f"  process start + imports (piramide --version, min of 3)  {min(starts):6.2f} s")
    print("    slowest imports (self+children, -X importtime): "
          + ", ".join(f"{name} {us / 1e3:.0f} ms" for us, name in top_imports))  # fmt: skip
    print(f"  find_workbooks                                        {t_find:6.2f} s")
    print(f"  read_all, pool of {workers} workers (as the CLI)           {t_pool:6.2f} s"
          f"   ({t_pool / len(found) * 1e3:.1f} ms per file)")  # fmt: skip
    print(f"  read_all, workers=1                                   {t_one:6.2f} s"
          f"   ({t_one / len(found) * 1e3:.1f} ms per file; speed-up of the pool {t_one / t_pool:.2f}x)")  # fmt: skip
    print(f"  aggregation (region_progress minus read_all)          {t_agg:6.2f} s")
    print(f"  RegionProgress.to_json()                              {t_tojson:6.2f} s")
    print(f"  json.dumps(indent=2), {len(text) / 1e6:.1f} MB                         {t_dumps:6.2f} s")

    # What each worker sends back: _read_in_worker's lean result (the reading without its indicator set, which a
    # worker sends once, as JSON, and without the scoring results); next to it a whole WorkbookReading and its parts.
    sample = [r for r in results1[:20] if not isinstance(r, progress_module.FileError)]
    sent_before = set(progress_module._SENT_SETS)
    progress_module._SENT_SETS.update(r.indicator_set.fingerprint for r in sample)  # as a worker after its first file
    try:
        lean = [progress_module._read_in_worker(Path(r.file)) for r in sample]
    finally:
        progress_module._SENT_SETS.clear()
        progress_module._SENT_SETS.update(sent_before)

    def cost(objs) -> tuple[float, float, float]:
        pickle.loads(pickle.dumps(objs[0], protocol=pickle.HIGHEST_PROTOCOL))  # warm-up
        t0 = time.perf_counter()
        blobs = [pickle.dumps(o, protocol=pickle.HIGHEST_PROTOCOL) for o in objs]
        d = time.perf_counter() - t0
        t0 = time.perf_counter()
        for blob in blobs:
            pickle.loads(blob)
        lo = time.perf_counter() - t0
        k = len(objs)
        return d / k * 1e3, lo / k * 1e3, sum(map(len, blobs)) / k / 1e3

    sent = cost(lean)
    parts = {
        "what a worker sends per file (_read_in_worker)": sent,
        "a whole WorkbookReading (as read in one process)": cost(sample),
        "  its indicator set (_indicator_set)": cost([r._indicator_set for r in sample]),
        "  its measurements' scoring results (_result)": cost([[m._result for m in r.measurements] for r in sample]),
        "  its JSON contract alone (model_dump(mode='json'))": cost([r.model_dump(mode="json") for r in sample]),
    }
    print(f"\n  Pickling what a worker sends back (mean over {len(sample)} readings; protocol {pickle.HIGHEST_PROTOCOL})")
    print("    part                                                 dumps ms  loads ms     KB")
    for name, (d, lo, kb) in parts.items():
        print(f"    {name:<52} {d:8.2f}  {lo:8.2f}  {kb:5.0f}")
    d, lo, kb = sent
    print(f"    for {len(found)} files: dumps {d * len(found) / 1e3:.2f} s (spread over the workers), loads "
          f"{lo * len(found) / 1e3:.2f} s (serial, in the parent), {kb * len(found) / 1e3:.0f} MB through the pipes")  # fmt: skip

    import gc
    import tracemalloc

    def held(make) -> float:
        gc.collect()
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
        keep = make()
        gc.collect()
        after = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
        del keep
        return (after - before) / len(sample) / 1e3

    paths = [Path(r.file) for r in sample]
    direct = held(lambda: [read_workbook(p) for p in paths])
    piped = held(lambda: [pickle.loads(pickle.dumps(x, protocol=pickle.HIGHEST_PROTOCOL)) for x in lean])
    sets = held(lambda: [pickle.loads(pickle.dumps(r._indicator_set, protocol=pickle.HIGHEST_PROTOCOL)) for r in sample])
    shared = sample[0]._indicator_set is sample[1]._indicator_set if len(sample) > 1 else None
    print(f"\n  Memory a reading holds (tracemalloc, mean over {len(sample)}): read in this process {direct:.0f} KB "
          f"(the indicator set shared between readings: {shared}); after the trip from a worker {piped:.0f} KB "
          f"(without a set: the parent shares one per set; a copy each would add {sets:.0f} KB); for {len(found)} "
          f"files: {direct * len(found) / 1e3:.0f} MB vs {piped * len(found) / 1e3:.0f} MB in the parent")  # fmt: skip

    prof = cProfile.Profile()
    prof.enable()
    region_progress(found, workers=1)
    prof.disable()
    out = io.StringIO()
    stats = pstats.Stats(prof, stream=out)
    stats.sort_stats("cumulative").print_stats(r"piramide/", 25)
    print("\n  cProfile of region_progress(files, workers=1): top cumulative entries in piramide/")
    lines = out.getvalue().splitlines()
    start = next((i for i, line in enumerate(lines) if "ncalls" in line), 0)
    for line in lines[start:]:
        if line.strip():
            print("    " + line.replace(str(ROOT) + os.sep, ""))
    out = io.StringIO()
    pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(12)
    print("\n  ... and the top own-time (tottime) entries anywhere")
    lines = out.getvalue().splitlines()
    start = next((i for i, line in enumerate(lines) if "ncalls" in line), 0)
    for line in lines[start:]:
        if line.strip():
            print("    " + line.replace(str(ROOT) + os.sep, "").replace(sys.prefix + os.sep, ""))


# --- report -------------------------------------------------------------------------------


def _version(dist: str) -> str:
    try:
        return version(dist)
    except PackageNotFoundError:
        return "not installed"


def machine() -> list[str]:
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    mem = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem = f", {int(line.split()[1]) * 1024 / 1e9:.1f} GB RAM"
    load = " ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    return [
        f"  cpus: os.cpu_count() {os.cpu_count()} (piramide starts that many workers), usable {affinity}{mem}; "
        f"load average {load}",
        f"  python {platform.python_version()} ({platform.python_implementation()}, {platform.machine()}, "
        f"{platform.system()} {platform.release()})",
        f"  piramide {piramide.__version__}   python-calamine {_version('python-calamine')}   "
        f"openpyxl {_version('openpyxl')}   pydantic {_version('pydantic')}   click {_version('click')}   "
        f"PyYAML {_version('PyYAML')}   XlsxWriter {_version('XlsxWriter')}",
    ]


def report(runs: dict[str, list[Run]], inproc: list[float], n: int) -> None:
    ours, base = runs["ours"], runs["openpyxl"]

    def row(name: str, walls: list[float], rs: list[Run] | None) -> str:
        mem = (f"{statistics.median(r.cpu_s for r in rs):7.2f}  {mb(max(r.maxrss_kb for r in rs)):9.0f}  "
               f"{mb(max(r.tree_kb for r in rs)):9.0f}  {max(r.procs for r in rs):5d}") if rs \
            else f"{'-':>7}  {'-':>9}  {'-':>9}  {'-':>5}"  # fmt: skip
        return f"  {name:<38} {statistics.median(walls):7.2f}  {min(walls):7.2f}  {max(walls):7.2f}  {mem}"

    print(f"\nResults over {len(ours)} runs (wall and median CPU time in s; peak memory in MB = 10^6 bytes, "
          "max over the runs)")
    print(f"  {'':<38} {'median':>7}  {'min':>7}  {'max':>7}  {'cpu':>7}  {'1 process':>9}  {'tree sum':>9}  "
          f"{'procs':>5}")  # fmt: skip
    print(row("piramide progress DIR --json (CLI)", [r.wall_s for r in ours], ours))
    print(row("openpyxl, fresh process (python -c)", [r.wall_s for r in base], base))
    print(row("openpyxl, in this process", inproc, None))
    samples = sum(r.samples for r in ours)
    print(f"  (tree sampled every {SAMPLE_EVERY_S * 1e3:.0f} ms: {samples} samples over our runs; the sampler "
          f"used {sum(r.sampler_cpu_s for r in ours) / sum(r.wall_s for r in ours) * 100:.1f}% of one cpu)")  # fmt: skip

    ours_med = statistics.median(r.wall_s for r in ours)
    print(f"\nRatio openpyxl / ours (median wall time): {statistics.median(r.wall_s for r in base) / ours_med:.2f}x "
          f"against openpyxl in a fresh process, {statistics.median(inproc) / ours_med:.2f}x against openpyxl "
          f"in this process (> 1: ours is faster)")  # fmt: skip

    single = mb(max(r.maxrss_kb for r in ours))
    tree = mb(max(r.tree_kb for r in ours))
    print(f"\nTargets (issue 5, point 9; issue 15, point 2), {n} files")
    print(f"  {'':<46} {'target':>9}  {'measured':>9}")
    for name, below, target, got, unit in (  # below: the target is "under", else "at most"
        ("wall time, end to end (median)", True, TARGET_WALL_S, ours_med, "s"),
        ("issue 15: wall time, end to end (median)", False, TARGET_WALL_S_15, ours_med, "s"),
        ("peak memory, largest single process", True, TARGET_MEM_MB, single, "MB"),
        ("peak memory, whole process tree (sum of RSS)", True, TARGET_MEM_MB, tree, "MB"),
    ):
        verdict = "PASS" if (got < target if below else got <= target) else "MISS"
        shown = ("< " if below else "<= ") + format(target, "g") + " " + unit
        print(f"  {name:<46} {shown:>9}  {got:>6.2f} {unit:<2}  {verdict}")
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    floor = statistics.median(r.cpu_s for r in ours) / cpus
    print(f"  (CPU time / {cpus} usable cpus = {floor:.2f} s: a lower bound of our wall time on this machine "
          "when idle)")  # fmt: skip
    if n != 342:
        print("  (the targets are for 342 files; this run used --n " + str(n) + ")")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=342, help="municipalities in the region (default 342)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of each method (default 3)")
    parser.add_argument("--keep", type=Path, help="keep the region in DIR and reuse it on later runs")
    parser.add_argument("--profile", action="store_true", help="also show where the time goes")
    args = parser.parse_args(argv)
    if args.n < 1 or args.repeat < 1:
        parser.error("--n and --repeat must be at least 1")

    print(f"piramide progress benchmark (issue 5, point 9): {dt.datetime.now():%Y-%m-%d %H:%M}, "
          f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}, {os.cpu_count()} cpus")
    work = Path(tempfile.mkdtemp(prefix="bench_progress_"))
    try:
        folder = args.keep.resolve() if args.keep else work / "region"
        files, how = prepare_region(folder, args.n)
        print(f"Region: {how} (not part of the target); {MEASUREMENTS} measurements in {SLOTS} slots each")
        _LAUNCHER[:], name = launcher(work)
        print(f"Launcher for the max RSS: {name}")
        print(f"Warm-up run, then {args.repeat} round(s) (the order of the methods rotates):", flush=True)
        runs, inproc, checked = benchmark(folder, args.n, args.repeat, work)
        print(f"  {checked}")
        report(runs, inproc, args.n)
        print("\nMachine")
        print("\n".join(machine()))
        if args.profile:
            profile(files, folder)
    except Broken as exc:
        print(f"\nbench_progress: BROKEN: {exc}", file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
