"""Bot API methods that send, edit and delete messages and serve files."""

from __future__ import annotations

from .entities import format_text
from .params import Handler, Params, bad_request
from .records import SentMessage, StoredFile
from .rules import (
    MAX_CAPTION,
    MAX_TEXT,
    NOT_MODIFIED,
    check_markup,
    describe,
    inline_only,
    sendable_chat,
)
from .state import BotApiState, Chat, Json


class MessageMethods:
    """sendMessage, sendDocument, sendPhoto, edit*, deleteMessage(s), getFile, pins."""

    def __init__(self, state: BotApiState) -> None:
        self.state = state

    def handlers(self) -> dict[str, Handler]:
        """Method name (lower case) -> implementation."""
        return {
            "sendmessage": self.send_message,
            "senddocument": lambda p: self._send_file(p, "document"),
            "sendphoto": lambda p: self._send_file(p, "photo"),
            "editmessagetext": self.edit_message_text,
            "editmessagecaption": self.edit_message_caption,
            "editmessagereplymarkup": self.edit_message_reply_markup,
            "deletemessage": self.delete_message,
            "deletemessages": self.delete_messages,
            "getfile": self.get_file,
            "pinchatmessage": self._pin,
            "unpinchatmessage": self._pin,
            "unpinallchatmessages": self._pin,
        }

    def _reply_target(self, p: Params, chat: Chat) -> Json | None:
        """The message being replied to (reply_parameters or legacy reply_to_message_id)."""
        params = p.get_json("reply_parameters") or {}
        message_id = params.get("message_id") or p.get_int("reply_to_message_id")
        if message_id is None:
            return None
        allow = bool(params.get("allow_sending_without_reply")) or p.get_bool("allow_sending_without_reply")
        chat_id = int(params.get("chat_id") or chat.id)
        target = self.state.messages.get((chat_id, int(message_id)))
        if target is None and not allow:
            raise bad_request("message to be replied not found")
        return target

    def _new_message(self, chat: Chat, reply_to: Json | None) -> Json:
        """The common fields of a message from the bot."""
        message: Json = {
            "message_id": chat.take_message_id(),
            "from": self.state.bot.to_json(),
            "chat": chat.to_json(),
            "date": self.state.now(),
        }
        if reply_to is not None:
            message["reply_to_message"] = {k: v for k, v in reply_to.items() if k != "reply_to_message"}
        return message

    def _remember(self, chat: Chat, message: Json, sent: SentMessage) -> Json:
        """Store a new bot message and log it to the transcript."""
        self.state.store_message(message)
        self.state.sent.setdefault(chat.id, {})[sent.message_id] = sent
        name = self.state.bot.first_name
        self.state.record(chat.id, sent.message_id, name, describe(message), "message")
        return message

    def send_message(self, p: Params) -> Json:
        """sendMessage."""
        chat = sendable_chat(self.state, p.chat_id())
        source = p.get_str("text") or ""
        text, entities = format_text(source, p.get_str("parse_mode"), p.get_json("entities"))
        if not text:
            raise bad_request("message text is empty")
        if len(text) > MAX_TEXT:
            raise bad_request("message is too long")
        markup = check_markup(p.get_json("reply_markup"))
        reply_to = self._reply_target(p, chat)
        message = self._new_message(chat, reply_to)
        message["text"] = text
        if entities:
            message["entities"] = entities
        if inline_only(markup):
            message["reply_markup"] = markup
        sent = SentMessage(
            chat_id=chat.id,
            message_id=message["message_id"],
            text=text,
            raw=message,
            source_text=source,
            parse_mode=p.get_str("parse_mode"),
            reply_markup=markup,
            reply_to=reply_to["message_id"] if reply_to else None,
        )
        return self._remember(chat, message, sent)

    def _send_file(self, p: Params, kind: str) -> Json:
        """sendDocument / sendPhoto: a multipart upload or an existing file_id."""
        chat = sendable_chat(self.state, p.chat_id())
        upload = p.upload(kind)
        if upload is not None:
            if not upload.data:
                raise bad_request("file must be non-empty")
            stored = self.state.store_file(upload.data, upload.filename, upload.mime_type, kind)
        else:
            reference = p.get_str(kind)
            if not reference:
                raise bad_request(f"there is no {kind} in the request")
            found = self.state.files.get(reference)
            if found is None:
                raise bad_request("wrong file identifier/HTTP URL specified")
            if found.kind != kind:
                raise bad_request(f"can't use file of type {found.kind.title()} as {kind.title()}")
            stored = found
        source = p.get_str("caption") or ""
        caption, entities = format_text(source, p.get_str("parse_mode"), p.get_json("caption_entities"))
        if len(caption) > MAX_CAPTION:
            raise bad_request("message caption is too long")
        markup = check_markup(p.get_json("reply_markup"))
        reply_to = self._reply_target(p, chat)
        message = self._new_message(chat, reply_to)
        message[kind] = [stored.to_json()] if kind == "photo" else stored.to_json()
        if caption:
            message["caption"] = caption
        if entities:
            message["caption_entities"] = entities
        if inline_only(markup):
            message["reply_markup"] = markup
        sent = SentMessage(
            chat_id=chat.id,
            message_id=message["message_id"],
            text=None,
            raw=message,
            source_text=source or None,
            parse_mode=p.get_str("parse_mode"),
            caption=caption or None,
            reply_markup=markup,
            reply_to=reply_to["message_id"] if reply_to else None,
            document=stored if kind == "document" else None,
            photo=stored if kind == "photo" else None,
        )
        return self._remember(chat, message, sent)

    def _editable(self, p: Params) -> SentMessage:
        """The bot message an edit targets, or Telegram's error."""
        if p.has("inline_message_id"):
            raise bad_request("MESSAGE_ID_INVALID")
        chat = sendable_chat(self.state, p.chat_id())
        message_id = p.need_int("message_id", "message identifier is not specified")
        if (chat.id, message_id) not in self.state.messages:
            raise bad_request("message to edit not found")
        sent = self.state.sent.get(chat.id, {}).get(message_id)
        if sent is None:
            raise bad_request("message can't be edited")
        return sent

    def _apply_edit(self, sent: SentMessage, changes: Json, markup: Json | None) -> Json:
        """Replace the stored message with an edited copy, or 400 "not modified"."""
        old = sent.raw
        new = {k: v for k, v in old.items() if k not in ("reply_markup", *changes)}
        new.update({k: v for k, v in changes.items() if v})
        if inline_only(markup):
            new["reply_markup"] = markup
        if all(old.get(k) == new.get(k) for k in (*changes, "reply_markup")):
            raise bad_request(NOT_MODIFIED)
        new["edit_date"] = self.state.now()
        self.state.store_message(new)
        sent.raw, sent.reply_markup, sent.edited = new, markup, sent.edited + 1
        self.state.record(sent.chat_id, sent.message_id, self.state.bot.first_name, describe(new), "edit")
        return new

    def edit_message_text(self, p: Params) -> Json:
        """editMessageText (omitting reply_markup removes the inline keyboard)."""
        sent = self._editable(p)
        if "text" not in sent.raw:
            raise bad_request("there is no text in the message to edit")
        source = p.get_str("text") or ""
        text, entities = format_text(source, p.get_str("parse_mode"), p.get_json("entities"))
        if not text:
            raise bad_request("message text is empty")
        if len(text) > MAX_TEXT:
            raise bad_request("message is too long")
        markup = check_markup(p.get_json("reply_markup"))
        new = self._apply_edit(sent, {"text": text, "entities": entities}, markup)
        sent.text, sent.source_text, sent.parse_mode = text, source, p.get_str("parse_mode")
        return new

    def edit_message_caption(self, p: Params) -> Json:
        """editMessageCaption."""
        sent = self._editable(p)
        if "text" in sent.raw:
            raise bad_request("there is no caption in the message to edit")
        source = p.get_str("caption") or ""
        caption, entities = format_text(source, p.get_str("parse_mode"), p.get_json("caption_entities"))
        if len(caption) > MAX_CAPTION:
            raise bad_request("message caption is too long")
        markup = check_markup(p.get_json("reply_markup"))
        changes = {"caption": caption, "caption_entities": entities}
        new = self._apply_edit(sent, changes, markup)
        sent.caption = caption or None
        return new

    def edit_message_reply_markup(self, p: Params) -> Json:
        """editMessageReplyMarkup (no reply_markup removes the keyboard)."""
        sent = self._editable(p)
        return self._apply_edit(sent, {}, check_markup(p.get_json("reply_markup")))

    def _delete(self, chat_id: int, message_id: int) -> bool:
        """Delete one message if the bot may; False when it does not exist."""
        chat = self.state.chats.get(chat_id)
        if chat is None:
            raise bad_request("chat not found")
        message = self.state.messages.get((chat_id, message_id))
        if message is None:
            return False
        own = message.get("from", {}).get("id") == self.state.bot.id
        rights = chat.members.get(self.state.bot.id) in ("administrator", "creator")
        if not own and chat.user is None and not rights:
            raise bad_request("message can't be deleted")
        del self.state.messages[(chat_id, message_id)]
        sent = self.state.sent.get(chat_id, {}).get(message_id)
        if sent is not None:
            sent.deleted = True
        sender = message.get("from", {}).get("first_name", "?")
        self.state.record(chat_id, message_id, sender, describe(message), "delete")
        return True

    def delete_message(self, p: Params) -> bool:
        """deleteMessage."""
        message_id = p.need_int("message_id", "message identifier is not specified")
        if not self._delete(p.chat_id(), message_id):
            raise bad_request("message to delete not found")
        return True

    def delete_messages(self, p: Params) -> bool:
        """deleteMessages (missing messages are skipped)."""
        chat_id = p.chat_id()
        for message_id in p.get_json("message_ids") or []:
            self._delete(chat_id, int(message_id))
        return True

    def get_file(self, p: Params) -> Json:
        """getFile: file_path for any file users uploaded or the bot sent."""
        file_id = p.get_str("file_id")
        if not file_id:
            raise bad_request("file_id is empty")
        stored: StoredFile | None = self.state.files.get(file_id)
        if stored is None:
            raise bad_request("invalid file_id")
        return stored.file_json()

    def _pin(self, p: Params) -> bool:
        """pinChatMessage / unpinChatMessage / unpinAllChatMessages (accepted, not modelled)."""
        sendable_chat(self.state, p.chat_id())
        return True
