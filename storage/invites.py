"""Join codes: single use, expiring; only a hash of each code is stored. Wrong codes are
counted per person (``join_attempts``) so that guessing stays slow across restarts.

A typed code has only 40 bits, so its stored form is a slow hash (scrypt, ~25 ms): a copy of
the database does not give the codes back in the week they live. The 24-character codes of the
links made before typed codes keep their sha256.
"""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from bot.core.clock import from_db, to_db
from bot.roster.joincodes import WINDOW, Attempts
from storage.repository import Repository

Wrong = Literal["unknown", "expired", "used"]

_SALT = b"blocbot join code v1"  # one salt for all: a code is found by its hash
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}  # 16 MiB, about 25 ms on one core
KEEP_ATTEMPTS = timedelta(days=1)  # older wrong attempts are deleted as new ones come


def hash_code(code: str) -> str:
    """The stored form of an old link's 24-character code."""
    return hashlib.sha256(code.encode("ascii", "replace")).hexdigest()


def hash_typed(code: str) -> str:
    """The stored form of a typed code (already read: 8 characters of the alphabet)."""
    digest = hashlib.scrypt(code.encode("ascii"), salt=_SALT, dklen=32, **_SCRYPT)
    return "scrypt:" + digest.hex()


async def key_of(code: str) -> str:
    """``hash_typed`` off the event loop (it is meant to be slow)."""
    return await asyncio.to_thread(hash_typed, code)


@dataclass(frozen=True)
class Invite:
    bloc_id: int
    unit_id: int
    expires_at: datetime
    used_by: int | None


class InviteRepo(Repository):
    async def create(self, key: str, bloc_id: int, unit_id: int, created_by: int, ttl: timedelta) -> None:
        """Store a new invite under its code's key (``key_of``); the code itself is not kept."""
        now = self.clock.now()
        await self.execute(
            "INSERT INTO invites(code_hash, bloc_id, unit_id, created_by, created_at, expires_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (key, bloc_id, unit_id, created_by, to_db(now), to_db(now + ttl)),
        )

    async def find(self, key: str) -> Invite | None:
        """Look an invite up by its code's key."""
        row = await self.fetchone(
            "SELECT bloc_id, unit_id, expires_at, used_by FROM invites WHERE code_hash = ?", (key,)
        )
        if row is None:
            return None
        return Invite(int(row[0]), int(row[1]), from_db(str(row[2])), row[3])

    async def use(self, key: str, user_id: int) -> bool:
        """Mark an invite used; False when someone used it first."""
        changed = await self.execute(
            "UPDATE invites SET used_by = ?, used_at = ? WHERE code_hash = ? AND used_by IS NULL",
            (user_id, to_db(self.clock.now()), key),
        )
        return changed == 1

    async def attempts(self, user_id: int) -> Attempts:
        """The person's wrong codes within the window, oldest first."""
        since = self.clock.now() - WINDOW
        rows = await self.fetchall(
            "SELECT attempted_at FROM join_attempts WHERE user_id = ? AND attempted_at > ? "
            "ORDER BY attempted_at, id",
            (user_id, to_db(since)),
        )
        return Attempts(tuple(from_db(str(r[0])) for r in rows))

    async def wrong(self, user_id: int, outcome: Wrong) -> None:
        """Count one wrong code against the person (and forget attempts nobody counts any more)."""
        now = self.clock.now()
        await self.execute("DELETE FROM join_attempts WHERE attempted_at < ?", (to_db(now - KEEP_ATTEMPTS),))
        await self.execute(
            "INSERT INTO join_attempts(user_id, attempted_at, outcome) VALUES (?, ?, ?)",
            (user_id, to_db(now), outcome),
        )
