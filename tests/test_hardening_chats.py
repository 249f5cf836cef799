"""Hardening (issue 13): a flood costs its own chat; chats never wait behind another chat's
queue; a file links nobody and keeps the unit cap; voters cannot move during an open poll;
a reminder given up is never silent."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import timedelta
from pathlib import Path

import pytest
from telegram import Chat, Message, Update, User

import bot.channels.telegram.request
from bot.channels.telegram.concurrency import PerChatUpdateProcessor
from handlers.conversation.flood import MAX_KEYS, FloodGate
from tests.conftest import CHAIR, GROUP, MEMBER, OUTSIDER
from tests.harness import START, BotHarness
from tests.schedule_helpers import MEETING, MEETING_AT, run_due

OTHER_GROUP = -1001000000099


# ---- 1. one chat's flood -----------------------------------------------------------------------


async def test_a_flood_is_told_once_then_dropped_and_other_chats_answer(tmp_path: Path) -> None:
    limits = {"per_person_per_minute": 30, "per_chat_per_minute": 120}  # the defaults of config
    async with BotHarness(tmp_path, limits=limits) as h:
        h.person(CHAIR, "Đỗ Quang Thấm")
        h.person(OUTSIDER, "Trần Văn Minh")
        h.group(GROUP, "Khối thi đua số 3", admins=[CHAIR])
        h.group(OTHER_GROUP, "Khối thi đua số 9", admins=[OUTSIDER])
        await h.send(CHAIR, GROUP, "/setup Khối thi đua số 3")
        await h.send(OUTSIDER, OTHER_GROUP, "/setup Khối thi đua số 9")
        before = len(h.texts(OTHER_GROUP))
        for _ in range(60):  # faster than a person types: the fake clock does not move
            await h.send(OUTSIDER, OTHER_GROUP, "/units")
        replies = h.texts(OTHER_GROUP)[before:]
        told = [t for t in replies if "nhanh quá" in t]
        assert len(told) == 1  # told once, then silence
        assert len(replies) == 30  # 29 answers within the limit (one was the setup) + the notice
        await h.send(CHAIR, GROUP, "/bloc")  # the other bloc is not touched
        assert "Khối thi đua số 3" in h.last_text(GROUP)
        h.clock.set(h.clock.now() + timedelta(minutes=2))  # slowed down: answered again
        await h.send(OUTSIDER, OTHER_GROUP, "/units")
        assert "nhanh quá" not in h.last_text(OTHER_GROUP)


def test_flood_memory_is_bounded() -> None:
    gate = FloodGate(per_person=30, per_chat=120)
    for chat in range(3 * MAX_KEYS):
        gate.admit(chat, chat, 0.0)
    assert len(gate) <= MAX_KEYS


def _update(chat_id: int, n: int) -> Update:
    chat = Chat(chat_id, "group")
    return Update(n, message=Message(n, None, chat, from_user=User(1, "x", False), text="/units"))  # type: ignore[arg-type]


async def test_a_chats_queue_holds_no_slot_another_chat_needs() -> None:
    """Before: PTB took a slot before the chat lock, so B's queued updates held every slot."""
    processor = PerChatUpdateProcessor(2)
    release_b = asyncio.Event()
    a_ran = asyncio.Event()

    async def slow_b() -> None:
        await release_b.wait()

    async def quick_a() -> None:
        a_ran.set()

    tasks = [asyncio.create_task(processor.process_update(_update(-1, n), slow_b())) for n in range(5)]
    await asyncio.sleep(0)
    tasks.append(asyncio.create_task(processor.process_update(_update(-2, 9), quick_a())))
    await asyncio.wait_for(a_ran.wait(), timeout=2)  # A runs while B's first update still blocks
    release_b.set()
    await asyncio.gather(*tasks)


# ---- 5. a file links nobody; the unit cap holds on every path ----------------------------------


def _csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode()


async def test_import_links_nobody_and_keeps_the_unit_cap(bloc: BotHarness) -> None:
    bloc.person(9999, "Người lạ")  # someone who once pressed /start, anywhere
    await bloc.send(9999, 9999, "/start")
    data = _csv([["Đơn vị", "Telegram ID"], ["Sở Nội vụ", str(MEMBER)], ["Sở Y tế", "9999"]])
    posted = await bloc.send(CHAIR, GROUP, "", document=(data, "ds.csv", "text/csv"))
    await bloc.send(CHAIR, GROUP, "/import", reply_to=posted.message["message_id"])
    assert bloc.db_rows("SELECT count(*) FROM representatives") == [(0,)]
    assert "/moi" in bloc.last_text(GROUP) or "/invite" in bloc.last_text(GROUP)
    many = _csv([["Đơn vị"]] + [[f"Đơn vị số {n}"] for n in range(200)])
    before = bloc.db_rows("SELECT count(*) FROM units")
    posted = await bloc.send(CHAIR, GROUP, "", document=(many, "nhieu.csv", "text/csv"))
    await bloc.send(CHAIR, GROUP, "/import", reply_to=posted.message["message_id"])
    assert bloc.db_rows("SELECT count(*) FROM units") == before
    assert "200" in bloc.last_text(GROUP)


# ---- 4. voters cannot move while a poll is open --------------------------------------------------


