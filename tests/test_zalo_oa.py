"""The Zalo Official Account channel through its emulator: group posts and one-to-one messages,
signed webhooks (forged, unsigned, tampered, stale, another app's: refused), OAuth tokens
refreshed ahead of expiry by the courier process, quota used up without losing a message."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

import bot.channels.zalo.transport
from bot.channels.zalo.oa_outbox import ROUND
from bot.channels.zalo.oa_tokens import LEAD
from bot.emulators.zalo import SIGNATURE_HEADER
from bot.emulators.zalo.oa_events import encode, group_text_event
from tests.zalo_harness import ZaloHarness

GROUP = "g-42"
AN, BINH, OPERATOR = "7001", "7002", "9001"
NOTICE = "trợ lý tự động"


@pytest.fixture(autouse=True)
def quick(monkeypatch: pytest.MonkeyPatch) -> None:
    """Retries after 10-20 ms instead of 0.25-0.5 s."""
    monkeypatch.setattr(bot.channels.zalo.transport, "BASE_DELAY", 0.02)


@pytest.fixture
async def z(tmp_path: Path) -> AsyncIterator[ZaloHarness]:
    """The OA and the Bot Platform, with an operator who has written to the Zalo bot."""
    async with ZaloHarness(
        tmp_path, oa=True, operators=[f"zalo:{OPERATOR}"], resolve_operators=False
    ) as harness:
        await harness.say(OPERATOR, "/start", name="Người vận hành")
        yield harness


def refreshes(z: ZaloHarness) -> list[tuple[str | None, str]]:
    return [(r[0], r[1]) for r in z.rows("SELECT outcome, note FROM zalo_oa_refreshes ORDER BY id")]


async def test_a_bloc_in_the_oa_group_and_one_to_one_messages(z: ZaloHarness) -> None:
    delivery = await z.group_say(GROUP, AN, "/taokhoi Khối thi đua số 3")
    assert delivery.status == 200
    notice, done = z.group_texts(GROUP)
    assert NOTICE in notice and 'Đã thiết lập "Khối thi đua số 3"' in done
    await z.group_say(GROUP, AN, "/khoi")
    assert len(z.group_texts(GROUP)) == 3 and NOTICE not in z.group_texts(GROUP)[2]  # noticed once
    await z.oa_say(BINH, "/start")
    notice, greeting = z.oa_texts(BINH)
    assert NOTICE in notice and "blocbot" in greeting
    assert z.rows("SELECT COUNT(*) FROM blocs WHERE chat_id >= ?", (1 << 53,)) == [(1,)]
    month = z.now().strftime("%Y-%m")
    assert z.rows(
        "SELECT free_sent, counted_sent, group_sent FROM zalo_oa_quota WHERE month = ?", (month,)
    ) == [(2, 0, 3)]
    assert z.oa_emu is not None and [m.quota_type for m in z.oa_emu.sent_to_user(BINH)] == ["reply", "reply"]


async def test_forged_unsigned_tampered_stale_and_foreign_events_are_refused(z: ZaloHarness) -> None:
    oa = z.oa_emu
    assert oa is not None
    good = group_text_event(oa.app_id, oa.oa_id, GROUP, AN, "/taokhoi Khối giả", "m-1", oa.now_ms())
    body = encode(good)
    signed = {"Content-Type": "application/json", SIGNATURE_HEADER: oa.sign(body, good["timestamp"])}
    unsigned = await oa.post_raw(body, {"Content-Type": "application/json"})
    forged = await oa.post_raw(body, {**signed, SIGNATURE_HEADER: "mac=" + "0" * 64})
    tampered = await oa.post_raw(body.replace("Khối giả".encode(), "Khối khác".encode()), signed)
    stale_event = {
        **good,
        "timestamp": str(oa.now_ms() - 10 * 60_000),
        "message": {"text": "/khoi", "msg_id": "m-2"},
    }
    stale_body = encode(stale_event)
    stale = await oa.post_raw(stale_body, {SIGNATURE_HEADER: oa.sign(stale_body, stale_event["timestamp"])})
    other_event = {**good, "app_id": "1111", "message": {"text": "/khoi", "msg_id": "m-3"}}
    other_body = encode(other_event)
    other = await oa.post_raw(other_body, {SIGNATURE_HEADER: oa.sign(other_body, other_event["timestamp"])})
    not_json = await oa.post_raw(b"not json", signed)
    assert [d.status for d in (unsigned, forged, tampered, stale, other, not_json)] == [
        401,
        401,
        401,
        403,
        403,
        401,
    ]
    assert z.group_texts(GROUP) == [] and z.rows("SELECT COUNT(*) FROM blocs") == [(0,)]
    accepted = await oa.post_raw(body, signed)  # the genuine event is taken, once
    again = await oa.post_raw(body, signed)
    await z.settle()
    assert (accepted.status, again.status) == (200, 200)
    assert z.rows("SELECT name FROM blocs") == [("Khối giả",)] and len(z.group_texts(GROUP)) == 2


async def test_the_access_token_is_refreshed_ahead_of_expiry_once(z: ZaloHarness) -> None:
    oa = z.oa_emu
    assert oa is not None
    await z.group_say(GROUP, AN, "/taokhoi Khối thi đua số 3")
    (first,) = z.rows("SELECT id, refresh_token FROM zalo_oa_tokens WHERE retired_at IS NULL")
    z.clock.advance(timedelta(seconds=oa.tokens.access_ttl) - LEAD + timedelta(minutes=1))
    # Two chats at once: one refresh, the other waits for it and uses its token.
    await asyncio.gather(z.group_say(GROUP, AN, "/khoi"), z.oa_say(BINH, "/start"))
    assert oa.refresh_count == 1 and oa.tokens.rejected_count == 0
    assert refreshes(z) == [("done", "")]
    pairs = z.rows("SELECT id, retired_at IS NULL FROM zalo_oa_tokens ORDER BY id")
    assert pairs == [(first[0], 0), (first[0] + 1, 1)]
    assert len(z.group_texts(GROUP)) == 3 and len(z.oa_texts(BINH)) == 2
    await z.restart()  # the new pair is in the database, not in memory
    await z.group_say(GROUP, AN, "/khoi")
    assert oa.refresh_count == 1 and len(z.group_texts(GROUP)) == 4


async def test_an_access_token_zalo_calls_invalid_is_refreshed_and_the_message_sent(z: ZaloHarness) -> None:
    oa = z.oa_emu
    assert oa is not None
    oa.expire_access_tokens()
    await z.group_say(GROUP, AN, "/taokhoi Khối thi đua số 3")
    assert oa.refresh_count == 1 and len(z.group_texts(GROUP)) == 2


async def test_a_refused_refresh_keeps_messages_and_tells_the_operator(z: ZaloHarness) -> None:
    oa = z.oa_emu
    assert oa is not None
    oa.expire_access_tokens()
    oa.expire_refresh_tokens()
    await z.group_say(GROUP, AN, "/taokhoi Khối thi đua số 3")
    assert z.group_texts(GROUP) == [] and z.rows(
        "SELECT COUNT(*) FROM zalo_oa_kept WHERE sent_at IS NULL"
    ) == [(2,)]
    assert refreshes(z)[0][0] == "refused"
    assert any("blocbot zalo login" in t for t in z.bot_texts(OPERATOR))
    # The admin logs in again (a new pair): the kept messages go out, in order.
    assert z.services is not None and z.zalo is not None and z.zalo.oa_outbox is not None
    async with z.services.db.transaction() as uow:
        await uow.zalo.tokens.install(
            oa.issue_access_token(), oa.issue_refresh_token(), z.now() + timedelta(hours=25)
        )
    z.clock.advance(ROUND)
    assert await z.zalo.oa_outbox.send_kept() == 2
    notice, done = z.group_texts(GROUP)
    assert NOTICE in notice and "Khối thi đua số 3" in done


async def test_quota_used_up_loses_nothing_and_the_operator_is_told_once(z: ZaloHarness) -> None:
    oa = z.oa_emu
    assert oa is not None and z.zalo is not None and z.zalo.oa_outbox is not None
    await z.group_say(GROUP, AN, "/taokhoi Khối thi đua số 3")
    await z.oa_say(BINH, "/start")
    oa.exhaust_quota()
    for text in ("/khoi", "/donvi", "/khoi"):
        delivery = await z.group_say(GROUP, AN, text)
        assert delivery.status == 200  # the event is taken; the answers wait
    assert len(z.group_texts(GROUP)) == 2
    kept = z.rows("SELECT text FROM zalo_oa_kept WHERE sent_at IS NULL ORDER BY id")
    assert len(kept) == 3
    told = [t for t in z.bot_texts(OPERATOR) if "hạn mức" in t]
    assert len(told) == 1 and "blocbot zalo quota" in told[0]
    z.clock.advance(ROUND)
    assert await z.zalo.oa_outbox.send_kept() == 0  # still used up: kept, tried later
    oa.exhaust_quota(False)
    await z.group_say(GROUP, AN, "/khoi")  # a new answer waits behind the kept ones
    assert len(z.group_texts(GROUP)) == 2
    z.clock.advance(ROUND)
    assert await z.zalo.oa_outbox.send_kept() == 4
    assert [t for t in z.group_texts(GROUP)[2:]] == [k[0] for k in kept] + [z.group_texts(GROUP)[-1]]
    assert z.rows("SELECT COUNT(*) FROM zalo_oa_kept WHERE sent_at IS NULL") == [(0,)]


async def test_member_events_are_recorded_and_answered_with_silence(z: ZaloHarness) -> None:
    oa = z.oa_emu
    assert oa is not None
    joined = await oa.post_member_joined(GROUP, BINH)
    left = await oa.post_member_left(GROUP, BINH)
    assert (joined.status, left.status) == (200, 200) and z.group_texts(GROUP) == []
    assert ("zalo_oa", "person", BINH) in z.rows("SELECT channel, kind, external FROM identities")
    reply = json.loads(joined.response_text)
    assert reply["error"] == 0
