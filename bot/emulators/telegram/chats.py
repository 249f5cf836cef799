"""Bot API methods about the bot, chats, members, commands and callback answers."""

from __future__ import annotations

import functools
import re
from typing import Any

from .params import Handler, Params, bad_request
from .records import CallbackAnswer
from .rules import sendable_chat
from .state import BotApiState, Chat, Json, User, command_key

CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
_ADMIN_RIGHTS = (
    "can_manage_chat",
    "can_delete_messages",
    "can_manage_video_chats",
    "can_restrict_members",
    "can_promote_members",
    "can_change_info",
    "can_invite_users",
    "can_post_stories",
    "can_edit_stories",
    "can_delete_stories",
    "can_pin_messages",
    "can_manage_topics",
)
_RESTRICTED_RIGHTS = (
    "can_send_messages",
    "can_send_audios",
    "can_send_documents",
    "can_send_photos",
    "can_send_videos",
    "can_send_video_notes",
    "can_send_voice_notes",
    "can_send_polls",
    "can_send_other_messages",
    "can_add_web_page_previews",
    "can_change_info",
    "can_invite_users",
    "can_pin_messages",
    "can_manage_topics",
    "can_edit_tag",
    "can_react_to_messages",
)
_COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")
_QUERY_INVALID = "query is too old and response timeout expired or query ID is invalid"


def member_json(status: str, user: User) -> Json:
    """A ChatMember object with the fields PTB requires for that status."""
    data: Json = {"status": status, "user": user.to_json()}
    if status == "creator":
        data["is_anonymous"] = False
    elif status == "administrator":
        data.update(can_be_edited=False, is_anonymous=False)
        data.update(dict.fromkeys(_ADMIN_RIGHTS, True))
    elif status == "restricted":
        data.update(is_member=True, until_date=0)
        data.update(dict.fromkeys(_RESTRICTED_RIGHTS, False))
    elif status == "kicked":
        data["until_date"] = 0
    return data


