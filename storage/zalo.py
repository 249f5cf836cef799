"""Zalo's tables: chat addresses and notices, OA tokens and refreshes, quota and kept messages,
handled message ids, and the files behind signed links. Repositories never commit."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING

from bot.core.clock import from_db, to_db
from storage.repository import Repository

if TYPE_CHECKING:
    from storage.conversations import IdentityRepo

__all__ = [
    "Attempt",
    "Budget",
    "ChatAddress",
    "ChatRepo",
    "FileRepo",
    "Kept",
    "KeptRepo",
    "QuotaRepo",
    "SeenRepo",
    "StoredFile",
    "TokenPair",
    "TokenRepo",
    "ZaloRepo",
    "resolve_operators",
]


@dataclass(frozen=True)
class ChatAddress:
    """Where a Zalo chat is written to."""

    chat_id: int
    channel: str
    address: str
    is_group: bool


@dataclass(frozen=True)
class TokenPair:
    """The OA's current OAuth pair."""

    id: int
    access_token: str
    refresh_token: str
    expires_at: datetime
    obtained_at: datetime


@dataclass(frozen=True)
class Attempt:
    """One refresh of a token pair, as far as it got."""

    id: int
    token_id: int
    started_at: datetime
    courier_pid: int | None
    finished_at: datetime | None
    outcome: str | None
    note: str


@dataclass(frozen=True)
class Budget:
    """One month of the OA's messages."""

    month: str
    free_sent: int = 0
    counted_sent: int = 0
    group_sent: int = 0
    remain: int | None = None
    total: int | None = None
    reported_at: datetime | None = None
    exceeded_at: datetime | None = None
    told_at: datetime | None = None


@dataclass(frozen=True)
class Kept:
    """A message waiting for Zalo to take it."""

    id: int
    chat_id: int
    text: str
    reason: str
    kept_at: datetime
    attempts: int
    next_try_at: datetime


@dataclass(frozen=True)
class StoredFile:
    """A file behind a signed link."""

    id: str
    filename: str
    content_type: str
    data: bytes
    expires_at: datetime


def _when(value: object) -> datetime | None:
    return None if value is None else from_db(str(value))


class ChatRepo(Repository):
    async def remember(self, chat_id: int, channel: str, address: str, *, is_group: bool) -> None:
        """Record (or update) where a chat is written to."""
        await self.execute(
            "INSERT INTO zalo_chats(chat_id, channel, address, is_group) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(chat_id) DO UPDATE SET address = excluded.address",
            (chat_id, channel, address, int(is_group)),
        )

    async def get(self, chat_id: int) -> ChatAddress | None:
        """Where a chat is written to, if the bot has seen it."""
        row = await self.fetchone(
            "SELECT chat_id, channel, address, is_group FROM zalo_chats WHERE chat_id = ?", (chat_id,)
        )
        return None if row is None else ChatAddress(int(row[0]), str(row[1]), str(row[2]), bool(row[3]))

    async def noticed(self, chat_id: int) -> bool:
        """Whether the first-contact notice went to this chat."""
        row = await self.fetchone("SELECT noticed_at FROM zalo_chats WHERE chat_id = ?", (chat_id,))
        return row is not None and row[0] is not None

    async def mark_noticed(self, chat_id: int) -> None:
        """The notice went out."""
        await self.execute(
            "UPDATE zalo_chats SET noticed_at = ? WHERE chat_id = ? AND noticed_at IS NULL",
            (to_db(self.clock.now()), chat_id),
        )

    async def inbound(self, chat_id: int, at: datetime) -> None:
        """The person wrote (opens the OA's free-reply window)."""
        await self.execute(
            "UPDATE zalo_chats SET last_inbound_at = ? WHERE chat_id = ?", (to_db(at), chat_id)
        )

    async def last_inbound(self, chat_id: int) -> datetime | None:
        """When the person last wrote."""
        row = await self.fetchone("SELECT last_inbound_at FROM zalo_chats WHERE chat_id = ?", (chat_id,))
        return None if row is None else _when(row[0])

    async def written_since(self, channel: str, since: datetime) -> int:
        """How many people of a channel wrote privately since a time."""
        row = await self.fetchone(
            "SELECT COUNT(*) FROM zalo_chats WHERE channel = ? AND is_group = 0 AND last_inbound_at > ?",
            (channel, to_db(since)),
        )
        return 0 if row is None else int(row[0])


