"""BotApiEmulator: a loopback Telegram Bot API server plus the test-side API around it."""

from __future__ import annotations

import asyncio
import inspect
import logging
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any

from .chats import ChatMethods
from .faults import Fault, FaultInjector
from .flood import FloodControl, FloodLimits
from .messages import MessageMethods
from .params import ApiError, Handler, Params, parse_int
from .posting import PeopleMixin
from .records import ApiCall, CallbackAnswer, SentMessage, StoredFile, TranscriptEntry
from .server import ApiServer
from .state import BotApiState, Json, User, command_key
from .updates import Notifier, UpdateFeed, WebhookSender

_LOG = logging.getLogger(__name__)


class BotApiEmulator(PeopleMixin):
    """A real HTTP Bot API server on 127.0.0.1 for PTB's Bot(base_url=..., base_file_url=...).

    Semantics worth knowing:
    * Updates are filtered by allowed_updates when they are created, as Telegram does; a
      filtered (or drop_pending_updates-dropped) update counts as consumed.
    * Every authenticated request is recorded in `calls`, including ones answered with an
      injected fault, a 429 or another error; a faulted or 429'd call is not executed.
    * Per-call order: record, `latency`, fault, flood check, execute.
    * Webhook delivery is sequential (one update at a time, in order), retried with backoff.
    * A crash inside the emulator answers HTTP 500 and is kept in `internal_errors`.
    """

    def __init__(
        self,
        token: str = "123456:TEST",
        bot_username: str = "blocbot_test",
        flood: FloodLimits | None = None,
        *,
        bot_name: str = "Blocbot",
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        head = token.split(":", 1)[0]
        bot = User(int(head) if head.isdigit() else 123456, bot_name, None, bot_username)
        bot.is_bot = True
        self.token = token
        self.state = BotApiState(bot, wall_clock)
        self.flood = FloodControl(flood) if flood is not None else None
        self.latency = 0.0
        self.count_429 = 0
        self.internal_errors: list[tuple[str, Exception]] = []
        self.stopping = asyncio.Event()
        self.faults = FaultInjector()
        self._notifier = Notifier()
        self._callback_counter = 0
        self._feed = UpdateFeed(self.state, self._notifier, self.stopping)
        self._sender = WebhookSender(self.state, self._notifier)
        self._methods: dict[str, Handler] = {
            **MessageMethods(self.state).handlers(),
            **ChatMethods(self.state).handlers(),
            **self._feed.handlers(),
        }
        self._server = ApiServer(self)

    # -- lifecycle -------------------------------------------------------------------------

    async def start(self) -> BotApiEmulator:
        """Bind a random free port on 127.0.0.1 and start serving."""
        self.stopping.clear()
        await self._server.start()
        self._sender.start()
        return self

    async def stop(self) -> None:
        """Answer pending long polls, stop the webhook sender and the server."""
        self.stopping.set()
        self._notifier.notify()
        await self._sender.stop()
        await self._server.stop()

    async def __aenter__(self) -> BotApiEmulator:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def port(self) -> int:
        """The TCP port (0 before start)."""
        return self._server.port

    @property
    def base_url(self) -> str:
        """Pass as Bot(base_url=...): "http://127.0.0.1:PORT/bot"."""
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        """Pass as Bot(base_file_url=...): "http://127.0.0.1:PORT/file/bot"."""
        return f"http://127.0.0.1:{self.port}/file/bot"

    @property
    def bot(self) -> User:
        """The bot's own account."""
        return self.state.bot

    # -- ApiBackend (used by the HTTP server) --------------------------------------------

    def accept(self, method: str, params: Params) -> None:
        """Record a call; uploads appear as {"filename", "mime_type", "size"}."""
        recorded = dict(params.values)
        for name, upload in params.uploads.items():
            recorded[name] = {
                "filename": upload.filename,
                "mime_type": upload.mime_type,
                "size": len(upload.data),
            }
        self.state.calls.append(ApiCall(method, recorded))

    def take_fault(self, method: str) -> Fault | None:
        """The injected fault for this call, if any."""
        return self.faults.take(method)

    async def call(self, method: str, params: Params) -> Any:
        """Execute a method behind the flood limits; raises ApiError."""
        handler = self._methods.get(method.lower())
        if handler is None:
            raise ApiError(404, "Not Found")
        counted = self.flood is not None and self.flood.counts(method)
        chat_id = parse_int(params.values.get("chat_id", "")) if counted else None
        if self.flood is not None and counted:
            retry_after = self.flood.retry_after(chat_id)
            if retry_after is not None:
                self.count_429 += 1
                raise ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after)
        try:
            result = handler(params)
            if inspect.isawaitable(result):
                result = await result
        finally:
            self._notifier.notify()
        if self.flood is not None and counted:
            self.flood.record(chat_id)
        return result

    def file(self, path: str) -> StoredFile | None:
        """The file served at a file_path."""
        return self.state.file_paths.get(path)

    def changed(self) -> None:
        """Wake everything waiting on the emulator's state."""
        self._notifier.notify()

    def internal_error(self, method: str, exc: Exception) -> None:
        """Log and keep an emulator crash (answered as HTTP 500) in `internal_errors`."""
        _LOG.error("Bot API emulator crashed in %s", method, exc_info=exc)
        self.internal_errors.append((method, exc))

    # -- faults and counters ---------------------------------------------------------------

    def inject_fault(
        self, method: str | None, kind: str, times: int = 1, delay: float | None = None
    ) -> Fault:
        """Make the next `times` calls to `method` (None = any, getUpdates included) fail with
        kind "500", "502", "timeout" (hang, then close) or "drop" (close without answer)."""
        return self.faults.add(method, kind, times, delay)

    def reset_counters(self) -> None:
        """Zero count_429, clear the recorded calls and the flood windows."""
        self.count_429 = 0
        self.state.calls.clear()
        if self.flood is not None:
            self.flood.reset()

    # -- waiting ---------------------------------------------------------------------------

    async def wait_until(
        self,
        predicate: Callable[[], bool],
        timeout: float = 10.0,  # noqa: ASYNC109 - part of the documented test API
        what: str = "condition",
    ) -> None:
        """Return once predicate() holds, re-checked after every API call or posted update."""
        await self._notifier.wait_until(predicate, timeout, what)

    async def wait_consumed(
        self,
        update_id: int,
        timeout: float = 10.0,  # noqa: ASYNC109
    ) -> None:
        """Return once the bot confirmed the update (getUpdates offset past it, webhook 200)."""
        await self.wait_until(
            lambda: self.state.is_consumed(update_id), timeout, f"update {update_id} consumed"
        )

    async def wait_for_messages(
        self,
        chat_id: int,
        count: int = 1,
        timeout: float = 10.0,  # noqa: ASYNC109
    ) -> list[SentMessage]:
        """Wait until the bot has at least `count` visible messages in the chat; return them."""
        await self.wait_until(
            lambda: len(self.messages(chat_id, include_deleted=False)) >= count,
            timeout,
            f"{count} bot message(s) in chat {chat_id}",
        )
        return self.messages(chat_id, include_deleted=False)

    # -- reading what the bot did ---------------------------------------------------------

    def messages(self, chat_id: int, include_deleted: bool = True) -> list[SentMessage]:
        """Current state of the bot's messages in a chat, oldest first."""
        sent = self.state.sent.get(chat_id, {})
        return [m for _, m in sorted(sent.items()) if include_deleted or not m.deleted]

    def last(self, chat_id: int) -> SentMessage | None:
        """The bot's newest message in the chat that is not deleted."""
        visible = self.messages(chat_id, include_deleted=False)
        return visible[-1] if visible else None

    def bot_texts(self, chat_id: int) -> list[str]:
        """Texts (captions for files) of the bot's visible messages, oldest first."""
        return [
            m.text if m.text is not None else (m.caption or "")
            for m in self.messages(chat_id, include_deleted=False)
        ]

    @property
    def callback_answers(self) -> list[CallbackAnswer]:
        """Every answerCallbackQuery, in order."""
        return self.state.callback_answers

    @property
    def my_commands(self) -> dict[tuple[str, str], list[Json]]:
        """Commands by (canonical scope JSON, language code or "")."""
        return self.state.commands

    def commands_for(self, language_code: str = "", scope: Json | None = None) -> list[str]:
        """Command names set for a scope (default scope if None) and language."""
        key = command_key(scope, language_code)
        return [c["command"] for c in self.state.commands.get(key, [])]

    @property
    def calls(self) -> list[ApiCall]:
        """Every authenticated request as (method, params), in arrival order, including
        calls answered with a fault, 429 or another error."""
        return self.state.calls

    def calls_to(self, method: str) -> list[Json]:
        """Params of the calls to one method (case-insensitive)."""
        return [c.params for c in self.state.calls if c.method.lower() == method.lower()]

    def transcript(self, chat_id: int) -> list[TranscriptEntry]:
        """The chat as a person reads it: posts, bot messages, edits, deletions, presses."""
        return [entry for entry in self.state.log if entry.chat_id == chat_id]

    def format_transcript(self, chat_id: int) -> str:
        """transcript() as text, one entry per line."""
        return "\n".join(str(entry) for entry in self.transcript(chat_id))

    def file_bytes(self, file_id: str) -> bytes:
        """Content of a file by file_id (uploaded by a user or sent by the bot)."""
        stored = self.state.files.get(file_id)
        if stored is None:
            raise KeyError(f"no file {file_id!r}")
        return stored.data

    @property
    def pending_updates(self) -> list[Json]:
        """Updates not yet confirmed by the bot."""
        return list(self.state.pending)
