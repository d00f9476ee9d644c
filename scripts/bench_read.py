#!/usr/bin/env python3
"""Benchmark for reading filled-in dashboards back (issue 4, point 7).

Run it with the project's virtual environment, from the repository root::

    .venv/bin/python scripts/bench_read.py [--repeat 30] [--no-libreoffice] [--profile]

What it measures, side by side in one run, on the same file(s):

1. **The input**: one dashboard of the reference set with all five slots
   filled (``build_workbook(..., content=[SlotContent x 5])``: random answers
   from a fixed seed, dates, names, a few notes). When ``soffice`` is on the
   PATH a second copy is made as users send it: loaded in LibreOffice
   (recalculating) and saved as xlsx (``soffice --headless --convert-to xlsx
   --outdir``, with a throw-away profile). Both files are benchmarked.
2. **Ours**: ``piramide.read_workbook(path)``, i.e. the whole read: the
   safety checks of the package, the parse, validation and scoring of every
   slot. Median, p90 and min in ms over ``--repeat`` runs (one untimed
   warm-up first).
3. **The baseline**: ``openpyxl.load_workbook(path, read_only=True,
   data_only=True)``, every row of the sheets the reader reads (Metadata,
   Vragenlijst, Berekening, Actieplan) iterated with ``values_only=True``, then
   ``close()``. The methods are interleaved run by run (the order rotates),
   so drift in machine load hits them alike.
4. **The verdict**: the ratio baseline / ours against the target of the
   issue (ours at least 10 times faster), as PASS/MISS; and a breakdown of
   where our time goes: ``piramide.safety.open_package`` alone (checking the
   sheets the reader parses), opening the
   package in python-calamine, the parse of each sheet alone
   (``get_sheet_by_name(name).to_python(skip_empty_area=False)``), and the
   rest (validation + scoring), measured by feeding the reader pre-parsed
   sheets and cross-checked against the total minus the parts. A plain
   unzip of every part is printed as the floor.
5. With ``--profile``: the top cumulative entries of a cProfile of
   ``read_workbook`` that live in ``piramide/``.

A MISS does not fail the run (this is a benchmark, not a test): the exit
status is 0 unless reading a benchmark file fails or reports errors, then 1.
Everything is written into a temporary folder that is removed at the end.
Other work on the machine skews the figures: the load average is printed.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
import os
import platform
import pstats
import random
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import openpyxl  # noqa: E402
import python_calamine  # noqa: E402

import piramide  # noqa: E402
from _bench import Stats, finish  # noqa: E402
from piramide import IndicatorSet, SlotContent, build_workbook, read_workbook, reference_set  # noqa: E402
from piramide import layout as L  # noqa: E402
from piramide import reader as reader_module  # noqa: E402
from piramide.safety import open_package  # noqa: E402

TARGET_RATIO = 10.0
"""Issue 4, point 7: at least 10 times faster than the openpyxl baseline."""
SHEETS = (L.METADATA, L.QUESTIONS, L.CALCULATION, L.ACTIONS)
"""The sheets :func:`piramide.read_workbook` parses, in the order it parses them."""
SEED = 20250301

NAMES = ("A. de Vries", "J. Jansen", "M. Bakker", "S. El Amrani", "P. van den Berg")
NOTES = (
    "Besproken in het driehoeksoverleg.",
    "Nog niet vastgelegd in beleid; volgt in Q3.",
    "Zie jaarverslag, hoofdstuk 4.",
    "Deels: alleen bij vergunningen Horeca.",
    "Contactpersoon wisselt; navragen.",
)
# A 0-meting and four follow-ups, later ones a little further up the pyramid.
SLOT_DATES = (dt.date(2025, 3, 1), dt.date(2025, 9, 15), dt.date(2026, 3, 2), dt.date(2026, 9, 14), dt.date(2027, 3, 1))

# A LibreOffice profile that recalculates every formula on load (as Excel would on save).
_PROFILE_XCU = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


# -- the input -----------------------------------------------------------------------------


def random_answers(s: IndicatorSet, rng: random.Random, p_yes: float) -> dict[str, str | None]:
    """An answer for (almost) every indicator: mostly the first label (``ja``), the rest mixed, some blank."""
    labels = [a.label for a in s.answers]
    answers: dict[str, str | None] = {}
    for ind in s.indicators:
        r = rng.random()
        if r < p_yes:
            answers[ind.id] = labels[0]
        elif r < p_yes + 0.04:
            answers[ind.id] = None  # not answered yet: the phase becomes provisional
        else:
            answers[ind.id] = rng.choice(labels)
    return answers


def five_slots(s: IndicatorSet, seed: int) -> list[SlotContent]:
    rng = random.Random(seed)
    slots = []
    for slot in range(L.DEFAULT_SLOTS):
        answers = random_answers(s, rng, p_yes=0.55 + 0.08 * slot)
        answered = [i for i, a in answers.items() if a]
        notes = {i: rng.choice(NOTES) for i in rng.sample(answered, k=min(6, len(answered)))}
        slots.append(SlotContent(answers=answers, notes=notes, date=SLOT_DATES[slot], ingevuld_door=NAMES[slot]))
    return slots


def libreoffice_copy(src: Path, tmp: Path) -> tuple[Path | None, str]:
    """``src`` loaded (and recalculated) in LibreOffice and saved as xlsx, or ``None`` and why not."""
    soffice = shutil.which("soffice")
    if not soffice:
        return None, "soffice is not on the PATH"
    profile = tmp / "lo-profile"
    (profile / "user").mkdir(parents=True)
    (profile / "user" / "registrymodifications.xcu").write_text(_PROFILE_XCU, encoding="utf-8")
    outdir = tmp / "libreoffice"
    outdir.mkdir()
    # A copy with its own name, so the converted file does not collide with the source.
    source = tmp / f"{src.stem}-lo{src.suffix}"
    shutil.copyfile(src, source)
    cmd = [
        soffice, f"-env:UserInstallation={profile.resolve().as_uri()}", "--headless", "--norestore",
        "--convert-to", "xlsx", "--outdir", str(outdir), str(source),
    ]  # fmt: skip
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return None, f"soffice failed ({exc})"
    out = outdir / source.name
    if not out.exists():
        return None, f"soffice did not convert (exit {proc.returncode}): {(proc.stderr or proc.stdout).strip()[-300:]}"
    return out, f"LibreOffice {_soffice_version(soffice)}"


def _soffice_version(soffice: str) -> str:
    try:
        out = subprocess.run([soffice, "--version"], capture_output=True, text=True, timeout=60).stdout
    except (OSError, subprocess.TimeoutExpired):
        return "?"
    parts = out.split()
    return parts[1] if len(parts) > 1 else "?"


# -- the methods ---------------------------------------------------------------------------


def ours(path: Path) -> object:
    return read_workbook(path)


def baseline(path: Path) -> int:
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    n = 0
    try:
        for name in SHEETS:
            for row in wb[name].iter_rows(values_only=True):
                n += len(row)
    finally:
        wb.close()
    return n


def unzip_all(path: Path) -> int:
    """The floor: every part of the package decompressed (zipfile), nothing parsed."""
    n = 0
    with zipfile.ZipFile(path) as z:
        for info in z.infolist():
            n += len(z.read(info))
    return n


class _Parsed:
    """Stands in for a python-calamine workbook with sheets parsed beforehand (to time the rest alone)."""

    class _Sheet:
        def __init__(self, rows):
            self.rows = rows

        def to_python(self, skip_empty_area: bool = True):
            return self.rows

    def __init__(self, sheet_names: list[str], rows: dict[str, list]):
        self.sheet_names = sheet_names
        self._rows = rows

    def get_sheet_by_name(self, name: str):
        return self._Sheet(self._rows[name])

    def close(self) -> None:
        pass


def rest_only(path: Path) -> Callable[[], object] | None:
    """``read_workbook`` with the package checked and the sheets parsed beforehand: validation + scoring only.

    Uses the reader's internals (``_Reader._open``); returns ``None`` when they have changed.
    """
    Reader = getattr(reader_module, "_Reader", None)
    if Reader is None or not hasattr(Reader, "_open"):
        return None
    package = open_package(path, sheets=SHEETS)
    wb = python_calamine.CalamineWorkbook.from_filelike(package.stream())
    names = list(wb.sheet_names)
    rows = {n: wb.get_sheet_by_name(n).to_python(skip_empty_area=False) for n in SHEETS if n in names}
    wb.close()
    parsed = _Parsed(names, rows)

    class _PreParsed(Reader):  # type: ignore[misc, valid-type]
        def _open(self):
            return parsed

    known = getattr(reader_module, "_BUNDLED", None)  # the sets a plain read_workbook compares with
    args = (package,) if known is None else (package, known)

    def run() -> object:
        return _PreParsed(*args).read()

    try:
        ref, got = read_workbook(path), run()
        if ref.model_dump(mode="json") != got.model_dump(mode="json"):
            return None
    except Exception:
        return None
    return run


# -- measuring -----------------------------------------------------------------------------




def interleaved(repeat: int, methods: dict[str, Callable[[], object]]) -> dict[str, Stats]:
    """Each method once per round, the order rotating; one untimed warm-up round first."""
    for run in methods.values():
        run()
    times: dict[str, list[float]] = {k: [] for k in methods}
    cpu: dict[str, list[float]] = {k: [] for k in methods}
    keys = list(methods)
    for i in range(repeat):
        shift = i % len(keys)
        for key in keys[shift:] + keys[:shift]:
            t0, c0 = time.perf_counter(), time.process_time()
            methods[key]()
            times[key].append(time.perf_counter() - t0)
            cpu[key].append(time.process_time() - c0)
    return {k: Stats(k, v, cpu[k]) for k, v in times.items()}


def calamine_parts(path: Path, repeat: int) -> dict[str, Stats]:
    """python-calamine alone: opening the package from memory, then each sheet's parse on its own."""
    data = path.read_bytes()
    times: dict[str, list[float]] = {"open": [], **{n: [] for n in SHEETS}}
    cpu: dict[str, list[float]] = {k: [] for k in times}
    for i in range(repeat + 1):
        t0, c0 = time.perf_counter(), time.process_time()
        wb = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        t1, c1 = time.perf_counter(), time.process_time()
        if i:
            times["open"].append(t1 - t0)
            cpu["open"].append(c1 - c0)
        for name in SHEETS:
            t0, c0 = time.perf_counter(), time.process_time()
            wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
            if i:
                times[name].append(time.perf_counter() - t0)
                cpu[name].append(time.process_time() - c0)
        wb.close()
    return {k: Stats(k, v, cpu[k]) for k, v in times.items()}


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def _version(dist: str) -> str:
    try:
        return version(dist)
    except PackageNotFoundError:
        return "?"