class TokenRepo(Repository):
    async def current(self) -> TokenPair | None:
        """The pair in use."""
        row = await self.fetchone(
            "SELECT id, access_token, refresh_token, expires_at, obtained_at FROM zalo_oa_tokens "
            "WHERE retired_at IS NULL"
        )
        if row is None:
            return None
        return TokenPair(int(row[0]), str(row[1]), str(row[2]), from_db(str(row[3])), from_db(str(row[4])))

    async def install(self, access: str, refresh: str, expires_at: datetime) -> int:
        """A pair from `blocbot zalo login`: retires whatever pair there was."""
        now = to_db(self.clock.now())
        await self.execute("UPDATE zalo_oa_tokens SET retired_at = ? WHERE retired_at IS NULL", (now,))
        return await self.execute(
            "INSERT INTO zalo_oa_tokens(access_token, refresh_token, expires_at, obtained_at) "
            "VALUES (?, ?, ?, ?)",
            (access, refresh, to_db(expires_at), now),
        )

    async def rotate(self, token_id: int, access: str, refresh: str, expires_at: datetime) -> bool:
        """Replace the current pair by a refreshed one; False when ``token_id`` is not current."""
        now = to_db(self.clock.now())
        retired = await self.execute(
            "UPDATE zalo_oa_tokens SET retired_at = ? WHERE id = ? AND retired_at IS NULL", (now, token_id)
        )
        if retired != 1:
            return False
        await self.execute(
            "INSERT INTO zalo_oa_tokens(access_token, refresh_token, expires_at, obtained_at) "
            "VALUES (?, ?, ?, ?)",
            (access, refresh, to_db(expires_at), now),
        )
        return True

    async def start_refresh(self, token_id: int) -> int:
        """Record a refresh before its request leaves; its id."""
        return await self.execute(
            "INSERT INTO zalo_oa_refreshes(token_id, started_at) VALUES (?, ?)",
            (token_id, to_db(self.clock.now())),
        )

    async def set_courier(self, attempt_id: int, pid: int) -> None:
        """The process carrying the refresh request."""
        await self.execute("UPDATE zalo_oa_refreshes SET courier_pid = ? WHERE id = ?", (pid, attempt_id))

    async def finish_refresh(self, attempt_id: int, outcome: str, note: str = "") -> None:
        """How a refresh ended: done, refused (by Zalo) or failed (no answer)."""
        await self.execute(
            "UPDATE zalo_oa_refreshes SET finished_at = ?, outcome = ?, note = ? "
            "WHERE id = ? AND finished_at IS NULL",
            (to_db(self.clock.now()), outcome, note[:300], attempt_id),
        )

    async def attempt(self, attempt_id: int) -> Attempt | None:
        """One refresh attempt."""
        rows = await self._attempts("WHERE id = ?", (attempt_id,))
        return rows[0] if rows else None

    async def unfinished(self) -> list[Attempt]:
        """Refreshes whose end was not recorded (their process may have been killed)."""
        return await self._attempts("WHERE finished_at IS NULL ORDER BY id", ())

    async def last_attempt(self) -> Attempt | None:
        """The latest refresh attempt."""
        rows = await self._attempts("ORDER BY id DESC LIMIT 1", ())
        return rows[0] if rows else None

    async def _attempts(self, where: str, params: tuple[object, ...]) -> list[Attempt]:
        rows = await self.fetchall(
            "SELECT id, token_id, started_at, courier_pid, finished_at, outcome, note "
            f"FROM zalo_oa_refreshes {where}",
            params,
        )
        return [
            Attempt(
                int(r[0]),
                int(r[1]),
                from_db(str(r[2])),
                None if r[3] is None else int(r[3]),
                _when(r[4]),
                None if r[5] is None else str(r[5]),
                str(r[6]),
            )
            for r in rows
        ]


