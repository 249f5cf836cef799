"""The operator's side of the Zalo OA: `blocbot zalo login` (the first token pair, or a new one
after a lockout) and `blocbot zalo quota` (the message budget). Output is for the operator's
terminal, in English like the rest of the command line.

Login follows Zalo's OAuth v4 for OAs: the OA's admin opens the permission URL (with a PKCE
S256 ``code_challenge``), consents, and Zalo redirects to the app's callback URL with ``code``;
the code and the ``code_verifier`` buy the first pair. ``--refresh-token`` takes a refresh
token from Zalo's developer console (API Explorer) instead and exchanges it at once.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlencode, urlparse
from zoneinfo import ZoneInfo

import httpx

from bot.channels.zalo.courier import grant_error, parse_grant
from bot.channels.zalo.oa_outbox import month_of
from bot.channels.zalo.oa_tokens import token_url
from bot.core.clock import Clock, FileClock, SystemClock
from bot.core.config import Config, ZaloOAConfig
from storage.db import Database

__all__ = ["LoginError", "code_from", "login", "permission_url", "pkce", "quota_report"]

FREE_WINDOW = timedelta(hours=48)


class LoginError(Exception):
    """Zalo did not give a token pair: a one-line reason."""


def _clock(config: Config) -> Clock:
    return FileClock(config.clock_file) if config.clock_file else SystemClock()


def pkce() -> tuple[str, str]:
    """A PKCE verifier and its S256 challenge."""
    verifier = secrets.token_urlsafe(48)[:64]
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def permission_url(config: ZaloOAConfig, challenge: str, state: str) -> str:
    """Where the OA's admin consents."""
    query = {
        "app_id": config.app_id,
        "redirect_uri": config.redirect_uri,
        "code_challenge": challenge,
        "state": state,
    }
    return f"{config.oauth_url.rstrip('/')}/v4/oa/permission?{urlencode(query)}"


def code_from(pasted: str) -> str:
    """The authorization code from what the admin pasted: the code, or the whole redirect URL."""
    text = pasted.strip()
    if "code=" in text:
        found = parse_qs(urlparse(text).query).get("code") or parse_qs(text.split("?", 1)[-1]).get("code")
        if found:
            return found[0]
    return text


async def login(
    config: Config, *, code: str | None = None, verifier: str | None = None, refresh_token: str | None = None
) -> datetime:
    """Get a pair from Zalo and store it as the current one; when its access token expires."""
    oa = config.zalo.oa
    if not oa.enabled:
        raise LoginError("zalo.oa.app_id is not set in the config")
    form = {"app_id": oa.app_id}
    if refresh_token:
        form.update(grant_type="refresh_token", refresh_token=refresh_token.strip())
    elif code:
        form.update(grant_type="authorization_code", code=code.strip(), code_verifier=verifier or "")
    else:
        raise LoginError("give the authorization code or a refresh token")
    try:
        async with httpx.AsyncClient(timeout=30.0) as client:
            response = await client.post(token_url(oa), data=form, headers={"secret_key": oa.secret_key})
        body = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise LoginError(
            f"cannot reach Zalo's OAuth server ({type(exc).__name__}); check zalo.oa.oauth_url"
        ) from exc
    grant = parse_grant(body)
    if grant is None:
        raise LoginError(f"Zalo refused: {grant_error(body)}")
    access, refresh, seconds = grant
    async with Database(config.database_path, _clock(config)) as db:
        expires = db.clock.now() + timedelta(seconds=seconds)
        async with db.transaction() as uow:
            await uow.zalo.tokens.install(access, refresh, expires)
    return expires


async def quota_report(config: Config) -> str:
    """The OA's message budget this month, the kept messages, the token's state."""
    tz = ZoneInfo(config.timezone)
    async with Database(config.database_path, _clock(config)) as db:
        now = db.clock.now()
        month = month_of(now, tz)
        async with db.read() as uow:
            budget = await uow.zalo.quota.budget(month)
            kept = await uow.zalo.kept.count_waiting()
            window = await uow.zalo.chats.written_since("zalo_oa", now - FREE_WINDOW)
            pair = await uow.zalo.tokens.current()
            last = await uow.zalo.tokens.last_attempt()

    def when(at: datetime | None) -> str:
        return "—" if at is None else at.astimezone(tz).strftime("%d/%m/%Y %H:%M")

    reported = (
        f"{budget.remain} of {budget.total} left (Zalo's figure, {when(budget.reported_at)})"
        if budget.remain is not None and budget.total is not None
        else "no figure from Zalo yet (it comes with the first counted message)"
    )
    lines = [
        f"Zalo OA message budget, {month} ({config.timezone}):",
        f"  monthly quota: {reported}",
        f"  counted messages sent this month: {budget.counted_sent}",
        f"  free replies sent this month (within 48 h of a person's message): {budget.free_sent}",
        f"  group posts this month: {budget.group_sent}",
        f"  people in their free-reply window now: {window}",
        f"  messages kept until Zalo takes them: {kept}",
        f"  quota refused since: {when(budget.exceeded_at)}",
        f"  access token valid until: {when(pair.expires_at if pair else None)}"
        + ("" if pair else " (not logged in: run `blocbot zalo login`)"),
    ]
    if last is not None and last.outcome == "refused":
        lines.append(f"  LOCKED OUT: Zalo refused the refresh token ({last.note}); run `blocbot zalo login`")
    return "\n".join(lines)
