"""CPU-heavy work (charts, DOCX minutes, XLSX exports) in a worker process, away from the loop.

A thread is not enough: matplotlib, PIL and lxml hold the GIL through long C calls, and while
a 1,000-unit poll's chart and minutes were drawn in a thread, other chats' replies waited up
to half a second (BENCHMARKS.md). So the work goes to a pool of one worker process, bounded:

- pre-started: ``blocbot run`` starts it with the bot (``start``), and a round's opening warms
  it again (``warm``) if it was let go after IDLE seconds without work (its 100-200 MB come
  back), so a job does not wait for its ~0.7 s start;
- one job at a time, at most QUEUE waiting (more: ``WorkFailed("busy")`` at once);
- limits: MEMORY bytes of address space (a job that needs more gets a MemoryError there), and
  SECONDS of wall clock per job, after which the worker is killed;
- a worker that dies (killed, out of memory, a crash in C) or times out fails only its job, as
  ``WorkFailed`` (the router turns it into an apology in the chat: handlers/conversation/
  router.py); a fresh worker is started at once for the next.

The function and its arguments must be picklable (top-level functions, plain dataclasses).
If no process can be started at all (no /dev/shm, a process limit), the work runs in a thread
as before, so the feature still works.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import resource
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")
IDLE = 600.0  # seconds without work after which the worker exits
MEMORY = 1024 << 20  # bytes of address space (drawing a 1,000-unit poll's chart and minutes: ~420 MB)
SECONDS = 60.0  # wall clock for one job (a 1,000-unit bloc's chart and minutes take ~1-2 s)
QUEUE = 8  # jobs waiting for the worker at most; more are refused at once


class WorkFailed(RuntimeError):
    """A job got no answer from the worker: `reason` is busy, timeout, memory or died."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"the rendering worker failed: {reason}")
        self.reason = reason


def _init_worker(parent: int, memory: int) -> None:
    """In the worker: cap its memory; exit when the bot's process is gone (killed, it cannot
    say goodbye)."""
    if memory:
        try:
            resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        except (ValueError, OSError) as exc:  # a lower hard limit already
            log.warning("worker memory limit not set: %s", exc)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=watch, name="watch-parent", daemon=True).start()


def _ready() -> bool:
    return True


class Worker:
    """The pool: one worker process, one job at a time (the module docstring says why)."""

    def __init__(self, memory: int = MEMORY, seconds: float = SECONDS, queue: int = QUEUE) -> None:
        self.memory = memory
        self.seconds = seconds
        self.queue = queue
        self.restarts = 0  # workers replaced after a failure (tests, logs)
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()
        self._turn = asyncio.Lock()
        self._turn_loop: asyncio.AbstractEventLoop | None = None
        self._waiting = 0
        self._last = 0.0
        self._timer: asyncio.TimerHandle | None = None

    def _executor(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ProcessPoolExecutor(
                    max_workers=1,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=_init_worker,
                    initargs=(os.getpid(), self.memory),
                )
            return self._pool

    def pid(self) -> int | None:
        """The worker process's id, once it runs (tests)."""
        pool = self._pool
        processes = getattr(pool, "_processes", None) or {}
        return next(iter(processes), None)

    def warm(self, prime: Callable[[], object] = _ready) -> Future[Any] | None:
        """Start the worker now (if need be) and run `prime` there (e.g. load the fonts), so that
        the next real job waits for neither."""
        try:
            future = self._executor().submit(prime)
        except (BrokenProcessPool, RuntimeError, OSError) as exc:
            log.warning("could not start the rendering worker: %s", exc)
            self._discard()
            return None
        self._used()
        return future

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """fn(*args) in the worker process; WorkFailed if the worker cannot answer."""
        if self._waiting >= self.queue:
            raise WorkFailed("busy")
        turn = self._turn_here()
        self._waiting += 1
        try:
            await turn.acquire()
        finally:
            self._waiting -= 1
        try:
            return await self._run(fn, *args)
        finally:
            turn.release()
            self._used()

    def _turn_here(self) -> asyncio.Lock:
        """The one-job-at-a-time lock of the running event loop (tests run many loops)."""
        loop = asyncio.get_running_loop()
        if self._turn_loop is not loop:
            self._turn, self._turn_loop = asyncio.Lock(), loop
        return self._turn

    async def _run(self, fn: Callable[..., T], *args: Any) -> T:
        loop = asyncio.get_running_loop()
        try:
            pool = self._executor()
            future = loop.run_in_executor(pool, fn, *args)
        except (BrokenProcessPool, RuntimeError, OSError) as exc:  # no process can be had
            log.warning("rendering worker unavailable (%s); rendering in a thread", type(exc).__name__)
            self._discard()
            return await asyncio.to_thread(fn, *args)
        try:
            return await asyncio.wait_for(future, self.seconds)
        except TimeoutError:
            log.error(
                "rendering worker: %s took over %.0f s; killed", getattr(fn, "__name__", fn), self.seconds
            )
            self._replace(pool, kill=True)
            raise WorkFailed("timeout") from None
        except BrokenProcessPool:
            log.error("rendering worker died during %s; a new one is started", getattr(fn, "__name__", fn))
            self._replace(pool, kill=False)
            raise WorkFailed("died") from None
        except MemoryError:
            log.error("rendering worker: %s ran out of memory", getattr(fn, "__name__", fn))
            raise WorkFailed("memory") from None

    def _replace(self, pool: ProcessPoolExecutor, *, kill: bool) -> None:
        """Throw a failed worker away and start a fresh one for the next job."""
        with self._lock:
            if self._pool is pool:
                self._pool = None
        if kill:
            for process in list((getattr(pool, "_processes", None) or {}).values()):
                process.kill()
        pool.shutdown(wait=False, cancel_futures=True)
        self.restarts += 1
        self.warm()

    def _discard(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)

    def _used(self) -> None:
        self._last = time.monotonic()
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        if self._timer is not None:
            self._timer.cancel()
        self._timer = loop.call_later(IDLE + 1, self._retire_if_idle)

    def _retire_if_idle(self) -> None:
        """Let the worker go once nothing has used it for IDLE seconds."""
        if self._turn.locked() or self._waiting or time.monotonic() - self._last < IDLE:
            return
        self._discard()

    def shutdown(self) -> None:
        """Stop the worker (the bot is stopping)."""
        if self._timer is not None:
            self._timer.cancel()
        self._discard()


_worker = Worker()


def worker() -> Worker:
    """The bot's one rendering worker."""
    return _worker


def warm(prime: Callable[[], object] = _ready) -> None:
    """Start the worker now if need be (a round opens, a ballot comes in)."""
    _worker.warm(prime)


async def start() -> None:
    """Pre-start the worker with the bot (``blocbot run``)."""
    _worker.warm()


async def in_worker(fn: Callable[..., T], *args: Any) -> T:
    """fn(*args) in the worker process; WorkFailed if it cannot answer (an apology)."""
    return await _worker.run(fn, *args)
