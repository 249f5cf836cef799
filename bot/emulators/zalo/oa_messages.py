"""OA OpenAPI sending: ``POST /v3.0/oa/group/message`` (GMF) and ``POST /v3.0/oa/message/cs``.

Both take the header ``access_token`` (not ``Authorization``) and a JSON body::

    {"recipient": {"group_id": "..."}, "message": {"text": "..."}}    # group
    {"recipient": {"user_id": "..."},  "message": {"text": "..."}}    # 1:1 customer service

Success (HTTP 200)::

    {"error": 0, "message": "Success", "data": {"message_id": "..."}}                # group
    {"error": 0, "message": "Success", "data": {"message_id", "user_id", "sent_time",
      "quota": {"quota_type": "reply"|"sub_quota", "remain": "7", "total": "8", ...}}}  # cs

Errors answer HTTP 200 (configurable for the token case) with ``{"error": <negative>, "message"}``:
invalid/expired token -216, bad body -201, text outside 1..2000 characters, quota exhausted.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

from . import codes
from .oa_quota import QuotaTracker
from .oa_tokens import TokenStore
from .records import Json, OAMessage, TranscriptEntry

__all__ = ["OAMessaging", "zalo_error"]


def zalo_error(code: codes.ZaloCode, message: str | None = None) -> Json:
    """An OpenAPI error body."""
    return {"error": code[0], "message": message or code[1]}


class OAMessaging:
    """Checks, charges and records the bot's outgoing OA messages."""

    def __init__(
        self,
        tokens: TokenStore,
        quota: QuotaTracker,
        now_ms: Callable[[], int],
        *,
        oa_id: str,
        oa_name: str,
        log: list[TranscriptEntry],
        text_limit: int = 2000,
        quota_error: codes.ZaloCode = codes.QUOTA_EXCEEDED,
        invalid_token_status: int = 200,
    ) -> None:
        self.tokens = tokens
        self.quota = quota
        self.now_ms = now_ms
        self.oa_id = oa_id
        self.oa_name = oa_name
        self.log = log
        self.text_limit = text_limit
        self.quota_error = quota_error
        self.invalid_token_status = invalid_token_status
        self.sent: list[OAMessage] = []
        self.refused: list[tuple[str, Json]] = []
        self._ids = itertools.count(1)

    def _refuse(self, kind: str, status: int, body: Json) -> tuple[int, Json]:
        self.refused.append((kind, body))
        return status, body

    def send(self, kind: str, params: Json, access_token: str | None) -> tuple[int, Json]:
        """Answer one send; kind is "group" or "user". Returns (HTTP status, body)."""
        if not self.tokens.access_valid(access_token):
            return self._refuse(kind, self.invalid_token_status, zalo_error(codes.ACCESS_TOKEN_INVALID))
        key = "group_id" if kind == "group" else "user_id"
        recipient: Any = params.get("recipient")
        message: Any = params.get("message")
        target = recipient.get(key) if isinstance(recipient, dict) else None
        text = message.get("text") if isinstance(message, dict) else None
        if target in (None, "") or not isinstance(text, str):
            return self._refuse(kind, 200, zalo_error(codes.PARAMS_INVALID))
        if not 1 <= len(text) <= self.text_limit:
            return self._refuse(kind, 200, zalo_error(codes.TEXT_TOO_LONG))
        target = str(target)
        quota: Json | None = None
        if kind == "user":
            if not self.quota.interacted(target):
                return self._refuse(kind, 200, zalo_error(codes.NOT_INTERACTED_7_DAYS))
            decision = self.quota.charge_user(target)
            if decision is None:
                return self._refuse(kind, 200, zalo_error(self.quota_error))
            quota = {
                "quota_type": decision.quota_type,
                "remain": str(decision.remain),
                "total": str(decision.total),
                "owner_type": "OA",
                "owner_id": self.oa_id,
            }
        elif not self.quota.charge_group():
            return self._refuse(kind, 200, zalo_error(self.quota_error))
        now = self.now_ms()
        message_id = f"{0x0A0000000000 + next(self._ids):020x}"
        self.sent.append(
            OAMessage(kind, target, text, message_id, now, quota["quota_type"] if quota else None)
        )
        self.log.append(TranscriptEntry(target, self.oa_name, text, "text", now))
        data: Json = {"message_id": message_id}
        if quota is not None:
            data.update(user_id=target, sent_time=str(now), quota=quota)
        return 200, {"error": 0, "message": "Success", "data": data}

    def sent_to(self, kind: str, recipient_id: str) -> list[OAMessage]:
        """Accepted messages to one group or user, oldest first."""
        return [m for m in self.sent if m.kind == kind and m.recipient_id == recipient_id]
