"""OAuth v4 for the OA emulator: ``POST /v4/oa/access_token`` and the token lifecycle.

Request (form-encoded, or JSON): header ``secret_key: <app secret>``; fields ``app_id``,
``grant_type=refresh_token`` + ``refresh_token``, or ``grant_type=authorization_code`` + ``code``
(+ ``code_verifier`` when the code was issued with a PKCE S256 ``code_challenge``). Success::

    {"access_token": "...", "refresh_token": "...", "expires_in": "90000"}   # a string

Refresh tokens are single-use and rotate: after a refresh the old one answers -14020, an unknown
one -14014. Access tokens expire after ``access_ttl`` seconds of the emulator clock; the old
access token stays valid after a refresh unless ``revoke_old_access`` (Zalo does not say).
"""

from __future__ import annotations

import base64
import hashlib
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from . import codes
from .records import Json

__all__ = ["TokenStore", "oauth_error"]


def oauth_error(code: codes.ZaloCode, description: str | None = None) -> Json:
    """An OAuth error body."""
    return {"error": code[0], "error_name": code[1], "error_description": description or code[1]}


@dataclass
class _Token:
    expires_at: datetime
    used: bool = False
    revoked: bool = False
    partner: str | None = None  # the access token issued with a refresh token


@dataclass
class _Code:
    expires_at: datetime
    challenge: str | None
    used: bool = False


class TokenStore:
    """Issued access tokens, refresh tokens and authorization codes."""

    def __init__(
        self,
        clock: Callable[[], datetime],
        app_id: str,
        app_secret: str,
        *,
        access_ttl: int = 90000,
        refresh_ttl: int = 90 * 86400,
        revoke_old_access: bool = False,
    ) -> None:
        self.clock = clock
        self.app_id = app_id
        self.app_secret = app_secret
        self.access_ttl = access_ttl
        self.refresh_ttl = refresh_ttl
        self.revoke_old_access = revoke_old_access
        self.access: dict[str, _Token] = {}
        self.refresh: dict[str, _Token] = {}
        self.codes: dict[str, _Code] = {}
        self.refresh_count = 0
        self.code_exchange_count = 0
        self.rejected_count = 0
        self._ids = itertools.count(1)

    def _new(self, prefix: str) -> str:
        digest = hashlib.sha256(f"{prefix}:{next(self._ids)}:{id(self)}".encode()).hexdigest()
        return f"{prefix}_{digest[:40]}"

    def issue_access_token(self) -> str:
        """A fresh valid access token."""
        token = self._new("at")
        self.access[token] = _Token(self.clock() + timedelta(seconds=self.access_ttl))
        return token

    def issue_refresh_token(self, partner: str | None = None) -> str:
        """A fresh valid refresh token (to seed the bot)."""
        token = self._new("rt")
        self.refresh[token] = _Token(self.clock() + timedelta(seconds=self.refresh_ttl), partner=partner)
        return token

    def issue_auth_code(self, code_challenge: str | None = None, ttl: int = 600) -> str:
        """An authorization code as the OA admin's consent would redirect with."""
        code = self._new("code")
        self.codes[code] = _Code(self.clock() + timedelta(seconds=ttl), code_challenge)
        return code

    def access_valid(self, token: str | None) -> bool:
        """Whether an access token is known, unrevoked and unexpired."""
        record = self.access.get(token or "")
        return record is not None and not record.revoked and self.clock() < record.expires_at

    def expire_access_tokens(self) -> None:
        """Make every issued access token expired now."""
        for record in self.access.values():
            record.expires_at = min(record.expires_at, self.clock())

    def expire_refresh_tokens(self) -> None:
        """Make every issued refresh token expired now."""
        for record in self.refresh.values():
            record.expires_at = min(record.expires_at, self.clock())

    def _pair(self) -> Json:
        access = self.issue_access_token()
        refresh = self.issue_refresh_token(partner=access)
        return {"access_token": access, "refresh_token": refresh, "expires_in": str(self.access_ttl)}

    def grant(self, params: Json, secret_key: str | None) -> Json:
        """Answer one token request (always HTTP 200, as Zalo does)."""
        body = self._grant(params, secret_key)
        if "error" in body:
            self.rejected_count += 1
        return body

    def _grant(self, params: Json, secret_key: str | None) -> Json:
        if str(params.get("app_id", "")) != self.app_id:
            return oauth_error(codes.INVALID_APP_ID)
        if secret_key != self.app_secret:
            return oauth_error(codes.INVALID_SECRET_KEY)
        grant_type = params.get("grant_type")
        if grant_type == "refresh_token":
            return self._refresh(str(params.get("refresh_token", "")))
        if grant_type == "authorization_code":
            return self._exchange(str(params.get("code", "")), params.get("code_verifier"))
        return oauth_error(codes.INVALID_GRANT_TYPE)

    def _refresh(self, token: str) -> Json:
        record = self.refresh.get(token)
        if record is None:
            return oauth_error(codes.INVALID_REFRESH_TOKEN)
        if record.used or record.revoked or self.clock() >= record.expires_at:
            return oauth_error(codes.REFRESH_TOKEN_USED)
        record.used = True
        if self.revoke_old_access and record.partner in self.access:
            self.access[record.partner].revoked = True
        self.refresh_count += 1
        return self._pair()

    def _exchange(self, code: str, verifier: object) -> Json:
        record = self.codes.get(code)
        if record is None or record.used or self.clock() >= record.expires_at:
            return oauth_error(codes.INVALID_CODE)
        if record.challenge is not None:
            raw = hashlib.sha256(str(verifier or "").encode()).digest()
            if base64.urlsafe_b64encode(raw).rstrip(b"=").decode() != record.challenge:
                return oauth_error(codes.INVALID_CODE_VERIFIER)
        record.used = True
        self.code_exchange_count += 1
        return self._pair()
