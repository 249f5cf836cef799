"""OA webhook events the emulator posts to the bot, and Zalo's signature over them.

Every event carries ``app_id``, ``event_name`` and ``timestamp`` (epoch ms, a string) and is
signed with ``X-ZEvent-Signature: mac=<hex>`` where hex = sha256(app_id + raw body + timestamp +
OA secret key) — the OA secret key, not the app secret. Shapes::

    user_send_text        {"app_id", "user_id_by_app", "event_name", "timestamp",
                           "sender": {"id": <user>}, "recipient": {"id": <oa>},
                           "message": {"text", "msg_id"}}
    user_send_group_text  same, with "recipient": {"id": <group>} and "oa_id": <oa>
    user_join_group /     {"app_id", "oa_id", "event_name", "timestamp",
    user_out_group         "sender": {"id": <user>}, "recipient": {"id": <group>}}

The message events follow an integration reference and a forum sample; the member events'
body is NOT documented anywhere we could read — the sender/recipient shape is a guess that
matches how client code reads them.
"""

from __future__ import annotations

import hashlib
import hmac
import json

from .records import Json

__all__ = [
    "SIGNATURE_HEADER",
    "encode",
    "group_text_event",
    "member_event",
    "sign",
    "user_text_event",
    "verify",
]

SIGNATURE_HEADER = "X-ZEvent-Signature"


def sign(app_id: str, body: bytes, timestamp: str, oa_secret_key: str) -> str:
    """The hex sha256 of app_id + body + timestamp + OA secret key."""
    return hashlib.sha256(app_id.encode() + body + timestamp.encode() + oa_secret_key.encode()).hexdigest()


def verify(app_id: str, body: bytes, oa_secret_key: str, header: str | None) -> bool:
    """Check a header value (with or without "mac=") against the body's own timestamp."""
    if not header:
        return False
    supplied = header[4:] if header.lower().startswith("mac=") else header
    try:
        timestamp = str(json.loads(body).get("timestamp", ""))
    except (ValueError, AttributeError):
        return False
    expected = sign(app_id, body, timestamp, oa_secret_key)
    return hmac.compare_digest(supplied.strip().lower(), expected)


def encode(event: Json) -> bytes:
    """The raw body as posted (compact JSON, UTF-8)."""
    return json.dumps(event, ensure_ascii=False, separators=(",", ":")).encode()


def user_text_event(
    app_id: str,
    oa_id: str,
    user_id: str,
    text: str,
    msg_id: str,
    timestamp: int,
    user_id_by_app: str | None = None,
) -> Json:
    """A 1:1 text to the OA."""
    return {
        "app_id": app_id,
        "user_id_by_app": user_id_by_app or f"9{user_id}",
        "event_name": "user_send_text",
        "timestamp": str(timestamp),
        "sender": {"id": user_id},
        "recipient": {"id": oa_id},
        "message": {"text": text, "msg_id": msg_id},
    }


def group_text_event(
    app_id: str, oa_id: str, group_id: str, user_id: str, text: str, msg_id: str, timestamp: int
) -> Json:
    """A text in a group the OA is in (GMF)."""
    return {
        "app_id": app_id,
        "oa_id": oa_id,
        "user_id_by_app": f"9{user_id}",
        "event_name": "user_send_group_text",
        "timestamp": str(timestamp),
        "sender": {"id": user_id},
        "recipient": {"id": group_id},
        "message": {"text": text, "msg_id": msg_id},
    }


def member_event(
    event_name: str, app_id: str, oa_id: str, group_id: str, user_id: str, timestamp: int
) -> Json:
    """``user_join_group`` or ``user_out_group``."""
    return {
        "app_id": app_id,
        "oa_id": oa_id,
        "event_name": event_name,
        "timestamp": str(timestamp),
        "sender": {"id": user_id},
        "recipient": {"id": group_id},
    }
