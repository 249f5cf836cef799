"""Loopback Telegram Bot API emulator for tests, the offline demo and benchmarks.

Start it, point a real PTB Bot/Application at it, post updates as people, read back
what the bot did::

    async with BotApiEmulator(token="123456:TEST") as emu:
        emu.add_user(42, "An")
        app = (ApplicationBuilder().token(emu.token).base_url(emu.base_url)
               .base_file_url(emu.base_file_url).build())
        posted = emu.post_message(42, 42, "/start")
        await emu.wait_consumed(posted.update_id)
        await emu.wait_for_messages(42)
        print(emu.format_transcript(42))
"""

from .emulator import BotApiEmulator
from .faults import Fault, FaultKind
from .flood import COUNTED_METHODS, FloodControl, FloodLimits
from .params import ApiError
from .records import (
    ApiCall,
    CallbackAnswer,
    PostedUpdate,
    SentMessage,
    StoredFile,
    TranscriptEntry,
)
from .state import User

__all__ = [
    "COUNTED_METHODS",
    "ApiCall",
    "ApiError",
    "BotApiEmulator",
    "CallbackAnswer",
    "Fault",
    "FaultKind",
    "FloodControl",
    "FloodLimits",
    "PostedUpdate",
    "SentMessage",
    "StoredFile",
    "TranscriptEntry",
    "User",
]
