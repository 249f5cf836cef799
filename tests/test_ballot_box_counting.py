"""Counting with the ballot box: k of n committee codes open it, k-1 cannot; a wrong, forged,
repeated, early or replayed code, or one from someone else, changes nothing; a restart between
the close and the count keeps every sealed ballot and asks the holders again; codes are held for
a limited time only; a box that cannot be opened is voted again, never guessed."""

from __future__ import annotations

import re
import secrets
import sqlite3
from datetime import timedelta

import pytest

import bot.polls.box
from bot.polls.box import ALPHABET, Share, parse_share
from bot.polls.cases.state import load_state
from handlers.polls.committee import issue_box
from handlers.polls.counting import COUNT_WAIT, resume
from handlers.polls.memory import SHARE_TTL, Memory
from tests.conftest import CHAIR, GROUP, OUTSIDER
from tests.harness import BotHarness
from tests.test_polls_e2e import (
    AWARD_POLL,
    POLL_TABLES,
    TEXT_BALLOTS,
    VOTERS,
    close_poll,
    codes_of,
    committee_opens,
    link_voters,
    vote_by_text,
)

RESULTS = "Kết quả bỏ phiếu kín #1"
TABLES = (*POLL_TABLES, "poll_boxes", "poll_box_holders", "poll_counts")
# What the refusals say (Vietnamese, the chats' language)
MALFORMED = "không phải mã Ban kiểm phiếu"
TYPO = "gõ sai"
NO_BOX = "không mở hòm phiếu nào đang chờ mở"
STILL_OPEN = "vẫn đang diễn ra"
NOT_HOLDER = "không thuộc Ban kiểm phiếu"
NOT_YOURS = "thuộc một thành viên khác"
DUPLICATE = "Đã nhận mã của anh/chị rồi"
WRONG = "không mở được hòm phiếu: có một mã không đúng"
ONE_OF_TWO = "1 trên 2 mã"


async def voted_and_closed(h: BotHarness, rules: str = "") -> None:
    """The issue's award poll, seven units voting by text, closed: the box waits."""
    await link_voters(h)
    await h.send(CHAIR, GROUP, AWARD_POLL + (f" {rules}" if rules else ""))
    await h.send(CHAIR, GROUP, "/poll 1 open")
    for index, text in TEXT_BALLOTS.items():
        await vote_by_text(h, VOTERS[index], f"1 {text}")
    await vote_by_text(h, VOTERS[0], "1 1: 2; 2: 3, 4; 3: 5, 6, 7")
    await close_poll(h, 1)


def results(h: BotHarness) -> list[str]:
    return [t for t in h.texts(GROUP) if t.startswith("📊") and RESULTS in t]


def sealed_count(h: BotHarness) -> int:
    return int(h.db_rows("SELECT count(*) FROM poll_ballots WHERE poll_id = 1 AND sealed IS NOT NULL")[0][0])


async def said(h: BotHarness, person: int, text: str) -> str:
    await h.send(person, person, text)
    return h.last_text(person)


async def test_k_of_n_codes_open_the_box_and_k_minus_one_cannot(bloc: BotHarness) -> None:
    h = bloc
    await voted_and_closed(h, "committee=3/4")
    holders = codes_of(h, 1)
    assert [p for p, _c in holders] == [VOTERS[2], VOTERS[3], VOTERS[0], VOTERS[1]]  # chair, vice, roster
    asked = [h.last_text(p) for p, _c in holders]
    assert all("/kiemphieu <mã>" in t for t in asked)  # each holder was asked privately
    waiting = h.last_text(GROUP)
    assert "bất kỳ 3 người" in waiting and "phiếu (" not in waiting
    before = h.snapshot(*TABLES)
    for person, code in holders[:2]:  # k-1 = 2 codes
        await h.send(person, person, f"/kiemphieu {code}")
    assert "2 trên 3 mã" in h.last_text(holders[1][0])
    assert h.snapshot(*TABLES) == before and not results(h)  # still sealed, nothing counted
    assert sealed_count(h) == 7
    await h.send(*holders[3][:1], holders[3][0], f"/kiemphieu {holders[3][1]}")  # the third: k
    assert "đã được mở và kiểm phiếu" in h.last_text(holders[3][0])
    (text,) = results(h)
    assert "Công an tỉnh: 6 phiếu (75,0%)" in text and "thu về: 7" in text
    assert "Ban kiểm phiếu đã mở hòm phiếu" in text
    assert sealed_count(h) == 0 and h.db_rows("SELECT count(*) FROM poll_boxes") == [(0,)]
    assert h.db_rows("SELECT share, opened FROM poll_box_holders ORDER BY share") == [
        (1, 1),
        (2, 1),
        (3, 0),
        (4, 1),
    ]
    for person, code in holders:  # each code's message now says it is of no use
        assert all(code not in t for t in h.texts(person))


