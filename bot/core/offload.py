"""CPU-heavy rendering (charts, DOCX minutes) in a worker process, away from the event loop.

A thread is not enough: matplotlib, PIL and lxml hold the GIL through long C calls, and while
a 1,000-unit poll's chart and minutes were drawn in a thread, other chats' replies waited up
to half a second (BENCHMARKS.md). One worker process is started on first use (about 0.7 s;
100-200 MB once it has drawn a big bloc's chart and minutes) and let go after IDLE seconds
without work; ``warm()`` starts it ahead of need (a round opens, a ballot comes in). The
function and its arguments must be picklable (top-level functions, plain dataclasses). If the
worker cannot be used, the work runs in a thread as before.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")
IDLE = 600.0  # seconds without work after which the worker exits (its ~100-200 MB come back)
_pool: ProcessPoolExecutor | None = None
_lock = threading.Lock()
_busy = 0
_last = 0.0


def _watch_parent(parent: int) -> None:
    """In the worker: exit when the bot's process is gone (killed, it cannot say goodbye)."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=watch, name="watch-parent", daemon=True).start()


def _executor() -> ProcessPoolExecutor:
    global _pool
    with _lock:
        if _pool is None:
            _pool = ProcessPoolExecutor(
                max_workers=1,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_watch_parent,
                initargs=(os.getpid(),),
            )
        return _pool


def _ready() -> bool:
    return True


def _retire_if_idle() -> None:
    """Let the worker go once nothing has used it for IDLE seconds."""
    global _pool
    with _lock:
        if _pool is None or _busy or time.monotonic() - _last < IDLE:
            return
        pool, _pool = _pool, None
    pool.shutdown(wait=False)


def _used() -> None:
    global _last
    _last = time.monotonic()
    asyncio.get_running_loop().call_later(IDLE + 1, _retire_if_idle)


def warm(prime: Callable[[], object] = _ready) -> None:
    """Start the worker now (if need be) and run `prime` there (e.g. load the fonts), so that
    the next real job does not wait for either."""
    try:
        _executor().submit(prime)
        _used()
    except (BrokenProcessPool, RuntimeError, OSError) as exc:
        log.warning("could not start the rendering worker: %s", exc)


async def in_worker(fn: Callable[..., T], *args: Any) -> T:
    """fn(*args) in the worker process (in a thread if the worker cannot be had)."""
    global _pool, _busy
    loop = asyncio.get_running_loop()
    _busy += 1
    try:
        return await loop.run_in_executor(_executor(), fn, *args)
    except (BrokenProcessPool, RuntimeError, OSError) as exc:  # e.g. the worker was killed
        log.warning("rendering worker unavailable (%s); rendering in a thread", type(exc).__name__)
        with _lock:
            broken, _pool = _pool, None  # a fresh one next time
        if broken is not None:
            broken.shutdown(wait=False, cancel_futures=True)
        return await asyncio.to_thread(fn, *args)
    finally:
        _busy -= 1
        _used()
