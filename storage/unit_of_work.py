"""A unit of work: the repositories bound to one connection inside one transaction."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from typing import Any, Protocol, TypeVar

import aiosqlite

from bot.core.clock import Clock

T = TypeVar("T")


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

    async def fetchone(self, sql: str, params: tuple[Any, ...] = ()) -> aiosqlite.Row | None:
        """Run a query (of at most a few rows) and return its first row."""
        rows = await self.conn.execute_fetchall(sql, params)
        return next(iter(rows), None)  # type: ignore[arg-type,unused-ignore]

    async def fetchall(self, sql: str, params: tuple[Any, ...] = ()) -> list[aiosqlite.Row]:
        """Run a query and return all rows."""
        return list(await self.conn.execute_fetchall(sql, params))  # type: ignore[arg-type,unused-ignore]

    async def execute(self, sql: str, params: tuple[Any, ...] = ()) -> int:
        """Run a statement; return lastrowid (inserts) or the changed row count."""
        cur = await self.conn.execute(sql, params)  # a DML statement runs to its end here
        return int(cur.lastrowid or 0) if sql.lstrip()[:6].upper() == "INSERT" else cur.rowcount


class UnitOfWork:
    """Hands out repositories that share this unit of work's connection."""

    def __init__(self, conn: Connection, clock: Clock) -> None:
        self.conn = conn
        self.clock = clock
        self._repos: dict[type[Any], Any] = {}

    def repo(self, cls: type[T]) -> T:
        """The repository of the given class, bound to this unit of work."""
        found = self._repos.get(cls)
        if found is None:
            found = self._repos[cls] = cls(self.conn, self.clock)  # type: ignore[call-arg,unused-ignore]
        return found  # type: ignore[no-any-return,unused-ignore]

    @property
    def blocs(self) -> BlocRepo:
        """Blocs, their admins and yearly roles."""
        return self.repo(BlocRepo)

    @property
    def units(self) -> UnitRepo:
        """Units and their representatives."""
        return self.repo(UnitRepo)

    @property
    def people(self) -> PeopleRepo:
        """People and chat settings."""
        return self.repo(PeopleRepo)

    @property
    def invites(self) -> InviteRepo:
        """Join links."""
        return self.repo(InviteRepo)

    @property
    def conversations(self) -> ConversationRepo:
        """What the bot waits for from one person in one chat."""
        return self.repo(ConversationRepo)

    @property
    def identities(self) -> IdentityRepo:
        """Internal ids of other channels' people and chats."""
        return self.repo(IdentityRepo)

    @property
    def zalo(self) -> ZaloRepo:
        """Zalo's chats, OA tokens, quota, kept messages; files behind signed links."""
        return self.repo(ZaloRepo)


from storage.blocs import BlocRepo  # noqa: E402  (repositories import Repository above)
from storage.conversations import ConversationRepo, IdentityRepo  # noqa: E402
from storage.invites import InviteRepo  # noqa: E402
from storage.people import PeopleRepo  # noqa: E402
from storage.units import UnitRepo  # noqa: E402
from storage.zalo import ZaloRepo  # noqa: E402