async def test_wrong_early_repeated_forged_and_replayed_codes_change_nothing(bloc: BotHarness) -> None:
    h = bloc
    await link_voters(h)
    await h.send(CHAIR, GROUP, AWARD_POLL)
    await h.send(CHAIR, GROUP, "/poll 1 open")
    (chair, chair_code), (vice, vice_code), (third, third_code) = codes_of(h, 1)
    assert STILL_OPEN in await said(h, chair, f"/kiemphieu {chair_code}")  # voting not over
    for index, text in TEXT_BALLOTS.items():
        await vote_by_text(h, VOTERS[index], f"1 {text}")
    await h.send(CHAIR, GROUP, "/poll Bình xét khác\nBằng khen | 1")
    await h.send(CHAIR, GROUP, "/poll 2 open")
    other = dict(codes_of(h, 2))[chair]
    await close_poll(h, 1)
    before = h.snapshot(*TABLES)
    typo = chair_code[:-1] + next(c for c in ALPHABET if c != chair_code[-1])
    forged = Share(parse_share(chair_code).box_id, parse_share(chair_code).index, bytes(16)).code()
    attempts = [
        (chair, "/kiemphieu xin chào", MALFORMED),
        (chair, f"/kiemphieu {typo}", TYPO),
        (chair, f"/kiemphieu {other}", STILL_OPEN),  # the box of poll #2, still voting
        (VOTERS[4], f"/kiemphieu {chair_code}", NOT_HOLDER),  # forwarded to someone else
        (OUTSIDER, f"/kiemphieu {vice_code}", NOT_HOLDER),
        (vice, f"/kiemphieu {chair_code}", NOT_YOURS),  # another member's code
        (chair, f"/kiemphieu {forged}", ONE_OF_TWO),  # passes the checksum: kept for now
        (chair, f"/kiemphieu {chair_code}", DUPLICATE),  # the chair's share is in (the forged one)
    ]
    for person, text, expected in attempts:
        answer = await said(h, person, text)
        assert expected in answer, (text, answer)
        assert h.snapshot(*TABLES) == before, text
    assert WRONG in await said(h, vice, f"/kiemphieu {vice_code}")  # the two do not open the box
    assert WRONG in h.last_text(chair)  # both are told; the codes given are dropped, to be sent again
    assert h.snapshot(*TABLES) == before and not results(h)
    assert ONE_OF_TWO in await said(h, vice, f"/kiemphieu {vice_code}")
    assert "đã được mở" in await said(h, third, third_code.lower().replace("-", " "))  # pasted alone
    assert len(results(h)) == 1
    counted = h.snapshot(*TABLES)
    for person, code in ((chair, chair_code), (vice, vice_code)):  # replayed after the count
        assert NO_BOX in await said(h, person, f"/kiemphieu {code}")
    assert h.snapshot(*TABLES) == counted and len(results(h)) == 1
    await h.send(chair, GROUP, f"/kiemphieu {other}")  # in the group: only in a private chat
    assert "riêng" in h.last_text(GROUP)