class QuotaRepo(Repository):
    async def count(self, month: str, kind: str) -> None:
        """One more message of a kind: "free", "counted" or "group"."""
        column = {"free": "free_sent", "counted": "counted_sent", "group": "group_sent"}[kind]
        # A counted message or group post got through: the quota allows again. A free reply
        # says nothing about the monthly quota.
        clear = "" if kind == "free" else ", exceeded_at = NULL, told_at = NULL"
        await self.execute(
            f"INSERT INTO zalo_oa_quota(month, {column}) VALUES (?, 1) "
            f"ON CONFLICT(month) DO UPDATE SET {column} = {column} + 1{clear}",
            (month,),
        )

    async def report(self, month: str, remain: int, total: int) -> None:
        """What Zalo said is left of the monthly quota."""
        await self.execute(
            "INSERT INTO zalo_oa_quota(month, remain, total, reported_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(month) DO UPDATE SET remain = excluded.remain, total = excluded.total, "
            "reported_at = excluded.reported_at",
            (month, remain, total, to_db(self.clock.now())),
        )

    async def exceeded(self, month: str) -> bool:
        """Zalo refused for quota; True when the operators have not been told of it yet."""
        now = to_db(self.clock.now())
        await self.execute(
            "INSERT INTO zalo_oa_quota(month, exceeded_at) VALUES (?, ?) "
            "ON CONFLICT(month) DO UPDATE SET exceeded_at = COALESCE(exceeded_at, excluded.exceeded_at)",
            (month, now),
        )
        row = await self.fetchone("SELECT told_at FROM zalo_oa_quota WHERE month = ?", (month,))
        return row is not None and row[0] is None

    async def told(self, month: str) -> None:
        """The operators were told that the quota is used up."""
        await self.execute(
            "UPDATE zalo_oa_quota SET told_at = ? WHERE month = ?", (to_db(self.clock.now()), month)
        )

    async def budget(self, month: str) -> Budget:
        """The month's counters (zeros when nothing was sent)."""
        row = await self.fetchone(
            "SELECT month, free_sent, counted_sent, group_sent, remain, total, reported_at, exceeded_at, "
            "told_at FROM zalo_oa_quota WHERE month = ?",
            (month,),
        )
        if row is None:
            return Budget(month)
        return Budget(
            str(row[0]),
            int(row[1]),
            int(row[2]),
            int(row[3]),
            None if row[4] is None else int(row[4]),
            None if row[5] is None else int(row[5]),
            _when(row[6]),
            _when(row[7]),
            _when(row[8]),
        )


class KeptRepo(Repository):
    async def keep(self, chat_id: int, text: str, reason: str, next_try_at: datetime) -> int:
        """Keep a message Zalo would not take yet."""
        return await self.execute(
            "INSERT INTO zalo_oa_kept(chat_id, text, reason, kept_at, next_try_at) VALUES (?, ?, ?, ?, ?)",
            (chat_id, text, reason, to_db(self.clock.now()), to_db(next_try_at)),
        )

    async def waiting(self, chat_id: int) -> bool:
        """Whether older messages to this chat are still kept (new ones queue behind them)."""
        row = await self.fetchone(
            "SELECT 1 FROM zalo_oa_kept WHERE chat_id = ? AND sent_at IS NULL LIMIT 1", (chat_id,)
        )
        return row is not None

    async def chats_due(self, now: datetime, limit: int = 50) -> list[int]:
        """Chats whose oldest kept message may be tried now, oldest first."""
        rows = await self.fetchall(
            "SELECT chat_id FROM zalo_oa_kept k WHERE sent_at IS NULL AND id = "
            "(SELECT MIN(id) FROM zalo_oa_kept WHERE chat_id = k.chat_id AND sent_at IS NULL) "
            "AND next_try_at <= ? ORDER BY id LIMIT ?",
            (to_db(now), limit),
        )
        return [int(r[0]) for r in rows]

    async def first(self, chat_id: int) -> Kept | None:
        """The oldest kept message of a chat."""
        row = await self.fetchone(
            "SELECT id, chat_id, text, reason, kept_at, attempts, next_try_at FROM zalo_oa_kept "
            "WHERE chat_id = ? AND sent_at IS NULL ORDER BY id LIMIT 1",
            (chat_id,),
        )
        if row is None:
            return None
        return Kept(
            int(row[0]), int(row[1]), str(row[2]), str(row[3]), from_db(str(row[4])), int(row[5]),
            from_db(str(row[6])),
        )  # fmt: skip

    async def sent(self, kept_id: int) -> None:
        """A kept message went out."""
        await self.execute(
            "UPDATE zalo_oa_kept SET sent_at = ? WHERE id = ?", (to_db(self.clock.now()), kept_id)
        )

    async def postpone(self, chat_id: int, next_try_at: datetime) -> None:
        """Zalo still would not take a chat's messages: try again later."""
        await self.execute(
            "UPDATE zalo_oa_kept SET attempts = attempts + 1, next_try_at = ? "
            "WHERE chat_id = ? AND sent_at IS NULL",
            (to_db(next_try_at), chat_id),
        )

    async def wake(self, chat_id: int | None = None) -> None:
        """Try a chat's kept messages (or everyone's) at the next round."""
        now = to_db(self.clock.now())
        if chat_id is None:
            await self.execute("UPDATE zalo_oa_kept SET next_try_at = ? WHERE sent_at IS NULL", (now,))
        else:
            await self.execute(
                "UPDATE zalo_oa_kept SET next_try_at = ? WHERE chat_id = ? AND sent_at IS NULL",
                (now, chat_id),
            )

    async def count_waiting(self) -> int:
        """Messages still kept."""
        row = await self.fetchone("SELECT COUNT(*) FROM zalo_oa_kept WHERE sent_at IS NULL")
        return 0 if row is None else int(row[0])


