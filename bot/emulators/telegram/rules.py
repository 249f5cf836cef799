"""Telegram's rules: who the bot may post to, valid keyboards, how a message reads."""

from __future__ import annotations

from typing import Any

from .params import ApiError, bad_request
from .state import BotApiState, Chat, Json

MAX_TEXT = 4096
MAX_CAPTION = 1024
_BUTTON_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)


def sendable_chat(state: BotApiState, chat_id: int) -> Chat:
    """The chat if the bot may post there, else Telegram's 400/403 error."""
    chat = state.chats.get(chat_id)
    user = state.users.get(chat_id) if chat_id > 0 else None
    if chat is None and user is not None and not user.is_bot:
        chat = state.private_chat(user)
    if chat is None:
        raise bad_request("chat not found")
    if chat.user is not None:
        if chat.user.is_bot:
            raise ApiError(403, "Forbidden: bot can't send messages to bots")
        if chat.user.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        if not chat.user.started:
            raise ApiError(403, "Forbidden: bot can't initiate conversation with a user")
        return chat
    kind = "supergroup" if chat.type == "supergroup" else "group"
    status = chat.members.get(state.bot.id, "member")
    if status == "kicked":
        raise ApiError(403, f"Forbidden: bot was kicked from the {kind} chat")
    if status == "left":
        raise ApiError(403, f"Forbidden: bot is not a member of the {kind} chat")
    if status == "restricted":
        raise bad_request("not enough rights to send text messages to the chat")
    return chat


def check_markup(markup: Any) -> Json | None:
    """Validate reply_markup like Telegram (inline buttons need exactly one action)."""
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    rows = markup.get("inline_keyboard")
    if rows is None:
        return markup
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request("can't parse inline keyboard markup JSON object")
    for row in rows:
        for button in row:
            if not isinstance(button, dict) or not button.get("text"):
                raise bad_request("can't parse inline keyboard button: Text must be non-empty")
            actions = [key for key in _BUTTON_ACTIONS if key in button]
            if not actions:
                raise bad_request(
                    "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
                )
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode()) <= 64:
                raise bad_request("BUTTON_DATA_INVALID")
    return markup


def inline_only(markup: Json | None) -> Json | None:
    """The part of reply_markup that Message objects carry (inline keyboards only)."""
    return markup if markup and "inline_keyboard" in markup else None


def describe(message: Json) -> str:
    """How a client would show a message in one line."""
    if "document" in message:
        name = message["document"].get("file_name") or "file"
        return f"[document {name}] {message.get('caption', '')}".rstrip()
    if "photo" in message:
        return f"[photo] {message.get('caption', '')}".rstrip()
    return str(message.get("text", ""))
