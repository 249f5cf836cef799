"""Webhook delivery with the secret token, the error handler, and faults from the Bot API."""

from __future__ import annotations

import logging
import socket
from pathlib import Path

import httpx
import pytest

from bot.app import build_application
from bot.emulators.telegram import BotApiEmulator
from tests.conftest import CHAIR, GROUP
from tests.harness import TOKEN, BotHarness, make_config


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_webhook_mode_checks_the_secret_token(tmp_path: Path) -> None:
    async with BotApiEmulator(token=TOKEN, bot_username="blocbot_test") as emu:
        emu.add_user(CHAIR, "Đỗ Quang Thấm")
        config = make_config(tmp_path, emu)
        app = build_application(config)
        await app.initialize()
        assert app.post_init is not None and app.updater is not None
        await app.post_init(app)
        await app.start()
        port = free_port()
        url = f"http://127.0.0.1:{port}/hook"
        await app.updater.start_webhook(
            listen="127.0.0.1", port=port, url_path="hook", webhook_url=url, secret_token="s3cret-Token_1"
        )
        try:
            assert emu.state.webhook is not None and emu.state.webhook.secret_token == "s3cret-Token_1"
            posted = emu.post_message(CHAIR, CHAIR, "/start")
            await emu.wait_consumed(posted.update_id)
            await app.update_queue.join()
            assert "blocbot" in emu.bot_texts(CHAIR)[-1]

            before = len(emu.bot_texts(CHAIR))
            # a real /start (with its command entity: it would be answered if let in)
            forged = {
                "update_id": 999999,
                "message": {
                    "message_id": 5,
                    "date": 0,
                    "chat": {"id": CHAIR, "type": "private"},
                    "from": {"id": CHAIR, "is_bot": False, "first_name": "X"},
                    "text": "/start",
                    "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
                },
            }
            async with httpx.AsyncClient() as client:
                refused = [
                    await client.post(url, json=forged, headers=headers)
                    for headers in (
                        {"X-Telegram-Bot-Api-Secret-Token": "nope"},
                        {"X-Telegram-Bot-Api-Secret-Token": "S3CRET-TOKEN_1"},  # compared exactly
                        {"X-Telegram-Bot-Api-Secret-Token": "s3cret-Token_1x"},
                        {"X-Telegram-Bot-Api-Secret-Token": ""},
                        {},
                    )
                ]
                fetched = await client.get(url, headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret-Token_1"})
            assert [r.status_code for r in refused] == [403] * 5
            assert fetched.status_code == 405  # only POST
            await app.update_queue.join()
            assert len(emu.bot_texts(CHAIR)) == before
        finally:
            await app.updater.stop()
            await app.stop()
            await app.shutdown()
            assert app.post_shutdown is not None
            await app.post_shutdown(app)


async def test_error_handler_apologises_in_the_chats_language(
    bloc: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    # The reply to /bloc is lost (connection dropped: it may have arrived, so it is not sent
    # again, bot/channels/telegram/request.py); the error handler logs, then apologises.
    bloc.emu.inject_fault("sendMessage", "drop", times=1)
    with caplog.at_level(logging.ERROR):
        await bloc.send(CHAIR, GROUP, "/bloc")
    assert "Xin lỗi" in bloc.last_text(GROUP)
    assert "có thể vẫn đã được thực hiện" in bloc.last_text(GROUP)  # not "nothing was changed"
    assert "Traceback" not in bloc.last_text(GROUP)
    assert any("error while handling" in r.message for r in caplog.records)
    assert TOKEN not in caplog.text


async def test_a_person_in_two_blocs(bloc: BotHarness) -> None:
    other = -1001000000007
    bloc.group(other, "Khối thi đua số 7", admins=[CHAIR])
    await bloc.send(CHAIR, other, "/setup Khối thi đua số 7")
    await bloc.send(CHAIR, other, "/units add\nSở Y tế\nSở Giáo dục và Đào tạo")
    await bloc.send(CHAIR, GROUP, "/chair #3")
    await bloc.send(CHAIR, other, "/chair so y te")
    assert bloc.db_rows("SELECT count(*) FROM blocs") == [(2,)]
    assert sorted(
        bloc.db_rows(
            "SELECT b.name, u.name FROM roles r JOIN blocs b ON b.id = r.bloc_id "
            "JOIN units u ON u.id = r.unit_id"
        )
    ) == [("Khối thi đua số 3", "Bộ Chỉ huy Bộ đội Biên phòng tỉnh"), ("Khối thi đua số 7", "Sở Y tế")]
    # the same unit name reference resolves inside each bloc only
    before = bloc.snapshot("roles")
    await bloc.send(CHAIR, other, "/chair cong an tinh")
    assert "cong an tinh" in bloc.last_text(other)  # "there is no unit … in this bloc"
    assert bloc.snapshot("roles") == before


async def test_bloc_follows_a_group_upgraded_to_supergroup(bloc: BotHarness) -> None:
    new_id = -1002000000003
    posted = bloc.emu.post_raw(
        {
            "message": {
                "message_id": 900,
                "date": 0,
                "chat": {"id": GROUP, "type": "group", "title": "Khối"},
                "from": {"id": CHAIR, "is_bot": False, "first_name": "Thấm"},
                "migrate_to_chat_id": new_id,
            }
        }
    )
    await bloc.settle(posted.update_id)
    assert bloc.db_rows("SELECT chat_id FROM blocs") == [(new_id,)]


async def test_never_silent_in_private_and_quiet_for_other_bots(bloc: BotHarness) -> None:
    await bloc.send(CHAIR, CHAIR, "/lenhkhongco")
    assert "/lenhkhongco" in bloc.last_text(CHAIR) and "/trogiup" in bloc.last_text(CHAIR)
    await bloc.send(CHAIR, CHAIR, "xin chào")
    assert "/trogiup" in bloc.last_text(CHAIR)
    count = len(bloc.texts(GROUP))
    await bloc.send(CHAIR, GROUP, "/lenhkhongco")  # may belong to another bot
    await bloc.send(CHAIR, GROUP, "/start@otherbot")
    assert len(bloc.texts(GROUP)) == count
    await bloc.send(CHAIR, GROUP, "/lenhkhongco@blocbot_test")  # addressed to us
    assert "/lenhkhongco" in bloc.last_text(GROUP)