async def test_voter_cannot_move_while_a_poll_is_open(bloc: BotHarness) -> None:
    said = await bloc.send(MEMBER, GROUP, "Tôi là đại diện Công an tỉnh")
    await bloc.send(CHAIR, GROUP, "/voter #2", reply_to=said.message["message_id"])
    assert bloc.db_rows("SELECT user_id, is_voter FROM representatives") == [(MEMBER, 1)]
    bloc.db_rows(
        "INSERT INTO polls(bloc_id, kind, title, year, status, threshold, base, quorum, self_vote, "
        "exclusive, created_by, created_at) VALUES (1, 'award', 'Bình xét 2026', 2026, 'open', "
        "'majority', 'members', '2/3', 1, 1, ?, '2026-11-21T02:00:00+00:00')",
        (CHAIR,),
    )
    said = await bloc.send(CHAIR, GROUP, "Tôi bỏ phiếu thay")
    await bloc.send(CHAIR, GROUP, "/voter #2", reply_to=said.message["message_id"])
    assert "đang mở" in bloc.last_text(GROUP) or "is open" in bloc.last_text(GROUP)
    assert bloc.db_rows("SELECT user_id, is_voter FROM representatives") == [(MEMBER, 1)]


# ---- 7. a reminder given up is never silent ------------------------------------------------------


async def test_a_reminder_given_up_tells_the_chair(bloc: BotHarness, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bot.channels.telegram.request, "BASE_DELAY", 0.02)
    await bloc.send(CHAIR, CHAIR, "/start")  # the chair's private chat is open
    await bloc.send(CHAIR, GROUP, MEETING)
    at = MEETING_AT - timedelta(days=7)
    for attempt in range(2):
        bloc.emu.inject_fault("sendMessage", "drop")
        await run_due(bloc, at + timedelta(minutes=attempt))
    # Before: given up after two uncertain sends, and nobody was told. Now it is tried once more.
    assert bloc.db_rows("SELECT status, uncertain FROM reminders WHERE offset_s = 604800") == [("pending", 2)]
    bloc.emu.inject_fault("sendMessage", "drop")
    await run_due(bloc, at + timedelta(minutes=3))
    await run_due(bloc, at + timedelta(minutes=5))
    assert bloc.db_rows("SELECT status FROM reminders WHERE offset_s = 604800") == [("failed",)]
    assert "Hội nghị tổng kết" in bloc.last_text(CHAIR) and "ba lần" in bloc.last_text(CHAIR)


async def test_a_reminder_uncertain_twice_is_delivered_by_its_third_try(
    bloc: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bot.channels.telegram.request, "BASE_DELAY", 0.02)
    await bloc.send(CHAIR, CHAIR, "/start")
    await bloc.send(CHAIR, GROUP, MEETING)
    at = MEETING_AT - timedelta(days=7)
    for attempt in range(2):
        bloc.emu.inject_fault("sendMessage", "drop")
        await run_due(bloc, at + timedelta(minutes=attempt))
    await run_due(bloc, at + timedelta(minutes=3))
    assert bloc.db_rows("SELECT status, uncertain FROM reminders WHERE offset_s = 604800") == [("sent", 2)]
    assert any("Hội nghị tổng kết" in t for t in bloc.texts(GROUP))


# ---- 9. memory per chat is bounded ---------------------------------------------------------------


async def test_per_chat_state_is_not_kept(tmp_path: Path) -> None:
    async with BotHarness(tmp_path) as h:
        for n in range(40):
            person = 5000 + n
            h.person(person, f"Người {n}")
            await h.send(person, person, "/start")
            await h.send(person, person, "xin chào")  # plain text: the old guided-answer handler
        app = h.app
        assert app is not None
        # Before: looking for a pending question in PTB's chat_data made a dict per chat, forever.
        assert len(app.chat_data) == 0 and len(app.user_data) == 0
        router = app.bot_data.router
        assert router is not None and len(router.flood) <= 2 * 40


async def test_flood_limits_count_updates_as_they_arrive() -> None:
    """Before: the limits counted an update when its chat's turn came, so a chat whose queue
    drains slowly (Telegram's 20 a minute per group, with the rate limiter) never reached them
    and one person's 300 commands were all answered, one by one, for a quarter of an hour."""
    from bot.core.clock import FakeClock
    from handlers.conversation.flood import FloodGate

    clock = FakeClock(START)
    gate = FloodGate(30, 120)

    def admit(update: object) -> str | None:
        assert isinstance(update, Update) and update.effective_user and update.effective_chat
        return gate.admit(update.effective_user.id, update.effective_chat.id, clock.now().timestamp())

    processor = PerChatUpdateProcessor(4, admit)
    release = asyncio.Event()
    ran: list[int] = []

    async def handle(n: int) -> None:
        await release.wait()  # the chat's queue drains slowly
        ran.append(n)

    updates = [_update(-1, n) for n in range(60)]  # one person, one group, at once
    tasks = [asyncio.create_task(processor.process_update(u, handle(u.update_id))) for u in updates]
    await asyncio.sleep(0)
    clock.advance(timedelta(minutes=5))  # long before the last one's turn comes
    release.set()
    await asyncio.gather(*tasks)
    assert len(ran) == 31  # 30 a minute, then the one told "too fast"; the rest never run
    verdicts = [processor.verdict(u) for u in updates]
    assert verdicts.count("ok") == 30 and verdicts.count("warn") == 1 and verdicts.count(None) == 29