def profile_top(path: Path, n: int = 10, runs: int = 20) -> list[str]:
    """The top ``n`` cumulative entries in piramide/ code of ``runs`` reads of ``path``."""
    read_workbook(path)
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(runs):
        read_workbook(path)
    prof.disable()
    stats = pstats.Stats(prof)
    pkg = str(Path(piramide.__file__).parent)
    rows = []
    for (file, line, func), (_cc, nc, tt, ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        if file.startswith(pkg):
            rows.append((ct, tt, nc, f"{Path(file).name}:{line}({func})"))
    rows.sort(reverse=True)
    out = [f"  {'cum ms/read':>11}{'own ms/read':>12}{'calls/read':>11}  function"]
    for ct, tt, nc, where in rows[:n]:
        out.append(f"  {ct / runs * 1000:>11.2f}{tt / runs * 1000:>12.2f}{nc / runs:>11.0f}  {where}")
    return out


# -- main ----------------------------------------------------------------------------------


def bench_file(label: str, path: Path, repeat: int, problems: list[str]) -> Stats | None:
    try:
        reading = read_workbook(path)
    except Exception as exc:
        problems.append(f"{label}: read_workbook failed: {type(exc).__name__}: {exc}")
        return None
    errors = reading.errors
    if errors:
        problems.append(f"{label}: the reader reports {len(errors)} errors, e.g. {errors[0]}")
    if len(reading.measurements) != L.DEFAULT_SLOTS:
        problems.append(f"{label}: {len(reading.measurements)} measurements read, expected {L.DEFAULT_SLOTS}")

    with zipfile.ZipFile(path) as z:
        parts = z.infolist()
    size = path.stat().st_size
    unpacked = sum(i.file_size for i in parts)
    phases = " ".join(str(m.phase) for m in reading.measurements)
    warnings = ", ".join(sorted({w.code for w in reading.warnings})) or "none"
    print(f"== {label}: {path.name}")
    print(f"  {size / 1024:.0f} kB, {len(parts)} parts, {unpacked / 1024:.0f} kB unpacked; "
          f"{len(reading.measurements)} measurements (overall phase {phases}), "
          f"{sum(m.answered for m in reading.measurements)} answers; "
          f"{len(errors)} errors; warnings: {warnings}")  # fmt: skip

    rest = rest_only(path)
    methods: dict[str, Callable[[], object]] = {
        "piramide read_workbook": lambda: ours(path),
        "openpyxl read-only (baseline)": lambda: baseline(path),
        "open_package (safety) alone": lambda: open_package(path, sheets=SHEETS),
        "unzip every part (floor)": lambda: unzip_all(path),
    }
    if rest is not None:
        methods["validation + scoring alone"] = rest
    st = interleaved(repeat, methods)
    cal = calamine_parts(path, repeat)
    ours_st, base_st = st["piramide read_workbook"], st["openpyxl read-only (baseline)"]

    print(f"  {'method':<34}{'median ms':>10}{'p90 ms':>9}{'min ms':>9}{'cpu ms':>9}")
    for key in ("piramide read_workbook", "openpyxl read-only (baseline)", "unzip every part (floor)"):
        s = st[key]
        print(f"  {s.label:<34}{s.median:>10.2f}{s.p90:>9.2f}{s.min:>9.2f}{s.cpu_median:>9.2f}")
    ratio = base_st.median / ours_st.median
    print(f"  ratio baseline / ours (medians): {ratio:.1f}x   target >= {TARGET_RATIO:.0f}x: "
          f"{verdict(ratio >= TARGET_RATIO)}   (by min: {base_st.min / ours_st.min:.1f}x; "
          f"by CPU time: {base_st.cpu_median / ours_st.cpu_median:.1f}x)")  # fmt: skip

    print("  where our time goes (median CPU time of each part timed alone; a busy machine moves it less):")
    total = ours_st.cpu_median
    parts_ms = [
        ("open_package (safety checks)", st["open_package (safety) alone"].cpu_median),
        ("calamine: open package", cal["open"].cpu_median),
        *((f"calamine: parse {name}", cal[name].cpu_median) for name in SHEETS),
    ]
    derived = total - sum(ms for _, ms in parts_ms)
    for what, ms in parts_ms:
        print(f"    {what:<40}{ms:>8.2f} ms {ms / total:>6.0%}")
    if rest is not None:
        measured = st["validation + scoring alone"].cpu_median
        print(f"    {'rest: validation + scoring (measured)':<40}{measured:>8.2f} ms {measured / total:>6.0%}"
              f"   (total minus parts: {derived:.2f} ms)")  # fmt: skip
    else:
        print(f"    {'rest: validation + scoring (derived)':<40}{derived:>8.2f} ms {derived / total:>6.0%}"
              "   (reader internals changed: not measured alone)")  # fmt: skip
    print(f"    {'total read_workbook':<40}{total:>8.2f} ms")
    calamine_ms = cal["open"].cpu_median + sum(cal[n].cpu_median for n in SHEETS)
    unzip_ms = st["unzip every part (floor)"].cpu_median
    base_cpu = base_st.cpu_median
    print(f"  ceiling with today's parser (CPU): open_package + calamine alone = "
          f"{parts_ms[0][1] + calamine_ms:.2f} ms -> at most {base_cpu / (parts_ms[0][1] + calamine_ms):.1f}x; "
          f"calamine alone {calamine_ms:.2f} ms -> {base_cpu / calamine_ms:.1f}x; unzip alone "
          f"{unzip_ms:.2f} ms -> {base_cpu / unzip_ms:.1f}x")  # fmt: skip
    print()
    return ours_st


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=30, help="timed runs per method (default 30)")
    parser.add_argument("--no-libreoffice", action="store_true", help="skip the LibreOffice-saved copy")
    parser.add_argument("--profile", action="store_true", help="also print a cProfile of read_workbook (piramide/ only)")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")

    started = time.perf_counter()
    print("Piramide benchmark: reading a filled-in dashboard (issue 4, point 7)")
    print(f"  cpus: {os.cpu_count()}   load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"  python {platform.python_version()} ({platform.machine()}, {platform.system()})   "
          f"piramide {piramide.__version__}   python-calamine {_version('python-calamine')}   "
          f"openpyxl {openpyxl.__version__}   pydantic {_version('pydantic')}")  # fmt: skip
    print(f"  repeat: {args.repeat} (interleaved, after one warm-up)   temp folder: {tempfile.gettempdir()}")

    problems: list[str] = []
    s = reference_set()
    with tempfile.TemporaryDirectory(prefix="piramide-bench-read-") as tmp_name:
        tmp = Path(tmp_name)
        filled = build_workbook(tmp / "gevuld.xlsx", gemeente="'s-Hertogenbosch", regio="Oost-Brabant",
                                code="GM0796", indicator_set=s, content=five_slots(s, SEED))  # fmt: skip
        files = [("piramide-written", filled)]
        if args.no_libreoffice:
            print("  LibreOffice copy: skipped (--no-libreoffice)")
        else:
            lo, why = libreoffice_copy(filled, tmp)
            print(f"  LibreOffice copy: {why}" + ("" if lo else "; only the piramide-written file is benchmarked"))
            if lo:
                files.append(("LibreOffice-saved", lo))
        print(f"  input: reference set {s.id} {s.version}, {len(s.indicators)} indicators, "
              f"{L.DEFAULT_SLOTS} slots all filled (seed {SEED})")  # fmt: skip
        print()

        for label, path in files:
            bench_file(label, path, args.repeat, problems)

        if args.profile and not problems:
            for label, path in files:
                print(f"cProfile of read_workbook, {label} (20 reads; top 10 cumulative in piramide/)")
                print("\n".join(profile_top(path)))
                print()

    return finish(started, problems)


if __name__ == "__main__":
    sys.exit(main())
