"""Test-side controls of the OA emulator: faults, seeded tokens, expiry, quota switches.

`ZaloOAEmulator` mixes this in. Fault method names are the endpoints' own: "group/message",
"message/cs" and "access_token". Tokens issued here are the same kind the OAuth endpoint
issues: a refresh token seeds the bot's token store, an access token lets a test skip OAuth,
an authorization code stands for the OA admin's consent redirect (PKCE S256 when a
``code_challenge`` is given).
"""

from __future__ import annotations

from datetime import datetime

from .faults import Fault, FaultInjector
from .oa_quota import QuotaTracker
from .oa_tokens import TokenStore

__all__ = ["OAControlsMixin"]


class OAControlsMixin:
    """Faults, tokens and quota switches (needs the attributes declared below)."""

    faults: FaultInjector
    tokens: TokenStore
    quota: QuotaTracker

    def inject_fault(
        self, method: str | None, kind: str, times: int = 1, delay: float | None = None
    ) -> Fault:
        """Next `times` calls to "group/message", "message/cs" or "access_token" (None = any) fail."""
        return self.faults.add(method, kind, times, delay)

    def issue_refresh_token(self) -> str:
        """A valid refresh token to seed the bot with."""
        return self.tokens.issue_refresh_token()

    def issue_access_token(self) -> str:
        """A valid access token (for tests that skip OAuth)."""
        return self.tokens.issue_access_token()

    def issue_auth_code(self, code_challenge: str | None = None) -> str:
        """An authorization code for ``grant_type=authorization_code`` (PKCE S256 if a challenge)."""
        return self.tokens.issue_auth_code(code_challenge)

    def expire_access_tokens(self) -> None:
        """Every access token issued so far is now expired (-216)."""
        self.tokens.expire_access_tokens()

    def expire_refresh_tokens(self) -> None:
        """Every refresh token issued so far is now expired (-14020)."""
        self.tokens.expire_refresh_tokens()

    @property
    def refresh_count(self) -> int:
        """Successful refresh_token grants."""
        return self.tokens.refresh_count

    def exhaust_quota(self, exhausted: bool = True) -> None:
        """Force (or lift) the quota error on every counted CS message and every group message."""
        self.quota.force_exhausted = exhausted

    def record_interaction(self, user_id: str, at: datetime | None = None) -> None:
        """The user messaged the OA (opens the free-reply window) without posting an event."""
        self.quota.record_inbound(str(user_id), at)
