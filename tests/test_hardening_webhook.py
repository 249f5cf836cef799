"""The Telegram webhook checks the secret before reading a body, reads few bodies at once, and
its secret never reaches a log line (issue 13, item 8)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from bot.app import App, build_application
from bot.channels.telegram.webhook import (
    MAX_OPEN_BODIES,
    BodyLimitedServer,
    limit_webhook_bodies,
    unlimit_webhook_bodies,
)
from bot.emulators.telegram import BotApiEmulator
from tests.conftest import CHAIR
from tests.harness import TOKEN, make_config
from tests.test_webhook import HOOK, SECRET, free_port, raw_post, update

LONG_SECRET = SECRET + "-and-long-enough"
SERVERS: list[BodyLimitedServer] = []


@asynccontextmanager
async def hooked(folder: Path, emu: BotApiEmulator) -> AsyncIterator[tuple[App, int]]:
    config = make_config(
        folder,
        emu,
        telegram={
            "token": TOKEN,
            "base_url": emu.base_url,
            "base_file_url": emu.base_file_url,
            "mode": "webhook",
            "webhook": {"url": "https://bot.example/hook", "secret": LONG_SECRET},
        },
    )
    app = build_application(config)
    await app.initialize()
    assert app.post_init is not None and app.updater is not None and app.post_shutdown is not None
    await app.post_init(app)
    await app.start()
    port = free_port()
    limit_webhook_bodies(LONG_SECRET)
    made = BodyLimitedServer.initialize

    def remember(self: BodyLimitedServer, *args: object, **kwargs: object) -> None:
        SERVERS.append(self)
        made(self, *args, **kwargs)

    BodyLimitedServer.initialize = remember  # type: ignore[method-assign]
    try:
        await app.updater.start_webhook(
            listen="127.0.0.1",
            port=port,
            url_path=HOOK[1:],
            webhook_url=f"http://127.0.0.1:{port}{HOOK}",
            secret_token=LONG_SECRET,
        )
    finally:
        BodyLimitedServer.initialize = made  # type: ignore[method-assign]
        unlimit_webhook_bodies()
    try:
        yield app, port
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()
        await app.post_shutdown(app)


async def test_no_secret_no_body_read_and_few_bodies_at_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with BotApiEmulator(token=TOKEN, bot_username="blocbot_test") as emu:
        emu.add_user(CHAIR, "Đỗ Quang Thấm", started=True)
        async with hooked(tmp_path, emu) as (_app, port):
            body = update("/start", 500_000)
            # Refused from the headers alone: the body is never sent (before: read, then 403).
            status, _ = await raw_post(port, {"Content-Type": "application/json"}, body, send_body=False)
            assert status == 403
            wrong = {"X-Telegram-Bot-Api-Secret-Token": "nope", "Content-Type": "application/json"}
            status, _ = await raw_post(port, wrong, body, send_body=False)
            assert status == 403
            # Bodies being read at once are capped: the next one is turned away unread.
            good = {"X-Telegram-Bot-Api-Secret-Token": LONG_SECRET, "Content-Type": "application/json"}
            writers = []
            for _ in range(MAX_OPEN_BODIES):
                _reader, writer = await asyncio.open_connection("127.0.0.1", port)
                head = f"POST {HOOK} HTTP/1.1\r\nHost: x\r\nContent-Length: {len(body)}\r\n"
                head += "".join(f"{k}: {v}\r\n" for k, v in good.items()) + "\r\n"
                writer.write(head.encode() + body[:1000])  # a slow sender keeps its body open
                await writer.drain()
                writers.append(writer)
            for _ in range(500):  # until the server has read every request's headers
                if sum(s.open_bodies for s in SERVERS) >= MAX_OPEN_BODIES:
                    break
                await asyncio.sleep(0.01)
            status, _ = await raw_post(port, good, body, send_body=False)
            assert status == 503
            for writer in writers:
                writer.close()
                with contextlib.suppress(ConnectionError):
                    await writer.wait_closed()
    assert not any(LONG_SECRET in r.getMessage() for r in caplog.records)  # setWebhook's DEBUG line
