#!/usr/bin/env python3
"""Simulate a fictional region of filled-in dashboards (for the demo and benchmarks).

Every municipality, answer and name here is FICTIONAL: the files say so on
the cover (regio "Fictieve demoregio"), in "ingevuld door" and in a note on
the first indicator. Answers grow year over year: each indicator has a
maturity per municipality, lower phases mature first, and now and then an
answer falls back (so regressions occur too).

    .venv/bin/python scripts/simulate_region.py --out workbooks/demo/regio [--n 12] [--measurements 3]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from piramide import reference_set
from piramide._files import safe_file_stem
from piramide.errors import OutputExistsError
from piramide.model import IndicatorSet
from piramide.writer import SlotContent, build_workbook

FICTIONAL_REGION = "Fictieve demoregio"
NOTE = "FICTIEF: gesimuleerde gegevens voor de demo, geen echte gemeente."
_SYLLABLES = ["aal", "beek", "dam", "dorp", "veen", "wijk", "hout", "zand", "broek", "horst", "meer", "rode",
              "stein", "loo", "burg", "kerk", "sloot", "dijk", "wold", "ven"]  # fmt: skip
_PREFIXES = ["Groot-", "Klein-", "Nieuw-", "Oud-", "", "", "", "Sint-"]


def fictional_names(n: int, seed: int = 1) -> list[str]:
    """``n`` distinct, plausible but fictional Dutch municipality names."""
    rng = random.Random(seed)
    names: list[str] = []
    seen = set()
    while len(names) < n:
        name = rng.choice(_PREFIXES) + (rng.choice(_SYLLABLES) + rng.choice(_SYLLABLES)).capitalize()
        if name not in seen:
            seen.add(name)
            names.append(name)
    return names


def simulate(s: IndicatorSet, rng: random.Random, measurements: int, last: dt.date) -> list[SlotContent]:
    """Answers for ``measurements`` yearly measurements of one fictional municipality."""
    base = rng.uniform(0.25, 0.8)  # how far along the municipality is at its 0-meting
    pace = rng.uniform(0.03, 0.2)  # growth per year
    maturity = {i.id: base - 0.12 * (i.phase - 1) + rng.uniform(-0.25, 0.25) for i in s.indicators}
    not_applicable = {i.id for i in s.indicators if rng.random() < 0.03}
    contents = []
    for k in range(measurements):
        answers: dict[str, str | None] = {}
        for ind in s.indicators:
            if ind.id in not_applicable:
                answers[ind.id] = "n.v.t."
                continue
            level = maturity[ind.id] + pace * k + rng.uniform(-0.1, 0.1)
            if rng.random() < 0.02:
                answers[ind.id] = None  # not known yet
            elif level > 0.55:
                answers[ind.id] = "ja"
            elif level > 0.3:
                answers[ind.id] = "deels"
            else:
                answers[ind.id] = "nee"
        date = last - dt.timedelta(days=365 * (measurements - 1 - k) + rng.randint(0, 240))
        contents.append(
            SlotContent(answers=answers, notes={s.indicators[0].id: NOTE}, date=date,
                        ingevuld_door="Gesimuleerd (fictief)")  # fmt: skip
        )
    return contents


def _write(job) -> str:
    path, name, code, measurements, slots, last, seed, force = job
    s = reference_set()
    rng = random.Random(seed)
    build_workbook(path, gemeente=name, regio=FICTIONAL_REGION, code=code, indicator_set=s, slots=slots,
                   content=simulate(s, rng, measurements, last), force=force)  # fmt: skip
    return str(path)


def simulate_region(out: Path, n: int = 12, measurements: int = 3, slots: int = 5, last: dt.date | None = None,
                    seed: int = 2026, force: bool = False, workers: int | None = None) -> list[Path]:  # fmt: skip
    """Write ``n`` fictional filled-in dashboards into ``out``; returns their paths."""
    if measurements > slots:
        raise SystemExit(f"--measurements ({measurements}) cannot exceed --slots ({slots})")
    last = last or dt.date.today()
    out.mkdir(parents=True, exist_ok=True)
    jobs = []
    for k, name in enumerate(fictional_names(n, seed)):
        code = f"FX{k + 1:04d}"
        path = out / f"{safe_file_stem(name)}.xlsx"
        jobs.append((path, name, code, measurements, slots, last, seed * 1000 + k, force))
    if workers == 1 or n < 8:
        return [Path(_write(j)) for j in jobs]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return [Path(p) for p in pool.map(_write, jobs, chunksize=4)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="output folder")
    parser.add_argument("--n", type=int, default=12, help="number of municipalities (default 12)")
    parser.add_argument("--measurements", type=int, default=3, help="yearly measurements each (default 3)")
    parser.add_argument("--slots", type=int, default=5, help="slots per workbook (default 5)")
    parser.add_argument("--last", type=dt.date.fromisoformat,
                        help="latest possible date of the last measurement, YYYY-MM-DD (default: today)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--force", action="store_true", help="overwrite existing files")
    args = parser.parse_args(argv)
    try:
        paths = simulate_region(args.out, args.n, args.measurements, args.slots, args.last, args.seed, args.force)
    except OutputExistsError as exc:
        print(f"simulate_region: {exc.message}; use --force to overwrite it", file=sys.stderr)
        return 1
    print(f"{len(paths)} fictional dashboards with {args.measurements} measurements written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
