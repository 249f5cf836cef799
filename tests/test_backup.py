"""`blocbot db backup <file>` while the bot runs and writes: consistent copies, a full restore.

The bot (its own process) adds units one message at a time; meanwhile `blocbot db backup` runs
twice as a second process on the same WAL database. Each copy passes PRAGMA
integrity_check and holds exactly the units committed up to one moment: a gapless prefix of the
burst, at least every unit the bot had confirmed before the copy began. (SQLite's backup API
copies every page in one step inside one read transaction, so the bot's commits during the copy
are simply not in it; the CLI's in-process write lock plays no part across processes.) A last
copy, taken once the burst is over, is restored in place of the database: the restarted bot
finds every row.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from tests.conftest import CHAIR, GROUP, SEED_UNITS
from tests.harness import BotHarness
from tests.procbot import ProcBot, until

BURST = 40
ADDED = "Đã thêm 1 đơn vị"


def unit(k: int) -> str:
    return f"Đơn vị thử nghiệm số {k}"


def confirmed(bot: BotHarness) -> int:
    """How many of the burst's additions the bot has confirmed in the group."""
    return sum(ADDED in t for t in bot.texts(GROUP))


def tables(path: Path, proc: ProcBot) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table of a database file."""
    names = [
        r[0]
        for r in proc.rows_of(
            path,
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
        )
    ]
    return {n: sorted(proc.rows_of(path, f"SELECT * FROM {n}"), key=repr) for n in names}


async def backup(proc: ProcBot, target: Path) -> str:
    """Run `blocbot db backup target` as its own process; its output."""
    cli = proc.cli("db", "backup", str(target))
    await until(lambda: cli.poll() is not None, 30, "the backup command")
    out, _ = cli.communicate(timeout=5)
    assert cli.returncode == 0, out
    return out.decode()


async def test_online_backup_while_the_bot_writes(bloc: BotHarness, tmp_path: Path) -> None:
    emu = bloc.emu
    await bloc.stop_bot()
    async with ProcBot(emu, tmp_path, now=bloc.clock.now()) as proc:
        await proc.start()
        emu.latency = 0.08  # each call takes 80 ms: the burst outlasts two backups started as processes
        for k in range(1, BURST + 1):
            emu.post_message(CHAIR, GROUP, f"/units add {unit(k)}")
        copies: list[tuple[int, Path]] = []
        for n in range(2):  # while the burst is being written
            await until(lambda n=n: confirmed(bloc) >= (n + 1) * BURST // 5, 30, "some additions")
            before = confirmed(bloc)
            target = tmp_path / f"copy-{n}.sqlite3"
            assert "backup written" in await backup(proc, target)
            copies.append((before, target))
        await until(lambda: confirmed(bloc) == BURST, 30, "the whole burst")
        assert copies[-1][0] < BURST  # the copies were made while the bot was still writing

        for before, target in copies:
            assert proc.integrity(target) == "ok"
            names = [
                str(r[0])
                for r in proc.rows_of(target, "SELECT name FROM units WHERE bloc_id = 1 ORDER BY position")
            ]
            assert names[: len(SEED_UNITS)] == SEED_UNITS
            added = [int(m.group(1)) for m in map(re.compile(r"số (\d+)$").search, names[8:]) if m]
            assert added == list(range(1, len(added) + 1))  # a prefix: nothing half-copied
            assert len(added) >= before  # everything confirmed before the copy is in it

        final = tmp_path / "final.sqlite3"
        await backup(proc, final)
        assert tables(final, proc) == tables(proc.database, proc)  # every committed row

        # Restore: the copy replaces the database, the bot starts on it.
        emu.latency = 0.0
        await proc.stop()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{proc.database}{suffix}").unlink(missing_ok=True)
        shutil.copy(final, proc.database)
        await proc.start()
        shown = len(bloc.texts(GROUP))
        emu.post_message(CHAIR, GROUP, "/units")
        everyone = [*SEED_UNITS, *map(unit, range(1, BURST + 1))]
        await until(
            lambda: all(name in "\n".join(bloc.texts(GROUP)[shown:]) for name in everyone),
            20,
            "the whole roster after the restore",
        )  # a long roster: several messages
        assert proc.integrity() == "ok"
