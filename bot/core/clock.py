"""Injected time: the system clock in production, a movable clock in tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol


class Clock(Protocol):
    """Something that tells the current time as an aware UTC datetime."""

    def now(self) -> datetime: ...


class SystemClock:
    """The wall clock."""

    def now(self) -> datetime:
        """Return the current time in UTC."""
        return datetime.now(UTC)


class FakeClock:
    """A clock that moves only when told to (tests, the demo)."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("FakeClock needs an aware datetime")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        """Return the fake current time."""
        return self._now

    def advance(self, delta: timedelta) -> datetime:
        """Move the clock forward and return the new time."""
        self._now += delta
        return self._now

    def set(self, when: datetime) -> None:
        """Jump to a given aware time."""
        self._now = when.astimezone(UTC)


class FileClock:
    """TEST ONLY: the time written in a file, re-read at every now().

    Used when config.toml has ``[testing] clock_file = "<path>"``, so that tests can move the
    time of a bot running as a separate process (crash tests) by rewriting the file; never
    configured in production. The file holds one aware ISO 8601 time ("2026-12-15T01:00:00+00:00");
    writers should replace it atomically (write a temporary file, then rename it over).
    """

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.now()  # a missing or malformed file stops start-up, not the first reminder

    def now(self) -> datetime:
        """Return the time the file holds, in UTC."""
        text = self.path.read_text(encoding="utf-8").strip()
        value = datetime.fromisoformat(text)
        if value.tzinfo is None:
            raise ValueError(f"{self.path}: the time needs a UTC offset, got {text!r}")
        return value.astimezone(UTC)


def to_db(when: datetime) -> str:
    """Serialise an aware datetime for storage (UTC ISO 8601)."""
    if when.tzinfo is None:
        raise ValueError("naive datetime")
    return when.astimezone(UTC).isoformat(timespec="seconds")


def from_db(text: str) -> datetime:
    """Parse a stored UTC timestamp."""
    value = datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


__all__ = ["Clock", "FakeClock", "FileClock", "SystemClock", "from_db", "timedelta", "to_db"]
