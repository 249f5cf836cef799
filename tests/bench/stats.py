"""Small helpers shared by the benchmarks: repeated runs, median and spread, machine facts."""

from __future__ import annotations

import os
import platform
import resource
import statistics
import sys
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Figure:
    """One measured figure over several runs."""

    name: str
    unit: str
    values: tuple[float, ...]
    yardstick: str = ""
    target: str = ""
    met: bool | None = None

    @property
    def median(self) -> float:
        """Median of the runs."""
        return statistics.median(self.values)

    @property
    def spread(self) -> str:
        """min–max of the runs."""
        return f"{min(self.values):.3g}–{max(self.values):.3g}"

    def row(self) -> str:
        """A markdown table row."""
        verdict = "" if self.met is None else ("met" if self.met else "**missed**")
        return (
            f"| {self.name} | {self.median:.3g} {self.unit} | {self.spread} | {len(self.values)} "
            f"| {self.yardstick} | {self.target} | {verdict} |"
        )


HEADER = "| figure | median | spread (min–max) | runs | yardstick | target | |\n|---|---|---|---|---|---|---|"


def table(figures: Sequence[Figure]) -> str:
    """Figures as a markdown table."""
    return "\n".join([HEADER, *(f.row() for f in figures)])


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0–100) by nearest rank."""
    ordered = sorted(values)
    if not ordered:
        return 0.0
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def max_rss_mb() -> float:
    """Peak resident memory of this process, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def machine() -> str:
    """Cores, CPU, Python: what BENCHMARKS.md must name."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            cpu = next((line.split(":", 1)[1].strip() for line in fh if line.startswith("model name")), cpu)
    except OSError:
        pass
    return (
        f"{os.cpu_count()} cores ({cpu}), Python {sys.version.split()[0]}, "
        f"{platform.system()} {platform.release()}"
    )
