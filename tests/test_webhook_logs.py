"""The bot token never appears in logs, error messages or chat messages (bot/core/token_redaction.py).

Every Bot API URL holds the token; httpx logs URLs at INFO, httpcore and PTB log at DEBUG, and
PTB's InvalidToken quotes the token. With every logger at DEBUG and the Bot API failing in
every way, the captured log (messages, arguments, tracebacks) and every chat stay clean.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

import bot.channels.telegram.request
from bot.emulators.telegram import BotApiEmulator
from tests.conftest import CHAIR, GROUP, SEED_UNITS
from tests.harness import START, TOKEN, BotHarness
from tests.procbot import ProcBot, until

SECRET = TOKEN.split(":", 1)[1]


def everything_at_debug(caplog: pytest.LogCaptureFixture) -> None:
    """Root and every logger known so far at DEBUG (restored after the test by caplog)."""
    caplog.set_level(logging.DEBUG)
    for name in list(logging.root.manager.loggerDict):
        caplog.set_level(logging.DEBUG, logger=name)


async def test_token_absent_from_debug_logs_and_chats_under_faults(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bot.channels.telegram.request, "BASE_DELAY", 0.02)
    everything_at_debug(caplog)
    async with BotHarness(tmp_path) as harness:
        emu = harness.emu
        harness.person(CHAIR, "Đỗ Quang Thấm")
        harness.group(GROUP, "Khối thi đua số 3", admins=[CHAIR])
        await harness.send(CHAIR, CHAIR, "/start")
        await harness.send(CHAIR, GROUP, "/setup Khối thi đua số 3")
        emu.inject_fault("getUpdates", "drop")
        emu.inject_fault("getUpdates", "500")
        emu.inject_fault("getChatMember", "timeout", delay=0.1)
        emu.inject_fault("sendMessage", "502")
        await harness.send(CHAIR, GROUP, "/units add\n" + "\n".join(SEED_UNITS))
        emu.inject_fault("sendMessage", "drop")  # the reply is lost: the error handler logs
        await harness.send(CHAIR, GROUP, "/bloc")
        emu.inject_fault(None, "500", times=4)  # retries exhausted: logged with a traceback
        await harness.send(CHAIR, GROUP, "/units")
        await harness.send(CHAIR, GROUP, "/units")
    records = caplog.records
    assert any(r.levelno >= logging.ERROR and r.exc_info for r in records)  # tracebacks logged
    assert "[token]" in caplog.text  # request URLs were logged, with the token masked
    formatter = logging.Formatter("%(name)s %(message)s")
    for record in records:
        assert SECRET not in formatter.format(record), record.name
        assert SECRET not in str(record.args) and SECRET not in (record.exc_text or "")
    assert SECRET not in caplog.text
    for chat_id in list(emu.state.sent):
        assert not any(SECRET in t for t in emu.bot_texts(chat_id))


async def test_a_rejected_token_is_not_printed(tmp_path: Path) -> None:
    wrong = "123456:WRONG-secret-part-42"
    async with BotApiEmulator(token=TOKEN, bot_username="blocbot_test") as emu:
        async with ProcBot(emu, tmp_path, now=START, token=wrong) as proc:
            await proc.start(wait=False)
            process = proc.proc
            assert process is not None
            await until(lambda: process.poll() is not None, 30, "the bot to give up")
            assert process.returncode == 1
            proc.proc = None
    log = proc.log_text()
    # One line for the operator, not PTB's traceback (issue 14): the token is in neither.
    assert log.strip().splitlines() == [
        "blocbot: Telegram rejected the bot token; check telegram.token or BLOCBOT_TELEGRAM_TOKEN."
    ]
    assert "WRONG-secret-part-42" not in log
