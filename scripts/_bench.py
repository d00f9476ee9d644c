"""What the benchmark scripts share: summary statistics of repeated timings."""

from __future__ import annotations

import statistics
import sys
import time


class Stats:
    """Milliseconds of repeated runs: median, p90, min (and the median CPU time when given)."""

    def __init__(self, label: str, seconds: list[float], cpu_seconds: list[float] | None = None):
        self.label = label
        self.ms = sorted(s * 1000 for s in seconds)
        self.cpu_median = statistics.median(s * 1000 for s in cpu_seconds) if cpu_seconds else None

    @property
    def median(self) -> float:
        return statistics.median(self.ms)

    @property
    def p90(self) -> float:
        if len(self.ms) < 2:
            return self.ms[0]
        return statistics.quantiles(self.ms, n=10, method="inclusive")[8]

    @property
    def min(self) -> float:
        return self.ms[0]


def finish(started: float, problems: list[str]) -> int:
    """Print the total time; list what is broken on stderr. The exit code: 1 when broken, else 0."""
    print(f"Total benchmark time {time.perf_counter() - started:.0f} s.")
    if problems:
        print("\nBROKEN:", file=sys.stderr)
        for p in problems:
            print(f"  - {p}", file=sys.stderr)
        return 1
    return 0
