"""A small httpx client of the Zalo Official Account API: group messages (GMF) and one-to-one
(customer service) messages, each with the header ``access_token``.

    POST {base}/v3.0/oa/group/message  {"recipient": {"group_id"}, "message": {"text"}}
    POST {base}/v3.0/oa/message/cs     {"recipient": {"user_id"},  "message": {"text"}}

Zalo answers HTTP 200 with ``{"error": 0, "data": {...}}`` on success and a negative ``error``
otherwise. Transport failures and 5xx answers are retried as bot/channels/zalo/transport.py says
(a send that went out without an answer is not repeated: ``MaybeSent``); error answers go up as
``OAError``, classified by ``kind``.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import httpx

from bot.channels.zalo import transport
from bot.core.messages import MaybeSent, NotSent

__all__ = ["GROUP", "USER", "OAApi", "OAError"]

log = logging.getLogger(__name__)

GROUP, USER = "group", "user"
PATHS = {GROUP: "/v3.0/oa/group/message", USER: "/v3.0/oa/message/cs"}
RECIPIENT = {GROUP: "group_id", USER: "user_id"}

TOKEN_INVALID = -216
# Codes that mean "not now": the call-rate limit (-32), also answered for a used-up quota as
# far as anyone outside Zalo can tell (Zalo's own quota code is not published).
LATER = frozenset({-32})
# Codes that will not change by trying again with the same message.
REFUSED = frozenset({-201, -224, -230})


class OAError(Exception):
    """An error answer of the OA API."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(f"{code} {message}")
        self.code = code
        self.message = message

    @property
    def kind(self) -> str:
        """ "token" (refresh and try again), "later" (quota, rate: keep the message), "refused"
        (this message will not go: no interaction, no package, bad request) or "unknown"."""
        if self.code == TOKEN_INVALID:
            return "token"
        if self.code in LATER or "quota" in self.message.lower():
            return "later"
        if self.code in REFUSED:
            return "refused"
        return "unknown"


class OAApi:
    """Sends the OA's messages."""

    def __init__(
        self,
        base_url: str,
        *,
        client: httpx.AsyncClient | None = None,
        retries: int = transport.RETRIES,
        timeout: float = 15.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._client = client or httpx.AsyncClient(timeout=timeout)
        self._own_client = client is None
        self.retries = retries

    async def close(self) -> None:
        """Close the HTTP client (if this object made it)."""
        if self._own_client:
            await self._client.aclose()

    async def send(self, kind: str, recipient: str, text: str, access_token: str) -> dict[str, Any]:
        """Send one text to a group or a person; Zalo's ``data`` (message id, quota)."""
        body = {"recipient": {RECIPIENT[kind]: recipient}, "message": {"text": text}}
        url = self.base_url + PATHS[kind]
        attempt = 0
        while True:
            try:
                response = await self._client.post(url, json=body, headers={"access_token": access_token})
            except httpx.HTTPError as exc:
                not_sent = transport.surely_not_sent(exc)
                if attempt >= self.retries or not not_sent:
                    error = NotSent if not_sent else MaybeSent
                    raise error(f"Zalo OA {kind} message: {type(exc).__name__}") from exc
                reason = type(exc).__name__
            else:
                if response.status_code < 500:
                    return _data(response)
                if attempt >= self.retries:
                    raise NotSent(f"Zalo OA {kind} message: HTTP {response.status_code}")
                reason = f"HTTP {response.status_code}"
            attempt += 1
            log.warning("Zalo OA %s message failed: %s; retry %s of %s", kind, reason, attempt, self.retries)
            await asyncio.sleep(transport.backoff(attempt))

    async def display_name(self, user_id: str, access_token: str) -> str | None:
        """A follower's display name (``GET /v3.0/oa/user/detail``): OA events carry no names.
        None when Zalo does not say (no profile, an error, no answer): the caller keeps a label."""
        try:
            response = await self._client.get(
                self.base_url + "/v3.0/oa/user/detail",
                params={"data": json.dumps({"user_id": user_id})},
                headers={"access_token": access_token},
            )
            data = _data(response)
        except (httpx.HTTPError, OAError, NotSent) as exc:
            log.info("Zalo OA: no profile for a user (%s)", type(exc).__name__)
            return None
        name = data.get("display_name")
        return name.strip()[:200] if isinstance(name, str) and name.strip() else None


def _data(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise NotSent(f"Zalo OA answered HTTP {response.status_code} without JSON")
    code = body.get("error", 0 if response.status_code == 200 else response.status_code)
    if not isinstance(code, int) or isinstance(code, bool):
        try:
            code = int(str(code))
        except ValueError:
            code = -1
    if code != 0:
        raise OAError(code, str(body.get("message", ""))[:300])
    data = body.get("data")
    return data if isinstance(data, dict) else {}
