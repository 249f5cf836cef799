"""Posting to the Zalo Bot Platform emulator as people would, and forging webhook calls.

`ZaloBotEmulator` mixes this in. Each ``post_*`` helper queues one update (ids are strings,
``date`` is epoch ms) and adds a transcript line; the update then waits for the bot's getUpdates
or goes to its webhook. Event names: ``message.text.received``, ``message.image.received``
(``photo_url``, optional ``caption``), ``message.sticker.received`` (``sticker``) and
``message.unsupported.received`` (no content: Zalo withholds it for protected users).
"""

from __future__ import annotations

import json

import httpx

from .bot_methods import BotState
from .bot_updates import SECRET_HEADER, UpdateFeed, message_update
from .records import Json, PostedUpdate, TranscriptEntry

__all__ = ["BotPeopleMixin"]


class BotPeopleMixin:
    """People posting updates (needs the attributes declared below)."""

    state: BotState
    feed: UpdateFeed
    _names: dict[str, str]

    def now_ms(self) -> int:
        """The emulator's clock, epoch milliseconds (overridden by the emulator)."""
        raise NotImplementedError

    def _post(
        self,
        event: str,
        user_id: str | int,
        display_name: str | None,
        chat_id: str | int | None,
        chat_type: str,
        content: Json,
        line: str,
        kind: str,
    ) -> PostedUpdate:
        uid = str(user_id)
        name = display_name or self._names.get(uid) or f"User {uid}"
        self._names[uid] = name
        cid = uid if chat_id is None else str(chat_id)
        now = self.now_ms()
        update = message_update(
            event,
            user_id=uid,
            display_name=name,
            chat_id=cid,
            chat_type=chat_type,
            message_id=self.state.new_message_id(),
            date=now,
            content=content,
        )
        self.state.log.append(TranscriptEntry(cid, name, line, kind, now))
        return self.feed.post(update)

    def post_text(
        self,
        user_id: str | int,
        text: str,
        display_name: str | None = None,
        *,
        chat_id: str | int | None = None,
        chat_type: str = "PRIVATE",
    ) -> PostedUpdate:
        """A person sends a text (event ``message.text.received``)."""
        return self._post(
            "message.text.received", user_id, display_name, chat_id, chat_type, {"text": text}, text, "text"
        )

    def post_image(
        self,
        user_id: str | int,
        photo_url: str,
        caption: str | None = None,
        display_name: str | None = None,
        *,
        chat_id: str | int | None = None,
        chat_type: str = "PRIVATE",
    ) -> PostedUpdate:
        """A person sends an image (``message.image.received`` with ``photo_url``, ``caption``)."""
        content: Json = {"photo_url": photo_url}
        if caption is not None:
            content["caption"] = caption
        return self._post(
            "message.image.received",
            user_id,
            display_name,
            chat_id,
            chat_type,
            content,
            f"{photo_url} {caption or ''}".strip(),
            "image",
        )

    def post_sticker(
        self,
        user_id: str | int,
        sticker: str = "d063f44dc80821567819",
        display_name: str | None = None,
        *,
        chat_id: str | int | None = None,
        chat_type: str = "PRIVATE",
    ) -> PostedUpdate:
        """A person sends a sticker (``message.sticker.received``)."""
        return self._post(
            "message.sticker.received",
            user_id,
            display_name,
            chat_id,
            chat_type,
            {"sticker": sticker},
            sticker,
            "sticker",
        )

    def post_unsupported(
        self,
        user_id: str | int,
        display_name: str | None = None,
        *,
        chat_id: str | int | None = None,
        chat_type: str = "PRIVATE",
    ) -> PostedUpdate:
        """Zalo withholds the content (``message.unsupported.received``, no text)."""
        return self._post(
            "message.unsupported.received",
            user_id,
            display_name,
            chat_id,
            chat_type,
            {},
            "(unsupported message)",
            "unsupported",
        )

    def post_update(self, update: Json) -> PostedUpdate:
        """Queue an arbitrary update body (for malformed-update tests)."""
        return self.feed.post(update)

    async def send_forged(
        self,
        url: str,
        update: Json | bytes,
        secret_token: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """POST an update to any URL as a forger would: the given secret (none by default)."""
        body = update if isinstance(update, bytes) else json.dumps(update, ensure_ascii=False).encode()
        sent = {"Content-Type": "application/json", **(headers or {})}
        if secret_token is not None:
            sent[SECRET_HEADER] = secret_token
        async with httpx.AsyncClient(timeout=10.0) as client:
            return await client.post(url, content=body, headers=sent)
