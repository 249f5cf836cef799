"""Loopback emulators of Zalo's official HTTP APIs, for tests, benchmarks and the offline demo.

Two emulators, each a tornado server on 127.0.0.1 with a random port, started and stopped with
``async with``; both record every call (`calls`), take injected faults (`inject_fault`: "500",
"502", "timeout", "drop") and a `latency` knob:

* `ZaloBotEmulator` — the Zalo Bot Platform (``POST {base_url}/bot<TOKEN>/<method>``: getMe,
  getUpdates, setWebhook, deleteWebhook, getWebhookInfo, sendMessage, sendPhoto, sendSticker,
  sendChatAction), with people posting updates and a webhook sender.
* `ZaloOAEmulator` — an Official Account: GMF group messages, CS messages with the 48-hour /
  monthly quota, OAuth v4 token rotation, and signed OA webhook events.

Where public material was found the wire shapes follow it; where it differs from this
package's original brief, or could not be found, the module docstrings say so:

* Bot Platform: getUpdates returns ONE update (``result`` is an object, no ``update_id``) and
  answers ``{"ok": false, "error_code": 408, "description": "Request timeout"}`` when nothing
  came (HTTP 408 here; clients found only read the body). Images carry ``photo_url`` (one SDK's
  docs say ``photo``). Webhook bodies are the bare update (one SDK's docs show them wrapped in
  ``{"ok": true, "result": ...}``: ``wrap_webhook_body=True``). getMe returns ``id``,
  ``account_name``, ``account_type``, ``can_join_groups``. Not found: sendMessage's exact result
  (``message_id`` + ``date`` here), error descriptions, the webhook retry policy.
* OA: the quota-exhausted error code was not found (``codes.QUOTA_EXCEEDED``); -32 is documented
  by clients as the call-rate limit. ``user_join_group``/``user_out_group`` bodies are guesses.

The package imports nothing from the rest of the project.
"""

from . import codes
from .bot_emulator import ZaloBotEmulator
from .bot_updates import SECRET_HEADER, Webhook
from .faults import Fault, FaultKind
from .oa_emulator import ZaloOAEmulator
from .oa_events import SIGNATURE_HEADER, sign, verify
from .oa_quota import QuotaDecision
from .records import (
    ApiCall,
    Json,
    OAMessage,
    PostedUpdate,
    SentMessage,
    TranscriptEntry,
    WebhookDelivery,
)

__all__ = [
    "SECRET_HEADER",
    "SIGNATURE_HEADER",
    "ApiCall",
    "Fault",
    "FaultKind",
    "Json",
    "OAMessage",
    "PostedUpdate",
    "QuotaDecision",
    "SentMessage",
    "TranscriptEntry",
    "Webhook",
    "WebhookDelivery",
    "ZaloBotEmulator",
    "ZaloOAEmulator",
    "codes",
    "sign",
    "verify",
]
