"""Injected transport faults for the Zalo emulators: 500/502 answers, hangs, dropped connections.

A fault is keyed by the emulated API method ("getUpdates", "sendMessage", "group/message",
"message/cs", "access_token", ...); ``None`` matches every method. Faults are consumed in the order
they were injected, one occurrence per matching call, and a faulted call is never executed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

__all__ = ["Fault", "FaultInjector", "FaultKind"]

FaultKind = Literal["500", "502", "timeout", "drop"]


@dataclass
class Fault:
    """The next `times` calls to `method` (None = any method) fail with `kind`.

    "500"/"502" answer that HTTP status (after `delay` seconds if given); "timeout" holds the
    request until the client gives up, `delay` seconds pass (default 60) or the emulator stops,
    then closes the connection unanswered; "drop" closes it at once (after `delay`).
    """

    method: str | None
    kind: FaultKind
    times: int = 1
    delay: float | None = None

    def matches(self, method: str) -> bool:
        """Whether this fault applies to a call of `method` (case-insensitive)."""
        return self.times > 0 and (self.method is None or self.method.lower() == method.lower())


class FaultInjector:
    """Queue of pending faults."""

    def __init__(self) -> None:
        self.pending: list[Fault] = []

    def add(self, method: str | None, kind: str, times: int = 1, delay: float | None = None) -> Fault:
        """Register a fault; kind is "500", "502", "timeout" or "drop"."""
        if kind not in get_args(FaultKind):
            raise ValueError(f"unknown fault kind {kind!r}")
        if times < 1:
            raise ValueError("times must be at least 1")
        fault = Fault(method, kind, times, delay)  # type: ignore[arg-type]
        self.pending.append(fault)
        return fault

    def take(self, method: str) -> Fault | None:
        """Consume one occurrence of the first fault matching this call, if any."""
        for fault in self.pending:
            if fault.matches(method):
                fault.times -= 1
                if fault.times == 0:
                    self.pending.remove(fault)
                return fault
        return None

    def clear(self) -> None:
        """Remove every pending fault."""
        self.pending.clear()
