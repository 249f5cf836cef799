"""Join links: single use, expiring; only a hash of each code is stored."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.core.clock import from_db, to_db
from storage.unit_of_work import Repository


def hash_code(code: str) -> str:
    """The stored form of a join code."""
    return hashlib.sha256(code.encode("ascii", "replace")).hexdigest()


@dataclass(frozen=True)
class Invite:
    bloc_id: int
    unit_id: int
    expires_at: datetime
    used_by: int | None


class InviteRepo(Repository):
    async def create(self, bloc_id: int, unit_id: int, created_by: int, ttl: timedelta) -> str:
        """Make a new join code for a unit and return it (the only time it is seen)."""
        code = secrets.token_urlsafe(18)  # 144 random bits, 24 URL-safe characters
        now = self.clock.now()
        await self.execute(
            "INSERT INTO invites(code_hash, bloc_id, unit_id, created_by, created_at, expires_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (hash_code(code), bloc_id, unit_id, created_by, to_db(now), to_db(now + ttl)),
        )
        return code

    async def find(self, code: str) -> Invite | None:
        """Look a code up."""
        row = await self.fetchone(
            "SELECT bloc_id, unit_id, expires_at, used_by FROM invites WHERE code_hash = ?",
            (hash_code(code),),
        )
        if row is None:
            return None
        return Invite(int(row[0]), int(row[1]), from_db(str(row[2])), row[3])

    async def use(self, code: str, user_id: int) -> bool:
        """Mark a code used; False when someone used it first."""
        changed = await self.execute(
            "UPDATE invites SET used_by = ?, used_at = ? WHERE code_hash = ? AND used_by IS NULL",
            (user_id, to_db(self.clock.now()), hash_code(code)),
        )
        return changed == 1
