"""Member units of a bloc and the people who represent them."""

from __future__ import annotations

import sqlite3

from bot.core.clock import from_db, to_db
from bot.core.names import fold
from bot.roster.model import Person, Representative, Unit
from storage.repository import Repository


def _unit(row: sqlite3.Row) -> Unit:
    return Unit(id=int(row[0]), bloc_id=int(row[1]), position=int(row[2]), name=str(row[3]))


class UnitRepo(Repository):
    async def active(self, bloc_id: int) -> list[Unit]:
        """The bloc's current units in roster order (#1 first)."""
        rows = await self.fetchall(
            "SELECT id, bloc_id, position, name FROM units "
            "WHERE bloc_id = ? AND removed_at IS NULL ORDER BY position, id",
            (bloc_id,),
        )
        return [_unit(r) for r in rows]

    async def get(self, unit_id: int) -> Unit | None:
        """One unit by id, removed or not."""
        row = await self.fetchone("SELECT id, bloc_id, position, name FROM units WHERE id = ?", (unit_id,))
        return None if row is None else _unit(row)

    async def add(self, bloc_id: int, name: str) -> Unit:
        """Append a unit at the end of the roster."""
        row = await self.fetchone(
            "SELECT COALESCE(MAX(position), 0) + 1 FROM units WHERE bloc_id = ?", (bloc_id,)
        )
        position = int(row[0]) if row else 1
        unit_id = await self.execute(
            "INSERT INTO units(bloc_id, position, name, folded) VALUES (?, ?, ?, ?)",
            (bloc_id, position, name, fold(name)),
        )
        return Unit(unit_id, bloc_id, position, name)

    async def rename(self, unit_id: int, name: str) -> None:
        """Give a unit a new name."""
        await self.execute("UPDATE units SET name = ?, folded = ? WHERE id = ?", (name, fold(name), unit_id))

    async def remove(self, unit_id: int) -> None:
        """Take a unit off the roster; its history stays, its people are unlinked."""
        await self.execute("UPDATE units SET removed_at = ? WHERE id = ?", (to_db(self.clock.now()), unit_id))
        await self.execute("DELETE FROM representatives WHERE unit_id = ?", (unit_id,))

    async def representatives(self, bloc_id: int) -> list[Representative]:
        """Every linked person of the bloc's units."""
        rows = await self.fetchall(
            "SELECT r.unit_id, p.user_id, p.full_name, p.username, p.started, r.is_voter, "
            "r.linked_at FROM representatives r JOIN people p ON p.user_id = r.user_id "
            "WHERE r.bloc_id = ? ORDER BY r.linked_at, p.user_id",
            (bloc_id,),
        )
        return [
            Representative(
                unit_id=int(r[0]),
                person=Person(int(r[1]), str(r[2]), r[3], bool(r[4])),
                is_voter=bool(r[5]),
                linked_at=from_db(str(r[6])),
            )
            for r in rows
        ]

    async def unit_of(self, bloc_id: int, user_id: int) -> Unit | None:
        """The unit a person represents in a bloc."""
        row = await self.fetchone(
            "SELECT u.id, u.bloc_id, u.position, u.name FROM representatives r "
            "JOIN units u ON u.id = r.unit_id WHERE r.bloc_id = ? AND r.user_id = ?",
            (bloc_id, user_id),
        )
        return None if row is None else _unit(row)

    async def memberships(self, user_id: int) -> list[tuple[int, Unit]]:
        """(bloc id, unit) for every unit a person represents, in any bloc."""
        rows = await self.fetchall(
            "SELECT u.id, u.bloc_id, u.position, u.name FROM representatives r "
            "JOIN units u ON u.id = r.unit_id WHERE r.user_id = ? ORDER BY u.bloc_id",
            (user_id,),
        )
        return [(int(r[1]), _unit(r)) for r in rows]

    async def link(self, bloc_id: int, unit_id: int, user_id: int) -> Unit | None:
        """Link a person to a unit; return the unit they represented before in this bloc."""
        previous = await self.unit_of(bloc_id, user_id)
        if previous is not None and previous.id == unit_id:
            return previous
        await self.execute(
            "DELETE FROM representatives WHERE bloc_id = ? AND user_id = ?", (bloc_id, user_id)
        )
        await self.execute(
            "INSERT INTO representatives(unit_id, user_id, bloc_id, linked_at) VALUES (?, ?, ?, ?)",
            (unit_id, user_id, bloc_id, to_db(self.clock.now())),
        )
        return previous

    async def set_voter(self, unit_id: int, user_id: int) -> None:
        """Make one linked person the unit's voter."""
        await self.execute("UPDATE representatives SET is_voter = 0 WHERE unit_id = ?", (unit_id,))
        await self.execute(
            "UPDATE representatives SET is_voter = 1 WHERE unit_id = ? AND user_id = ?",
            (unit_id, user_id),
        )
