#!/usr/bin/env python3
"""Benchmark for the command line's cold start (issue 15, point 4).

Run it with the project's virtual environment, from the repository root::

    .venv/bin/python scripts/bench_cli.py [--repeat 15]

Each figure is the wall time of a fresh process, as a user types it, the
commands interleaved round by round (the order rotating) after one warm-up
round, so that load on the machine hits them alike:

1. ``piramide --version`` (target <= 0.15 s) and ``piramide --help``;
2. ``piramide read FILE`` of one filled 5-slot dashboard (target <= 0.4 s);
3. **the baseline**: the same ``--version`` with every core module imported
   up front, as the command line did before it loaded them per command;
4. **the floor**: the interpreter alone (``python -c pass``) and the
   interpreter with click, which every command needs.

Medians, p90 and min in ms, and the median CPU time (user + system) of
each process, which load on the machine moves less; the verdict uses the
median wall time. Exit status 0
unless a command fails, then 1. Other work on the machine skews the
figures: the load average is printed.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from _bench import Stats, finish  # noqa: E402
from bench_read import SEED, five_slots  # noqa: E402

import piramide  # noqa: E402

TARGETS = {"piramide --version": 0.150, "piramide read FILE": 0.400}
"""Issue 15, point 4: seconds of wall time, on this machine."""
EAGER = (
    "import sys; import piramide.cli, piramide.batch, piramide.progress_out, piramide.reader, piramide.sets, "
    "piramide.upgrade, piramide.writer; from piramide.cli import main; main(sys.argv[1:])"
)


def commands(python: str, script: str, workbook: Path) -> dict[str, list[str]]:
    return {
        "piramide --version": [script, "--version"],
        "piramide --help": [script, "--help"],
        "piramide read FILE": [script, "read", str(workbook)],
        "eager imports --version (baseline)": [python, "-c", EAGER, "--version"],
        "python -c pass (floor)": [python, "-c", "pass"],
        "python -c 'import click' (floor)": [python, "-c", "import click"],
    }


def timed(cmd: list[str], problems: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds (user + system of the child) of one run of ``cmd``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    done = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    took = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        problems.append(f"{' '.join(cmd[:3])}: exit {done.returncode}: {done.stderr.decode()[-300:]}")
    return took, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=15, help="timed runs per command (default 15)")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    python = sys.executable
    script = str(Path(python).with_name("piramide"))
    if not Path(script).exists():
        print(f"no piramide console script next to {python}; run with the project's .venv", file=sys.stderr)
        return 1

    started = time.perf_counter()
    print("Piramide benchmark: command-line cold start (issue 15, point 4)")
    print(f"  cpus: {os.cpu_count()}   load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"  piramide {piramide.__version__}   python {sys.version.split()[0]}   repeat: {args.repeat} (interleaved)")
    problems: list[str] = []
    with tempfile.TemporaryDirectory(prefix="piramide-bench-cli-") as tmp:
        s = piramide.reference_set()
        workbook = piramide.build_workbook(
            Path(tmp) / "gevuld.xlsx", gemeente="Ede", indicator_set=s, content=five_slots(s, SEED)
        )
        cmds = commands(python, script, workbook)
        keys = list(cmds)
        for key in keys:  # warm-up: the disk cache, the bytecode
            timed(cmds[key], problems)
        times: dict[str, list[float]] = {k: [] for k in keys}
        cpu: dict[str, list[float]] = {k: [] for k in keys}
        for i in range(args.repeat):
            shift = i % len(keys)
            for key in keys[shift:] + keys[:shift]:
                wall, used = timed(cmds[key], problems)
                times[key].append(wall)
                cpu[key].append(used)
    stats = {k: Stats(k, v, cpu[k]) for k, v in times.items()}

    print(f"\n  {'command':<38}{'median ms':>10}{'p90 ms':>9}{'min ms':>9}{'cpu ms':>9}  target")
    for key, st in stats.items():
        target = TARGETS.get(key)
        verdict = ""
        if target is not None:
            verdict = f"<= {target * 1000:.0f} ms: {'PASS' if st.median <= target * 1000 else 'MISS'}"
        print(f"  {key:<38}{st.median:>10.1f}{st.p90:>9.1f}{st.min:>9.1f}{st.cpu_median:>9.1f}  {verdict}")
    print("  (ms: wall time; cpu ms: median user + system time of the process, which a busy machine moves less)")
    base, ours = stats["eager imports --version (baseline)"], stats["piramide --version"]
    floor = stats["python -c 'import click' (floor)"]
    print(f"\n  --version: {base.median / ours.median:.1f}x faster than with eager imports (medians; "
          f"{base.cpu_median / ours.cpu_median:.1f}x by CPU time); {ours.median - floor.median:.0f} ms above "
          f"python + click ({ours.cpu_median - floor.cpu_median:.0f} ms CPU)")  # fmt: skip
    return finish(started, problems)


if __name__ == "__main__":
    sys.exit(main())
