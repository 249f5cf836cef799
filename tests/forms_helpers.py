"""Shared set-up for the forms tests: eight units, one representative each, linked by join links."""

from __future__ import annotations

import re

from tests.conftest import CHAIR, GROUP
from tests.harness import BOT_USERNAME, BotHarness

# One representative per seed unit (#1..#8); REPS[0] represents #1, and so on.
REPS = [201, 202, 203, 204, 205, 206, 207, 208]
REP_NAMES = [
    "Lê Văn An",
    "Phạm Thị Bình",
    "Hoàng Văn Cường",
    "Vũ Thị Dung",
    "Đặng Văn Em",
    "Bùi Thị Giang",
    "Ngô Văn Hải",
    "Trịnh Thị Hoa",
]


async def link_representatives(bot: BotHarness) -> None:
    """CHAIR sends the join links; each representative opens their unit's link privately."""
    for uid, name in zip(REPS, REP_NAMES, strict=True):
        bot.person(uid, name)
        bot.emu.set_member(GROUP, uid, "member")
    await bot.send(CHAIR, CHAIR, "/start")
    await bot.send(CHAIR, GROUP, "/invite")
    links = re.findall(rf"https://t\.me/{BOT_USERNAME}\?start=(join_[\w-]+)", bot.last_text(CHAIR))
    assert len(links) == 8
    for uid, link in zip(REPS, links, strict=True):
        await bot.send(uid, uid, f"/start {link}")
    assert len(bot.db_rows("SELECT * FROM representatives")) == 8


def card_text(bot: BotHarness, form_id: int) -> str:
    """The current text of a form's status card in the group."""
    [(chat_id, message_id)] = bot.db_rows(
        "SELECT card_chat_id, card_message_id FROM forms WHERE id = ?", (form_id,)
    )
    found = [m for m in bot.emu.messages(chat_id) if m.message_id == message_id]
    assert found and found[0].text is not None
    return found[0].text


def missing_in_card(text: str) -> list[str]:
    """Unit names listed under 'Chưa gửi:' on a card."""
    lines = text.split("\n")
    if "Chưa gửi:" not in lines:
        return []
    start = lines.index("Chưa gửi:") + 1
    return [line.split(" ", 1)[1] for line in lines[start:] if line.startswith("#")]


async def press_label(bot: BotHarness, user: int, label: str) -> None:
    """Press the button whose text contains label on the bot's last message to user."""
    message = bot.emu.last(user)
    assert message is not None
    for row in message.buttons:
        for button in row:
            if label in button.get("text", "") and "callback_data" in button:
                await bot.press(user, user, message.message_id, button["callback_data"])
                return
    raise AssertionError(f"no button {label!r} in {message.button_texts}")
