"""The emulator in a process of its own, driven over a pipe (benchmarks: the yardstick).

In one process with the code that drives it, the emulator shares that process's core: a fast
bot (the bare echo bot) is then measured against the emulator, not against itself. Here the
emulator runs alone in a child process (``multiprocessing`` spawn) and the driver talks to it
over a ``multiprocessing`` pipe::

    async with EmulatorProcess(token="777:BENCH") as emu:
        emu.add_user(42, "An", started=True)        # any emulator method, called there
        emu.post_message(42, 42, "/start")
        seen = 0
        while not done:
            answers = await emu.wait_answers(seen)  # (method, key, arrival) of the new calls
            seen += len(answers)

Every call the bot makes is noted there as a compact answer: (method in lower case, its key,
its arrival on ``time.perf_counter``, which is CLOCK_MONOTONIC and so comparable across
processes): the key is the callback_query_id of an answerCallbackQuery, else the chat_id.
``TimedEmulator`` is the in-process emulator with the same notes (``answers_since``).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import multiprocessing
import os
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from types import TracebackType
from typing import Any

from .emulator import BotApiEmulator
from .flood import FloodLimits
from .params import Params

Answer = tuple[str, str, float]  # (method, key, arrival)
COALESCE = 0.005  # seconds a waiter lets more calls arrive before it is answered (fewer trips)


def answer_of(method: str, params: Params | dict[str, Any], arrival: float) -> Answer:
    """The compact note of one call."""
    values = params.values if isinstance(params, Params) else params
    name = method.lower()
    field = "callback_query_id" if name == "answercallbackquery" else "chat_id"
    return (name, str(values.get(field, "")), arrival)


class TimedEmulator(BotApiEmulator):
    """The emulator, noting when each call arrived (calls[i] arrived at arrivals[i]) and each
    call's compact answer (answers[i])."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.arrivals: list[float] = []
        self.answers: list[Answer] = []
        self.changes = 0
        self._changed = asyncio.Event()

    def accept(self, method: str, params: Params) -> None:
        """Record the call, its arrival time and its answer note."""
        super().accept(method, params)
        now = time.perf_counter()
        self.arrivals.append(now)
        self.answers.append(answer_of(method, params, now))
        self.changes += 1
        self._changed.set()

    def answers_since(self, seen: int) -> list[Answer]:
        """The answer notes of the calls after the first `seen`."""
        return self.answers[seen:]

    async def wait_change(self, version: int, timeout: float) -> int:  # noqa: ASYNC109
        """Once a call arrived after `version` (or after `timeout`): the number of calls so far."""
        if self.changes <= version:
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), timeout)
        if self.changes > version:
            await asyncio.sleep(COALESCE)
        return self.changes

    async def wait_answers(self, seen: int, timeout: float) -> list[Answer]:  # noqa: ASYNC109
        """The answer notes after the first `seen`, once there is one (empty after `timeout`)."""
        await self.wait_change(seen, timeout)
        return self.answers_since(seen)

    def reset_counters(self) -> None:
        """Forget the calls, their arrival times and notes alike (they are matched by index)."""
        super().reset_counters()
        self.arrivals.clear()
        self.answers.clear()
        self.changes = 0


# -- the child ---------------------------------------------------------------------------------


def _child(conn: Connection, kwargs: dict[str, Any]) -> None:
    """The emulator process: serve until told to stop or the driver's end of the pipe closes."""
    asyncio.run(_serve(conn, kwargs))


async def _serve(conn: Connection, kwargs: dict[str, Any]) -> None:
    loop = asyncio.get_running_loop()
    done = asyncio.Event()
    emu = TimedEmulator(**kwargs)
    await emu.start()
    tasks: set[asyncio.Task[None]] = set()

    def reply(ident: int, ok: bool, value: Any) -> None:
        try:
            conn.send((ident, ok, value))
        except (BrokenPipeError, OSError):
            done.set()

    async def later(ident: int, coro: Any) -> None:
        try:
            value = await coro
        except Exception as exc:  # the driver sees it raised
            reply(ident, False, exc)
        else:
            reply(ident, True, value)

    def readable() -> None:
        while not done.is_set():
            try:
                if not conn.poll():
                    return
                ident, op, name, args, kw = conn.recv()
            except (EOFError, OSError):
                done.set()
                return
            try:
                if op == "stop":
                    done.set()
                    reply(ident, True, None)
                    return
                if op == "set":
                    setattr(emu, name, args[0])
                    reply(ident, True, None)
                    continue
                value = getattr(emu, name)
                if op == "get":
                    reply(ident, True, value)
                    continue
                result = value(*args, **kw)
                if asyncio.iscoroutine(result):
                    task = loop.create_task(later(ident, result))
                    tasks.add(task)
                    task.add_done_callback(tasks.discard)
                    continue
                reply(ident, True, result)
            except Exception as exc:
                reply(ident, False, exc)

    loop.add_reader(conn.fileno(), readable)
    reply(0, True, (emu.port, os.getpid()))
    try:
        await done.wait()
    finally:
        loop.remove_reader(conn.fileno())
        for task in tasks:
            task.cancel()
        await emu.stop()


# -- the driver's side -------------------------------------------------------------------------