class ChatMethods:
    """getMe, getChat*, sendChatAction, answerCallbackQuery, *MyCommands, misc settings."""

    def __init__(self, state: BotApiState) -> None:
        self.state = state
        self.settings: dict[str, Any] = {}

    def handlers(self) -> dict[str, Handler]:
        """Method name (lower case) -> implementation."""
        table: dict[str, Handler] = {
            "getme": lambda p: self.me_json(),
            "getchat": self.get_chat,
            "getchatmember": self.get_chat_member,
            "getchatadministrators": self.get_chat_administrators,
            "getchatmembercount": lambda p: len(self._chat(p).members),
            "sendchataction": self.send_chat_action,
            "answercallbackquery": self.answer_callback_query,
            "setmycommands": self.set_my_commands,
            "getmycommands": self.get_my_commands,
            "deletemycommands": self.delete_my_commands,
            "close": lambda p: True,
            "logout": lambda p: True,
        }
        for name in ("MyDescription", "MyShortDescription", "MyName", "ChatMenuButton"):
            table[f"set{name.lower()}"] = functools.partial(self._set_setting, name)
            table[f"get{name.lower()}"] = functools.partial(self._get_setting, name)
        return table

    def me_json(self) -> Json:
        """The User object getMe returns."""
        data = self.state.bot.to_json()
        data.update(
            can_join_groups=True,
            can_read_all_group_messages=False,
            supports_inline_queries=False,
            can_connect_to_business=False,
            has_main_web_app=False,
        )
        return data

    def _chat(self, p: Params) -> Chat:
        """The chat named by chat_id, or 400 "chat not found"."""
        chat_id = p.chat_id()
        chat = self.state.chats.get(chat_id)
        user = self.state.users.get(chat_id)
        if chat is None and user is not None and not user.is_bot:
            chat = self.state.private_chat(user)
        if chat is None:
            raise bad_request("chat not found")
        return chat

    def get_chat(self, p: Params) -> Json:
        """getChat: a ChatFullInfo."""
        data = self._chat(p).to_json()
        data.update(accent_color_id=0, max_reaction_count=11)
        data["accepted_gift_types"] = dict.fromkeys(
            (
                "unlimited_gifts",
                "limited_gifts",
                "unique_gifts",
                "premium_subscription",
                "gifts_from_channels",
            ),
            False,
        )
        return data

    def _user(self, user_id: int) -> User:
        """A known user, or a placeholder for an id nobody registered."""
        return self.state.users.get(user_id) or User(id=user_id, first_name=f"User {user_id}")

    def get_chat_member(self, p: Params) -> Json:
        """getChatMember: the status the test set; unknown users are "left"."""
        chat = self._chat(p)
        user_id = p.need_int("user_id")
        status = chat.members.get(user_id, "left")
        return member_json(status, self._user(user_id))

    def get_chat_administrators(self, p: Params) -> list[Json]:
        """getChatAdministrators."""
        chat = self._chat(p)
        return [
            member_json(status, self._user(user_id))
            for user_id, status in chat.members.items()
            if status in ("creator", "administrator")
        ]

    def send_chat_action(self, p: Params) -> bool:
        """sendChatAction (validated, otherwise only recorded in calls)."""
        sendable_chat(self.state, p.chat_id())
        if p.get_str("action") not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        return True

    def answer_callback_query(self, p: Params) -> bool:
        """answerCallbackQuery: each query can be answered once."""
        query_id = p.get_str("callback_query_id") or ""
        query = self.state.open_callbacks.pop(query_id, None)
        if query is None:
            raise bad_request(_QUERY_INVALID)
        text = p.get_str("text")
        if text is not None and len(text) > 200:
            raise bad_request("MESSAGE_TOO_LONG")
        answer = CallbackAnswer(
            callback_query_id=query_id,
            text=text,
            show_alert=p.get_bool("show_alert"),
            url=p.get_str("url"),
            cache_time=p.get_int("cache_time"),
            user_id=query["from"]["id"],
        )
        self.state.callback_answers.append(answer)
        message = query.get("message")
        if text and message:
            kind = "alert" if answer.show_alert else "toast"
            name = self.state.bot.first_name
            self.state.record(message["chat"]["id"], message["message_id"], name, text, kind)
        return True

    def set_my_commands(self, p: Params) -> bool:
        """setMyCommands, stored per (scope, language_code)."""
        commands = p.get_json("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise bad_request("commands must be a list of at most 100 BotCommand")
        for item in commands:
            if not isinstance(item, dict) or not _COMMAND_RE.match(str(item.get("command", ""))):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(str(item.get("description", "")).strip()) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        key = self._command_key(p)
        cleaned = [{"command": c["command"], "description": c["description"]} for c in commands]
        if cleaned:
            self.state.commands[key] = cleaned
        else:
            self.state.commands.pop(key, None)
        return True

    def _command_key(self, p: Params) -> tuple[str, str]:
        """Validated (scope, language) key."""
        language = p.get_str("language_code") or ""
        if language and not re.fullmatch(r"[a-z]{2}", language):
            raise bad_request("invalid language code specified")
        scope = p.get_json("scope")
        if scope is not None and not isinstance(scope, dict):
            raise bad_request("can't parse BotCommandScope JSON object")
        return command_key(scope, language)

    def get_my_commands(self, p: Params) -> list[Json]:
        """getMyCommands for exactly that scope and language (no fallback)."""
        return list(self.state.commands.get(self._command_key(p), []))

    def delete_my_commands(self, p: Params) -> bool:
        """deleteMyCommands."""
        self.state.commands.pop(self._command_key(p), None)
        return True

    def _set_setting(self, name: str, p: Params) -> bool:
        """setMyDescription and friends: remembered, not otherwise modelled."""
        self.settings[name] = dict(p.values)
        return True

    def _get_setting(self, name: str, p: Params) -> Json:
        """getMyDescription and friends."""
        stored = self.settings.get(name, {})
        if name == "ChatMenuButton":
            return stored.get("menu_button") or {"type": "commands"}
        field = {"MyDescription": "description", "MyShortDescription": "short_description"}
        key = field.get(name, "name")
        default = self.state.bot.first_name if key == "name" else ""
        return {key: stored.get(key, default)}
