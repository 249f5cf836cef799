"""The real bot as its own process (`python -m bot.cli run`), polling an emulator in the test process.

For tests that must kill the bot (SIGKILL), restart it, or run a second process (the backup
CLI) next to it. Time is injected through the test-only ``[testing] clock_file``
(bot.core.clock.FileClock): ``set_time`` rewrites the file, the bot reads it at every ``now()``.
Waits are bounded polls on a condition (``until``), never sleeps for a fixed time.

    async with BotApiEmulator(token=TOKEN) as emu:
        proc = ProcBot(emu, tmp_path, now=START)
        await proc.start()            # returns once the new process polls getUpdates
        ...
        proc.kill()                   # SIGKILL, like a power cut
        assert proc.integrity() == "ok"
        await proc.start()            # the same database, config and clock file
        await proc.stop()             # SIGTERM: PTB's clean shutdown
"""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.emulators.telegram import BotApiEmulator
from tests.harness import TOKEN

ROOT = Path(__file__).resolve().parents[1]


async def until(
    predicate: Callable[[], bool],
    timeout: float = 20.0,  # noqa: ASYNC109
    what: str = "condition",
    every: float = 0.02,
) -> None:
    """Poll predicate() every `every` seconds until it holds; TimeoutError after `timeout`."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise TimeoutError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(every)


class ProcBot:
    """One bot configuration (database, clock file) and the process currently running it.

    `extra` is appended to config.toml (more tables), `telegram` to its [telegram] table.
    """

    def __init__(
        self,
        emu: BotApiEmulator,
        folder: Path,
        *,
        now: datetime,
        database: Path | None = None,
        token: str = TOKEN,
        extra: str = "",
        rate_limit: bool = False,
        concurrent_updates: int = 1,
        telegram: str = "",
    ) -> None:
        self.emu = emu
        self.folder = folder
        self.database = database or folder / "blocbot.sqlite3"
        self.clock_file = folder / "clock.txt"
        self.config = folder / "config.toml"
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0
        self.kills = 0
        self.logs: list[Path] = []
        self.set_time(now)
        self.config.write_text(
            f'[telegram]\ntoken = "{token}"\nbase_url = "{emu.base_url}"\n'
            f'base_file_url = "{emu.base_file_url}"\nrate_limit = {str(rate_limit).lower()}\n'
            f"concurrent_updates = {concurrent_updates}\n{telegram}"
            f'[database]\npath = "{self.database}"\n'
            f'[testing]\nclock_file = "{self.clock_file}"\n'
            # scripted bursts are faster than people: flood limits off unless a test sets them
            + (
                ""
                if "[access]" in extra
                else "[access]\nper_person_per_minute = 0\nper_chat_per_minute = 0\n"
            )
            + extra,
            encoding="utf-8",
        )

    # time --------------------------------------------------------------------------------------

    def set_time(self, when: datetime) -> None:
        """Move the bot's clock (atomically: the bot never reads a half-written file)."""
        temporary = self.clock_file.with_suffix(".tmp")
        temporary.write_text(when.isoformat(), encoding="utf-8")
        os.replace(temporary, self.clock_file)

    # the process -------------------------------------------------------------------------------

    def env(self) -> dict[str, str]:
        """The environment of the bot's processes."""
        return {**os.environ, "PTB_TIMEDELTA": "true", "PYTHONPATH": str(ROOT)}

    def cli(self, *args: str) -> subprocess.Popen[bytes]:
        """Start another `blocbot` command on this configuration (e.g. `db backup`)."""
        return subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "--config", str(self.config), *args],
            cwd=ROOT,
            env=self.env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )

    async def start(self, *, wait: bool = True, timeout: float = 30.0) -> None:  # noqa: ASYNC109
        """Start `blocbot run`; with wait, return once this process is polling getUpdates."""
        assert self.proc is None, "already running"
        seen = len(self.emu.calls)
        self._spawn()
        if wait:
            await self.wait_for_call("getUpdates", after=seen, timeout=timeout)

    def _spawn(self) -> None:
        self.starts += 1
        log = self.folder / f"bot-{self.starts}.log"
        self.logs.append(log)
        with log.open("wb") as sink:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "bot.cli", "--config", str(self.config), "run"],
                cwd=ROOT,
                env=self.env(),
                stdout=sink,
                stderr=sink,
            )

    async def wait_for_call(
        self,
        method: str,
        *,
        after: int = 0,
        count: int = 1,
        timeout: float = 30.0,  # noqa: ASYNC109
        every: float = 0.02,
    ) -> None:
        """Until `count` calls to `method` arrived after index `after` of emu.calls."""

        def arrived() -> bool:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"the bot exited with {self.proc.returncode}:\n{self.log_text()}")
            return self.calls(method, after) >= count

        await until(arrived, timeout, f"{count} {method} call(s)", every)

    def calls(self, method: str, after: int = 0) -> int:
        """How many calls to `method` the emulator received after index `after`."""
        return sum(1 for c in self.emu.calls[after:] if c.method.lower() == method.lower())

    def kill(self) -> None:
        """SIGKILL the bot (no clean-up of any kind runs) and reap it."""
        assert self.proc is not None, "not running"
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)
        self.proc = None
        self.kills += 1

    async def stop(self, timeout: float = 20.0) -> int:  # noqa: ASYNC109
        """SIGTERM (PTB stops cleanly); SIGKILL if it takes longer than timeout. The exit code."""
        if self.proc is None:
            return 0
        proc = self.proc
        proc.send_signal(signal.SIGTERM)
        try:
            await until(lambda: proc.poll() is not None, timeout, "the bot to stop")
        except TimeoutError:
            proc.kill()
        code = proc.wait(timeout=10)
        self.proc = None
        return code

    async def __aenter__(self) -> ProcBot:
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self.proc is not None:
            self.kill()

    def log_text(self) -> str:
        """Everything every process of this bot printed (its logs), in order."""
        return "".join(p.read_text(encoding="utf-8", errors="replace") for p in self.logs if p.exists())

    # the database ------------------------------------------------------------------------------

    def rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """Read the database file directly (a second connection; WAL readers do not block)."""
        return self.rows_of(self.database, sql, params)

    @staticmethod
    def rows_of(path: Path, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """Read any database file (e.g. a backup copy)."""
        conn = sqlite3.connect(path, timeout=10)
        try:
            return list(conn.execute(sql, params))
        finally:
            conn.close()

    def integrity(self, path: Path | None = None) -> str:
        """PRAGMA integrity_check of the database (or another file): "ok" when sound."""
        conn = sqlite3.connect(path or self.database, timeout=10)
        try:
            return "\n".join(str(r[0]) for r in conn.execute("PRAGMA integrity_check"))
        finally:
            conn.close()
