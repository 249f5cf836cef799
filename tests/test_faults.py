"""Telegram faults from the emulator: 429 with retry_after, 5xx, timeouts, dropped connections.

bot/channels/telegram/request.py retries (with backoff) what Telegram surely did not do — 5xx answers, requests
that never left — and, for repeatable calls only, requests that went out without an answer;
the send budget (bot/channels/telegram/budget.py) waits out 429s; PTB's updater keeps polling
through errors. Nothing a person sent is lost and no message is sent twice by a retry. Scenario tests shrink the backoff
(``BASE_DELAY``) to keep the suite fast; the first test checks the real one.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from telegram import Bot
from telegram.error import NetworkError, TimedOut

import bot.channels.telegram.request
from bot.channels.telegram.request import RETRIES, RetryingRequest
from bot.emulators.telegram import BotApiEmulator, FloodLimits
from bot.emulators.telegram.flood import FloodControl
from bot.schedule.events import NewEvent
from tests.conftest import CHAIR, GROUP
from tests.harness import BOT_USERNAME, TOKEN, BotHarness
from tests.schedule_helpers import run_due

AN = 42
SECRET = TOKEN.split(":", 1)[1]


@pytest.fixture
async def emu() -> AsyncIterator[BotApiEmulator]:
    async with BotApiEmulator(token=TOKEN, bot_username=BOT_USERNAME) as emulator:
        emulator.add_user(AN, "An", started=True)
        yield emulator


@pytest.fixture
def quick(monkeypatch: pytest.MonkeyPatch) -> None:
    """Retries after 10-20 ms instead of 0.25-0.5 s (then doubling), as in production."""
    monkeypatch.setattr(bot.channels.telegram.request, "BASE_DELAY", 0.02)


def api_bot(emu: BotApiEmulator, base_url: str | None = None) -> tuple[Bot, RetryingRequest]:
    request = RetryingRequest(read_timeout=0.3, connect_timeout=1.0)
    return Bot(TOKEN, base_url=base_url or emu.base_url, request=request), request


def count(emu: BotApiEmulator, method: str) -> int:
    return len(emu.calls_to(method))


async def test_5xx_is_retried_with_backoff_and_sent_once(
    emu: BotApiEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    bot_, request = api_bot(emu)
    async with bot_:
        emu.inject_fault("sendMessage", "500")
        emu.inject_fault("sendMessage", "502")
        loop = asyncio.get_running_loop()
        started = loop.time()
        with caplog.at_level(logging.WARNING, logger="bot.channels.telegram.request"):
            await bot_.send_message(AN, "Nhắc lịch họp")
        waited = loop.time() - started
    assert count(emu, "sendMessage") == 3 and emu.bot_texts(AN) == ["Nhắc lịch họp"]
    assert request.retried == 2
    assert 0.25 + 0.5 <= waited < 0.5 + 1.0 + 2.5  # two backoffs: 0.25-0.5 s, then 0.5-1 s
    assert [r.getMessage().split(";")[0] for r in caplog.records] == [
        "Bot API sendMessage failed: HTTP 500",
        "Bot API sendMessage failed: HTTP 502",
    ]
    assert SECRET not in caplog.text


async def test_retries_are_bounded(emu: BotApiEmulator, quick: None) -> None:
    bot_, request = api_bot(emu)
    async with bot_:
        emu.inject_fault("sendMessage", "502", times=RETRIES + 1)
        with pytest.raises(NetworkError, match="Bad Gateway"):
            await bot_.send_message(AN, "không tới")
        assert count(emu, "sendMessage") == RETRIES + 1 and request.retried == RETRIES
        await bot_.send_message(AN, "tới")
    assert emu.bot_texts(AN) == ["tới"]


@pytest.mark.parametrize(("kind", "error"), [("timeout", TimedOut), ("drop", NetworkError)])
async def test_a_send_that_may_have_arrived_is_not_repeated(
    emu: BotApiEmulator, quick: None, kind: str, error: type[Exception]
) -> None:
    # The request went out and no answer came: Telegram may have posted it; once is enough.
    bot_, request = api_bot(emu)
    async with bot_:
        emu.inject_fault("sendMessage", kind)
        with pytest.raises(error):
            await bot_.send_message(AN, "có thể đã tới")
    assert count(emu, "sendMessage") == 1 and request.retried == 0


@pytest.mark.parametrize("kind", ["timeout", "drop", "500"])
async def test_repeatable_calls_are_retried_after_any_fault(
    emu: BotApiEmulator, quick: None, kind: str
) -> None:
    bot_, request = api_bot(emu)
    async with bot_:
        emu.inject_fault("getChat", kind)
        chat = await bot_.get_chat(AN)
    assert chat.id == AN and count(emu, "getChat") == 2 and request.retried == 1


async def test_no_connection_is_retried_then_reported(emu: BotApiEmulator, quick: None) -> None:
    with socket.socket() as sock:  # a port nobody listens on: connection refused
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    bot_, request = api_bot(emu, base_url=f"http://127.0.0.1:{port}/bot")
    with pytest.raises(NetworkError, match="ConnectError"):
        await bot_.initialize()
    assert request.retried == RETRIES


async def test_a_reply_survives_5xx(bloc: BotHarness, quick: None) -> None:
    bloc.emu.inject_fault("sendMessage", "500")
    bloc.emu.inject_fault("sendMessage", "502")
    await bloc.send(CHAIR, GROUP, "/bloc")
    assert bloc.last_text(GROUP).startswith("🏳 Khối thi đua số 3")
    assert not any("Xin lỗi" in t for t in bloc.texts(GROUP))


async def test_a_lost_reply_keeps_the_change_and_says_it_may_be_done(bloc: BotHarness) -> None:
    # The unit is stored, then the confirmation's connection drops: it may have arrived, so it
    # is not sent again; the apology does not claim that nothing was changed.
    bloc.emu.inject_fault("sendMessage", "drop")
    await bloc.send(CHAIR, GROUP, "/units add Sở Y tế tỉnh")
    assert bloc.db_rows("SELECT count(*) FROM units WHERE name = 'Sở Y tế tỉnh'") == [(1,)]
    assert "có thể vẫn đã được thực hiện" in bloc.last_text(GROUP)
    await bloc.send(CHAIR, GROUP, "/units add Sở Y tế tỉnh")  # the person tries again: no copy
    assert bloc.db_rows("SELECT count(*) FROM units WHERE name = 'Sở Y tế tỉnh'") == [(1,)]


async def test_polling_survives_faults_and_loses_no_update(
    bloc: BotHarness, quick: None, caplog: pytest.LogCaptureFixture
) -> None:
    # Six failed getUpdates in a row: bot/channels/telegram/request.py retries the first four, then PTB's
    # updater logs, waits a second and polls again; its next request retries the last two.
    for kind in ("500", "502", "drop", "timeout", "drop", "500"):
        bloc.emu.inject_fault("getUpdates", kind, delay=0.1 if kind == "timeout" else None)
    before = count(bloc.emu, "getUpdates")
    posted = [bloc.emu.post_message(CHAIR, GROUP, "/bloc"), bloc.emu.post_message(CHAIR, GROUP, "/units")]
    with caplog.at_level(logging.WARNING):
        await bloc.emu.wait_consumed(posted[-1].update_id, timeout=15)
        await bloc.settle(posted[-1].update_id)
    assert bloc.emu.faults.pending == []
    assert (
        sum("retry" in r.getMessage() for r in caplog.records if r.name == "bot.channels.telegram.request")
        == 5
    )
    assert any("polling for updates" in r.getMessage() for r in caplog.records)  # PTB's own retry
    assert count(bloc.emu, "getUpdates") - before >= 7
    assert bloc.texts(GROUP)[-2].startswith("🏳") and "Công an tỉnh" in bloc.texts(GROUP)[-1]


async def test_429_retry_after_is_waited_out(tmp_path: Path) -> None:
    async with BotHarness(tmp_path, rate_limit=True) as harness:
        harness.person(CHAIR, "Đỗ Quang Thấm")
        await harness.send(CHAIR, CHAIR, "/start")
        # stricter than Telegram (and the bot's send budget): 1 a second per chat, no burst
        harness.emu.flood = FloodControl(FloodLimits(per_chat_burst=1))
        harness.emu.reset_counters()
        for _ in range(5):
            posted = harness.emu.post_message(CHAIR, CHAIR, "/help")
        await harness.emu.wait_consumed(posted.update_id)
        await harness.emu.wait_until(lambda: len(harness.texts(CHAIR)) == 6, timeout=15, what="five answers")
        assert harness.emu.count_429 >= 1  # Telegram said "retry after"; the bot waited
        assert count(harness.emu, "sendMessage") == 5 + harness.emu.count_429


async def test_reminder_fan_out_under_faults_loses_and_repeats_nothing(bloc: BotHarness, quick: None) -> None:
    """Six blocs' reminders due at once; the Bot API fails in every way along the fan-out."""
    due = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)
    sched = bloc.services.scheduler
    assert sched is not None
    chats = [GROUP] + [-1006000000000 - n for n in range(5)]
    async with bloc.services.db.transaction() as uow:
        for n, chat in enumerate(chats):
            if chat != GROUP:
                bloc.emu.add_group(chat, f"Khối {n}")
                await uow.blocs.create(chat, f"Khối {n}", "vi", "Asia/Ho_Chi_Minh", CHAIR)
            bloc_row = await uow.blocs.by_chat(chat)
            assert bloc_row is not None
            await sched.create_in(
                uow,
                NewEvent(
                    bloc_id=bloc_row.id,
                    kind="meeting",
                    title="Họp khối",
                    starts_at=due + timedelta(hours=2),
                    created_by=CHAIR,
                    offsets=(timedelta(hours=2),),
                ),
            )
    sched.workers = 1  # one send at a time, so the faults below meet the reminders in order
    for kind in ("500", "502", "drop", "timeout", "500", "500", "500", "500"):
        bloc.emu.inject_fault("sendMessage", kind, delay=0.1 if kind == "timeout" else None)
    first = await run_due(bloc, due)
    # 500, 502: retried at once and sent; drop, timeout: maybe delivered, not repeated now;
    # four 500s in a row: retries exhausted, surely not delivered, back to pending
    assert (first.sent, first.retry) == (3, 3)
    assert bloc.emu.faults.pending == []
    second = await run_due(bloc, due + timedelta(seconds=30))
    assert (second.sent, second.retry) == (3, 0)
    for chat in chats:  # the emulator carries out no faulted call: exactly one each
        assert sum(t.startswith("🔔") for t in bloc.texts(chat)) == 1
    assert sorted(r[0] for r in bloc.db_rows("SELECT uncertain FROM reminders WHERE status = 'sent'")) == [
        0,
        0,
        0,
        0,
        1,
        1,
    ]
