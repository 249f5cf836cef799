"""The people's side: registering users and groups, and posting updates as them."""

from __future__ import annotations

from typing import Any

from .entities import command_entity
from .records import PostedUpdate
from .rules import describe
from .state import MEMBER_STATUSES, BotApiState, Chat, Json, User
from .updates import Notifier


class PeopleMixin:
    """World setup and update posting for BotApiEmulator."""

    state: BotApiState
    _notifier: Notifier
    _callback_counter: int

    def add_user(
        self,
        user_id: int,
        first_name: str,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "vi",
        *,
        started: bool = False,
    ) -> Json:
        """Register a person (positive id); returns their User JSON."""
        if user_id <= 0:
            raise ValueError("user ids are positive")
        user = User(user_id, first_name, last_name, username, language_code, started=started)
        self.state.users[user_id] = user
        return user.to_json()

    def add_group(self, chat_id: int, title: str, supergroup: bool = True) -> Json:
        """Register a group the bot is a member of (negative id; supergroups -100…)."""
        if chat_id >= 0:
            raise ValueError("group chat ids are negative")
        kind = "supergroup" if supergroup else "group"
        chat = self.state.chats[chat_id] = Chat(id=chat_id, type=kind, title=title)
        chat.members[self.state.bot.id] = "member"
        return chat.to_json()

    def set_member(self, chat_id: int, user_id: int, status: str) -> None:
        """Set a user's (or the bot's) status in a group: creator/administrator/member/…"""
        if status not in MEMBER_STATUSES:
            raise ValueError(f"status must be one of {MEMBER_STATUSES}")
        self._group(chat_id).members[user_id] = status

    def set_started(self, user_id: int, started: bool = True) -> None:
        """Mark whether the user has started the bot (may receive private messages)."""
        self._user(user_id).started = started

    def set_blocked(self, user_id: int, blocked: bool = True) -> None:
        """Mark whether the user has blocked the bot."""
        self._user(user_id).blocked = blocked

    def _user(self, user_id: int) -> User:
        """A registered person."""
        user = self.state.users.get(user_id)
        if user is None or user.is_bot:
            raise ValueError(f"unknown user {user_id}; call add_user first")
        return user

    def _group(self, chat_id: int) -> Chat:
        """A registered group."""
        chat = self.state.chats.get(chat_id)
        if chat is None or chat.user is not None:
            raise ValueError(f"unknown group {chat_id}; call add_group first")
        return chat

    def _chat_for(self, user: User, chat_id: int) -> Chat:
        """The chat a person writes in; writing privately starts (and unblocks) the bot."""
        if chat_id == user.id:
            user.started, user.blocked = True, False
            return self.state.private_chat(user)
        chat = self._group(chat_id)
        status = chat.members.get(user.id)
        if status in ("left", "kicked"):
            raise ValueError(f"user {user.id} is {status} in chat {chat_id}")
        if status is None:
            chat.members[user.id] = "member"
        return chat

    def _push(self, payload: Json, message: Json | None = None) -> PostedUpdate:
        """Queue an update and wake pollers."""
        update = self.state.push_update(payload)
        self._notifier.notify()
        return PostedUpdate(update["update_id"], update, message)

    def post_message(
        self,
        user_id: int,
        chat_id: int,
        text: str | None = None,
        *,
        reply_to: int | None = None,
        document: tuple[bytes, str, str] | None = None,
        caption: str | None = None,
    ) -> PostedUpdate:
        """A person sends a text (commands get a bot_command entity) or a document."""
        if text is None and document is None:
            raise ValueError("post text or a document")
        user = self._user(user_id)
        chat = self._chat_for(user, chat_id)
        message: Json = {
            "message_id": chat.take_message_id(),
            "from": user.to_json(),
            "chat": chat.to_json(),
            "date": self.state.now(),
        }
        if reply_to is not None:
            target = self.state.messages.get((chat.id, reply_to))
            if target is None:
                raise ValueError(f"no message {reply_to} in chat {chat.id} to reply to")
            message["reply_to_message"] = {k: v for k, v in target.items() if k != "reply_to_message"}
        if text is not None:
            message["text"] = text
            if entities := command_entity(text):
                message["entities"] = entities
        if document is not None:
            data, filename, mime = document
            stored = self.state.store_file(data, filename, mime, "document")
            message["document"] = stored.to_json()
            if caption:
                message["caption"] = caption
                if entities := command_entity(caption):
                    message["caption_entities"] = entities
        self.state.store_message(message)
        self.state.record(chat.id, message["message_id"], user.full_name, describe(message), "message")
        return self._push({"message": message}, message)

    def post_edited_message(self, user_id: int, chat_id: int, message_id: int, text: str) -> PostedUpdate:
        """A person edits the text of one of their messages."""
        user = self._user(user_id)
        old = self.state.messages.get((chat_id, message_id))
        if old is None or old.get("from", {}).get("id") != user.id or "text" not in old:
            raise ValueError(f"user {user_id} has no text message {message_id} in chat {chat_id}")
        message = {k: v for k, v in old.items() if k != "entities"}
        message.update(text=text, edit_date=self.state.now())
        if entities := command_entity(text):
            message["entities"] = entities
        self.state.store_message(message)
        self.state.record(chat_id, message_id, user.full_name, text, "edit")
        return self._push({"edited_message": message}, message)

    def post_callback(self, user_id: int, chat_id: int, message_id: int, data: str) -> PostedUpdate:
        """A person presses an inline button with this callback data on a bot message."""
        user = self._user(user_id)
        message = self.state.messages.get((chat_id, message_id))
        if message is None:
            raise ValueError(f"no message {message_id} in chat {chat_id}")
        self._callback_counter += 1
        query_id = str(4_000_000_000_000_000 + self._callback_counter)
        query: Json = {
            "id": query_id,
            "from": user.to_json(),
            "message": message,
            "chat_instance": str(abs(chat_id) * 31 + 7),
            "data": data,
        }
        self.state.open_callbacks[query_id] = query
        labels = [
            b.get("text", "")
            for row in message.get("reply_markup", {}).get("inline_keyboard", [])
            for b in row
            if b.get("callback_data") == data
        ]
        label = f"[{labels[0]}]" if labels else f"[data {data!r}]"
        self.state.record(chat_id, message_id, user.full_name, label, "callback")
        return self._push({"callback_query": query}, message)

    def press_button(self, user_id: int, chat_id: int, message_id: int, text: str) -> PostedUpdate:
        """Press the inline button whose text is `text` (it must be on the message now)."""
        message = self.state.messages.get((chat_id, message_id), {})
        for row in message.get("reply_markup", {}).get("inline_keyboard", []):
            for button in row:
                if button.get("text") == text and "callback_data" in button:
                    return self.post_callback(user_id, chat_id, message_id, button["callback_data"])
        raise ValueError(f"no callback button {text!r} on message {message_id} in chat {chat_id}")

    def post_raw(self, update: dict[str, Any]) -> PostedUpdate:
        """Queue an arbitrary Update JSON (its update_id is replaced by the next one)."""
        payload = {k: v for k, v in update.items() if k != "update_id"}
        message = payload.get("message") or payload.get("edited_message")
        return self._push(payload, message if isinstance(message, dict) else None)
