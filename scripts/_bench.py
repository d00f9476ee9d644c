"""What the benchmark scripts share: summary statistics of repeated timings."""

from __future__ import annotations

import statistics


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
