"""Blocs with their admins and yearly chair / vice chair roles."""

from __future__ import annotations

import sqlite3

from bot.core.clock import from_db, to_db
from bot.core.messages import FOREIGN_BASE, NO_HOME
from bot.roster.model import Bloc, Roles
from storage.repository import Repository

_COLUMNS = "id, chat_id, name, language, timezone, created_by, created_at"


def _bloc(row: sqlite3.Row) -> Bloc:
    return Bloc(
        id=int(row[0]),
        chat_id=int(row[1]),
        name=str(row[2]),
        language=str(row[3]),
        timezone=str(row[4]),
        created_by=int(row[5]),
        created_at=from_db(str(row[6])),
    )


class BlocRepo(Repository):
    async def create(self, chat_id: int, name: str, language: str, timezone: str, created_by: int) -> Bloc:
        """Make a group chat a bloc; its creator becomes its first admin."""
        bloc_id = await self.execute(
            "INSERT INTO blocs(chat_id, name, language, timezone, created_by, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (chat_id, name, language, timezone, created_by, to_db(self.clock.now())),
        )
        await self.execute("INSERT INTO bloc_admins(bloc_id, user_id) VALUES (?, ?)", (bloc_id, created_by))
        found = await self.get(bloc_id)
        assert found is not None
        return found

    async def get(self, bloc_id: int) -> Bloc | None:
        """One bloc by id."""
        row = await self.fetchone(f"SELECT {_COLUMNS} FROM blocs WHERE id = ?", (bloc_id,))
        return None if row is None else _bloc(row)

    async def by_chat(self, chat_id: int) -> Bloc | None:
        """The bloc living in a group chat."""
        row = await self.fetchone(f"SELECT {_COLUMNS} FROM blocs WHERE chat_id = ?", (chat_id,))
        return None if row is None else _bloc(row)

    async def homeless_of(self, user_id: int) -> list[Bloc]:
        """The blocs without a home chat (bot/channels/fanout.py) a person represents a unit of
        or administers, oldest first."""
        rows = await self.fetchall(
            f"SELECT {_COLUMNS} FROM blocs WHERE chat_id IN "
            "(SELECT ? + id FROM identities WHERE channel = ? AND kind = 'chat') "
            "AND (id IN (SELECT bloc_id FROM bloc_admins WHERE user_id = ?) "
            "OR id IN (SELECT bloc_id FROM representatives WHERE user_id = ?)) ORDER BY id",
            (FOREIGN_BASE, NO_HOME, user_id, user_id),
        )
        return [_bloc(r) for r in rows]

    async def all(self) -> list[Bloc]:
        """Every bloc, oldest first."""
        rows = await self.fetchall(f"SELECT {_COLUMNS} FROM blocs ORDER BY id")
        return [_bloc(r) for r in rows]

    async def set_language(self, bloc_id: int, language: str) -> None:
        """Change the language the bloc's group is addressed in."""
        await self.execute("UPDATE blocs SET language = ? WHERE id = ?", (language, bloc_id))

    async def rename(self, bloc_id: int, name: str) -> None:
        """Rename a bloc."""
        await self.execute("UPDATE blocs SET name = ? WHERE id = ?", (name, bloc_id))

    async def move_chat(self, old_chat_id: int, new_chat_id: int) -> None:
        """Follow a group that Telegram upgraded to a supergroup (its id changes)."""
        await self.execute("UPDATE blocs SET chat_id = ? WHERE chat_id = ?", (new_chat_id, old_chat_id))

    async def admins(self, bloc_id: int) -> set[int]:
        """User ids made admins directly (the person who ran /setup)."""
        rows = await self.fetchall("SELECT user_id FROM bloc_admins WHERE bloc_id = ?", (bloc_id,))
        return {int(r[0]) for r in rows}

    async def roles(self, bloc_id: int, year: int) -> Roles:
        """Chair and vice chair units for a year."""
        rows = await self.fetchall(
            "SELECT role, unit_id FROM roles WHERE bloc_id = ? AND year = ?", (bloc_id, year)
        )
        found = {str(r[0]): int(r[1]) for r in rows}
        return Roles(year=year, chair=found.get("chair"), vice=found.get("vice"))

    async def set_role(self, bloc_id: int, year: int, role: str, unit_id: int) -> None:
        """Make a unit chair or vice chair for a year (one unit cannot hold both)."""
        await self.execute(
            "DELETE FROM roles WHERE bloc_id = ? AND year = ? AND unit_id = ?",
            (bloc_id, year, unit_id),
        )
        await self.execute(
            "INSERT INTO roles(bloc_id, year, role, unit_id) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(bloc_id, year, role) DO UPDATE SET unit_id = excluded.unit_id",
            (bloc_id, year, role, unit_id),
        )

    async def clear_unit_roles(self, unit_id: int) -> None:
        """Drop any role a removed unit held."""
        await self.execute("DELETE FROM roles WHERE unit_id = ?", (unit_id,))
