"""Self-tests of the loopback Bot API emulator, driven by real PTB 22 and raw httpx."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import struct
import time
import zlib
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import TypeVar

import httpx
import pytest
import tornado.httpserver
import tornado.netutil
import tornado.web
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    ChatMemberAdministrator,
    ChatMemberBanned,
    ChatMemberLeft,
    ChatMemberMember,
    ChatMemberOwner,
    ChatMemberRestricted,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)
from telegram.error import BadRequest, Conflict, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters
from telegram.request import HTTPXRequest

from bot.emulators.telegram import BotApiEmulator, FloodControl, FloodLimits

TOKEN = "123456:TEST"
T = TypeVar("T")
AN = 42


class FakeClock:
    """Monotonic clock the flood tests move by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def emu() -> AsyncIterator[BotApiEmulator]:
    async with BotApiEmulator(token=TOKEN) as emulator:
        emulator.add_user(AN, "An", "Nguyễn", username="an_ng", started=True)
        yield emulator


@pytest.fixture
async def bot(emu: BotApiEmulator) -> AsyncIterator[Bot]:
    async with Bot(TOKEN, base_url=emu.base_url, base_file_url=emu.base_file_url) as ptb_bot:
        yield ptb_bot


def some(value: T | None) -> T:
    """Narrow an Optional in assertions."""
    assert value is not None
    return value


