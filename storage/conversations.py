"""Identities of other channels' people and chats, and conversation state rows."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.core.clock import from_db, to_db
from bot.core.messages import FOREIGN_BASE
from storage.repository import Repository

ANYONE = 0  # person_id of a row any person in the chat may answer (a group card's menu)


@dataclass(frozen=True)
class Waiting:
    """A conversation row: what the bot waits for from one person in one chat."""

    chat_id: int
    person_id: int
    slot: str
    kind: str
    payload: dict[str, Any]
    message_id: int | None
    expires_at: datetime
    seq: int


class IdentityRepo(Repository):
    async def internal(self, channel: str, kind: str, external: str, *, private: bool = False) -> int:
        """The internal id of a foreign person or chat, assigned on first sight."""
        row = await self.fetchone(
            "SELECT id FROM identities WHERE channel = ? AND kind = ? AND external = ?",
            (channel, kind, external),
        )
        if row is not None:
            return FOREIGN_BASE + int(row[0])
        rowid = await self.execute(
            "INSERT INTO identities(channel, kind, external, private) VALUES (?, ?, ?, ?)",
            (channel, kind, external, int(private)),
        )
        return FOREIGN_BASE + rowid

    async def find(self, channel: str, kind: str, external: str) -> int | None:
        """The internal id if this person or chat was seen before."""
        row = await self.fetchone(
            "SELECT id FROM identities WHERE channel = ? AND kind = ? AND external = ?",
            (channel, kind, external),
        )
        return None if row is None else FOREIGN_BASE + int(row[0])

    async def external(self, internal_id: int) -> tuple[str, str, str, bool] | None:
        """(channel, kind, external id, private) of an internal id above FOREIGN_BASE."""
        row = await self.fetchone(
            "SELECT channel, kind, external, private FROM identities WHERE id = ?",
            (internal_id - FOREIGN_BASE,),
        )
        return None if row is None else (str(row[0]), str(row[1]), str(row[2]), bool(row[3]))

    async def of_channel(self, channel: str) -> list[tuple[int, str, str]]:
        """(internal id, kind, external id) of every person and chat seen on a channel."""
        rows = await self.fetchall(
            "SELECT id, kind, external FROM identities WHERE channel = ? ORDER BY id", (channel,)
        )
        return [(FOREIGN_BASE + int(r[0]), str(r[1]), str(r[2])) for r in rows]


class ConversationRepo(Repository):
    async def put(
        self,
        chat_id: int,
        person_id: int,
        slot: str,
        kind: str,
        payload: dict[str, Any],
        expires_at: datetime,
        message_id: int | None = None,
    ) -> None:
        """Start (or replace) what the bot waits for in this slot."""
        await self.execute(
            "INSERT INTO conversations(chat_id, person_id, slot, kind, payload, message_id, expires_at, seq) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM conversations)) "
            "ON CONFLICT(chat_id, person_id, slot) DO UPDATE SET kind = excluded.kind, "
            "payload = excluded.payload, message_id = excluded.message_id, "
            "expires_at = excluded.expires_at, seq = excluded.seq",
            (
                chat_id,
                person_id,
                slot,
                kind,
                json.dumps(payload, ensure_ascii=False),
                message_id,
                to_db(expires_at),
            ),
        )

    async def get(self, chat_id: int, person_id: int, slot: str) -> Waiting | None:
        """The row of this slot if it has not expired."""
        row = await self.fetchone(
            "SELECT chat_id, person_id, slot, kind, payload, message_id, expires_at, seq "
            "FROM conversations WHERE chat_id = ? AND person_id = ? AND slot = ? AND expires_at > ?",
            (chat_id, person_id, slot, to_db(self.clock.now())),
        )
        return None if row is None else _waiting(row)

    async def expired(self, chat_id: int, person_id: int, slot: str) -> bool:
        """Whether a row existed here but has run out (to answer "that question expired")."""
        row = await self.fetchone(
            "SELECT 1 FROM conversations WHERE chat_id = ? AND person_id = ? AND slot = ? "
            "AND expires_at <= ?",
            (chat_id, person_id, slot, to_db(self.clock.now())),
        )
        return row is not None

    async def drop(self, chat_id: int, person_id: int, slot: str) -> bool:
        """Forget one slot; True when something was waiting."""
        return (
            await self.execute(
                "DELETE FROM conversations WHERE chat_id = ? AND person_id = ? AND slot = ? AND expires_at > ?",
                (chat_id, person_id, slot, to_db(self.clock.now())),
            )
            > 0
        )

    async def drop_all(self, chat_id: int, person_id: int, slots: tuple[str, ...]) -> int:
        """Forget this person's rows of the given slots in this chat (/cancel)."""
        marks = ",".join("?" * len(slots))
        return await self.execute(
            f"DELETE FROM conversations WHERE chat_id = ? AND person_id = ? AND slot IN ({marks}) "
            "AND expires_at > ?",
            (chat_id, person_id, *slots, to_db(self.clock.now())),
        )

    async def purge(self, now: datetime) -> int:
        """Delete rows that expired before ``now``."""
        return await self.execute("DELETE FROM conversations WHERE expires_at <= ?", (to_db(now),))


def _waiting(row: Any) -> Waiting:
    return Waiting(
        int(row[0]),
        int(row[1]),
        str(row[2]),
        str(row[3]),
        json.loads(row[4]),
        None if row[5] is None else int(row[5]),
        from_db(str(row[6])),
        int(row[7]),
    )