class SeenRepo(Repository):
    async def first_time(self, channel: str, message_id: str) -> bool:
        """Record a handled message id; False when it was handled before."""
        if await self.fetchone(
            "SELECT 1 FROM zalo_seen WHERE channel = ? AND message_id = ?", (channel, message_id)
        ):
            return False
        await self.execute(
            "INSERT INTO zalo_seen(channel, message_id, seen_at) VALUES (?, ?, ?)",
            (channel, message_id, to_db(self.clock.now())),
        )
        return True

    async def purge(self, before: datetime) -> int:
        """Forget ids handled before a time."""
        return await self.execute("DELETE FROM zalo_seen WHERE seen_at < ?", (to_db(before),))


class FileRepo(Repository):
    async def put(
        self, file_id: str, filename: str, content_type: str, data: bytes, expires_at: datetime
    ) -> None:
        """Keep a file until its link expires."""
        await self.execute(
            "INSERT INTO file_links(id, filename, content_type, data, created_at, expires_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (file_id, filename, content_type, data, to_db(self.clock.now()), to_db(expires_at)),
        )

    async def get(self, file_id: str) -> StoredFile | None:
        """A file whose link has not expired."""
        row = await self.fetchone(
            "SELECT id, filename, content_type, data, expires_at FROM file_links "
            "WHERE id = ? AND expires_at > ?",
            (file_id, to_db(self.clock.now())),
        )
        if row is None:
            return None
        return StoredFile(str(row[0]), str(row[1]), str(row[2]), bytes(row[3]), from_db(str(row[4])))

    async def purge(self) -> int:
        """Delete files whose links have expired."""
        return await self.execute("DELETE FROM file_links WHERE expires_at <= ?", (to_db(self.clock.now()),))

    async def secret(self, name: str, fresh: bytes) -> bytes:
        """The named key, made from ``fresh`` on first use and kept from then on."""
        await self.execute(
            "INSERT OR IGNORE INTO secret_keys(name, secret, created_at) VALUES (?, ?, ?)",
            (name, fresh, to_db(self.clock.now())),
        )
        row = await self.fetchone("SELECT secret FROM secret_keys WHERE name = ?", (name,))
        assert row is not None
        return bytes(row[0])

    async def known_secret(self, name: str) -> bytes | None:
        """The named key if it was made (read-only units of work)."""
        row = await self.fetchone("SELECT secret FROM secret_keys WHERE name = ?", (name,))
        return None if row is None else bytes(row[0])


class ZaloRepo(Repository):
    """Zalo's repositories on one connection."""

    async def ping(self) -> bool:
        """Whether the database answers (the health check)."""
        return await self.fetchone("SELECT 1") is not None

    @cached_property
    def chats(self) -> ChatRepo:
        """Chat addresses, notices, last messages."""
        return ChatRepo(self.conn, self.clock)

    @cached_property
    def tokens(self) -> TokenRepo:
        """The OA's OAuth pairs and refreshes."""
        return TokenRepo(self.conn, self.clock)

    @cached_property
    def quota(self) -> QuotaRepo:
        """The OA's monthly message budget."""
        return QuotaRepo(self.conn, self.clock)

    @cached_property
    def kept(self) -> KeptRepo:
        """Messages kept until Zalo takes them."""
        return KeptRepo(self.conn, self.clock)

    @cached_property
    def seen(self) -> SeenRepo:
        """Message ids already handled."""
        return SeenRepo(self.conn, self.clock)

    @cached_property
    def files(self) -> FileRepo:
        """Files behind signed links, and the signing key."""
        return FileRepo(self.conn, self.clock)


async def resolve_operators(identities: IdentityRepo, wanted: Iterable[tuple[str, str]]) -> frozenset[int]:
    """Internal ids of operators written "zalo:<id>" / "zalo_oa:<id>" in access.operators
    (assigned now if the person has not written yet, so the id holds from their first message)."""
    return frozenset([await identities.internal(channel, "person", external) for channel, external in wanted])