def tiny_png(width: int, height: int) -> bytes:
    """A valid PNG header (IHDR) — enough for the emulator to read the size."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    return b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + chunk + struct.pack(">I", zlib.crc32(chunk))


# -- wire format ---------------------------------------------------------------------------


async def test_get_me_and_wire_errors(emu: BotApiEmulator, bot: Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.username, me.is_bot) == (123456, "blocbot_test", True)
    assert emu.base_url == f"http://127.0.0.1:{emu.port}/bot"
    assert emu.base_file_url == f"http://127.0.0.1:{emu.port}/file/bot"
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{emu.port}") as client:
        wrong = await client.post("/bot999:WRONG/getMe")
        assert wrong.status_code == 401
        assert wrong.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}
        unknown = await client.post(f"/bot{TOKEN}/noSuchMethod")
        assert unknown.status_code == 404
        assert unknown.json() == {"ok": False, "error_code": 404, "description": "Not Found"}
        assert (await client.get("/elsewhere")).status_code == 404
        got = await client.get(f"/bot{TOKEN}/getMe")
        assert got.json()["result"]["username"] == "blocbot_test"
        markup = {"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]}
        sent = await client.post(
            f"/bot{TOKEN}/SENDMESSAGE", json={"chat_id": AN, "text": "json", "reply_markup": markup}
        )
        assert sent.json()["result"]["reply_markup"] == markup
        attached = await client.post(
            f"/bot{TOKEN}/sendDocument",
            data={"chat_id": str(AN), "document": "attach://part1"},
            files={"part1": ("ghi chú.txt", b"abc", "text/plain")},
        )
        assert attached.json()["result"]["document"]["file_name"] == "ghi chú.txt"
    assert [c.method for c in emu.calls][-2:] == ["SENDMESSAGE", "sendDocument"]
    assert emu.calls_to("sendDocument")[0]["part1"]["size"] == 3


async def test_send_edit_delete(emu: BotApiEmulator, bot: Bot) -> None:
    first = await bot.send_message(AN, "Một")
    edited = await bot.edit_message_text("Hai", chat_id=AN, message_id=first.message_id)
    assert not isinstance(edited, bool)
    assert (edited.text, edited.edit_date is not None) == ("Hai", True)
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text("Hai", chat_id=AN, message_id=first.message_id)
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("Ba", chat_id=AN, message_id=999)
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(AN, "x" * 4097)
    await bot.send_message(AN, "x" * 4096)
    with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
        await bot.send_message(AN, "   ")
    posted = emu.post_message(AN, AN, "câu hỏi")
    reply = await bot.send_message(AN, "trả lời", reply_to_message_id=posted.message_id)
    assert some(reply.reply_to_message).text == "câu hỏi"
    assert some(emu.last(AN)).reply_to == posted.message_id
    await bot.delete_message(AN, first.message_id)
    with pytest.raises(BadRequest, match=r"(?i)message to delete not found"):
        await bot.delete_message(AN, first.message_id)
    state = emu.messages(AN)[0]
    assert (state.text, state.edited, state.deleted) == ("Hai", 1, True)
    assert emu.bot_texts(AN) == ["x" * 4096, "trả lời"]


async def test_formatting_is_parsed_like_telegram(emu: BotApiEmulator, bot: Bot) -> None:
    sent = await bot.send_message(AN, "<b>Tổng</b>: 5 &amp; <i>xong</i> ", parse_mode="HTML")
    assert sent.text == "Tổng: 5 & xong"
    assert [(e.type, e.offset, e.length) for e in sent.entities] == [
        ("bold", 0, 4),
        ("italic", 10, 4),
    ]
    assert some(emu.last(AN)).source_text == "<b>Tổng</b>: 5 &amp; <i>xong</i> "
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await bot.send_message(AN, "điểm a < b", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)reserved"):
        await bot.send_message(AN, "Giá 5.000", parse_mode="MarkdownV2")
    ok = await bot.send_message(AN, "*đậm* 5\\.000", parse_mode="MarkdownV2")
    assert (ok.text, ok.entities[0].type) == ("đậm 5.000", "bold")


async def test_inline_keyboard_round_trip(emu: BotApiEmulator, bot: Bot) -> None:
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("Có", callback_data="vote:1"),
                InlineKeyboardButton("Không", callback_data="vote:0"),
            ]
        ]
    )
    asked = await bot.send_message(AN, "Bạn tham dự?", reply_markup=keyboard)
    assert some(emu.last(AN)).button_texts == ["Có", "Không"]
    posted = emu.press_button(AN, AN, asked.message_id, "Có")
    (update,) = await bot.get_updates(timeout=0)
    assert update.update_id == posted.update_id
    query = some(update.callback_query)
    assert (query.data, some(query.message).message_id, query.from_user.id) == (
        "vote:1",
        asked.message_id,
        AN,
    )
    await query.answer("Đã ghi nhận", show_alert=True)
    answer = emu.callback_answers[-1]
    assert (answer.text, answer.show_alert, answer.user_id) == ("Đã ghi nhận", True, AN)
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await query.answer("lần hai")
    await bot.edit_message_reply_markup(AN, asked.message_id)
    assert some(emu.last(AN)).reply_markup is None
    with pytest.raises(BadRequest, match=r"(?i)not modified"):
        await bot.edit_message_reply_markup(AN, asked.message_id)
    too_long = InlineKeyboardMarkup([[InlineKeyboardButton("X", callback_data="x" * 65)]])
    with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
        await bot.send_message(AN, "dài", reply_markup=too_long)
    assert emu.format_transcript(AN).splitlines() == [
        "Blocbot: Bạn tham dự?",
        "An Nguyễn (pressed): [Có]",
        "Blocbot (alert): Đã ghi nhận",
        "Blocbot (edited): Bạn tham dự?",
    ]


async def test_document_and_photo_round_trip(emu: BotApiEmulator, bot: Bot) -> None:
    pdf = b"%PDF-1.4 danh sach"
    emu.post_message(AN, AN, document=(pdf, "Danh sách.pdf", "application/pdf"), caption="/nhap")
    (update,) = await bot.get_updates(timeout=0)
    message = some(update.message)
    document = some(message.document)
    assert (document.file_name, document.mime_type, message.caption) == (
        "Danh sách.pdf",
        "application/pdf",
        "/nhap",
    )
    assert message.caption_entities[0].type == "bot_command"
    remote = await bot.get_file(document.file_id)
    assert bytes(await remote.download_as_bytearray()) == pdf == emu.file_bytes(document.file_id)
    sent = await bot.send_document(AN, b"a,b\n1,2\n", filename="kết quả.csv", caption="Kết quả")
    last = some(emu.last(AN))
    assert last.document is not None and last.caption == "Kết quả"
    assert (last.document.data, last.document.filename, last.document.mime_type) == (
        b"a,b\n1,2\n",
        "kết quả.csv",
        "text/csv",
    )
    sent_id = some(sent.document).file_id
    assert some((await bot.send_document(AN, sent_id)).document).file_id == sent_id
    photo = await bot.send_photo(AN, tiny_png(3, 2), filename="chart.png", caption="Biểu đồ")
    assert (photo.photo[-1].width, photo.photo[-1].height) == (3, 2)
    assert some(some(emu.last(AN)).photo).data == tiny_png(3, 2)
    fetched = await bot.get_file(photo.photo[-1].file_id)
    assert bytes(await fetched.download_as_bytearray()) == tiny_png(3, 2)
    with pytest.raises(BadRequest):
        await bot.send_document(AN, photo.photo[-1].file_id)


async def test_commands_per_scope_and_language(emu: BotApiEmulator, bot: Bot) -> None:
    await bot.set_my_commands([BotCommand("start", "Start")])
    await bot.set_my_commands(
        [BotCommand("start", "Bắt đầu"), BotCommand("dangky", "Đăng ký")], language_code="vi"
    )
    await bot.set_my_commands([BotCommand("quantri", "Quản trị")], scope=BotCommandScopeChat(-1001))
    assert [c.command for c in await bot.get_my_commands(language_code="vi")] == ["start", "dangky"]
    assert [c.description for c in await bot.get_my_commands()] == ["Start"]
    assert emu.commands_for("vi") == ["start", "dangky"]
    assert emu.commands_for(scope={"type": "chat", "chat_id": -1001}) == ["quantri"]
    assert ('{"type":"default"}', "vi") in emu.my_commands
    with pytest.raises(BadRequest, match=r"(?i)bot_command_invalid"):
        await bot.set_my_commands([BotCommand("Bad-Name", "x")])
    await bot.delete_my_commands(language_code="vi")
    assert await bot.get_my_commands(language_code="vi") == ()


async def test_chat_members_and_groups(emu: BotApiEmulator, bot: Bot) -> None:
    group = -1001234567890
    emu.add_group(group, "Khối thi đua số 1")
    for user_id, status in [
        (1, "creator"),
        (2, "administrator"),
        (3, "member"),
        (4, "restricted"),
        (5, "kicked"),
    ]:
        emu.add_user(user_id, f"Người {user_id}")
        emu.set_member(group, user_id, status)
    expected = [
        ChatMemberOwner,
        ChatMemberAdministrator,
        ChatMemberMember,
        ChatMemberRestricted,
        ChatMemberBanned,
    ]
    for user_id, cls in enumerate(expected, start=1):
        assert isinstance(await bot.get_chat_member(group, user_id), cls)
    assert isinstance(await bot.get_chat_member(group, 99), ChatMemberLeft)
    chat = await bot.get_chat(group)
    assert (chat.title, chat.type) == ("Khối thi đua số 1", "supergroup")
    posted = emu.post_message(3, group, "/dangky@blocbot_test 5")
    assert some(posted.message)["entities"] == [{"type": "bot_command", "offset": 0, "length": 20}]
    await bot.send_message(group, "Đã nhận")
    emu.set_member(group, emu.bot.id, "kicked")
    with pytest.raises(Forbidden, match="kicked"):
        await bot.send_message(group, "nữa")


async def test_forbidden_until_user_starts(emu: BotApiEmulator, bot: Bot) -> None:
    emu.add_user(7, "Bình")
    with pytest.raises(Forbidden, match="can't initiate conversation with a user"):
        await bot.send_message(7, "chào")
    with pytest.raises(Forbidden):
        await bot.send_chat_action(7, "typing")
    emu.post_message(7, 7, "/start")
    await bot.send_message(7, "chào")
    emu.set_blocked(7)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(7, "còn đó không?")
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(555, "ai?")


# -- updates -------------------------------------------------------------------------------


async def test_long_polling_answers_as_soon_as_an_update_arrives(emu: BotApiEmulator, bot: Bot) -> None:
    loop = asyncio.get_running_loop()
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await emu.wait_until(lambda: len(emu.calls_to("getUpdates")) == 1, timeout=2)
    started = loop.time()
    posted = emu.post_message(AN, AN, "xin chào")
    updates = await asyncio.wait_for(poll, 2)
    assert loop.time() - started < 1.0
    assert [u.update_id for u in updates] == [posted.update_id]
    assert not emu.state.is_consumed(posted.update_id)
    confirmed = asyncio.create_task(emu.wait_consumed(posted.update_id, timeout=2))
    assert await bot.get_updates(offset=posted.update_id + 1, timeout=0) == ()
    await confirmed
    with pytest.raises(TimeoutError):
        await emu.wait_consumed(emu.post_message(AN, AN, "chưa ai đọc").update_id, timeout=0.05)


async def test_allowed_updates_and_competing_polls(emu: BotApiEmulator, bot: Bot) -> None:
    await bot.get_updates(timeout=0, allowed_updates=["message"])
    sent = await bot.send_message(
        AN, "nút", reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("A", callback_data="a")]])
    )
    skipped = emu.post_callback(AN, AN, sent.message_id, "a")
    await emu.wait_consumed(skipped.update_id, timeout=1)  # filtered when created
    async with httpx.AsyncClient(base_url=f"{emu.base_url}{TOKEN}", timeout=5) as client:
        first = asyncio.create_task(client.post("/getUpdates", data={"timeout": "5"}))
        await emu.wait_until(lambda: len(emu.calls_to("getUpdates")) == 2, timeout=2)
        second = await client.post("/getUpdates", data={"timeout": "0"})
        assert second.json() == {"ok": True, "result": []}
        assert (await first).status_code == 409


async def test_webhook_delivery_with_secret_and_retry(emu: BotApiEmulator, bot: Bot) -> None:
    received: list[tuple[str | None, dict[str, object]]] = []
    failures = [500]

    class Hook(tornado.web.RequestHandler):
        def post(self) -> None:
            secret = self.request.headers.get("X-Telegram-Bot-Api-Secret-Token")
            received.append((secret, json.loads(self.request.body)))
            if failures:
                self.set_status(failures.pop())

    sockets = tornado.netutil.bind_sockets(0, "127.0.0.1")
    server = tornado.httpserver.HTTPServer(
        tornado.web.Application([("/hook", Hook)], log_function=lambda _: None)
    )
    server.add_sockets(sockets)
    try:
        url = f"http://127.0.0.1:{sockets[0].getsockname()[1]}/hook"
        assert await bot.set_webhook(url, secret_token="bi-mat_1")
        with pytest.raises(Conflict):
            await bot.get_updates(timeout=0)
        posted = emu.post_message(AN, AN, "qua webhook")
        await emu.wait_consumed(posted.update_id, timeout=5)
        assert [(s, body["update_id"]) for s, body in received] == [("bi-mat_1", posted.update_id)] * 2
        info = await bot.get_webhook_info()
        assert (info.url, info.pending_update_count) == (url, 0)
        assert "500" in (info.last_error_message or "")
        await bot.delete_webhook()
        again = emu.post_message(AN, AN, "lại polling")
        assert [u.update_id for u in await bot.get_updates(timeout=0)] == [again.update_id]
    finally:
        server.stop()
        await server.close_all_connections()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    await update.effective_message.reply_text(f"Bạn nói: {update.effective_message.text}")


async def test_ptb_application_polling_echo(emu: BotApiEmulator) -> None:
    app = ApplicationBuilder().token(TOKEN).base_url(emu.base_url).base_file_url(emu.base_file_url).build()
    app.add_handler(MessageHandler(filters.TEXT, _echo))
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1)
        posted = emu.post_message(AN, AN, "xin chào")
        await emu.wait_consumed(posted.update_id, timeout=5)
        (reply,) = await emu.wait_for_messages(AN, 1, timeout=5)
        await app.updater.stop()
        await app.stop()
    assert reply.text == "Bạn nói: xin chào"
    assert reply.reply_to is None


async def test_ptb_application_webhook_echo(emu: BotApiEmulator) -> None:
    port = _free_port()
    app = ApplicationBuilder().token(TOKEN).base_url(emu.base_url).base_file_url(emu.base_file_url).build()
    app.add_handler(MessageHandler(filters.TEXT, _echo))
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_webhook(
            listen="127.0.0.1",
            port=port,
            url_path="tg",
            webhook_url=f"http://127.0.0.1:{port}/tg",
            secret_token="s3cret",
        )
        posted = emu.post_message(AN, AN, "qua webhook")
        await emu.wait_consumed(posted.update_id, timeout=5)
        (reply,) = await emu.wait_for_messages(AN, 1, timeout=5)
        await app.updater.stop()
        await app.stop()
    assert reply.text == "Bạn nói: qua webhook"


# -- faults, latency -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "error"),
    [("500", NetworkError), ("502", NetworkError), ("timeout", TimedOut), ("drop", NetworkError)],
)
async def test_faults(emu: BotApiEmulator, kind: str, error: type[Exception]) -> None:
    request = HTTPXRequest(read_timeout=0.3, connect_timeout=1.0)
    async with Bot(TOKEN, base_url=emu.base_url, request=request) as bot:
        emu.inject_fault("sendMessage", kind)
        with pytest.raises(error) as caught:
            await bot.send_message(AN, "mất")
        if kind != "timeout":
            assert not isinstance(caught.value, TimedOut)
        assert emu.messages(AN) == []  # a faulted call is not executed
        await bot.send_message(AN, "được")
        emu.inject_fault(None, "500", times=2)
        for _ in range(2):
            with pytest.raises(NetworkError):
                await bot.get_me()
        await bot.get_me()
    assert emu.bot_texts(AN) == ["được"]


async def test_latency(emu: BotApiEmulator, bot: Bot) -> None:
    loop = asyncio.get_running_loop()
    emu.latency = 0.2
    started = loop.time()
    await bot.get_me()
    assert loop.time() - started >= 0.2


# -- flood limits --------------------------------------------------------------------------


def test_flood_per_chat_burst_then_one_per_second() -> None:
    clock = FakeClock()
    flood = FloodControl(FloodLimits(clock=clock))
    for _ in range(3):
        assert flood.retry_after(AN) is None
        flood.record(AN)
    assert flood.retry_after(AN) == 1
    assert flood.retry_after(AN + 1) is None
    clock.now += 1.0
    assert flood.retry_after(AN) is None


def test_flood_per_group_per_minute() -> None:
    clock = FakeClock()
    flood = FloodControl(FloodLimits(clock=clock))
    group = -1001
    for _ in range(20):
        assert flood.retry_after(group) is None
        flood.record(group)
        clock.now += 1.0
    # 20 sends at t=0..19; the window frees up at t=60
    assert flood.retry_after(group) == 40
    clock.now += 40.0
    assert flood.retry_after(group) is None


def test_flood_overall_and_time_scale() -> None:
    clock = FakeClock()
    flood = FloodControl(FloodLimits(clock=clock))
    for chat_id in range(30):
        flood.record(chat_id + 1)
    assert flood.retry_after(99) == 1
    clock.now += 1.0
    assert flood.retry_after(99) is None
    fast = FloodControl(FloodLimits(clock=clock, time_scale=10))
    for _ in range(20):
        fast.record(-5)
        clock.now += 0.1  # 1 emulated second per send
    assert fast.retry_after(-5) == 4  # 40 emulated seconds = 4 real seconds
    clock.now += 4.0
    assert fast.retry_after(-5) is None


async def test_flood_answers_429_over_http(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")  # PTB 22 warns when RetryAfter is built otherwise
    clock = FakeClock()
    async with BotApiEmulator(token=TOKEN, flood=FloodLimits(clock=clock)) as emu:
        emu.add_user(AN, "An", started=True)
        async with Bot(TOKEN, base_url=emu.base_url) as bot:
            for n in range(3):
                await bot.send_message(AN, f"tin {n}")
            with pytest.raises(RetryAfter) as caught:
                await bot.send_message(AN, "quá nhanh")
            assert caught.value.retry_after == timedelta(seconds=1)
            await bot.get_me()  # not a counted method
            async with httpx.AsyncClient() as client:
                raw = await client.post(
                    f"{emu.base_url}{TOKEN}/sendMessage", data={"chat_id": AN, "text": "x"}
                )
            assert raw.status_code == 429
            assert raw.json() == {
                "ok": False,
                "error_code": 429,
                "description": "Too Many Requests: retry after 1",
                "parameters": {"retry_after": 1},
            }
            assert emu.count_429 == 2
            clock.now += 1.0
            await bot.send_message(AN, "đã đợi")
            emu.reset_counters()
            assert (emu.count_429, emu.calls) == (0, [])


async def test_edited_message_and_stop_with_a_pending_poll() -> None:
    emu = await BotApiEmulator(token=TOKEN).start()
    emu.add_user(AN, "An")
    posted = emu.post_message(AN, AN, "/dangky 3")
    edited = emu.post_edited_message(AN, AN, posted.message_id, "/dangky 4")
    async with httpx.AsyncClient(base_url=f"{emu.base_url}{TOKEN}", timeout=10) as client:
        first = (await client.post("/getUpdates", data={"timeout": "0"})).json()["result"]
        assert [u["update_id"] for u in first] == [posted.update_id, edited.update_id]
        assert first[1]["edited_message"]["text"] == "/dangky 4"
        assert emu.format_transcript(AN).splitlines() == ["An: /dangky 3", "An (edited): /dangky 4"]
        poll = asyncio.create_task(
            client.post("/getUpdates", data={"offset": str(edited.update_id + 1), "timeout": "30"})
        )
        await emu.wait_until(lambda: len(emu.calls_to("getUpdates")) == 2, timeout=2)
        await emu.stop()
        assert (await asyncio.wait_for(poll, 2)).json() == {"ok": True, "result": []}


async def test_emulator_in_its_own_process() -> None:
    """The benchmarks' emulator process: calls run there, the bot's calls are noted with their
    arrival, waits do not block the driver's loop, errors come back raised."""
    from bot.emulators.telegram.process import EmulatorProcess

    async with EmulatorProcess(token=TOKEN) as emu:
        assert emu.pid != os.getpid()
        emu.add_user(AN, "An", started=True)
        posted = emu.post_message(AN, AN, "xin chào")
        assert posted.message["text"] == "xin chào"
        with pytest.raises(ValueError, match="unknown user"):
            emu.post_message(999, 999, "ai đây?")
        emu.latency = 0.01
        assert emu.latency == 0.01
        before = time.perf_counter()
        async with Bot(TOKEN, base_url=emu.base_url, base_file_url=emu.base_file_url) as bot:
            waiting = asyncio.ensure_future(emu.wait_answers(0, timeout=5.0))
            updates = await bot.get_updates(timeout=0)
            assert [u.message.text for u in updates if u.message] == ["xin chào"]
            answers = await waiting
            assert answers[0][:2] == ("getme", "")
            await bot.send_message(AN, "chào anh")
            await emu.wait_until(lambda: emu.last(AN) is not None, timeout=5.0, what="the reply")
        answers = emu.answers_since(0)
        assert [a[0] for a in answers] == ["getme", "getupdates", "sendmessage"]
        assert answers[-1][1] == str(AN)
        assert before < answers[0][2] < answers[-1][2] <= time.perf_counter()
        assert emu.last(AN).text == "chào anh"
        assert emu.count_429 == 0
        assert emu.cpu_seconds() > 0
