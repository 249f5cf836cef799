"""Request parameters as PTB sends them (form, multipart or JSON), decoded and typed."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

Json = dict[str, Any]

# Fields whose form value is a JSON document (PTB json.dumps every non-str value).
JSON_FIELDS = frozenset(
    {
        "reply_markup",
        "entities",
        "caption_entities",
        "commands",
        "scope",
        "allowed_updates",
        "reply_parameters",
        "link_preview_options",
        "message_ids",
        "media",
        "menu_button",
        "rights",
    }
)
INT_FIELDS = frozenset(
    {
        "chat_id",
        "from_chat_id",
        "message_id",
        "user_id",
        "offset",
        "limit",
        "reply_to_message_id",
        "cache_time",
        "max_connections",
        "message_thread_id",
        "until_date",
    }
)
FLOAT_FIELDS = frozenset({"timeout"})
BOOL_FIELDS = frozenset(
    {
        "show_alert",
        "disable_notification",
        "protect_content",
        "drop_pending_updates",
        "disable_web_page_preview",
        "allow_sending_without_reply",
        "disable_content_type_detection",
        "has_spoiler",
        "show_caption_above_media",
        "for_channels",
        "only_if_banned",
        "revoke_messages",
        "allow_paid_broadcast",
    }
)


class ApiError(Exception):
    """A Bot API error answer: HTTP status, description, optional retry_after."""

    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after

    def payload(self) -> Json:
        """The JSON body Telegram would answer."""
        body: Json = {"ok": False, "error_code": self.code, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad_request(text: str) -> ApiError:
    """A 400 error with Telegram's "Bad Request: " prefix."""
    return ApiError(400, f"Bad Request: {text}")


@dataclass(frozen=True)
class Upload:
    """One multipart file part as received."""

    data: bytes
    filename: str | None
    mime_type: str | None


def parse_bool(value: Any) -> bool | None:
    """Telegram-style boolean: true/false/1/0 (any case); None if not a boolean."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value != 0
    text = str(value).strip().lower()
    if text in ("true", "1", "yes", "on"):
        return True
    if text in ("false", "0", "no", "off", ""):
        return False
    return None


def parse_int(value: Any) -> int | None:
    """An integer from an int or a decimal string; None if it is not one."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    text = str(value).strip()
    if text.lstrip("+-").isdigit():
        return int(text)
    return None


def normalize(raw: Mapping[str, Any]) -> Json:
    """Decode JSON-encoded, integer, float and boolean fields; leave other values as sent."""
    out: Json = {}
    for name, value in raw.items():
        if isinstance(value, str):
            if name in JSON_FIELDS:
                try:
                    value = json.loads(value)
                except ValueError as exc:
                    raise bad_request(f"can't parse {name} JSON object") from exc
            elif name in INT_FIELDS:
                number = parse_int(value)
                value = number if number is not None else value
            elif name in FLOAT_FIELDS:
                try:
                    value = float(value)
                except ValueError:
                    pass
            elif name in BOOL_FIELDS:
                flag = parse_bool(value)
                value = flag if flag is not None else value
        out[name] = value
    return out


class Params:
    """Typed access to one call's parameters and uploaded parts."""

    def __init__(
        self,
        values: Json,
        uploads: Mapping[str, Upload] | None = None,
        disconnected: asyncio.Event | None = None,
    ) -> None:
        self.values = values
        self.uploads = dict(uploads or {})
        self.disconnected = disconnected or asyncio.Event()

    def has(self, name: str) -> bool:
        """Whether the parameter was sent."""
        return self.values.get(name) is not None

    def get_str(self, name: str, default: str | None = None) -> str | None:
        """A text parameter (numbers are converted back to text)."""
        value = self.values.get(name)
        if value is None:
            return default
        return value if isinstance(value, str) else json.dumps(value)

    def get_int(self, name: str, default: int | None = None) -> int | None:
        """An integer parameter; 400 if present but not an integer."""
        value = self.values.get(name)
        if value is None or value == "":
            return default
        number = parse_int(value)
        if number is None:
            raise bad_request(f"invalid {name} specified")
        return number

    def need_int(self, name: str, missing: str | None = None) -> int:
        """A required integer parameter; 400 "<name> is empty" when absent."""
        number = self.get_int(name)
        if number is None:
            raise bad_request(missing or f"{name} is empty")
        return number

    def get_float(self, name: str, default: float = 0.0) -> float:
        """A numeric parameter (seconds)."""
        value = self.values.get(name)
        if value is None or value == "":
            return default
        try:
            return float(value)
        except (TypeError, ValueError) as exc:
            raise bad_request(f"invalid {name} specified") from exc

    def get_bool(self, name: str, default: bool = False) -> bool:
        """A boolean parameter."""
        value = self.values.get(name)
        if value is None:
            return default
        flag = parse_bool(value)
        return default if flag is None else flag

    def get_json(self, name: str) -> Any:
        """A structured parameter (already decoded), or None."""
        value = self.values.get(name)
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError as exc:
                raise bad_request(f"can't parse {name} JSON object") from exc
        return value

    def chat_id(self, name: str = "chat_id") -> int:
        """The target chat id; 400 when empty or not numeric (usernames are not supported)."""
        value = self.values.get(name)
        if value is None or value == "":
            raise bad_request(f"{name} is empty")
        number = parse_int(value)
        if number is None:
            raise bad_request("chat not found")
        return number

    def upload(self, name: str) -> Upload | None:
        """The uploaded part for a field, either sent as that field or via attach://<part>."""
        value = self.values.get(name)
        if isinstance(value, str) and value.startswith("attach://"):
            return self.uploads.get(value[len("attach://") :])
        if value is None or value == "":
            return self.uploads.get(name)
        return None


Handler = Callable[[Params], Any]
