"""Untrusted work (reading an uploaded spreadsheet) in a one-shot process with hard limits.

A hostile file can make a parser take seconds of CPU and gigabytes of memory (a cell at column
XFD makes openpyxl pad every row to 16,384 cells; a zip bomb inflates a thousandfold). On the
event loop that would stall every chat, and one out-of-memory kill would take the bot down. So
each job gets a fresh process (spawn: no state shared with the bot) whose address space and CPU
time the kernel caps, and which is killed when its wall-clock time is up. Unlike
bot.core.offload's long-lived worker, nothing is kept between jobs: a job that fills the
worker's memory can leave nothing behind. Starting one costs some 0.3-0.6 s, fine for an upload.
"""

from __future__ import annotations

import asyncio
import logging
import math
import multiprocessing
import resource
import signal
from collections.abc import Callable
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")
MEMORY = 512 << 20  # bytes of address space; the interpreter with openpyxl takes 180-210 MB of it
SECONDS = 20.0  # wall clock, from the moment the process is running to its answer


class SandboxError(RuntimeError):
    """The job did not give an answer within its limits (`reason`: timeout, memory, died)."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


def _limit(memory: int, seconds: float) -> None:
    """In the child: cap its memory and CPU, and die by itself soon after its time is up."""
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    # The parent kills us at the deadline; these are for when it cannot (gone, or its loop stuck).
    grace = math.ceil(seconds) + 1
    resource.setrlimit(resource.RLIMIT_CPU, (grace, grace + 1))  # SIGXCPU, then SIGKILL
    signal.alarm(grace + 1)  # SIGALRM's default action ends the process


def _child(
    conn: Connection, memory: int, seconds: float, fn: Callable[..., Any], args: tuple[Any, ...]
) -> None:
    _limit(memory, seconds)
    answer: tuple[str, Any]
    try:
        answer = ("ok", fn(*args))
    except MemoryError:
        answer = ("memory", None)
    except Exception as exc:  # handed to the caller as it was raised
        answer = ("raised", exc)
    try:
        conn.send(answer)
    except Exception as exc:  # an answer that does not pickle (or a MemoryError doing it)
        conn.send(("died", f"cannot send the answer: {type(exc).__name__}"))
    conn.close()


async def _receive(conn: Connection) -> Any:
    """The child's one message, read once the pipe has something (or the child is gone)."""
    loop = asyncio.get_running_loop()
    readable: asyncio.Future[None] = loop.create_future()
    fd = conn.fileno()

    def ready() -> None:
        if not readable.done():
            readable.set_result(None)

    loop.add_reader(fd, ready)
    try:
        await readable
    finally:
        loop.remove_reader(fd)
    # The child pickles its whole answer before it writes, so this does not wait on its work.
    return conn.recv()


def _reap(process: BaseProcess) -> int | None:
    """Kill the child if it is still there, wait for it, free it; its exit code."""
    if process.is_alive():
        process.kill()
    process.join()
    code = process.exitcode
    process.close()
    return code


async def run_limited(fn: Callable[..., T], *args: Any, memory: int = MEMORY, seconds: float = SECONDS) -> T:
    """fn(*args) in a fresh process with at most `memory` bytes, killed after `seconds`.

    An exception fn raises is raised here; SandboxError says it ran out of time or memory or
    died. fn and its arguments must be picklable (a top-level function, plain data).
    """
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(
        target=_child, args=(sender, memory, seconds, fn, args), name="sandbox", daemon=True
    )
    started = False
    code: int | None = None
    try:
        # Not on the loop: spawn writes the job (a 2 MB upload) down a pipe the child reads.
        # (Cancelled during it, the child is not reaped here; its own limits end it.)
        await asyncio.to_thread(process.start)
        started = True
        sender.close()  # ours; now the pipe reads as ended when the child exits
        try:
            status, value = await asyncio.wait_for(_receive(receiver), seconds)
        except TimeoutError:
            status, value = "timeout", f"after {seconds:g} s"
        except EOFError:  # killed before it could answer (by its limits, or from outside)
            status, value = "died", ""
    finally:
        receiver.close()
        sender.close()
        if started:
            code = await asyncio.to_thread(_reap, process)
    if status == "ok":
        result: T = value
        return result
    if status == "raised":
        raise value
    if status == "died" and code in (-signal.SIGXCPU, -signal.SIGALRM):
        status, value = "timeout", f"CPU or wall-clock limit ({seconds:g} s)"
    elif status == "died":
        value = f"exit code {code}"
    log.info("sandboxed %s stopped: %s %s", getattr(fn, "__name__", fn), status, value)
    raise SandboxError(status, value or "")