class EmulatorProcess:
    """A TimedEmulator in a child process. Attribute calls are run there (``emu.post_message(…)``,
    ``emu.last(chat)``: arguments and results are pickled); ``get``/``latency``/``count_429``
    read and set its attributes; the ``wait_*`` methods wait there without blocking this loop."""

    def __init__(
        self,
        token: str = "123456:TEST",
        bot_username: str = "blocbot_test",
        flood: FloodLimits | None = None,
    ) -> None:
        self.token = token
        self._kwargs: dict[str, Any] = {"token": token, "bot_username": bot_username, "flood": flood}
        self._conn: Connection | None = None
        self._process: multiprocessing.process.BaseProcess | None = None
        self._ids = itertools.count(1)
        self._waiting: dict[int, asyncio.Future[Any]] = {}
        self._reading = False
        self.port = 0
        self.pid = 0

    async def start(self) -> EmulatorProcess:
        """Start the child and wait until it serves."""
        context = multiprocessing.get_context("spawn")
        mine, theirs = context.Pipe()
        self._process = context.Process(target=_child, args=(theirs, self._kwargs), daemon=True)
        self._process.start()
        theirs.close()
        self._conn = mine
        loop = asyncio.get_running_loop()
        ready = await loop.run_in_executor(None, self._first, 60.0)
        self.port, self.pid = ready
        return self

    def _first(self, timeout: float) -> Any:
        assert self._conn is not None
        if not self._conn.poll(timeout):
            raise RuntimeError("the emulator process did not start")
        _ident, _ok, value = self._conn.recv()
        return value

    async def stop(self) -> None:
        """Stop the child (its server answers pending long polls first)."""
        if self._conn is None:
            return
        with contextlib.suppress(Exception):
            await self._async("stop", "", ())
        if self._reading:
            asyncio.get_running_loop().remove_reader(self._conn.fileno())
            self._reading = False
        assert self._process is not None
        await asyncio.get_running_loop().run_in_executor(None, self._process.join, 10.0)
        if self._process.is_alive():
            self._process.kill()
        self._conn.close()
        self._conn = None

    async def __aenter__(self) -> EmulatorProcess:
        return await self.start()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    # -- the pipe ----------------------------------------------------------------------------

    def _send(self, op: str, name: str, args: tuple[Any, ...], kw: dict[str, Any] | None = None) -> int:
        assert self._conn is not None, "the emulator process is not running"
        ident = next(self._ids)
        self._conn.send((ident, op, name, args, kw or {}))
        return ident

    def _deliver(self, message: tuple[int, bool, Any]) -> Any:
        ident, ok, value = message
        future = self._waiting.pop(ident, None)
        if future is not None and not future.done():
            if ok:
                future.set_result(value)
            else:
                future.set_exception(value)
        return ident

    def _drain(self) -> None:
        assert self._conn is not None
        while self._conn.poll():
            self._deliver(self._conn.recv())

    def _sync(self, op: str, name: str, args: tuple[Any, ...], kw: dict[str, Any] | None = None) -> Any:
        ident = self._send(op, name, args, kw)
        assert self._conn is not None
        while True:
            got, ok, value = self._conn.recv()
            if got == ident:
                if not ok:
                    raise value
                return value
            self._deliver((got, ok, value))  # the answer to a wait, meanwhile

    async def _async(self, op: str, name: str, args: tuple[Any, ...]) -> Any:
        loop = asyncio.get_running_loop()
        assert self._conn is not None
        if not self._reading:
            loop.add_reader(self._conn.fileno(), self._drain)
            self._reading = True
        future: asyncio.Future[Any] = loop.create_future()
        self._waiting[self._send(op, name, args)] = future
        return await future

    # -- the emulator's API ------------------------------------------------------------------

    def __getattr__(self, name: str) -> Callable[..., Any]:
        if name.startswith("_"):
            raise AttributeError(name)

        def remote(*args: Any, **kw: Any) -> Any:
            return self._sync("call", name, args, kw)

        remote.__name__ = name
        return remote

    def get(self, name: str) -> Any:
        """An attribute or property of the emulator there (e.g. "count_429", "callback_answers")."""
        return self._sync("get", name, ())

    @property
    def latency(self) -> float:
        """Seconds added to every Bot API call."""
        return float(self.get("latency"))

    @latency.setter
    def latency(self, value: float) -> None:
        self._sync("set", "latency", (value,))

    @property
    def count_429(self) -> int:
        """429 answers so far."""
        return int(self.get("count_429"))

    @property
    def calls(self) -> list[Any]:
        """Every call so far (all of them pickled over: for setup, not for measuring)."""
        return list(self.get("calls"))

    @property
    def base_url(self) -> str:
        """Pass as Bot(base_url=...)."""
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        """Pass as Bot(base_file_url=...)."""
        return f"http://127.0.0.1:{self.port}/file/bot"

    async def wait_answers(self, seen: int, timeout: float = 1.0) -> list[Answer]:  # noqa: ASYNC109
        """The answer notes after the first `seen`, once there is one (empty after `timeout`)."""
        return list(await self._async("call", "wait_answers", (seen, timeout)))

    async def wait_until(
        self,
        predicate: Callable[[], bool],
        timeout: float = 10.0,  # noqa: ASYNC109
        what: str = "condition",
    ) -> None:
        """Once predicate() holds, re-checked after calls arrive there (at least once a second)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        version = -1
        while not predicate():
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"timed out after {timeout}s waiting for {what}")
            version = await self._async("call", "wait_change", (max(version, 0), min(remaining, 1.0)))

    def cpu_seconds(self) -> float:
        """CPU time the emulator process has used (all its threads, /proc schedstat)."""
        total = 0
        for task in Path(f"/proc/{self.pid}/task").iterdir():
            with contextlib.suppress(OSError, ValueError, IndexError):
                total += int((task / "schedstat").read_text(encoding="ascii").split()[0])
        return total / 1e9
