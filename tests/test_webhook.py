"""The webhook refuses bodies over 1 MB with 413 before reading them (bot/channels/telegram/webhook.py), checks the
secret token, and keeps serving; in-process through PTB's own webhook server, then end to end
with `blocbot run` in webhook mode as its own process.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from bot.app import App, build_application
from bot.channels.telegram.webhook import MAX_UPDATE_BYTES, limit_webhook_bodies, unlimit_webhook_bodies
from bot.emulators.telegram import BotApiEmulator
from tests.conftest import CHAIR
from tests.harness import START, TOKEN, make_config
from tests.procbot import ProcBot, until

SECRET = "s3cret-Token_1"
HOOK = "/hook"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def update(text: str, padding: int = 0, update_id: int = 900001) -> bytes:
    """A real /start from CHAIR, padded with an unknown field to the size wanted."""
    body = {
        "update_id": update_id,
        "message": {
            "message_id": 7,
            "date": 0,
            "chat": {"id": CHAIR, "type": "private"},
            "from": {"id": CHAIR, "is_bot": False, "first_name": "Thấm"},
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}],
        },
    }
    if padding:
        body["padding"] = "x" * padding
    return json.dumps(body).encode()


async def raw_post(port: int, headers: dict[str, str], body: bytes, *, send_body: bool) -> tuple[int, bytes]:
    """POST over a bare socket; without send_body, announce the body, wait for the answer
    (Expect: 100-continue) and never send it. Returns (status, everything read)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    head = {
        "Host": "127.0.0.1",
        "Content-Type": "application/json",
        "Content-Length": str(len(body)),
        "Connection": "close",
        **headers,
    }
    if not send_body:
        head["Expect"] = "100-continue"
    writer.write(
        (f"POST {HOOK} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in head.items()) + "\r\n").encode()
    )
    if send_body:
        writer.write(body)
    with contextlib.suppress(ConnectionError):
        await writer.drain()
    data = await asyncio.wait_for(reader.read(), 10)  # the server closes after its answer
    writer.close()
    return int(data.split(b" ", 2)[1]), data


@contextlib.asynccontextmanager
async def webhook_bot(folder: Path, emu: BotApiEmulator) -> AsyncIterator[tuple[App, int]]:
    """The Application serving PTB's webhook on a free port, its server body-limited as
    bot.app.run makes it."""
    app = build_application(make_config(folder, emu))
    await app.initialize()
    assert app.post_init is not None and app.updater is not None and app.post_shutdown is not None
    await app.post_init(app)
    await app.start()
    port = free_port()
    limit_webhook_bodies()
    try:  # the server is created inside start_webhook; only it is affected
        await app.updater.start_webhook(
            listen="127.0.0.1",
            port=port,
            url_path=HOOK[1:],
            webhook_url=f"http://127.0.0.1:{port}{HOOK}",
            secret_token=SECRET,
        )
    finally:
        unlimit_webhook_bodies()
    try:
        yield app, port
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()
        await app.post_shutdown(app)


async def test_oversized_bodies_are_refused_unread(tmp_path: Path) -> None:
    async with BotApiEmulator(token=TOKEN, bot_username="blocbot_test") as emu:
        emu.add_user(CHAIR, "Đỗ Quang Thấm", started=True)
        async with webhook_bot(tmp_path, emu) as (app, port):
            url = f"http://127.0.0.1:{port}{HOOK}"
            good = {"X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": "application/json"}
            async with httpx.AsyncClient() as client:
                # control: a padded update under the limit, with the secret, is handled
                small = await client.post(url, content=update("/start", 500_000), headers=good)
                assert small.status_code == 200
                await until(lambda: len(emu.bot_texts(CHAIR)) == 1, 10, "the reply")
                big = update("/start", MAX_UPDATE_BYTES, update_id=900002)
                # announced and refused before a byte of it is sent
                status, answer = await raw_post(port, good, big, send_body=False)
                assert status == 413 and b"Request Entity Too Large" in answer
                # sent at once anyway: 413, or the connection is cut while the body is coming
                try:
                    sent = await client.post(url, content=big, headers=good)
                    assert sent.status_code == 413
                except httpx.TransportError:
                    pass

                # no length announced (chunked): tornado stops reading at the same limit
                async def chunks() -> AsyncIterator[bytes]:
                    for start in range(0, len(big), 65536):
                        yield big[start : start + 65536]

                try:
                    chunked = await client.post(url, content=chunks(), headers=good)
                    assert chunked.status_code == 400
                except httpx.TransportError:
                    pass
                # the size is judged before the secret: a stranger's big body is not read either
                status, _ = await raw_post(
                    port, {"X-Telegram-Bot-Api-Secret-Token": "nope"}, big, send_body=False
                )
                assert status == 413
                # wrong or missing secret on a small body: 403 (PTB)
                for headers in ({"X-Telegram-Bot-Api-Secret-Token": "S3CRET-TOKEN_1"}, {}):
                    refused = await client.post(
                        url,
                        content=update("/start", update_id=900003),
                        headers={"Content-Type": "application/json", **headers},
                    )
                    assert refused.status_code == 403
                # still serving
                after = await client.post(url, content=update("/start", update_id=900004), headers=good)
                assert after.status_code == 200
                await until(lambda: len(emu.bot_texts(CHAIR)) == 2, 10, "the second reply")
            await app.update_queue.join()
            assert len(emu.bot_texts(CHAIR)) == 2  # only the two good updates were handled


async def test_blocbot_run_in_webhook_mode(tmp_path: Path) -> None:
    """The production entry point: bot.app.run limits the body, Telegram's updates get in."""
    port = free_port()
    async with BotApiEmulator(token=TOKEN, bot_username="blocbot_test") as emu:
        emu.add_user(CHAIR, "Đỗ Quang Thấm")
        hook = (
            f'mode = "webhook"\n[telegram.webhook]\nurl = "http://127.0.0.1:{port}{HOOK}"\n'
            f'listen = "127.0.0.1"\nport = {port}\nsecret = "{SECRET}"\n'
        )
        async with ProcBot(emu, tmp_path, now=START, telegram=hook) as proc:
            await proc.start(wait=False)
            await proc.wait_for_call("setWebhook")
            assert emu.state.webhook is not None and emu.state.webhook.secret_token == SECRET
            posted = emu.post_message(CHAIR, CHAIR, "/start")  # Telegram delivers it
            await emu.wait_consumed(posted.update_id, timeout=15)
            await until(lambda: any("blocbot" in t for t in emu.bot_texts(CHAIR)), 10, "the greeting")
            good = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
            status, _ = await raw_post(port, good, update("/start", MAX_UPDATE_BYTES), send_body=False)
            assert status == 413
            status, _ = await raw_post(
                port,
                {"X-Telegram-Bot-Api-Secret-Token": "x"},
                update("/start", update_id=900005),
                send_body=True,
            )
            assert status == 403
            assert await proc.stop() == 0
        log = proc.log_text()
        assert "refused a" in log and TOKEN.split(":", 1)[1] not in log
        assert len([t for t in emu.bot_texts(CHAIR) if "blocbot" in t]) == 1


@pytest.fixture(autouse=True)
def _plain_tornado() -> None:
    """No test leaves tornado configured (the emulator builds HTTPServers too)."""
    unlimit_webhook_bodies()
