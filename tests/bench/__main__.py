"""Run the benchmarks and write BENCHMARKS.md: `python -m tests.bench [name …]`.

Each module in BENCHES has `async def main() -> str` returning a markdown section; notes about
its figures belong in it (or in tests/bench/notes.py), not in BENCHMARKS.md by hand: a section of
the old file that no module writes is kept, marked, at the end (notes.kept).
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from tests.bench.notes import CHANGES, kept, targets
from tests.bench.stats import machine

BENCHES = ["throughput", "reminders", "scale", "polls", "sizes", "flood", "imports", "durability"]
OUT = Path(__file__).resolve().parents[2] / "BENCHMARKS.md"


def main(argv: list[str]) -> int:
    """Run the chosen (default: all present) benchmarks."""
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    os.environ.setdefault("MPLBACKEND", "Agg")
    logging.basicConfig(level=logging.WARNING)
    chosen = argv or BENCHES
    sections = []
    load_before = f"{os.getloadavg()[0]:.2f}"
    started = time.perf_counter()
    took: list[str] = []
    for name in chosen:
        try:
            module = importlib.import_module(f"tests.bench.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"tests.bench.{name}":
                print(f"(no benchmark module {name}; skipped)")
                continue
            raise
        print(f"running {name} …", flush=True)
        t0 = time.perf_counter()
        sections.append(asyncio.run(module.main()))
        took.append(f"{name} {time.perf_counter() - t0:.0f} s")
        print(f"  {name} took {time.perf_counter() - t0:.1f} s", flush=True)
    total = time.perf_counter() - started
    text = "\n\n".join(
        [
            "# blocbot benchmarks",
            f"Machine: {machine()}.  \nCommand: `make bench` (`python -m tests.bench`), "
            f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, whole run {total:.0f} s ({', '.join(took)}); load average "
            f"{load_before} before, {os.getloadavg()[0]:.2f} after (other work on the machine makes "
            "every figure slower and wider).  \n"
            "Everything runs against the loopback Bot API emulator (`bot/emulators/telegram/`) on this machine; "
            "each figure is the median of the runs shown, with min–max as its spread; a target is "
            "judged on the median (counts such as 429 answers on every run).",
            *sections,
            targets(sections),
            CHANGES,
        ]
    )
    if not argv:
        # A section of the old file that no benchmark wrote is kept, marked (tests/bench/notes.py).
        old = OUT.read_text(encoding="utf-8") if OUT.exists() else ""
        keep = kept(old, text)
        for section in keep:
            print(f"kept, as no benchmark writes it: {section.splitlines()[0]}")
        text = "\n\n".join([text, *keep])
        OUT.write_text(text + "\n", encoding="utf-8")
        print(f"wrote {OUT}")
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
