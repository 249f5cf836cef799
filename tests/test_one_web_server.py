"""Telegram and Zalo in one `blocbot run` process, with Telegram's webhook on the bot's one web
server beside /health (issue 11: "the same server takes the Telegram and Zalo webhooks";
"Telegram and Zalo can run in one process")."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import httpx

from bot.channels.telegram.webhook import MAX_UPDATE_BYTES, SECRET_HEADER
from bot.emulators.telegram import BotApiEmulator
from bot.emulators.zalo import ZaloBotEmulator
from tests.conftest import CHAIR
from tests.harness import START, TOKEN
from tests.procbot import ProcBot, until
from tests.test_webhook import update
from tests.zalo_harness import ZALO_TOKEN, free_port

SECRET = "one-server-secret_42"


async def post(port: int, path: str, headers: dict[str, str], body: bytes, *, send_body: bool) -> int:
    """POST over a bare socket; without send_body the body is announced and never sent."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    head = {"Host": "127.0.0.1", "Content-Type": "application/json", "Content-Length": str(len(body))}
    head |= {"Connection": "close", **headers}
    if not send_body:
        head["Expect"] = "100-continue"
    writer.write(
        (f"POST {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in head.items()) + "\r\n").encode()
    )
    if send_body:
        writer.write(body)
    with contextlib.suppress(ConnectionError):
        await writer.drain()
    data = await asyncio.wait_for(reader.read(), 10)
    writer.close()
    return int(data.split(b" ", 2)[1])


async def test_telegram_webhook_and_zalo_in_one_process_on_one_server(tmp_path: Path) -> None:
    port = free_port()
    public = f"http://127.0.0.1:{port}"
    async with BotApiEmulator(token=TOKEN, bot_username="blocbot_test") as emu:
        zalo = ZaloBotEmulator(token=ZALO_TOKEN)
        await zalo.start()
        try:
            emu.add_user(CHAIR, "Đỗ Quang Thấm")
            config = (
                f'mode = "webhook"\n[telegram.webhook]\nsecret = "{SECRET}"\n'
                f'[zalo]\ntoken = "{ZALO_TOKEN}"\nbase_url = "{zalo.base_url}"\nmode = "polling"\n'
                f'[web]\nlisten = "127.0.0.1"\nport = {port}\npublic_url = "{public}"\n'
            )
            async with ProcBot(emu, tmp_path, now=START, telegram=config) as proc:
                await proc.start(wait=False)
                await proc.wait_for_call("setWebhook")
                hook = emu.state.webhook
                assert hook is not None and hook.url == f"{public}/telegram" and hook.secret_token == SECRET

                posted = emu.post_message(CHAIR, CHAIR, "/start")  # Telegram delivers it to /telegram
                await emu.wait_consumed(posted.update_id, timeout=15)
                await until(
                    lambda: any("blocbot" in t for t in emu.bot_texts(CHAIR)), 10, "the Telegram greeting"
                )

                zalo.post_text("zalo-user-1", "/start", display_name="Nguyễn Thị Lan")  # and Zalo, polled
                await until(
                    lambda: any("blocbot" in t for t in zalo.texts("zalo-user-1")), 15, "the Zalo greeting"
                )

                async with httpx.AsyncClient() as client:  # the same server answers its health check
                    assert (await client.get(f"{public}/health")).status_code == 200
                good = {SECRET_HEADER: SECRET}
                big = update("/start", MAX_UPDATE_BYTES)
                assert await post(port, "/telegram", good, big, send_body=False) == 413
                wrong = {SECRET_HEADER: "not-the-secret"}
                assert (
                    await post(port, "/telegram", wrong, update("/start", update_id=900007), send_body=True)
                    == 403
                )
                assert (
                    await post(port, "/telegram", {}, update("/start", update_id=900008), send_body=True)
                    == 403
                )
                assert await post(port, "/telegram", good, b"not json", send_body=True) == 400
                assert await proc.stop() == 0
            log = proc.log_text()
            assert TOKEN.split(":", 1)[1] not in log and SECRET not in log
            # only the one real update was handled on Telegram: the refused posts reached nobody
            assert len([t for t in emu.bot_texts(CHAIR) if "blocbot" in t]) == 1
        finally:
            await zalo.stop()


async def test_a_route_serves_at_most_max_open_requests_at_once() -> None:
    """One more than ``max_open`` is answered 503 before its body is read; a sender that goes
    away mid-body gives its place back."""
    from bot.web.server import Request, Response, Route, WebServer

    release, entered = asyncio.Event(), asyncio.Event()
    served: list[bytes] = []

    async def slow(request: Request) -> Response:
        entered.set()
        await release.wait()
        served.append(request.body)
        return Response.json(200, {"ok": True})

    web = WebServer("127.0.0.1", 0)
    web.add(Route(r"/hook", slow, max_open=1))
    port = await web.start()
    try:
        async with httpx.AsyncClient(base_url=web.base_url, timeout=10) as client:
            first = asyncio.create_task(client.post("/hook", content=b"one"))
            await asyncio.wait_for(entered.wait(), 5)  # the first request is being served
            assert (await client.post("/hook", content=b"two")).status_code == 503
            release.set()
            assert (await first).status_code == 200
            # a sender announcing a body and leaving before sending it frees its place
            _reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(b"POST /hook HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc")
            await writer.drain()
            await asyncio.sleep(0.2)  # network ordering only: the partial body has arrived
            writer.close()
            await asyncio.sleep(0.2)  # and the close has
            assert (await client.post("/hook", content=b"three")).status_code == 200
        assert served == [b"one", b"three"]
    finally:
        await web.stop()
