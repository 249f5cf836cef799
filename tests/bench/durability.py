"""What it costs to have every acknowledged write on disk: synchronous=FULL against NORMAL.

Every write of the bot goes through the one writer connection of storage/db.py, as a unit of
work (`Database.transaction()`), and the bot thanks a person (a form answer, an RSVP, a ballot)
only after that commit returns. In WAL mode `synchronous=NORMAL` does not sync at COMMIT (the
WAL reaches the disk at the next checkpoint; a power cut before it loses what was thanked);
`FULL`, what the bot uses, syncs the WAL at every commit. A run: COMMITS small write
transactions (one person's row each) on a fresh database file in the system's temp folder; the
figure is the time per commit, so FULL minus NORMAL is the fsync's cost per acknowledged write.
The yardstick is the disk itself: a 100-byte write + fsync of a plain file in the same folder.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
import time
from pathlib import Path

from storage.db import Database
from tests.bench.stats import Figure, table

COMMITS = 500
RUNS = 5
MODES = ("NORMAL", "FULL")


async def per_commit(folder: Path, mode: str, run: int) -> float:
    """ms per small write transaction with this synchronous mode."""
    async with Database(folder / f"{mode}-{run}.sqlite3") as db:
        await db.writer.execute(f"PRAGMA synchronous = {mode}")
        started = time.perf_counter()
        for n in range(COMMITS):
            async with db.transaction() as uow:
                await uow.people.upsert(50_000_000 + n, f"Người số {n}", None)
        return (time.perf_counter() - started) * 1000 / COMMITS


def raw_fsync(folder: Path) -> float:
    """ms per 100-byte write + fsync of a plain file."""
    path = folder / "raw.bin"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        started = time.perf_counter()
        for _ in range(COMMITS):
            os.write(fd, b"x" * 100)
            os.fsync(fd)
        return (time.perf_counter() - started) * 1000 / COMMITS
    finally:
        os.close(fd)


async def main() -> str:
    """The durability section of BENCHMARKS.md."""
    folder = Path(tempfile.mkdtemp(prefix="blocbot-bench-fsync-"))
    found: dict[str, list[float]] = {mode: [] for mode in MODES}
    raw: list[float] = []
    try:
        for run in range(RUNS):  # interleaved, so a busy moment of the machine hits both
            for mode in MODES:
                found[mode].append(await per_commit(folder, mode, run))
            raw.append(raw_fsync(folder))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    normal, full = found["NORMAL"], found["FULL"]
    cost = [f - n for f, n in zip(full, normal, strict=True)]
    rows = [
        Figure("a 100-byte write + fsync of a plain file", "ms", tuple(raw), yardstick="the disk"),
        Figure("small write transaction, synchronous=NORMAL (no sync at commit)", "ms", tuple(normal)),
        Figure(
            "small write transaction, synchronous=FULL (the bot's; the WAL synced at commit)",
            "ms",
            tuple(full),
            yardstick=f"{sorted(full)[RUNS // 2] / sorted(normal)[RUNS // 2]:.1f}× NORMAL",
        ),
        Figure("… the sync's cost per acknowledged write (FULL − NORMAL, per run)", "ms", tuple(cost)),
    ]
    return "\n".join(
        [
            "## Durability: the cost of syncing each acknowledged write (issue 13)",
            "",
            table(rows),
            "",
            f"{COMMITS} commits per run, runs interleaved; load average {os.getloadavg()[0]:.2f} at the end. "
            "The bot's writer connection uses FULL (storage/db.py): nothing is confirmed to a person "
            "before it is on disk. This VM's disk may be cached by its host (see the plain file's "
            "fsync); a physical disk's sync costs more, and is paid the same way, once per commit.",
        ]
    )


if __name__ == "__main__":
    print(asyncio.run(main()))
