"""What the Telegram channel sends and parses: keyboards go out as the Bot API's JSON, and the
keyboards in Telegram's answers (which nothing reads) are dropped before PTB parses them."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram import Bot

from bot.channels.telegram.channel import TelegramChannel
from bot.channels.telegram.request import RetryingRequest, without_keyboards
from bot.core.messages import Button, Choices, Reply
from bot.emulators.telegram import BotApiEmulator
from tests.harness import BOT_USERNAME, TOKEN

AN = 42
CHOICES = Choices(
    ((Button("Có", data="rv:1:y"), Button("Không", data="rv:1:n")), (Button("Mở", start="j1"),))
)
JSON = {
    "inline_keyboard": [
        [{"text": "Có", "callback_data": "rv:1:y"}, {"text": "Không", "callback_data": "rv:1:n"}],
        [{"text": "Mở", "url": f"https://t.me/{BOT_USERNAME}?start=j1"}],
    ]
}


@pytest.fixture
async def emu() -> AsyncIterator[BotApiEmulator]:
    async with BotApiEmulator(token=TOKEN, bot_username=BOT_USERNAME) as emulator:
        emulator.add_user(AN, "An", started=True)
        yield emulator


def test_answers_lose_their_keyboards_and_nothing_else() -> None:
    keys = {"inline_keyboard": [[{"text": "x", "callback_data": "d"}]]}
    sent = {"ok": True, "result": {"message_id": 5, "text": "hi", "reply_markup": keys}}
    assert without_keyboards(sent) == {"ok": True, "result": {"message_id": 5, "text": "hi"}}
    updates = {
        "ok": True,
        "result": [
            {
                "update_id": 1,
                "callback_query": {
                    "id": "q",
                    "data": "d",
                    "message": {"message_id": 5, "reply_markup": keys},
                },
            },
            {
                "update_id": 2,
                "message": {"text": "a", "reply_to_message": {"message_id": 5, "reply_markup": keys}},
            },
            {"update_id": 3, "edited_message": {"text": "b", "reply_markup": keys}},
        ],
    }
    assert without_keyboards(updates) == {
        "ok": True,
        "result": [
            {"update_id": 1, "callback_query": {"id": "q", "data": "d", "message": {"message_id": 5}}},
            {"update_id": 2, "message": {"text": "a", "reply_to_message": {"message_id": 5}}},
            {"update_id": 3, "edited_message": {"text": "b"}},
        ],
    }
    assert without_keyboards({"ok": True, "result": True}) == {"ok": True, "result": True}
    assert without_keyboards({"ok": False, "description": "Bad Request"})["description"] == "Bad Request"


async def test_keyboards_reach_telegram_as_its_json_and_presses_still_parse(emu: BotApiEmulator) -> None:
    # as bot/channels/telegram/app.py builds it: both requests are RetryingRequests
    bot = Bot(TOKEN, base_url=emu.base_url, request=RetryingRequest(), get_updates_request=RetryingRequest(1))
    async with bot:
        channel = TelegramChannel(bot, BOT_USERNAME)
        sent = await channel.send(AN, Reply("Tham dự?", choices=CHOICES))
        page = sent.message_id
        assert page is not None
        assert emu.calls_to("sendMessage")[-1]["reply_markup"] == JSON
        assert await channel.edit(AN, page, Reply("Tham dự? (đã sửa)", choices=CHOICES))
        assert emu.calls_to("editMessageText")[-1]["reply_markup"] == JSON
        assert await channel.edit(AN, page, Reply("Đã đóng"))
        assert "reply_markup" not in emu.calls_to("editMessageText")[-1]  # no choices: keyboard off
        last = emu.last(AN)
        assert last is not None and not last.reply_markup
        await channel.edit(AN, page, Reply("Tham dự?", choices=CHOICES))
        emu.post_callback(AN, AN, page, "rv:1:y")
        (update,) = await bot.get_updates(timeout=0)
        query = update.callback_query
        assert query is not None and query.data == "rv:1:y"
        assert query.message is not None and query.message.message_id == page
        assert getattr(query.message, "reply_markup", "?") is None  # dropped unparsed
