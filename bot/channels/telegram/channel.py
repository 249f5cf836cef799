"""Telegram as a channel: choices become inline buttons, cards are edited in place, files are
documents and photos, join links are deep links. Telegram's errors become the channel-neutral
delivery errors of bot/core/messages.py."""

from __future__ import annotations

import io
import logging
from datetime import timedelta

import httpx
from telegram import (
    Bot,
    ForceReply,
    InputFile,
    Message,
    ReplyParameters,
)
from telegram.constants import ChatMemberStatus
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.core.chunks import TELEGRAM_LIMIT, split_message
from bot.core.messages import (
    TELEGRAM,
    Attachment,
    Choices,
    Incoming,
    MaybeSent,
    NotSent,
    Refused,
    Reply,
    Sent,
)
from bot.outbox import Outbox
from storage.db import Database

__all__ = ["Markup", "TelegramChannel", "keyboard", "maybe_delivered", "outbox_for"]

log = logging.getLogger(__name__)
MAX_ALERT = 200  # Telegram refuses a longer callback answer (MESSAGE_TOO_LONG)
MAX_CAPTION = 1024

# httpx errors raised before the request could reach the server.
_NOT_SENT = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
    httpx.WriteError,
    httpx.WriteTimeout,
    httpx.UnsupportedProtocol,
)


def maybe_delivered(exc: Exception) -> bool:
    """Whether a failed send may still have reached Telegram."""
    if isinstance(exc, RetryAfter | Forbidden | BadRequest | ChatMigrated | RuntimeError):
        return False  # refused, or never sent (RuntimeError: the HTTP client is shut down)
    if isinstance(exc, TimedOut | NetworkError):
        cause = exc.__cause__
        if cause is None:
            return False  # an HTTP error answer: the server said it did not do it
        return not isinstance(cause, (*_NOT_SENT, RuntimeError))
    return True


Markup = dict[str, list[list[dict[str, str]]]]  # an inline keyboard as the Bot API's JSON


def keyboard(choices: Choices | None, bot_username: str) -> Markup | None:
    """Inline buttons for choices (callback data, or a deep link for a /start payload), as the
    Bot API's JSON. Sent as is (``api_kwargs``): built as PTB's InlineKeyboardMarkup of
    InlineKeyboardButtons and serialized back, a ballot page's 13 buttons cost ~140 µs of CPU
    per edit, as JSON ~10 µs (BENCHMARKS.md, CPU per isolated update)."""
    if not choices:
        return None
    rows = []
    for row in choices.rows:
        buttons = []
        for b in row:
            if b.start is not None:
                query = f"?start={b.start}" if b.start else ""
                buttons.append({"text": b.label, "url": f"https://t.me/{bot_username}{query}"})
            else:
                buttons.append({"text": b.label, "callback_data": b.data or ""})
        rows.append(buttons)
    return {"inline_keyboard": rows}


def markup_kwargs(markup: Markup | None) -> dict[str, object] | None:
    """The keyboard as a Bot API call's extra parameter (None: no keyboard)."""
    return None if markup is None else {"reply_markup": markup}


