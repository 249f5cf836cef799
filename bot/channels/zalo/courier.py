"""The OA token refresh, carried by a process of its own so that killing the bot cannot lose it.

Zalo's refresh tokens are single-use: once Zalo has answered a refresh, the old refresh token
is dead, and the new pair exists only in that answer. Were the bot killed between Zalo's answer
and its own commit, it would hold a dead token and be locked out until an admin logs in again.
So the bot (bot/channels/zalo/oa_tokens.py) records the attempt, then starts this process in a
session of its own: it sends the request and writes the new pair and the old one's retirement
in one transaction, then exits. If the bot is killed meanwhile (SIGKILL, the OOM killer, a
crash), this process lives on and finishes; the next bot finds the new pair, or waits for this
process to end. What it cannot survive is its own death during its one request (a power cut):
then the attempt stays unfinished, and the next bot tries the same refresh token once more and,
if Zalo refuses it, says so loudly (`blocbot zalo login` restores the OA).

Run as ``python -m bot.channels.zalo.courier`` with a JSON request on stdin (secrets never go
on the command line, where other users could read them).
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from bot.channels.zalo import transport
from storage.db import Database

__all__ = ["CourierRequest", "carry", "grant_error", "parse_grant"]

TIMEOUT = 30.0  # seconds for Zalo to answer the one request


@dataclass(frozen=True)
class CourierRequest:
    """What the bot hands the courier."""

    database: str
    attempt_id: int
    token_id: int
    url: str  # the OAuth v4 token endpoint
    app_id: str
    secret_key: str
    refresh_token: str
    now: str  # the bot's clock when it started the refresh (ISO 8601, aware)

    def encode(self) -> bytes:
        """As sent on the courier's stdin."""
        return json.dumps(self.__dict__).encode()


class _Fixed:
    """The bot's time for the courier's rows (an injected clock in tests, the real one in use)."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at


def parse_grant(body: Any) -> tuple[str, str, int] | None:
    """(access token, refresh token, seconds valid) of a successful OAuth answer."""
    if not isinstance(body, dict):
        return None
    access, refresh = body.get("access_token"), body.get("refresh_token")
    if not isinstance(access, str) or not isinstance(refresh, str) or not access or not refresh:
        return None
    try:
        seconds = int(str(body.get("expires_in", "90000")))
    except ValueError:
        seconds = 90000
    return access, refresh, max(60, seconds)


def grant_error(body: Any) -> str:
    """An OAuth error answer, for the record."""
    if not isinstance(body, dict):
        return "not JSON"
    return (
        f"{body.get('error', '?')} {body.get('error_name', '')} {body.get('error_description', '')}".strip()
    )


async def _post(request: CourierRequest) -> tuple[str, Any]:
    """("answer", body) when Zalo answered, ("failed", reason) when no answer came."""
    form = {"app_id": request.app_id, "grant_type": "refresh_token", "refresh_token": request.refresh_token}
    async with httpx.AsyncClient(timeout=TIMEOUT) as client:
        attempt = 0
        while True:
            try:
                response = await client.post(
                    request.url, data=form, headers={"secret_key": request.secret_key}
                )
            except httpx.HTTPError as exc:
                # A request that reached Zalo without an answer is not repeated: it may have
                # used the token up, and a second try would only be refused.
                if attempt >= transport.RETRIES or not transport.surely_not_sent(exc):
                    return "failed", f"no answer: {type(exc).__name__}"
            else:
                if response.status_code < 500:
                    try:
                        return "answer", response.json()
                    except ValueError:
                        return "failed", f"HTTP {response.status_code}, not JSON"
                if attempt >= transport.RETRIES:
                    return "failed", f"HTTP {response.status_code}"
            attempt += 1
            await asyncio.sleep(transport.backoff(attempt))


async def carry(request: CourierRequest) -> str:
    """Do the refresh and record it; the outcome ("done", "stale", "refused" or "failed")."""
    now = datetime.fromisoformat(request.now)
    db = Database(Path(request.database), _Fixed(now))
    await db.open()
    try:
        async with db.transaction() as uow:
            await uow.zalo.tokens.set_courier(request.attempt_id, os.getpid())
        how, body = await _post(request)
        grant = parse_grant(body) if how == "answer" else None
        async with db.transaction() as uow:
            tokens = uow.zalo.tokens
            if grant is not None:
                access, refresh, seconds = grant
                # The new pair and the old one's retirement: one transaction.
                rotated = await tokens.rotate(
                    request.token_id, access, refresh, now + timedelta(seconds=seconds)
                )
                outcome = "done" if rotated else "stale"
                await tokens.finish_refresh(
                    request.attempt_id, outcome, "" if rotated else "pair changed meanwhile"
                )
            elif how == "answer":
                outcome = "refused"
                await tokens.finish_refresh(request.attempt_id, outcome, grant_error(body))
            else:
                outcome = "failed"
                await tokens.finish_refresh(request.attempt_id, outcome, str(body))
        return outcome
    finally:
        await db.close()


def main() -> int:
    """Read the request from stdin, carry it, print the outcome."""
    raw = json.loads(sys.stdin.buffer.read())
    outcome = asyncio.run(carry(CourierRequest(**raw)))
    print(outcome)
    return 0 if outcome in ("done", "stale") else 3


if __name__ == "__main__":
    sys.exit(main())
