"""Every OA message goes out through here: the access token, the quota, and nothing lost.

A message goes out at once, unless the chat still has kept messages (then it waits behind
them: a chat reads its messages in order). When Zalo will not take it now (the quota is used
up, the call-rate limit, no usable token) it is kept in the database and sent later, oldest
first: when the person writes again (a new free-reply window), at the start of a month, and
every ``ROUND`` in between; the operators are told once each time the quota runs out. An
invalid access token is refreshed and the message tried once more.

The quota counters come from Zalo's own answers (``data.quota``: ``reply`` is a free reply
within 48 hours of the person's last message, ``sub_quota`` counts against the monthly quota,
with ``remain`` and ``total``); `blocbot zalo quota` prints them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.channels.zalo.oa_api import GROUP, OAApi, OAError
from bot.channels.zalo.oa_tokens import NoToken, TokenKeeper
from bot.core.clock import Clock
from bot.core.messages import NotSent, Refused
from bot.core.sending import Budget, Limits, fan_out
from storage.db import Database
from storage.zalo import ChatAddress

__all__ = ["ROUND", "OAOutbox", "month_of"]

log = logging.getLogger(__name__)

ROUND = timedelta(minutes=10)  # kept messages are tried again at least this often
CHECK_EVERY = 30.0  # seconds between looks at the clock for due kept messages


def month_of(at: datetime, tz: ZoneInfo) -> str:
    """'2026-11': the quota month (Vietnam time)."""
    return at.astimezone(tz).strftime("%Y-%m")


class OAOutbox:
    """Sends, counts, keeps and retries the OA's messages."""

    def __init__(
        self,
        api: OAApi,
        tokens: TokenKeeper,
        db: Database,
        clock: Clock,
        tz: ZoneInfo,
        *,
        on_quota: Callable[[int], Awaitable[None]] | None = None,
        budget: Budget | None = None,
    ) -> None:
        self.api = api
        # zalo.oa.sends_per_second; replies first (bot/core/sending.py)
        self.budget = budget or Budget(Limits.per_second(10.0))
        self.tokens = tokens
        self.db = db
        self.clock = clock
        self.tz = tz
        self.on_quota = on_quota  # the operators are told (argument: messages kept)
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._month = ""
        self._round = asyncio.Lock()

    async def post(self, target: ChatAddress, text: str) -> bool:
        """Send one text now, or keep it; True when it went out now."""
        async with self.db.read() as uow:
            behind = await uow.zalo.kept.waiting(target.chat_id)
        if behind:
            await self._keep(target, text, "older messages are kept")
            self._wake.set()
            return False
        reason = await self._try(target, text)
        if reason is None:
            return True
        await self._keep(target, text, reason)
        return False

    async def _try(self, target: ChatAddress, text: str) -> str | None:
        """Send; None when it went out, else why it must be kept. Raises what cannot wait."""
        kind = GROUP if target.is_group else "user"
        for second in (False, True):
            try:
                token = await self.tokens.access_token()
            except NoToken as exc:
                return str(exc)
            try:
                async with self.budget.slot(target.chat_id):
                    data = await self.api.send(kind, target.address, text, token)
            except OAError as exc:
                if exc.kind == "token" and not second:
                    await self.tokens.invalid(token)
                    continue
                if exc.kind in ("later", "token"):
                    if exc.kind == "later":
                        await self._exceeded()
                    return str(exc)
                if exc.kind == "refused":
                    raise Refused(f"Zalo refused: {exc}") from exc
                raise NotSent(f"Zalo answered {exc}") from exc
            await self._count(kind, data)
            return None
        return "the access token stays invalid"

    async def _count(self, kind: str, data: dict[str, Any]) -> None:
        month = month_of(self.clock.now(), self.tz)
        quota = data.get("quota") if isinstance(data.get("quota"), dict) else None
        async with self.db.transaction() as uow:
            if kind == GROUP:
                await uow.zalo.quota.count(month, "group")
            elif quota is not None and quota.get("quota_type") == "reply":
                await uow.zalo.quota.count(month, "free")
            else:
                await uow.zalo.quota.count(month, "counted")
                remain, total = _int(quota, "remain"), _int(quota, "total")
                if remain is not None and total is not None:
                    await uow.zalo.quota.report(month, remain, total)

    async def _exceeded(self) -> None:
        month = month_of(self.clock.now(), self.tz)
        async with self.db.transaction() as uow:
            first = await uow.zalo.quota.exceeded(month)
            if first:
                await uow.zalo.quota.told(month)
            kept = await uow.zalo.kept.count_waiting()
        if first:
            log.warning("zalo oa: Zalo will not take more messages now (quota); keeping them")
            if self.on_quota is not None:
                await self.on_quota(kept + 1)

    async def _keep(self, target: ChatAddress, text: str, reason: str) -> None:
        async with self.db.transaction() as uow:
            await uow.zalo.kept.keep(target.chat_id, text, reason[:200], self.clock.now() + ROUND)
        log.info("zalo oa: kept a message to chat %s (%s)", target.chat_id, reason[:100])

    # kept messages ---------------------------------------------------------------------------

    def wake(self) -> None:
        """Try kept messages now (a person wrote, a refresh worked)."""
        self._wake.set()

    async def person_wrote(self, chat_id: int) -> None:
        """A new free-reply window: this chat's kept messages are due now."""
        async with self.db.transaction() as uow:
            await uow.zalo.kept.wake(chat_id)
        self._wake.set()

    async def send_kept(self, limit: int = 100) -> int:
        """One round over the due chats, oldest message first in each; how many went out."""
        async with self._round:
            now = self.clock.now()
            month = month_of(now, self.tz)
            if month != self._month:  # a new month: the monthly quota starts over
                if self._month:
                    async with self.db.transaction() as uow:
                        await uow.zalo.kept.wake()
                self._month = month
            sent = 0
            async with self.db.read() as uow:
                chats = await uow.zalo.kept.chats_due(now)
            for chat_id in chats:
                while sent < limit:
                    async with self.db.read() as uow:
                        kept = await uow.zalo.kept.first(chat_id)
                        target = await uow.zalo.chats.get(chat_id)
                    if kept is None or target is None:
                        break
                    try:
                        with fan_out():  # old messages: after any reply to a person
                            reason = await self._try(target, kept.text)
                    except Refused as exc:
                        log.warning("zalo oa: a kept message to chat %s was refused: %s", chat_id, exc)
                        reason = None  # it will never go: do not hold the chat's others back
                    except NotSent as exc:
                        reason = str(exc)
                    if reason is not None:
                        async with self.db.transaction() as uow:
                            await uow.zalo.kept.postpone(chat_id, self.clock.now() + ROUND)
                        break
                    async with self.db.transaction() as uow:
                        await uow.zalo.kept.sent(kept.id)
                    sent += 1
            if sent:
                log.info("zalo oa: sent %s kept message(s)", sent)
            return sent

    async def start(self) -> None:
        """Start the loop that sends kept messages."""
        self._task = asyncio.create_task(self._run(), name="zalo-oa-kept")

    async def stop(self) -> None:
        """Stop it."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            try:
                await self.send_kept()
            except Exception:
                log.exception("zalo oa: sending kept messages failed")
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), CHECK_EVERY)


def _int(table: dict[str, Any] | None, key: str) -> int | None:
    if table is None:
        return None
    try:
        return int(str(table.get(key)))
    except ValueError:
        return None