class TelegramChannel:
    """The Channel port over a python-telegram-bot Bot."""

    name = TELEGRAM
    has_buttons = True
    can_edit = True
    repost_every = timedelta(0)  # cards are edited in place
    quotes_replies = True
    text_limit = TELEGRAM_LIMIT

    def __init__(self, bot: Bot, username: str = "") -> None:
        self.bot = bot
        self.username = username

    async def send(
        self, chat_id: int, reply: Reply, *, reply_to: int | None = None, ask: bool = False
    ) -> Sent:
        """Post text (split), then files; buttons go on the last text piece."""
        try:
            return await self._send(chat_id, reply, reply_to, ask)
        except ChatMigrated as moved:  # the group became a supergroup
            return await self._send(moved.new_chat_id, reply, None, ask)

    async def _send(self, chat_id: int, reply: Reply, reply_to: int | None, ask: bool) -> Sent:
        markup: ForceReply | Markup | None = (
            ForceReply(selective=True) if ask else keyboard(reply.choices, self.username)
        )
        sent: Message | None = None
        try:
            if reply.files:
                caption = reply.text if len(reply.text) <= MAX_CAPTION else ""
                if reply.text and not caption:
                    await self._text(chat_id, reply.text, None, reply_to)
                for index, file in enumerate(reply.files):
                    upload = InputFile(io.BytesIO(file.data), filename=file.filename)
                    words = (
                        (file.caption or caption)[:MAX_CAPTION] if index == 0 else file.caption[:MAX_CAPTION]
                    )
                    if file.image:
                        sent = await self.bot.send_photo(chat_id, upload, caption=words or None)
                    else:
                        sent = await self.bot.send_document(chat_id, upload, caption=words or None)
            else:
                sent = await self._text(chat_id, reply.text, markup, reply_to)
        except Forbidden as exc:
            raise Refused(str(exc)) from exc
        except BadRequest as exc:
            if "chat not found" in str(exc).lower():
                raise Refused(str(exc)) from exc
            raise Refused(f"bad request: {exc}") from exc
        except (RetryAfter, NetworkError, RuntimeError) as exc:
            if isinstance(exc, ChatMigrated):
                raise
            error = MaybeSent if maybe_delivered(exc) else NotSent
            raise error(f"{type(exc).__name__}: {exc}") from exc
        assert sent is not None
        return Sent(sent.chat_id, sent.message_id)

    async def _text(
        self, chat_id: int, text: str, markup: ForceReply | Markup | None, reply_to: int | None
    ) -> Message:
        pieces = split_message(text or "…", self.text_limit)
        sent: Message | None = None
        for index, piece in enumerate(pieces):
            last = index == len(pieces) - 1
            params = (
                ReplyParameters(reply_to, allow_sending_without_reply=True)
                if reply_to and index == 0
                else None
            )
            sent = await self.bot.send_message(
                chat_id,
                piece,
                reply_markup=markup if last and isinstance(markup, ForceReply) else None,
                reply_parameters=params,
                api_kwargs=markup_kwargs(markup) if last and isinstance(markup, dict) else None,
            )
        assert sent is not None
        return sent

    async def edit(self, chat_id: int, message_id: int, reply: Reply) -> bool:
        """Edit in place; "not modified" counts as done, a message gone as False."""
        markup = keyboard(reply.choices, self.username)
        try:
            if reply.keep_text:
                await self.bot.edit_message_reply_markup(
                    chat_id=chat_id, message_id=message_id, api_kwargs=markup_kwargs(markup)
                )
            else:
                await self.bot.edit_message_text(
                    reply.text[: self.text_limit],
                    chat_id=chat_id,
                    message_id=message_id,
                    api_kwargs=markup_kwargs(markup),
                )
        except BadRequest as exc:
            if "not modified" in str(exc).lower():
                return True
            log.info("could not edit message %s in chat %s: %s", message_id, chat_id, exc)
            return False
        except Forbidden:
            return False
        return True

    async def drop_choices(self, chat_id: int, message_id: int) -> None:
        """Take the inline buttons off a message."""
        try:
            await self.bot.edit_message_reply_markup(
                chat_id=chat_id, message_id=message_id, reply_markup=None
            )
        except BadRequest as exc:
            if "not modified" not in str(exc).lower():
                log.info("could not take the buttons off %s in %s: %s", message_id, chat_id, exc)
        except Forbidden:
            pass

    async def answer_press(self, incoming: Incoming, text: str = "", *, alert: bool = False) -> None:
        """Answer the callback query (cut to Telegram's 200 characters)."""
        query_id = incoming.extra.get("callback_query_id")
        if query_id is None:
            if text:
                await self.send(incoming.chat_id, Reply(text))
            return
        if len(text) > MAX_ALERT:
            text = text[: MAX_ALERT - 1].rsplit(" ", 1)[0] + "…"
        try:
            await self.bot.answer_callback_query(query_id, text or None, show_alert=alert)
        except BadRequest as exc:  # answered already (twice pressed), or too old
            log.info("could not answer a press: %s", exc)

    async def fetch(self, attachment: Attachment) -> bytes:
        """Download a file a person sent."""
        file = await self.bot.get_file(attachment.ref)
        return bytes(await file.download_as_bytearray())

    def start_link(self, payload: str) -> str | None:
        """The deep link t.me/<bot>?start=<payload> (t.me/<bot> for an empty payload)."""
        return f"https://t.me/{self.username}" + (f"?start={payload}" if payload else "")

    async def chat_admin(self, chat_id: int, person_id: int) -> bool | None:
        """Whether the person administers the Telegram group."""
        member = await self.bot.get_chat_member(chat_id, person_id)
        return member.status in (ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR)


def outbox_for(db: Database, bot: Bot) -> Outbox:
    """An outbox whose only channel is Telegram through this bot (scripts, benchmarks)."""
    outbox = Outbox(db)
    outbox.register(TelegramChannel(bot))
    return outbox
