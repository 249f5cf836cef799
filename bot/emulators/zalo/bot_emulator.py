"""ZaloBotEmulator: a loopback Zalo Bot Platform API server plus the test-side API around it.

Wire format (``POST {base_url}/bot<TOKEN>/<method>``, JSON or form body)::

    -> {"ok": true, "result": ...}                                    success
    -> {"ok": false, "error_code": 401, "description": "Unauthorized"}  wrong token (HTTP 401)
    -> {"ok": false, "error_code": 408, "description": "Request timeout"}  getUpdates, nothing came

Usage::

    async with ZaloBotEmulator() as emu:
        bot = SomeZaloClient(token=emu.token, base_url=emu.base_url)
        emu.post_text("1001", "/start", display_name="An")
        await emu.wait_for_messages("1001")
        print(emu.transcript("1001"))
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from types import TracebackType

from .bot_methods import BotApiError, BotMethods, BotState
from .bot_people import BotPeopleMixin
from .bot_updates import UpdateFeed, Webhook
from .faults import Fault, FaultInjector
from .httpserver import LoopbackServer, Reply, Request, Route
from .records import ApiCall, Json, SentMessage, TranscriptEntry, WebhookDelivery
from .waiting import Notifier

__all__ = ["ZaloBotEmulator"]

_LOG = logging.getLogger(__name__)


class ZaloBotEmulator(BotPeopleMixin):
    """A real HTTP Zalo Bot Platform server on 127.0.0.1 (random port).

    Per call: record (every request, in `calls`), `latency`, injected fault, token check, method.
    Posted updates wait in a queue: getUpdates takes one per call; with a webhook set the
    emulator POSTs them instead, one at a time, in order (see `webhook_retries`).
    """

    def __init__(
        self,
        token: str = "1234567890:zalo-test-token",
        *,
        bot_name: str = "Blocbot",
        account_name: str = "bot.blocbot",
        wall_clock: Callable[[], float] = time.time,
        webhook_retries: int = 0,
        wrap_webhook_body: bool = False,
    ) -> None:
        head = token.split(":", 1)[0]
        self.token = token
        self.latency = 0.0
        self.stopping = asyncio.Event()
        self.faults = FaultInjector()
        self.calls: list[ApiCall] = []
        self.internal_errors: list[tuple[str, Exception]] = []
        self._clock = wall_clock
        self._notifier = Notifier()
        self.feed = UpdateFeed(self._notifier, self.stopping, self.now_ms)
        self.feed.webhook_retries = webhook_retries
        self.feed.wrap_webhook_body = wrap_webhook_body
        self.state = BotState(
            token, head if head.isdigit() else "1234567890", account_name, bot_name, self.feed, self.now_ms
        )
        self._methods = BotMethods(self.state).handlers()
        self._names: dict[str, str] = {}
        route = Route(r"/bot([^/]+)/([A-Za-z0-9_]+)/?", lambda args: args[1], self._endpoint)
        self._server = LoopbackServer(self, [route])

    # -- lifecycle -------------------------------------------------------------------------

    async def start(self) -> ZaloBotEmulator:
        """Bind a random free port on 127.0.0.1 and start serving."""
        self.stopping.clear()
        await self._server.start()
        self.feed.start()
        return self

    async def stop(self) -> None:
        """Answer pending long polls, stop the webhook sender and the server."""
        self.stopping.set()
        self._notifier.notify()
        await self.feed.stop()
        await self._server.stop()

    async def __aenter__(self) -> ZaloBotEmulator:
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
        """The API origin, "http://127.0.0.1:PORT" (calls go to {base_url}/bot<TOKEN>/<method>)."""
        return f"http://127.0.0.1:{self.port}"

    def method_url(self, method: str, token: str | None = None) -> str:
        """The full URL of a method."""
        return f"{self.base_url}/bot{self.token if token is None else token}/{method}"

    def now_ms(self) -> int:
        """The emulator's clock, epoch milliseconds."""
        return int(self._clock() * 1000)

    # -- Backend (used by the HTTP layer) ----------------------------------------------------

    def take_fault(self, method: str) -> Fault | None:
        """The injected fault for this call, if any."""
        return self.faults.take(method)

    def error_body(self, status: int, text: str) -> Json:
        """Bot Platform error body."""
        return {"ok": False, "error_code": status, "description": text}

    def changed(self) -> None:
        """Wake everything waiting on the emulator's state."""
        self._notifier.notify()

    def internal_error(self, method: str, exc: Exception) -> None:
        """Log and keep an emulator crash (answered as HTTP 500)."""
        _LOG.error("Zalo Bot emulator crashed in %s", method, exc_info=exc)
        self.internal_errors.append((method, exc))

    async def _endpoint(self, request: Request) -> Reply:
        token, method = request.args
        if token != self.token:
            return Reply(401, self.error_body(401, "Unauthorized"))
        if request.parse_error:
            return Reply(400, self.error_body(400, f"Bad Request: {request.parse_error}"))
        handler = self._methods.get(method.lower())
        if handler is None:
            return Reply(404, self.error_body(404, "Not Found"))
        try:
            result = await handler(request.params, request.disconnected)
        except BotApiError as exc:
            return Reply(exc.code, exc.payload())
        return Reply(200, {"ok": True, "result": result})

    # -- faults ----------------------------------------------------------------------------

    def inject_fault(
        self, method: str | None, kind: str, times: int = 1, delay: float | None = None
    ) -> Fault:
        """The next `times` calls to `method` (None = any) fail with "500", "502", "timeout" or "drop"."""
        return self.faults.add(method, kind, times, delay)

    # -- waiting ---------------------------------------------------------------------------

    async def wait_until(
        self,
        predicate: Callable[[], bool],
        timeout: float = 5.0,  # noqa: ASYNC109
        what: str = "condition",
    ) -> None:
        """Return once predicate() holds, re-checked after every call, post or delivery."""
        await self._notifier.wait_until(predicate, timeout, what)

    async def wait_consumed(self, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Return once the bot fetched (or the webhook took) every posted update."""
        await self.wait_until(
            lambda: all(p.consumed for p in self.feed.posted), timeout, "every posted update consumed"
        )

    async def wait_for_messages(
        self,
        chat_id: str | int,
        count: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> list[SentMessage]:
        """Wait until the bot sent at least `count` messages to the chat; return them all."""
        cid = str(chat_id)
        await self.wait_until(
            lambda: len(self.sent_to(cid)) >= count, timeout, f"{count} bot message(s) in chat {cid}"
        )
        return self.sent_to(cid)

    # -- reading what the bot did ------------------------------------------------------------

    def sent_to(self, chat_id: str | int) -> list[SentMessage]:
        """The bot's messages to a chat, oldest first."""
        return list(self.state.sent.get(str(chat_id), []))

    def texts(self, chat_id: str | int) -> list[str]:
        """Texts (captions for photos) of the bot's messages to a chat."""
        return [m.text or m.caption or "" for m in self.sent_to(chat_id)]

    def transcript_entries(self, chat_id: str | int) -> list[TranscriptEntry]:
        """The chat as a person reads it: posts and bot messages, in order."""
        return [e for e in self.state.log if e.conversation_id == str(chat_id)]

    def transcript(self, chat_id: str | int) -> str:
        """transcript_entries() as text, one line each."""
        return "\n".join(str(e) for e in self.transcript_entries(chat_id))

    def calls_to(self, method: str) -> list[Json]:
        """Params of the calls to one method (case-insensitive)."""
        return [c.params for c in self.calls if c.method.lower() == method.lower()]

    @property
    def webhook(self) -> Webhook | None:
        """The webhook set by the bot, if any."""
        return self.feed.webhook

    @property
    def deliveries(self) -> list[WebhookDelivery]:
        """Every webhook POST with the status the bot answered."""
        return self.feed.deliveries

    @property
    def pending_updates(self) -> list[Json]:
        """Updates not yet fetched or delivered."""
        return [p.update for p in self.feed.pending]

    @property
    def chat_actions(self) -> list[tuple[str, str]]:
        """(chat_id, action) of every sendChatAction."""
        return self.state.chat_actions