async def test_a_restart_between_close_and_count_keeps_the_sealed_ballots_and_asks_again(
    bloc: BotHarness,
) -> None:
    h = bloc
    await voted_and_closed(h)
    (chair, chair_code), (vice, vice_code), (third, _code) = codes_of(h, 1)
    await h.send(chair, chair, f"/kiemphieu {chair_code}")
    assert ONE_OF_TWO in h.last_text(chair)
    sealed = h.db_rows("SELECT sealed FROM poll_ballots WHERE poll_id = 1 ORDER BY id")
    await h.restart()
    assert h.db_rows("SELECT sealed FROM poll_ballots WHERE poll_id = 1 ORDER BY id") == sealed
    assert len(sealed) == 7 and h.db_rows("SELECT count(*) FROM poll_boxes") == [(1,)]
    # at start-up (bot/app.py runs counting.resume) the holders are asked again
    assert await resume(h.services, Memory()) == 1
    await h.services.drain()
    for person in (chair, vice, third):
        assert "khởi động lại" in h.last_text(person)
    # the code given before the restart was forgotten: the vice chair's is the first again
    await h.send(vice, vice, f"/kiemphieu {vice_code}")
    assert ONE_OF_TWO in h.last_text(vice)
    assert not results(h)
    await h.send(chair, chair, f"/kiemphieu {chair_code}")
    (text,) = results(h)
    assert "Công an tỉnh: 6 phiếu (75,0%)" in text and "thu về: 7; hợp lệ: 7" in text


async def test_looking_at_the_poll_after_a_restart_asks_the_holders_again(bloc: BotHarness) -> None:
    h = bloc
    await voted_and_closed(h)
    holders = [p for p, _c in codes_of(h, 1)]
    await h.restart()
    await h.send(OUTSIDER, GROUP, "/poll 1")
    assert "Ban kiểm phiếu mở hòm phiếu" in h.last_text(GROUP) and "0 trên 2" in h.last_text(GROUP)
    assert all("khởi động lại" in h.last_text(p) for p in holders)
    asked = len(h.texts(holders[0]))
    await h.send(OUTSIDER, GROUP, "/poll 1")  # asked once per run of the bot, not at every look
    assert len(h.texts(holders[0])) == asked
    await committee_opens(h, 1)
    assert len(results(h)) == 1


async def test_codes_are_forgotten_after_their_time(bloc: BotHarness) -> None:
    h = bloc
    await voted_and_closed(h)
    (chair, chair_code), (vice, vice_code), _third = codes_of(h, 1)
    await h.send(chair, chair, f"/kiemphieu {chair_code}")
    assert "12 giờ" in h.last_text(chair)
    h.clock.advance(SHARE_TTL + timedelta(minutes=1))
    await h.send(vice, vice, f"/kiemphieu {vice_code}")
    assert ONE_OF_TWO in h.last_text(vice) and not results(h)  # the chair's code expired
    await h.send(chair, chair, f"/kiemphieu {chair_code}")
    assert len(results(h)) == 1


