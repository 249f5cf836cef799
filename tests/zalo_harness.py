"""The Zalo harness (bot/demo/zalo_harness.py, where the Zalo demo finds it too), and `blocbot
run` as its own process with the OA's webhook on a local port (crash tests)."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import httpx

from bot.demo.zalo_harness import WEBHOOK_SECRET, ZALO_TOKEN, ZaloHarness, free_port
from bot.emulators.zalo import ZaloOAEmulator
from tests.harness import START
from tests.procbot import ROOT

__all__ = ["REDIRECT", "WEBHOOK_SECRET", "ZALO_TOKEN", "Clock", "ZaloHarness", "ZaloProc", "free_port"]

REDIRECT = "https://bot.example.vn/zalo/callback"


class Clock:
    """The time both the bot (through its clock file) and the emulator read."""

    def __init__(self, path: Path, start: datetime) -> None:
        self.path = path
        self.set(start)

    def set(self, when: datetime) -> None:
        self.at = when
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(when.isoformat(), encoding="utf-8")
        os.replace(temporary, self.path)

    def __call__(self) -> datetime:
        return self.at


class ZaloProc:
    """`blocbot run` as its own process, with the OA's webhook on a local port."""

    def __init__(self, folder: Path, oa: ZaloOAEmulator) -> None:
        self.folder = folder
        self.port = free_port()
        self.database = folder / "blocbot.sqlite3"
        self.config = folder / "config.toml"
        self.clock = Clock(folder / "clock.txt", START)
        self.config.write_text(
            f'[database]\npath = "{self.database}"\n'
            f'[zalo.oa]\napp_id = "{oa.app_id}"\nsecret_key = "{oa.app_secret}"\n'
            f'oa_secret_key = "{oa.oa_secret_key}"\nbase_url = "{oa.base_url}"\noauth_url = "{oa.base_url}"\n'
            f'redirect_uri = "{REDIRECT}"\n'
            f"[web]\nport = {self.port}\n"
            f'[testing]\nclock_file = "{self.clock.path}"\n',
            encoding="utf-8",
        )
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def env(self) -> dict[str, str]:
        return {**os.environ, "PYTHONPATH": str(ROOT)}

    async def cli(self, *args: str, stdin: str = "") -> tuple[int, str]:
        """Another `blocbot` command on this config (the emulator keeps answering meanwhile)."""
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot.cli",
            "--config",
            str(self.config),
            *args,
            cwd=ROOT,
            env=self.env(),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        out, _ = await asyncio.wait_for(proc.communicate(stdin.encode()), 60)
        return int(proc.returncode or 0), out.decode(errors="replace")

    async def start(self) -> None:
        self._spawn()
        async with httpx.AsyncClient(timeout=1.0) as client:

            async def healthy() -> bool:
                try:
                    return (await client.get(f"http://127.0.0.1:{self.port}/health")).status_code == 200
                except httpx.HTTPError:
                    return False

            loop = asyncio.get_running_loop()
            deadline = loop.time() + 30
            while not await healthy():
                assert self.proc.poll() is None, self.logs()
                assert loop.time() < deadline, "the bot did not start"
                await asyncio.sleep(0.05)

    def _spawn(self) -> None:
        self.starts += 1
        with (self.folder / f"bot-{self.starts}.log").open("wb") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "bot.cli", "--config", str(self.config), "run"],
                cwd=ROOT,
                env=self.env(),
                stdout=log,
                stderr=log,
            )

    def kill(self) -> None:
        """SIGKILL the bot (and only the bot) and reap it."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)  # the bot only: a courier lives in its own session
        self.proc.wait(timeout=10)
        self.proc = None

    def logs(self) -> str:
        return "".join(p.read_text(errors="replace") for p in sorted(self.folder.glob("bot-*.log")))

    def rows(self, sql: str) -> list[tuple[object, ...]]:
        conn = sqlite3.connect(self.database, timeout=10)
        try:
            return list(conn.execute(sql))
        finally:
            conn.close()
