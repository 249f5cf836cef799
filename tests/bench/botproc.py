"""A bot as its own process against the emulator: `blocbot run`, or the bare echo bot.

``BLOCBOT_BENCH_PROFILE=out.prof`` runs the bot under cProfile (stopped with SIGINT, so the
profile gets written); ``BLOCBOT_BENCH_PYSPY=out.txt`` samples it with py-spy (the dev extras)
from its start to its stop, as collapsed stacks (``….json``: speedscope, samples in order).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from bot.emulators.telegram import BotApiEmulator
from bot.emulators.telegram.process import EmulatorProcess

ROOT = Path(__file__).resolve().parents[2]
PROFILE = os.environ.get("BLOCBOT_BENCH_PROFILE", "")
PYSPY = os.environ.get("BLOCBOT_BENCH_PYSPY", "")


class BotProcess:
    """One bot process polling an emulator; its CPU time and resident memory from /proc."""

    def __init__(self, emu: BotApiEmulator | EmulatorProcess, folder: Path) -> None:
        self.emu = emu
        self.folder = folder
        self.log = folder / "bot.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.spy: subprocess.Popen[bytes] | None = None
        self.started_at = 0.0

    def config(self, db: Path, concurrency: int, token: str, rate_limit: bool = False) -> Path:
        """A config.toml for `blocbot run` against the emulator (rate limits off unless asked)."""
        path = self.folder / "config.toml"
        path.write_text(
            f'[telegram]\ntoken = "{token}"\nbase_url = "{self.emu.base_url}"\n'
            f'base_file_url = "{self.emu.base_file_url}"\nrate_limit = {str(rate_limit).lower()}\n'
            f'concurrent_updates = {concurrency}\n[database]\npath = "{db}"\n',
            encoding="utf-8",
        )
        return path

    def start_blocbot(self, db: Path, concurrency: int, token: str, *, rate_limit: bool = False) -> None:
        """`python -m bot.cli --config … run`, as in production."""
        config = self.config(db, concurrency, token, rate_limit)
        self.spawn(["-m", "bot.cli", "--config", str(config), "run"])

    def spawn(self, argv: list[str]) -> None:
        """Start `python <argv>` (under cProfile if asked)."""
        if PROFILE:
            argv = ["-m", "cProfile", "-o", PROFILE, *argv]
        env = {**os.environ, "PTB_TIMEDELTA": "true", "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg"}
        self.started_at = time.perf_counter()
        with self.log.open("ab") as sink:
            self.proc = subprocess.Popen([sys.executable, *argv], cwd=ROOT, env=env, stdout=sink, stderr=sink)
        if PYSPY:
            spy = [str(Path(sys.executable).with_name("py-spy")), "record", "-p", str(self.proc.pid)]
            form = "speedscope" if PYSPY.endswith(".json") else "raw"  # speedscope keeps the order
            spy += ["-r", "250", "-f", form, "-o", PYSPY, "--nonblocking"]
            self.spy = subprocess.Popen(spy, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    async def wait_polling(self, within: float = 60) -> float:
        """Until the bot's first getUpdates; returns seconds since the process was started."""
        try:
            notes = getattr(self.emu, "answers_since", None)  # the emulator's compact notes, if kept

            def polling() -> bool:
                if notes is not None:
                    return any(answer[0] == "getupdates" for answer in notes(0))
                return any(c.method.lower() == "getupdates" for c in self.emu.calls)

            await self.emu.wait_until(
                polling,
                timeout=within,
                what="bot polling",
            )
        except TimeoutError:
            raise RuntimeError(f"the bot did not start polling; its log: {self.log}") from None
        return time.perf_counter() - self.started_at

    def _status(self, name: str) -> str:
        assert self.proc is not None
        with open(f"/proc/{self.proc.pid}/{name}", encoding="ascii") as fh:
            return fh.read()

    def cpu_seconds(self) -> float:
        """CPU time the process has used so far (all its threads), to the nanosecond: the sum of
        its threads' /proc schedstat (the process's stat counts in 10 ms ticks)."""
        assert self.proc is not None
        total = 0
        for task in Path(f"/proc/{self.proc.pid}/task").iterdir():
            try:
                total += int((task / "schedstat").read_text(encoding="ascii").split()[0])
            except (OSError, ValueError, IndexError):
                continue  # a thread that just ended
        if total:
            return total / 1e9
        fields = self._status("stat").rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def rss_mb(self, peak: bool = False) -> float:
        """Resident memory now (VmRSS) or at its peak (VmHWM), in MB."""
        key = "VmHWM:" if peak else "VmRSS:"
        line = next(line for line in self._status("status").splitlines() if line.startswith(key))
        return int(line.split()[1]) / 1024

    def children_rss_mb(self, key: str = "VmRSS:") -> float:
        """Resident memory of the process's children (the rendering worker), in MB; `key`
        "VmHWM:" for their peak, "VmPeak:" for their peak address space."""
        assert self.proc is not None
        total = 0.0
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text(encoding="ascii")
                if int(stat.rsplit(")", 1)[1].split()[1]) != self.proc.pid:
                    continue
                status = (entry / "status").read_text(encoding="ascii")
            except (OSError, ValueError):
                continue
            rss = next((line for line in status.splitlines() if line.startswith(key)), "")
            total += int(rss.split()[1]) / 1024 if rss else 0.0
        return total

    def stop(self) -> None:
        """Stop the process (gently when profiling, so the profile is written)."""
        if self.proc is None:
            return
        if self.spy is not None:
            self.spy.send_signal(signal.SIGINT)  # py-spy writes what it sampled
            try:
                self.spy.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.spy.kill()
            self.spy = None
        if PROFILE:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                pass
        self.proc.kill()
        self.proc.wait()
        self.proc = None