async def test_a_box_that_cannot_be_opened_is_voted_again(bloc: BotHarness) -> None:
    h = bloc
    await link_voters(h)
    await h.send(CHAIR, GROUP, AWARD_POLL)
    await h.send(CHAIR, GROUP, "/poll 1 open")
    for index, text in TEXT_BALLOTS.items():
        await vote_by_text(h, VOTERS[index], f"1 {text}")
    holders = codes_of(h, 1)
    await h.send(CHAIR, GROUP, "/poll 1 rerun")  # voting is open: nothing to vote again
    assert "không có vòng nào cần bỏ phiếu lại" in h.last_text(GROUP)
    h.emu.set_blocked(holders[0][0])  # two of the three holders can no longer be reached
    h.emu.set_blocked(holders[1][0])
    await close_poll(h, 1)
    assert "Chỉ liên lạc được 1 thành viên" in h.last_text(GROUP)
    await h.send(CHAIR, GROUP, "/binhxet 1 round2")  # nothing else moves while the box waits
    assert "Ban kiểm phiếu" in h.last_text(GROUP)
    h.emu.set_blocked(holders[0][0], False)
    h.emu.set_blocked(holders[1][0], False)
    seen = {uid: len(h.texts(uid)) for uid in VOTERS}
    await h.send(CHAIR, GROUP, "/poll 1 bophieulai")
    assert "bỏ phiếu lại" in "\n".join(h.texts(GROUP)[-3:])
    assert h.db_rows("SELECT status, round FROM polls") == [("open", 1)]
    assert h.db_rows("SELECT count(*) FROM poll_ballots") == [(0,)]  # destroyed unopened
    assert h.db_rows("SELECT count(*) FROM poll_turnout") == [(0,)]
    for person, code in holders:  # the old codes are void
        await h.send(person, person, f"/kiemphieu {code}")
        assert NO_BOX in h.last_text(person)
    assert all(any(t.startswith("🗳") for t in h.texts(uid)[seen[uid] :]) for uid in VOTERS)  # new ballots
    for index, text in TEXT_BALLOTS.items():
        await vote_by_text(h, VOTERS[index], f"1 {text}")
    await close_poll(h, 1)
    await committee_opens(h, 1)
    assert "Công an tỉnh: 5 phiếu (62,5%)" in results(h)[0]


async def test_the_time_limit_lets_the_chair_have_the_round_voted_again(bloc: BotHarness) -> None:
    h = bloc
    await voted_and_closed(h)
    await h.send(CHAIR, GROUP, "/poll 1 rerun")
    assert "không có vòng nào cần bỏ phiếu lại" in h.last_text(GROUP)
    h.clock.advance(COUNT_WAIT)
    await h.send(CHAIR, GROUP, "/poll 1 rerun")
    assert h.db_rows("SELECT status FROM polls") == [("open",)]
    assert h.db_rows("SELECT count(*) FROM poll_ballots") == [(0,)]


async def test_the_counting_committee_is_named_and_the_box_follows_it(bloc: BotHarness) -> None:
    h = bloc
    await link_voters(h)
    await h.send(CHAIR, GROUP, AWARD_POLL)
    await h.send(CHAIR, GROUP, "/poll 1 committee")
    assert "Bộ Chỉ huy Quân sự tỉnh (Người bỏ phiếu 1)" in h.last_text(GROUP)  # the roster fills in
    await h.send(CHAIR, GROUP, "/binhxet 1 bankiemphieu Thanh tra tỉnh")
    assert "Thanh tra tỉnh (Người bỏ phiếu 8)" in h.last_text(GROUP)
    assert "Người bỏ phiếu 1" not in h.last_text(GROUP)
    await h.send(CHAIR, GROUP, "/poll 1 open")
    assert [p for p, _c in codes_of(h, 1)] == [VOTERS[2], VOTERS[3], VOTERS[7]]
    first = codes_of(h, 1)
    await h.send(CHAIR, GROUP, "/poll 1 committee #5")  # before any ballot: a new box
    assert [p for p, _c in codes_of(h, 1)] == [VOTERS[2], VOTERS[3], VOTERS[4]]
    assert all(code not in t for p, code in first for t in h.texts(p))  # the old codes are void
    await vote_by_text(h, VOTERS[1], "1 1: 2; 2: 3, 4; 3: 5, 6, 7")
    holders = h.db_rows("SELECT person_id FROM poll_box_holders ORDER BY share")
    await h.send(CHAIR, GROUP, "/poll 1 committee #6")  # a ballot is in: the box stays
    assert "đã có phiếu" in "\n".join(h.texts(GROUP)[-2:])
    assert h.db_rows("SELECT person_id FROM poll_box_holders ORDER BY share") == holders
    await h.send(OUTSIDER, GROUP, "/poll 1 committee #6")
    assert h.db_rows("SELECT unit_id FROM poll_committee") == [(6,)]  # the chair's, not an outsider's


