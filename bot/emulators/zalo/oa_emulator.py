"""ZaloOAEmulator: a loopback Zalo Official Account API (GMF group chats, CS messages, OAuth v4)
plus the OA's webhook, signed as Zalo signs it.

One server answers both hosts the bot talks to: ``openapi.zalo.me`` (``/v3.0/oa/group/message``,
``/v3.0/oa/message/cs``) and ``oauth.zaloapp.com`` (``/v4/oa/access_token``); point both base
URLs at `base_url`. The OA webhook is configured in Zalo's developer console, so here it is set
with `set_webhook(url)`; ``post_*`` helpers POST signed events to it and record the bot's answer.

Usage::

    async with ZaloOAEmulator() as oa:
        refresh = oa.issue_refresh_token()          # seed the bot's token store
        oa.set_webhook(bot_webhook_url)
        await oa.post_group_text("g1", "u1", "/help", display_name="An")
        await oa.wait_for_group_messages("g1")
        print(oa.transcript("g1"))
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from types import TracebackType

import httpx

from . import codes
from .faults import Fault, FaultInjector
from .httpserver import LoopbackServer, Reply, Request, Route
from .oa_controls import OAControlsMixin
from .oa_messages import OAMessaging, zalo_error
from .oa_quota import QuotaTracker
from .oa_tokens import TokenStore
from .oa_webhook import OAWebhookMixin
from .records import ApiCall, Json, OAMessage, TranscriptEntry, WebhookDelivery
from .waiting import Notifier

__all__ = ["ZaloOAEmulator"]

_LOG = logging.getLogger(__name__)


class ZaloOAEmulator(OAControlsMixin, OAWebhookMixin):
    """A real HTTP Zalo OA API server on 127.0.0.1 (random port), with an emulator clock.

    The clock is ``clock()`` (default: the real UTC time) plus an offset moved by `advance()`;
    it drives token expiry, the 48-hour free-reply window and the monthly quota.
    """

    def __init__(
        self,
        *,
        app_id: str = "3482178216594085616",
        app_secret: str = "zalo-app-secret-key",
        oa_id: str = "1646843870823903717",
        oa_secret_key: str = "zalo-oa-secret-key",
        oa_name: str = "OA",
        clock: Callable[[], datetime] | None = None,
        monthly_quota: int = 2000,
        free_replies: int = 8,
        free_window: timedelta = timedelta(hours=48),
        group_quota: int | None = None,
        interaction_window: timedelta | None = None,
        access_ttl: int = 90000,
        refresh_ttl: int = 90 * 86400,
        revoke_old_access: bool = False,
        quota_error: codes.ZaloCode = codes.QUOTA_EXCEEDED,
        invalid_token_status: int = 200,
        signature_prefix: str = "mac=",
    ) -> None:
        self.app_id, self.app_secret, self.oa_id = app_id, app_secret, oa_id
        self.oa_secret_key, self.oa_name = oa_secret_key, oa_name
        self.signature_prefix = signature_prefix
        self.latency = 0.0
        self.stopping = asyncio.Event()
        self.faults = FaultInjector()
        self.calls: list[ApiCall] = []
        self.internal_errors: list[tuple[str, Exception]] = []
        self.deliveries: list[WebhookDelivery] = []
        self.webhook_url: str | None = None
        self.log: list[TranscriptEntry] = []
        self._base_clock = clock or (lambda: datetime.now(UTC))
        self._offset = timedelta()
        self._notifier = Notifier()
        self._msg_ids = 0
        self._client: httpx.AsyncClient | None = None
        self.tokens = TokenStore(
            self.now,
            app_id,
            app_secret,
            access_ttl=access_ttl,
            refresh_ttl=refresh_ttl,
            revoke_old_access=revoke_old_access,
        )
        self.quota = QuotaTracker(
            self.now,
            monthly_quota=monthly_quota,
            free_window=free_window,
            free_replies=free_replies,
            group_quota=group_quota,
            interaction_window=interaction_window,
        )
        self.messaging = OAMessaging(
            self.tokens,
            self.quota,
            self.now_ms,
            oa_id=oa_id,
            oa_name=oa_name,
            log=self.log,
            quota_error=quota_error,
            invalid_token_status=invalid_token_status,
        )
        self._server = LoopbackServer(
            self,
            [
                Route(r"/v3\.0/oa/(group/message|message/cs)/?", lambda args: args[0], self._send),
                Route(r"/v4/oa/access_token/?", lambda args: "access_token", self._token),
                Route(r"/v3\.0/oa/user/detail/?", lambda args: "user/detail", self._user_detail),
            ],
        )
        self.names: dict[str, str] = {}  # user id -> display name, as people post with one

    # -- lifecycle -------------------------------------------------------------------------

    async def start(self) -> ZaloOAEmulator:
        """Bind a random free port on 127.0.0.1 and start serving."""
        self.stopping.clear()
        self._client = httpx.AsyncClient(timeout=10.0)
        await self._server.start()
        return self

    async def stop(self) -> None:
        """Stop the server and the webhook client."""
        self.stopping.set()
        self._notifier.notify()
        await self._server.stop()
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def __aenter__(self) -> ZaloOAEmulator:
        return await self.start()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    @property
    def port(self) -> int:
        """The TCP port (0 before start)."""
        return self._server.port

    @property
    def base_url(self) -> str:
        """ "http://127.0.0.1:PORT": stands for both https://openapi.zalo.me and https://oauth.zaloapp.com."""
        return f"http://127.0.0.1:{self.port}"

    openapi_base_url = base_url
    oauth_base_url = base_url

    @property
    def group_message_url(self) -> str:
        """The GMF text endpoint."""
        return f"{self.base_url}/v3.0/oa/group/message"

    @property
    def cs_message_url(self) -> str:
        """The CS (1:1) message endpoint."""
        return f"{self.base_url}/v3.0/oa/message/cs"

    @property
    def access_token_url(self) -> str:
        """The OAuth v4 token endpoint."""
        return f"{self.base_url}/v4/oa/access_token"

    # -- clock -----------------------------------------------------------------------------

    def now(self) -> datetime:
        """The emulator's clock."""
        return self._base_clock() + self._offset

    def now_ms(self) -> int:
        """The emulator's clock, epoch milliseconds."""
        return int(self.now().timestamp() * 1000)

    def advance(self, delta: float | timedelta) -> None:
        """Move the emulator's clock forward (seconds or a timedelta)."""
        self._offset += delta if isinstance(delta, timedelta) else timedelta(seconds=delta)
        self._notifier.notify()

    # -- Backend (used by the HTTP layer) ----------------------------------------------------

    def take_fault(self, method: str) -> Fault | None:
        """The injected fault for this call, if any."""
        return self.faults.take(method)

    def error_body(self, status: int, text: str) -> Json:
        """The body of an HTTP-level error (unknown path, injected 500/502)."""
        return {"error": status, "message": text}

    def changed(self) -> None:
        """Wake waiters."""
        self._notifier.notify()

    def internal_error(self, method: str, exc: Exception) -> None:
        """Log and keep an emulator crash (answered as HTTP 500)."""
        _LOG.error("Zalo OA emulator crashed in %s", method, exc_info=exc)
        self.internal_errors.append((method, exc))

    async def _send(self, request: Request) -> Reply:
        if request.parse_error:
            return Reply(200, zalo_error(codes.PARAMS_INVALID))
        kind = "group" if request.args[0] == "group/message" else "user"
        status, body = self.messaging.send(kind, request.params, request.header("access_token"))
        return Reply(status, body)

    async def _user_detail(self, request: Request) -> Reply:
        """``GET /v3.0/oa/user/detail?data={"user_id": …}``: a follower's profile (its name)."""
        if not self.tokens.access_valid(request.header("access_token")):
            return Reply(200, zalo_error(codes.ACCESS_TOKEN_INVALID))
        raw = request.params.get("data")
        try:
            wanted = json.loads(raw) if isinstance(raw, str) else raw
        except ValueError:
            wanted = None
        user = str(wanted.get("user_id", "")) if isinstance(wanted, dict) else ""
        if user not in self.names:
            return Reply(200, zalo_error(codes.PARAMS_INVALID))
        return Reply(
            200,
            {"error": 0, "message": "Success", "data": {"user_id": user, "display_name": self.names[user]}},
        )

    async def _token(self, request: Request) -> Reply:
        return Reply(200, self.tokens.grant(request.params, request.header("secret_key")))

    # -- reading what the bot did ------------------------------------------------------------

    def sent_to_group(self, group_id: str) -> list[OAMessage]:
        """Accepted group messages, oldest first."""
        return self.messaging.sent_to("group", str(group_id))

    def sent_to_user(self, user_id: str) -> list[OAMessage]:
        """Accepted CS messages to a user, oldest first."""
        return self.messaging.sent_to("user", str(user_id))

    def transcript(self, conversation_id: str) -> str:
        """A group's or a 1:1 chat's lines (events posted and messages accepted), in order."""
        return "\n".join(str(e) for e in self.log if e.conversation_id == str(conversation_id))

    async def wait_until(
        self,
        predicate: Callable[[], bool],
        timeout: float = 5.0,  # noqa: ASYNC109
        what: str = "condition",
    ) -> None:
        """Return once predicate() holds, re-checked after every call and delivery."""
        await self._notifier.wait_until(predicate, timeout, what)

    async def wait_for_group_messages(
        self,
        group_id: str,
        count: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> list[OAMessage]:
        """Wait for at least `count` accepted messages to the group; return them all."""
        await self.wait_until(
            lambda: len(self.sent_to_group(group_id)) >= count,
            timeout,
            f"{count} message(s) to group {group_id}",
        )
        return self.sent_to_group(group_id)

    async def wait_for_user_messages(
        self,
        user_id: str,
        count: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> list[OAMessage]:
        """Wait for at least `count` accepted CS messages to the user; return them all."""
        await self.wait_until(
            lambda: len(self.sent_to_user(user_id)) >= count, timeout, f"{count} message(s) to user {user_id}"
        )
        return self.sent_to_user(user_id)
