"""The Zalo emulators (bot.emulators.zalo): Bot Platform and Official Account, over real HTTP."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import tornado.httpserver
import tornado.netutil
import tornado.web

from bot.emulators.zalo import (
    SECRET_HEADER,
    SIGNATURE_HEADER,
    Json,
    ZaloBotEmulator,
    ZaloOAEmulator,
    verify,
)


@dataclass
class Received:
    """One request the test webhook receiver got."""

    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """A loopback webhook endpoint that records requests and answers `answer(received)`."""

    answer: Callable[[Received], int] = lambda received: 200
    requests: list[Received] = field(default_factory=list)
    url: str = ""


class _ReceiverHandler(tornado.web.RequestHandler):
    def initialize(self, receiver: Receiver) -> None:
        self.receiver = receiver

    def check_xsrf_cookie(self) -> None:
        pass

    def post(self) -> None:
        received = Received({k.lower(): v for k, v in self.request.headers.get_all()}, self.request.body)
        self.receiver.requests.append(received)
        self.set_status(self.receiver.answer(received))
        self.finish("ok")


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    rec = Receiver()
    app = tornado.web.Application(
        [(r"/hook", _ReceiverHandler, {"receiver": rec})], log_function=lambda h: None
    )
    sockets = tornado.netutil.bind_sockets(0, "127.0.0.1")
    server = tornado.httpserver.HTTPServer(app)
    server.add_sockets(sockets)
    rec.url = f"http://127.0.0.1:{sockets[0].getsockname()[1]}/hook"
    yield rec
    server.stop()
    await server.close_all_connections()


@pytest.fixture
async def emu() -> AsyncIterator[ZaloBotEmulator]:
    async with ZaloBotEmulator(token="1234567890:test-token") as emulator:
        yield emulator


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=5.0) as http:
        yield http


class Clock:
    """A settable clock for the OA emulator."""

    def __init__(self) -> None:
        self.now = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
async def oa() -> AsyncIterator[ZaloOAEmulator]:
    async with ZaloOAEmulator(clock=Clock(), monthly_quota=3) as emulator:
        yield emulator


# -- Bot Platform ------------------------------------------------------------------------------


async def test_get_me_and_wrong_token(emu: ZaloBotEmulator, client: httpx.AsyncClient) -> None:
    me = await client.post(emu.method_url("getMe"))
    assert me.status_code == 200
    assert me.json()["ok"] is True and me.json()["result"]["id"] == "1234567890"
    wrong = await client.post(emu.method_url("getMe", token="1234567890:nope"))
    assert wrong.status_code == 401
    assert wrong.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}
    unknown = await client.post(emu.method_url("noSuchMethod"))
    assert unknown.status_code == 404
    assert [c.status for c in emu.calls] == [200, 401, 404]


async def test_get_updates_one_at_a_time_then_408(emu: ZaloBotEmulator, client: httpx.AsyncClient) -> None:
    emu.post_text("1001", "xin chào", display_name="An")
    emu.post_image("1001", "https://example.com/a.jpg", caption="ảnh")
    first = (await client.post(emu.method_url("getUpdates"), json={"timeout": "1"})).json()
    assert first["ok"] is True
    update = first["result"]
    assert update["event_name"] == "message.text.received"
    message = update["message"]
    assert message["text"] == "xin chào" and message["chat"] == {"id": "1001", "chat_type": "PRIVATE"}
    assert message["from"] == {"id": "1001", "display_name": "An", "is_bot": False}
    assert isinstance(message["message_id"], str) and isinstance(message["date"], int)
    second = (await client.post(emu.method_url("getUpdates"), json={"timeout": 1})).json()["result"]
    assert second["event_name"] == "message.image.received"
    assert second["message"]["photo_url"] == "https://example.com/a.jpg"
    await emu.wait_consumed(timeout=1)
    started = time.monotonic()
    empty = await client.post(emu.method_url("getUpdates"), json={"timeout": 0.2})
    assert time.monotonic() - started >= 0.15
    assert empty.status_code == 408
    assert empty.json() == {"ok": False, "error_code": 408, "description": "Request timeout"}


async def test_long_poll_answers_as_soon_as_an_update_arrives(
    emu: ZaloBotEmulator, client: httpx.AsyncClient
) -> None:
    poll = asyncio.create_task(client.post(emu.method_url("getUpdates"), data={"timeout": "3"}))
    await emu.wait_until(lambda: len(emu.calls_to("getUpdates")) == 1, timeout=1)
    emu.post_sticker("1002")
    emu.post_unsupported("1002")
    answer = await asyncio.wait_for(poll, 1)
    assert answer.json()["result"]["event_name"] == "message.sticker.received"
    assert [u["event_name"] for u in emu.pending_updates] == ["message.unsupported.received"]
    rest = (await client.post(emu.method_url("getUpdates"))).json()["result"]
    assert "text" not in rest["message"]


async def test_send_message_limits_and_transcript(emu: ZaloBotEmulator, client: httpx.AsyncClient) -> None:
    emu.post_text("1001", "/start", display_name="An")
    ok = await client.post(emu.method_url("sendMessage"), json={"chat_id": "1001", "text": "a" * 2000})
    assert ok.status_code == 200 and set(ok.json()["result"]) == {"message_id", "date"}
    too_long = await client.post(emu.method_url("sendMessage"), json={"chat_id": "1001", "text": "a" * 2001})
    assert too_long.status_code == 400 and too_long.json()["error_code"] == 400
    empty = await client.post(emu.method_url("sendMessage"), json={"chat_id": "1001", "text": ""})
    assert empty.status_code == 400
    form = await client.post(emu.method_url("sendMessage"), data={"chat_id": "1001", "text": "chào An"})
    assert form.status_code == 200
    photo = await client.post(
        emu.method_url("sendPhoto"),
        json={"chat_id": "1001", "photo": "https://x.vn/p.png", "caption": "hình"},
    )
    assert photo.status_code == 200
    bad_photo = await client.post(emu.method_url("sendPhoto"), json={"chat_id": "1001", "photo": "p.png"})
    assert bad_photo.status_code == 400
    typing = await client.post(emu.method_url("sendChatAction"), json={"chat_id": "1001", "action": "typing"})
    assert typing.json() == {"ok": True, "result": True}
    sent = await emu.wait_for_messages("1001", 3, timeout=1)
    assert [m.kind for m in sent] == ["text", "text", "photo"]
    assert emu.texts("1001")[1:] == ["chào An", "hình"]
    assert emu.chat_actions == [("1001", "typing")]
    assert emu.transcript("1001").splitlines()[0] == "An: /start"
    assert emu.transcript("1001").splitlines()[-1] == "Blocbot (photo): https://x.vn/p.png hình"


async def test_webhook_delivery_carries_the_secret(
    emu: ZaloBotEmulator, client: httpx.AsyncClient, receiver: Receiver
) -> None:
    short = await client.post(
        emu.method_url("setWebhook"), json={"url": receiver.url, "secret_token": "1234567"}
    )
    assert short.status_code == 400
    secret = "s3cret-token"
    hooked = await client.post(
        emu.method_url("setWebhook"), json={"url": receiver.url, "secret_token": secret}
    )
    assert hooked.json()["result"]["url"] == receiver.url
    info = (await client.post(emu.method_url("getWebhookInfo"))).json()["result"]
    assert info["url"] == receiver.url
    posted = emu.post_text("1001", "qua webhook")
    await emu.wait_consumed(timeout=2)
    assert posted.outcome == "delivered"
    (got,) = receiver.requests
    assert got.headers[SECRET_HEADER.lower()] == secret
    assert json.loads(got.body)["message"]["text"] == "qua webhook"
    assert emu.deliveries[0].status == 200
    conflict = await client.post(emu.method_url("getUpdates"), json={"timeout": 0.1})
    assert conflict.status_code == 409
    await client.post(emu.method_url("deleteWebhook"))
    assert emu.webhook is None


async def test_webhook_refusal_is_recorded_and_forgery_helper(
    emu: ZaloBotEmulator, client: httpx.AsyncClient, receiver: Receiver
) -> None:
    receiver.answer = lambda r: 200 if r.headers.get(SECRET_HEADER.lower()) == "right-secret" else 403
    await client.post(
        emu.method_url("setWebhook"), json={"url": receiver.url, "secret_token": "wrong-secret"}
    )
    posted = emu.post_text("1001", "bị từ chối")
    await emu.wait_consumed(timeout=2)
    assert posted.outcome == "failed" and emu.deliveries[-1].status == 403
    forged = await emu.send_forged(receiver.url, {"event_name": "message.text.received"})
    assert forged.status_code == 403 and SECRET_HEADER.lower() not in receiver.requests[-1].headers
    signed = await emu.send_forged(receiver.url, b"{}", secret_token="right-secret")
    assert signed.status_code == 200


async def test_bot_faults_500_drop_timeout_and_latency(
    emu: ZaloBotEmulator, client: httpx.AsyncClient
) -> None:
    emu.inject_fault("sendMessage", "500")
    failed = await client.post(emu.method_url("sendMessage"), json={"chat_id": "1", "text": "x"})
    assert failed.status_code == 500 and failed.json()["ok"] is False
    assert emu.sent_to("1") == []
    assert (
        await client.post(emu.method_url("sendMessage"), json={"chat_id": "1", "text": "x"})
    ).status_code == 200
    emu.inject_fault(None, "drop")
    with pytest.raises(httpx.RemoteProtocolError):
        await client.post(emu.method_url("getMe"))
    emu.inject_fault("getMe", "timeout", delay=0.1)
    with pytest.raises(httpx.RemoteProtocolError):
        await client.post(emu.method_url("getMe"))
    assert [c.fault for c in emu.calls[-2:]] == ["drop", "timeout"]
    emu.latency = 0.1
    started = time.monotonic()
    assert (await client.post(emu.method_url("getMe"))).status_code == 200
    assert time.monotonic() - started >= 0.09


# -- Official Account ---------------------------------------------------------------------------


async def _send(
    client: httpx.AsyncClient, url: str, token: str, recipient: dict[str, str], text: str
) -> Json:
    response = await client.post(
        url, json={"recipient": recipient, "message": {"text": text}}, headers={"access_token": token}
    )
    assert response.status_code == 200
    body: Json = response.json()
    return body


async def test_oa_group_and_cs_messages_are_recorded(oa: ZaloOAEmulator, client: httpx.AsyncClient) -> None:
    token = oa.issue_access_token()
    group = await _send(client, oa.group_message_url, token, {"group_id": "g1"}, "Chào cả nhóm")
    assert group["error"] == 0 and group["message"] == "Success" and group["data"]["message_id"]
    oa.record_interaction("u1")
    cs = await _send(client, oa.cs_message_url, token, {"user_id": "u1"}, "Chào bạn")
    assert cs["error"] == 0 and cs["data"]["user_id"] == "u1"
    assert cs["data"]["quota"]["quota_type"] == "reply"
    assert [m.text for m in oa.sent_to_group("g1")] == ["Chào cả nhóm"]
    assert [m.text for m in await oa.wait_for_user_messages("u1", timeout=1)] == ["Chào bạn"]
    assert oa.transcript("g1") == "OA: Chào cả nhóm"
    assert (await _send(client, oa.group_message_url, token, {"group_id": "g1"}, "a" * 2000))["error"] == 0
    too_long = await _send(client, oa.group_message_url, token, {"group_id": "g1"}, "a" * 2001)
    assert too_long["error"] < 0 and len(oa.sent_to_group("g1")) == 2
    bad = await _send(client, oa.group_message_url, "not-a-token", {"group_id": "g1"}, "x")
    assert bad == {"error": -216, "message": "Access token is invalid"}


async def test_oa_quota_free_within_48h_then_counted_then_exhausted(
    oa: ZaloOAEmulator, client: httpx.AsyncClient
) -> None:
    token = oa.issue_access_token()
    oa.record_interaction("u1")
    free = [await _send(client, oa.cs_message_url, token, {"user_id": "u1"}, f"r{i}") for i in range(8)]
    assert [f["data"]["quota"]["quota_type"] for f in free] == ["reply"] * 8
    assert [f["data"]["quota"]["remain"] for f in free] == [str(7 - i) for i in range(8)]
    ninth = await _send(client, oa.cs_message_url, token, {"user_id": "u1"}, "r8")
    assert ninth["data"]["quota"] == {
        "quota_type": "sub_quota",
        "remain": "2",
        "total": "3",
        "owner_type": "OA",
        "owner_id": oa.oa_id,
    }
    oa.record_interaction("u2")
    oa.advance(timedelta(hours=49))
    token = oa.issue_access_token()  # the first one expired after 25 h
    late = await _send(client, oa.cs_message_url, token, {"user_id": "u2"}, "trễ")
    assert late["data"]["quota"]["quota_type"] == "sub_quota" and oa.quota.used_this_month == 2
    assert (await _send(client, oa.cs_message_url, token, {"user_id": "u3"}, "x"))["error"] == 0
    exhausted = await _send(client, oa.cs_message_url, token, {"user_id": "u3"}, "y")
    assert exhausted == {"error": -32, "message": "Quota exceeded"}
    oa.record_interaction("u3")  # a fresh message from the user: free replies again
    assert (await _send(client, oa.cs_message_url, token, {"user_id": "u3"}, "z"))["error"] == 0
    oa.exhaust_quota()
    assert (await _send(client, oa.group_message_url, token, {"group_id": "g1"}, "x"))["error"] == -32
    oa.exhaust_quota(False)
    oa.advance(timedelta(days=31))  # next calendar month: the counter starts over
    token = oa.issue_access_token()
    assert (await _send(client, oa.cs_message_url, token, {"user_id": "u3"}, "new month"))["error"] == 0
    assert [m.quota_type for m in oa.sent_to_user("u3")] == ["sub_quota", "reply", "sub_quota"]


async def _grant(
    client: httpx.AsyncClient, oa: ZaloOAEmulator, secret: str | None = None, **fields: str
) -> Json:
    response = await client.post(
        oa.access_token_url,
        data={"app_id": oa.app_id, **fields},
        headers={"secret_key": secret or oa.app_secret},
    )
    assert response.status_code == 200
    body: Json = response.json()
    return body


async def test_oauth_refresh_rotates_and_refuses_the_old_token(
    oa: ZaloOAEmulator, client: httpx.AsyncClient
) -> None:
    first = oa.issue_refresh_token()
    pair = await _grant(client, oa, grant_type="refresh_token", refresh_token=first)
    assert set(pair) == {"access_token", "refresh_token", "expires_in"} and pair["expires_in"] == "90000"
    assert pair["refresh_token"] != first and oa.refresh_count == 1
    reused = await _grant(client, oa, grant_type="refresh_token", refresh_token=first)
    assert reused["error"] == -14020 and "access_token" not in reused
    unknown = await _grant(client, oa, grant_type="refresh_token", refresh_token="rt_forged")
    assert unknown["error"] == -14014
    wrong_secret = await _grant(
        client, oa, secret="nope", grant_type="refresh_token", refresh_token=pair["refresh_token"]
    )
    assert wrong_secret["error"] < 0
    second = await _grant(client, oa, grant_type="refresh_token", refresh_token=pair["refresh_token"])
    assert oa.refresh_count == 2
    # The old access token stays valid until its own expiry; both expire by the clock.
    assert (await _send(client, oa.group_message_url, pair["access_token"], {"group_id": "g"}, "x"))[
        "error"
    ] == 0
    oa.advance(90001)
    for token in (pair["access_token"], second["access_token"]):
        assert (await _send(client, oa.group_message_url, token, {"group_id": "g"}, "x"))["error"] == -216


async def test_oauth_authorization_code_and_expiry_helpers(client: httpx.AsyncClient) -> None:
    async with ZaloOAEmulator(revoke_old_access=True) as oa:
        verifier = "v" * 43
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        code = oa.issue_auth_code(challenge)
        wrong = await _grant(client, oa, grant_type="authorization_code", code=code, code_verifier="x" * 43)
        assert wrong["error"] < 0
        pair = await _grant(client, oa, grant_type="authorization_code", code=code, code_verifier=verifier)
        assert pair["expires_in"] == "90000"
        again = await _grant(client, oa, grant_type="authorization_code", code=code, code_verifier=verifier)
        assert again["error"] < 0
        await _grant(client, oa, grant_type="refresh_token", refresh_token=pair["refresh_token"])
        revoked = await _send(client, oa.cs_message_url, pair["access_token"], {"user_id": "u"}, "x")
        assert revoked["error"] == -216
        fresh = oa.issue_access_token()
        oa.expire_access_tokens()
        assert (await _send(client, oa.group_message_url, fresh, {"group_id": "g"}, "x"))["error"] == -216


async def test_oa_webhook_signature_and_events(oa: ZaloOAEmulator, receiver: Receiver) -> None:
    def check(received: Received) -> int:
        return (
            200
            if verify(oa.app_id, received.body, oa.oa_secret_key, received.headers.get("x-zevent-signature"))
            else 401
        )

    receiver.answer = check
    oa.set_webhook(receiver.url)
    delivery = await oa.post_group_text("g1", "u1", "/help", display_name="An")
    assert delivery.status == 200
    got = receiver.requests[-1]
    event = json.loads(got.body)
    assert event["event_name"] == "user_send_group_text" and event["app_id"] == oa.app_id
    assert event["sender"] == {"id": "u1"} and event["recipient"] == {"id": "g1"}
    assert event["message"]["text"] == "/help" and event["message"]["msg_id"]
    assert event["timestamp"] == str(oa.now_ms())
    digest = hashlib.sha256(
        (oa.app_id + got.body.decode() + event["timestamp"] + oa.oa_secret_key).encode()
    ).hexdigest()
    assert got.headers[SIGNATURE_HEADER.lower()] == f"mac={digest}"
    private = await oa.post_user_text("u2", "chào OA")
    assert private.payload["event_name"] == "user_send_text" and private.payload["recipient"] == {
        "id": oa.oa_id
    }
    assert oa.quota.in_free_window("u2")
    joined = await oa.post_member_joined("g1", "u3", display_name="Bình")
    left = await oa.post_member_left("g1", "u3", display_name="Bình")
    assert [joined.payload["event_name"], left.payload["event_name"]] == ["user_join_group", "user_out_group"]
    assert oa.transcript("g1").splitlines() == ["An: /help", "Bình (joined)", "Bình (left)"]
    unsigned = await oa.post_raw({"event_name": "user_send_text", "timestamp": "1"})
    tampered = await oa.post_raw(got.body.replace(b"/help", b"/kick"), got.headers)
    assert (unsigned.status, tampered.status) == (401, 401)
    stale = await oa.post_user_text("u2", "cũ", timestamp=oa.now() - timedelta(hours=2))
    assert stale.status == 200 and stale.payload["timestamp"] == str(oa.now_ms() - 7_200_000)


async def test_oa_faults_and_no_webhook(oa: ZaloOAEmulator, client: httpx.AsyncClient) -> None:
    oa.inject_fault("access_token", "502")
    response = await client.post(oa.access_token_url, data={"app_id": oa.app_id})
    assert response.status_code == 502
    oa.inject_fault("group/message", "drop")
    with pytest.raises(httpx.RemoteProtocolError):
        await _send(client, oa.group_message_url, oa.issue_access_token(), {"group_id": "g"}, "x")
    assert oa.sent_to_group("g") == [] and oa.calls[-1].fault == "drop"
    with pytest.raises(RuntimeError):
        await oa.post_user_text("u1", "no hook")