async def test_voting_does_not_open_without_enough_committee_members(bloc: BotHarness) -> None:
    h = bloc
    h.person(VOTERS[0], "Người bỏ phiếu 1")
    await h.send(CHAIR, CHAIR, "/start")
    await h.send(CHAIR, GROUP, "/invite #1")
    link = re.findall(r"start=(join_[\w-]+)", h.last_text(CHAIR))[0]
    await h.send(VOTERS[0], VOTERS[0], f"/start {link}")
    await h.send(CHAIR, GROUP, "/poll Bình xét\nBằng khen | 1")
    await h.send(CHAIR, GROUP, "/poll 1 open")
    assert "cần 2 thành viên Ban kiểm phiếu" in h.last_text(GROUP)
    assert h.db_rows("SELECT status FROM polls") == [("draft",)]
    assert not any("🔑" in t for t in h.texts(VOTERS[0]))  # no code was given for a box never made
    await h.send(CHAIR, GROUP, "/poll Bình xét nhỏ\nBằng khen | 1\nrules: committee=1/1")
    await h.send(CHAIR, GROUP, "/poll 2 open")
    assert h.db_rows("SELECT id, status FROM polls ORDER BY id") == [(1, "draft"), (2, "open")]


async def test_a_round_opened_before_ballot_boxes_gets_one_and_counts_its_old_ballots(
    bloc: BotHarness,
) -> None:
    """An upgrade in the middle of a vote: the round has no box and one plain ballot (as stored
    before); no plain ballot is taken any more until the chair gives it a box, and the count
    takes the old ballot with the sealed ones."""
    h = bloc
    await link_voters(h)
    await h.send(CHAIR, GROUP, "/poll Bình xét\nCờ thi đua của UBND tỉnh | 1\nrules: quorum=1/8")
    await h.send(CHAIR, GROUP, "/poll 1 open")
    assert h.config is not None
    with sqlite3.connect(h.config.database_path) as conn:  # what the old version had stored
        conn.execute("DELETE FROM poll_boxes")
        conn.execute("DELETE FROM poll_box_holders")
        conn.execute("INSERT INTO poll_turnout VALUES (1, 1, 8)")
        conn.execute(
            "INSERT INTO poll_ballots(poll_id, round, id, body) VALUES (1, 1, 'ab', ?)",
            ('{"c":{"0":[3]},"y":{}}',),
        )
    await h.send(VOTERS[0], VOTERS[0], "/vote 1 1: 3")
    assert "chưa có hòm phiếu" in h.last_text(VOTERS[0])
    assert h.db_rows("SELECT count(*) FROM poll_ballots") == [(1,)]
    await h.send(CHAIR, GROUP, "/poll 1 committee")
    assert h.db_rows("SELECT count(*) FROM poll_boxes") == [(1,)]
    for uid in VOTERS[:2]:
        await vote_by_text(h, uid, "1 1: 3")
    await close_poll(h, 1)
    await committee_opens(h, 1)
    (text,) = results(h)
    assert "thu về: 3" in text and "Bộ Chỉ huy Bộ đội Biên phòng tỉnh: 3 phiếu" in text


async def test_two_boxes_made_at_once_never_share_an_id(
    bloc: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A box's id is drawn at random among those not stored yet; two polls opened at the same
    moment both drew before either was stored, and one opening failed on the stored id being
    taken (seen in the bench, 50 polls opened at once). The ids this process made count as
    taken: with the draw forced to repeat itself, the second box gets the next draw."""
    await link_voters(bloc)
    await bloc.send(CHAIR, GROUP, AWARD_POLL)
    state = await load_state(bloc.services.db, 1)
    assert state is not None
    draws = iter([b"\x12\x34", b"\x12\x34", b"\x43\x21"])
    monkeypatch.setattr(
        bot.polls.box.nacl.utils,
        "random",
        lambda size: next(draws) if size == 2 else secrets.token_bytes(size),
    )
    first = await issue_box(bloc.services, state, 1)
    second = await issue_box(bloc.services, state, 1)
    assert first.box is not None and second.box is not None
    assert first.box.box_id != second.box.box_id
