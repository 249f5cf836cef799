"""The OA's OAuth v4 tokens: kept in the database, refreshed ahead of expiry under one lock.

Access tokens last about 25 hours; refresh tokens are single-use and rotate. ``access_token()``
hands out the current one and, when less than ``LEAD`` is left (or Zalo called it invalid),
refreshes first: one refresh at a time (an asyncio lock; the others wait and then use its
result), each recorded before its request leaves and carried by bot/channels/zalo/courier.py in
a process of its own, which writes the new pair and retires the old in one transaction.

At start-up ``recover()`` settles what a killed bot left: a courier still running is waited
for; an attempt that never finished is closed (its token is tried again at the next refresh).
When Zalo refuses the refresh token the OA is locked out until `blocbot zalo login`: the old
access token is used while it lasts, messages are kept (bot/channels/zalo/oa_outbox.py), and
``on_locked_out`` tells the operators.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path

from bot.channels.zalo.courier import CourierRequest
from bot.core.clock import Clock, to_db
from bot.core.config import ZaloOAConfig
from storage.db import Database
from storage.zalo import TokenPair

__all__ = ["LEAD", "NoToken", "TokenKeeper", "token_url"]

log = logging.getLogger(__name__)

LEAD = timedelta(hours=3)  # refresh when less than this is left of the access token
COURIER_WAIT = 120.0  # seconds a courier may take (its one request has a 30-second timeout)
ROOT = Path(__file__).resolve().parents[3]


class NoToken(Exception):
    """No usable access token: never logged in, or locked out after a refused refresh."""


def token_url(config: ZaloOAConfig) -> str:
    """The OAuth v4 token endpoint."""
    return config.oauth_url.rstrip("/") + "/v4/oa/access_token"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class TokenKeeper:
    """Hands out access tokens; refreshes them."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        config: ZaloOAConfig,
        *,
        on_locked_out: Callable[[str], Awaitable[None]] | None = None,
        poll_every: float = 0.1,
    ) -> None:
        self.db = db
        self.clock = clock
        self.config = config
        self.on_locked_out = on_locked_out
        self.poll_every = poll_every  # how often to look at a courier left by a killed bot
        self._lock = asyncio.Lock()
        self.refreshes = 0

    async def current(self) -> TokenPair | None:
        """The pair in the database."""
        async with self.db.read() as uow:
            return await uow.zalo.tokens.current()

    async def access_token(self) -> str:
        """A valid access token, refreshed first when it is close to expiry."""
        pair = await self.current()
        if pair is not None and pair.expires_at - self.clock.now() > LEAD:
            return pair.access_token
        async with self._lock:
            pair = await self.current()  # another coroutine may have refreshed meanwhile
            if pair is None:
                raise NoToken("the OA is not logged in: run `blocbot zalo login`")
            if pair.expires_at - self.clock.now() <= LEAD:
                await self._refresh(pair)
                pair = await self.current()
            if pair is None or pair.expires_at <= self.clock.now():
                raise NoToken("the OA's access token expired and could not be refreshed")
            return pair.access_token  # the old one while it lasts, if the refresh failed

    async def invalid(self, token: str) -> None:
        """Zalo called this access token invalid: refresh (once, however many callers say so)."""
        async with self._lock:
            pair = await self.current()
            if pair is not None and pair.access_token == token:
                await self._refresh(pair)

    async def recover(self) -> None:
        """Settle refreshes a killed bot left: wait for their courier, close what never ended."""
        async with self._lock:
            async with self.db.read() as uow:
                open_attempts = await uow.zalo.tokens.unfinished()
            for attempt in open_attempts:
                waited = 0.0
                while (
                    attempt.courier_pid is not None and _alive(attempt.courier_pid) and waited < COURIER_WAIT
                ):
                    await asyncio.sleep(self.poll_every)
                    waited += self.poll_every
                    async with self.db.read() as uow:
                        found = await uow.zalo.tokens.attempt(attempt.id)
                    if found is None or found.finished_at is not None:
                        break
                async with self.db.transaction() as uow:
                    found = await uow.zalo.tokens.attempt(attempt.id)
                    if found is None or found.finished_at is not None:
                        log.info("zalo oa: the courier of refresh %s finished it", attempt.id)
                        continue
                    note = "interrupted" if attempt.courier_pid else "interrupted before its request"
                    await uow.zalo.tokens.finish_refresh(attempt.id, "failed", note)
                log.warning("zalo oa: refresh %s was interrupted (%s)", attempt.id, note)

    async def _refresh(self, pair: TokenPair) -> None:
        async with self.db.transaction() as uow:
            attempt_id = await uow.zalo.tokens.start_refresh(pair.id)
        request = CourierRequest(
            database=str(self.db.path),
            attempt_id=attempt_id,
            token_id=pair.id,
            url=token_url(self.config),
            app_id=self.config.app_id,
            secret_key=self.config.secret_key,
            refresh_token=pair.refresh_token,
            now=to_db(self.clock.now()),
        )
        outcome = await self._carry(request)
        self.refreshes += 1
        async with self.db.read() as uow:
            attempt = await uow.zalo.tokens.attempt(attempt_id)
        if attempt is not None and attempt.outcome == "refused":
            log.critical(
                "zalo oa: Zalo refused the refresh token (%s); run `blocbot zalo login`", attempt.note
            )
            if self.on_locked_out is not None:
                await self.on_locked_out(attempt.note)
        elif outcome not in ("done", "stale"):
            log.warning("zalo oa: token refresh %s: %s", attempt_id, attempt.note if attempt else outcome)
        else:
            log.info("zalo oa: access token refreshed")

    async def _carry(self, request: CourierRequest) -> str:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot.channels.zalo.courier",
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=env,
            start_new_session=True,  # outlives the bot if the bot is killed (courier.py)
        )
        try:
            out, err = await asyncio.wait_for(proc.communicate(request.encode()), COURIER_WAIT)
        except TimeoutError:
            log.error("zalo oa: the token courier took over %s s", COURIER_WAIT)
            return "failed"
        if proc.returncode not in (0, 3):
            log.error("zalo oa: the token courier failed: %s", err.decode(errors="replace")[-500:])
            return "failed"
        return out.decode().strip() or "failed"
