"""The base of every repository: the connection it uses and the clock; it never commits.
(storage/unit_of_work.py binds repositories to one transaction; repositories import only this
module, so the unit of work can name them without an import cycle.)"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from typing import Any, Protocol

from bot.core.clock import Clock


class Connection(Protocol):
    """What repositories use of a connection: the writer, or the reader (storage/db.py)."""

    async def execute(self, sql: str, parameters: Iterable[Any] = ...) -> Any:
        """Run one statement; the result has lastrowid and rowcount."""

    async def execute_fetchall(self, sql: str, parameters: Iterable[Any] = ...) -> Iterable[sqlite3.Row]:
        """Run a query and return all its rows."""


class Repository:
    """Base of every repository: holds the connection and the clock; never commits."""

    def __init__(self, conn: Connection, clock: Clock) -> None:
        self.conn = conn
        self.clock = clock

    # Each helper runs one statement and fetches its rows together (storage/db.py).

    async def fetchone(self, sql: str, params: tuple[Any, ...] = ()) -> sqlite3.Row | None:
        """Run a query (of at most a few rows) and return its first row."""
        rows = await self.conn.execute_fetchall(sql, params)
        return next(iter(rows), None)  # type: ignore[arg-type,unused-ignore]

    async def fetchall(self, sql: str, params: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        """Run a query and return all rows."""
        return list(await self.conn.execute_fetchall(sql, params))  # type: ignore[arg-type,unused-ignore]

    async def execute(self, sql: str, params: tuple[Any, ...] = ()) -> int:
        """Run a statement; return lastrowid (inserts) or the changed row count."""
        cur = await self.conn.execute(sql, params)  # a DML statement runs to its end here
        return int(cur.lastrowid or 0) if sql.lstrip()[:6].upper() == "INSERT" else cur.rowcount
