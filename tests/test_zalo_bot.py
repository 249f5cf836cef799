"""The Zalo Bot Platform channel through its emulator: the real application over loopback HTTP,
a real SQLite file, an injected clock. Private chats, the first-contact notice, what the bot
cannot read, numbered choices, 2,000-character messages, webhooks, faults."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

import bot.channels.zalo.transport
from bot.channels.zalo.bot_feed import BOT_WEBHOOK_PATH
from bot.emulators.zalo.bot_updates import message_update
from tests.conftest import SEED_UNITS
from tests.zalo_harness import WEBHOOK_SECRET, ZALO_TOKEN, ZaloHarness

AN, BINH = "5001", "5002"
GROUP = "g-8801"
NOTICE = "trợ lý tự động"  # the first-contact notice says so, in Vietnamese


@pytest.fixture(autouse=True)
def quick(monkeypatch: pytest.MonkeyPatch) -> None:
    """Retries after 10-20 ms instead of 0.25-0.5 s."""
    monkeypatch.setattr(bot.channels.zalo.transport, "BASE_DELAY", 0.02)


@pytest.fixture
async def z(tmp_path: Path) -> AsyncIterator[ZaloHarness]:
    async with ZaloHarness(tmp_path) as harness:
        yield harness


@pytest.fixture
async def zg(tmp_path: Path) -> AsyncIterator[ZaloHarness]:
    """Group chats switched on (Zalo has not opened them yet: off by default)."""
    async with ZaloHarness(tmp_path, groups=True) as harness:
        yield harness


async def test_first_message_says_it_is_automated_and_what_it_keeps(z: ZaloHarness) -> None:
    await z.say(AN, "/start", name="Nguyễn Văn An")
    notice, greeting = z.bot_texts(AN)
    assert NOTICE in notice and "tên hiển thị" in notice and "niêm phong" in notice
    assert "blocbot" in greeting
    await z.say(AN, "/help")
    # The first-contact notice is sent once; /start and /help say it again (PRODUCT.md).
    assert len(z.bot_texts(AN)) == 3 and NOTICE in z.bot_texts(AN)[2] and NOTICE in greeting
    people = z.rows("SELECT full_name, started FROM people")
    assert people == [("Nguyễn Văn An", 1)]
    assert z.rows("SELECT channel, kind, external FROM identities") == [("zalo", "person", AN)]
    await z.restart()
    await z.say(AN, "/help")
    assert NOTICE in z.bot_texts(AN)[-1] and len(z.bot_texts(AN)) == 4  # no second notice after a restart


async def test_pictures_stickers_and_withheld_messages_are_answered_kindly(z: ZaloHarness) -> None:
    assert z.bot_emu is not None
    z.bot_emu.post_image(AN, "https://example.vn/anh.jpg", caption="/help")
    z.bot_emu.post_sticker(AN)
    z.bot_emu.post_unsupported(BINH)
    await z.settle()
    an = z.bot_texts(AN)
    assert NOTICE in an[0] and an.count(an[1]) == 2 and "chỉ đọc được tin nhắn chữ" in an[1]
    binh = z.bot_texts(BINH)
    assert NOTICE in binh[0] and "quyền riêng tư" in binh[1]
    assert all("bạn" not in text.split() for text in an + binh)


async def test_group_messages_are_ignored_while_groups_are_off(z: ZaloHarness) -> None:
    await z.say(AN, "/setup Khối thi đua số 3", chat_id=GROUP, chat_type="GROUP")
    assert z.bot_texts(GROUP) == [] and z.rows("SELECT COUNT(*) FROM blocs") == [(0,)]
    assert z.rows("SELECT COUNT(*) FROM identities") == [(0,)]


async def test_a_bloc_in_a_zalo_group_rsvp_by_number_and_a_stale_number(zg: ZaloHarness) -> None:
    z = zg
    group = {"chat_id": GROUP, "chat_type": "GROUP"}
    await z.say(AN, "/taokhoi Khối thi đua số 3", name="An", **group)
    assert "Khối thi đua số 3" in z.bot_texts(GROUP)[-1]
    await z.say(AN, "/donvi them\n" + "\n".join(SEED_UNITS), **group)
    await z.say(AN, "/start")  # An opens the private chat, then asks for the join links
    await z.say(AN, "/moi #1", **group)
    (codes,) = [t for t in z.bot_texts(AN) if "/thamgia " in t and "Mã tham gia" in t]
    code = codes.split("/thamgia ", 1)[1].split()[0]
    await z.say(AN, f"/thamgia {code}")
    assert "Bộ Chỉ huy Quân sự tỉnh" in z.bot_texts(AN)[-1]
    await z.say(AN, "/hop 08:00 20/12/2026 | Hội nghị sơ kết | Hội trường A", **group)
    card = z.bot_texts(GROUP)[-1]
    assert "1. ✅ Tham dự" in card and "2. ❌ Vắng mặt" in card and "Trả lời 1 hoặc 2." in card
    await z.say(AN, "1", **group)
    assert "Đã ghi nhận: Bộ Chỉ huy Quân sự tỉnh tham dự." in "\n".join(z.bot_texts(GROUP)[-2:])
    await z.say(AN, "7", **group)
    assert "không có lựa chọn số 7" in z.bot_texts(GROUP)[-1]


async def test_a_reply_over_2000_characters_is_split(zg: ZaloHarness) -> None:
    z = zg
    group = {"chat_id": GROUP, "chat_type": "GROUP"}
    names = [f"Phòng nghiệp vụ số {i} thuộc Sở Kế hoạch và Đầu tư tỉnh" for i in range(1, 91)]
    await z.say(AN, "/taokhoi Khối thi đua số 9", **group)
    await z.say(AN, "/donvi them\n" + "\n".join(names), **group)
    before = len(z.bot_texts(GROUP))
    await z.say(AN, "/donvi", **group)
    pieces = z.bot_texts(GROUP)[before:]
    assert len(pieces) >= 3 and all(len(p) <= 2000 for p in pieces)
    joined = "\n".join(pieces)
    assert all(f"#{i} {name}" in joined for i, name in enumerate(names, start=1))


async def test_a_file_is_named_and_said_to_come_by_link(zg: ZaloHarness) -> None:
    z = zg
    group = {"chat_id": GROUP, "chat_type": "GROUP"}
    await z.say(AN, "/taokhoi Khối thi đua số 3", **group)
    await z.say(AN, "/hop 08:00 20/12/2026 | Hội nghị sơ kết", **group)
    await z.say(AN, "/ics", **group)
    assert z.bot_emu is not None
    assert z.bot_emu.calls_to("sendPhoto") == []
    assert any("📎" in t and ".ics" in t and "đường dẫn" in t for t in z.bot_texts(GROUP))


async def test_faults_are_retried_and_never_stop_the_bot(z: ZaloHarness) -> None:
    emu = z.bot_emu
    assert emu is not None
    emu.inject_fault("sendMessage", "500")  # surely not done: retried, delivered once
    await z.say(AN, "/start")
    assert len(z.bot_texts(AN)) == 2
    emu.inject_fault("getUpdates", "500", times=2)
    emu.inject_fault("getUpdates", "drop")
    await z.say(AN, "/help")  # polling went on through the failures
    assert "/trogiup" in z.bot_texts(AN)[-1]
    emu.inject_fault("sendMessage", "drop", times=2)  # maybe delivered: not sent twice (nor the apology)
    await z.say(AN, "/help")
    sent = len(z.bot_texts(AN))
    await z.say(AN, "/huy")
    assert len(z.bot_texts(AN)) == sent + 1  # the bot still answers


async def test_webhook_mode_checks_the_secret_before_the_body(tmp_path: Path) -> None:
    async with ZaloHarness(tmp_path, mode="webhook") as z:
        emu = z.bot_emu
        assert emu is not None and emu.webhook is not None
        url = f"http://127.0.0.1:{z.port}{BOT_WEBHOOK_PATH}"
        assert emu.webhook.url == url and emu.webhook.secret_token == WEBHOOK_SECRET
        await z.say(AN, "/start")
        assert len(z.bot_texts(AN)) == 2 and emu.deliveries[-1].status == 200
        update = message_update(
            "message.text.received",
            user_id=BINH,
            display_name="Kẻ giả mạo",
            chat_id=BINH,
            chat_type="PRIVATE",
            message_id="forged-1",
            date=0,
            content={"text": "/start"},
        )
        unsigned = await emu.send_forged(url, update)
        wrong = await emu.send_forged(url, update, secret_token=WEBHOOK_SECRET + "x")
        assert (unsigned.status_code, wrong.status_code) == (401, 401)
        huge = await emu.send_forged(url, b"{" + b" " * 300_000 + b"}", secret_token=WEBHOOK_SECRET)
        assert huge.status_code == 413
        async with httpx.AsyncClient() as client:
            health = await client.get(f"http://127.0.0.1:{z.port}/health")
            assert health.json() == {"ok": True}
            nowhere = await client.post(f"http://127.0.0.1:{z.port}/zalo/other", content=b"{}")
            assert nowhere.status_code == 404
        assert z.bot_texts(BINH) == [] and z.rows("SELECT COUNT(*) FROM people") == [(1,)]
        # Delivered twice (a retry): handled once.
        again = emu.feed.posted[-1].update
        for _ in range(2):
            response = await emu.send_forged(url, again, secret_token=WEBHOOK_SECRET)
            assert response.status_code == 200 and json.loads(response.text) == {"ok": True}
        assert len(z.bot_texts(AN)) == 2


async def test_the_bot_token_never_reaches_the_log(z: ZaloHarness, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="httpx")  # another test's `blocbot` run may have quieted it
    assert z.bot_emu is not None
    z.bot_emu.inject_fault("sendMessage", "500")  # a retry is logged
    await z.say(AN, "/start")
    secret = ZALO_TOKEN.split(":", 1)[1]
    assert "sendMessage" in caplog.text and "HTTP Request" in caplog.text
    assert secret not in caplog.text
