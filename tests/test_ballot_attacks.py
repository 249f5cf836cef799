"""Attacks on the secret ballot: voting for another unit, twice, after close, by forged or replayed
button data. Each attempt gets a clear refusal and leaves the count as it was; afterwards the
database file and the logs still link no unit to its choices (the checks of test_secrecy.py).
Attacks on the ballot box's codes are in tests/test_ballot_box_counting.py."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

import pytest

from bot.polls.ballots import encode_ballot
from bot.polls.box import SEALED_SIZE
from bot.polls.secrecy import REDACTED
from bot.polls.tally import Ballot
from tests.attack_helpers import errors_logged, insane
from tests.conftest import CHAIR, GROUP, OUTSIDER
from tests.harness import BOT_USERNAME, BotHarness
from tests.test_polls_e2e import (
    POLL_TABLES,
    VOTERS,
    close_poll,
    committee_opens,
    link_voters,
    vote_by_text,
    vote_with_buttons,
)
from tests.test_secrecy import FORMATTER, files_of

OTHER_GROUP = -1001000000077
NON_VOTER = 301  # a second representative of unit #2; VOTERS[1] casts #2's ballots
OTHER_VOTER = 401  # the voter of unit #1 of another bloc
# What the refusals say (Vietnamese, the chats' language)
INVALID = "Nút này không còn hiệu lực"
NOT_MEMBER = "Anh/chị không bỏ phiếu"
NOT_VOTER = "Phiếu của đơn vị do Người bỏ phiếu 2 bỏ"
VOTED = "Đơn vị đã bỏ phiếu"
CLOSED = "đã kết thúc"
OTHER_ROUND = "Phiếu này thuộc vòng khác"
PRIVATE_ONLY = "trong cuộc trò chuyện riêng"


@dataclass(frozen=True)
class Attack:
    """One attempt: a text sent, or button data pressed on the actor's latest private message."""

    name: str
    actor: int
    says: str  # what the refusal must contain
    text: str | None = None
    data: str | None = None
    chat: int | None = None  # the actor's private chat unless given


IDENTITY = [  # poll #1 is open; VOTERS[1] (unit #2) has its ballot page
    Attack("non-voter of the unit, by text", NON_VOTER, NOT_VOTER, text="/vote 1 1: 3; 2: 4, 5"),
    Attack("non-voter opens the ballot", NON_VOTER, INVALID, data="bv:1:1:s"),
    Attack("non-voter replays the voter's tick", NON_VOTER, INVALID, data="bv:1:1:t:0:3"),
    Attack("non-voter replays Send", NON_VOTER, INVALID, data="bv:1:1:c"),
    Attack("non-voter's deep link", NON_VOTER, NOT_VOTER, text="/start vote_1"),
    Attack("member of no unit, by text", OUTSIDER, NOT_MEMBER, text="/vote 1 1: 3"),
    Attack("member of no unit, Send", OUTSIDER, INVALID, data="bv:1:1:c"),
    Attack("the chair's person, no unit", CHAIR, NOT_MEMBER, text="/vote 1 1: 3"),
    Attack("another bloc's voter, by text", OTHER_VOTER, NOT_MEMBER, text="/vote 1 1: 3"),
    Attack("another bloc's voter, buttons", OTHER_VOTER, INVALID, data="bv:1:1:t:0:3"),
    Attack("voter into another bloc's poll", VOTERS[1], NOT_MEMBER, text="/vote 2 1: 1"),
    Attack("voter into another bloc's poll, Send", VOTERS[1], INVALID, data="bv:2:1:c"),
    Attack("voter, in the group", VOTERS[1], PRIVATE_ONLY, text="/vote 1 1: 3", chat=GROUP),
]
FORGED = [  # the rightful voter of #2, with made-up data on their own ballot page
    Attack("no such candidate", VOTERS[1], INVALID, data="bv:1:1:t:0:99"),
    Attack("candidate 0", VOTERS[1], INVALID, data="bv:1:1:t:0:0"),
    Attack("negative candidate", VOTERS[1], INVALID, data="bv:1:1:t:0:-1"),
    Attack("candidate not a number", VOTERS[1], INVALID, data="bv:1:1:t:0:x"),
    Attack("huge candidate", VOTERS[1], INVALID, data="bv:1:1:t:0:99999999999999999999"),
    Attack("no such category", VOTERS[1], INVALID, data="bv:1:1:t:7:1"),
    Attack("confirmation answer in a pick category", VOTERS[1], INVALID, data="bv:1:1:a:0:y"),
    Attack("no such page", VOTERS[1], INVALID, data="bv:1:1:p:5"),
    Attack("unknown action", VOTERS[1], INVALID, data="bv:1:1:z"),
    Attack("no action", VOTERS[1], INVALID, data="bv:1:1"),
    Attack("own unit when self-vote is barred", VOTERS[1], INVALID, data="bv:1:1:t:0:2"),
    Attack("another round", VOTERS[1], OTHER_ROUND, data="bv:1:2:t:0:3"),
    Attack("deleted poll", VOTERS[1], INVALID, data="bv:4:1:s"),
    Attack("no such poll", VOTERS[1], INVALID, data="bv:999:1:c"),
    Attack("text: own unit", VOTERS[1], "tự bầu", text="/vote 1 1: 2; 2: 3, 4"),
    Attack("text: two in a seat of one", VOTERS[1], "🗳", text="/vote 1 1: 3, 4"),
    Attack("text: no such candidate", VOTERS[1], "🗳", text="/vote 1 1: 99"),
    Attack("text: no such category", VOTERS[1], "🗳", text="/vote 1 3: 1"),
    Attack("text: the same unit twice", VOTERS[1], "🗳", text="/vote 1 2: 4, 4"),
]
TWICE = [  # after VOTERS[1] cast #2's ballot
    Attack("again by text", VOTERS[1], VOTED, text="/vote 1 1: 5; 2: 6, 7"),
    Attack("Send replayed", VOTERS[1], VOTED, data="bv:1:1:c"),
    Attack("tick after voting", VOTERS[1], VOTED, data="bv:1:1:t:0:5"),
    Attack("the unit's other representative", NON_VOTER, NOT_VOTER, text="/vote 1 1: 5"),
    Attack("deep link after voting", VOTERS[1], VOTED, text="/start vote_1"),
]
AFTER_CLOSE = [  # poll #1 closed; VOTERS[4] never voted
    Attack("text after close", VOTERS[4], CLOSED, text="/vote 1 1: 3"),
    Attack("tick after close", VOTERS[4], CLOSED, data="bv:1:1:t:0:3"),
    Attack("Send after close", VOTERS[4], CLOSED, data="bv:1:1:c"),
    Attack("deep link after close", VOTERS[4], CLOSED, text="/start vote_1"),
]
ROUND_TWO = [  # poll #3 in round 2: its round-1 buttons replayed
    Attack("round-1 tick in round 2", VOTERS[0], OTHER_ROUND, data="bv:3:1:t:0:1"),
    Attack("round-1 Send in round 2", VOTERS[0], OTHER_ROUND, data="bv:3:1:c"),
    Attack("round-2 tick of a unit not in round 2", VOTERS[0], INVALID, data="bv:3:2:t:0:99"),
]
ALL = IDENTITY + FORGED + TWICE + AFTER_CLOSE + ROUND_TWO


async def attempt(h: BotHarness, attack: Attack) -> None:
    """Run one attack; it must be refused in words and leave every poll table as it was."""
    chat = attack.chat or attack.actor
    before = h.snapshot(*POLL_TABLES)
    texts = len(h.texts(chat))
    alerts = len(h.emu.callback_answers)
    if attack.data is not None:
        message = h.emu.last(chat)
        assert message is not None, attack.name
        await h.press(attack.actor, chat, message.message_id, attack.data)
        answers = h.emu.callback_answers[alerts:]
        said = " ".join(a.text or "" for a in answers)
        assert answers and all(a.show_alert for a in answers), (attack.name, answers)
    else:
        await h.send(attack.actor, chat, attack.text or "")
        said = "\n".join(h.texts(chat)[texts:])
    assert attack.says in said and not insane(said), (attack.name, said)
    assert h.snapshot(*POLL_TABLES) == before, attack.name


async def second_bloc(h: BotHarness) -> None:
    """Another bloc in another group, its poll #2 open, OTHER_VOTER voting for its unit #1."""
    h.person(OTHER_VOTER, "Người bỏ phiếu khối khác")
    h.group(OTHER_GROUP, "Khối thi đua số 7", admins=[CHAIR], members=[OTHER_VOTER])
    await h.send(CHAIR, OTHER_GROUP, "/setup Khối thi đua số 7")
    await h.send(CHAIR, OTHER_GROUP, "/units add\nSở Y tế\nSở Giáo dục và Đào tạo")
    await h.send(CHAIR, OTHER_GROUP, "/invite #1")
    link = re.findall(rf"t\.me/{BOT_USERNAME}\?start=(join_[\w-]+)", h.last_text(CHAIR))[0]
    await h.send(OTHER_VOTER, OTHER_VOTER, f"/start {link}")


async def test_ballot_attacks_are_refused_and_secrecy_holds(
    bloc: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    h = bloc
    with errors_logged() as errors:
        await link_voters(h)
        h.person(NON_VOTER, "Đại diện thứ hai")
        await h.send(CHAIR, GROUP, "/invite #2")
        link = re.findall(r"start=(join_[\w-]+)", h.last_text(CHAIR))[0]
        await h.send(NON_VOTER, NON_VOTER, f"/start {link}")
        await h.send(
            CHAIR, GROUP, "/poll Bình xét thi đua\nCờ thi đua | 1\nBằng khen | 2\nrules: self=no quorum=1/8"
        )
        await h.send(CHAIR, GROUP, "/poll 1 open")
        await second_bloc(h)
        await h.send(CHAIR, OTHER_GROUP, "/poll Bình xét khối 7\nCờ thi đua | 1\nrules: committee=1/1")
        await h.send(CHAIR, OTHER_GROUP, "/poll 2 open")
        await round_two_poll(h)  # poll #3
        await h.send(CHAIR, GROUP, "/poll Nháp\nCờ | 1")
        await h.send(CHAIR, GROUP, "/poll 4 delete")
        assert h.db_rows("SELECT id, status, round FROM polls ORDER BY id") == [
            (1, "open", 1),
            (2, "open", 1),
            (3, "open", 2),
        ]

        for attack in IDENTITY + FORGED:
            await attempt(h, attack)
        await h.press(VOTERS[1], VOTERS[1], h.emu.last(VOTERS[1]).message_id, "bv:1:1:s")
        await vote_with_buttons(h, VOTERS[1], [[3], [4, 5]])
        assert h.db_rows("SELECT unit_id FROM poll_turnout WHERE poll_id = 1") == [(2,)]
        for attack in TWICE:
            await attempt(h, attack)
        await replayed_by_another_voter(h)
        await racing_ballots(h)
        ballots = h.db_rows("SELECT count(*) FROM poll_ballots WHERE poll_id = 1")
        await close_poll(h, 1)
        assert h.db_rows("SELECT count(*) FROM poll_ballots WHERE poll_id = 1") == ballots
        for attack in AFTER_CLOSE + ROUND_TWO:
            await attempt(h, attack)
    assert not errors.records, errors.summary()
    assert len(ALL) == 44
    assert_secret(h, caplog)


async def round_two_poll(h: BotHarness) -> None:
    """Poll #3: three votes for #1, three for #5, none passes: round 2 among all, opened."""
    await h.send(CHAIR, GROUP, "/poll Bình xét cờ tỉnh\nCờ thi đua của UBND tỉnh | 1")
    await h.send(CHAIR, GROUP, "/poll 3 open")
    for uid, pick in zip(VOTERS[:6], ["1", "1", "1", "5", "5", "5"], strict=True):
        await vote_by_text(h, uid, f"3 1: {pick}")
    await close_poll(h, 3)
    await committee_opens(h, 3)
    await h.send(CHAIR, GROUP, "/poll 3 round2")


async def replayed_by_another_voter(h: BotHarness) -> None:
    """VOTERS[2] (unit #3) presses VOTERS[1]'s buttons: it acts on #3's own ballot, never #2's."""
    mine = h.emu.last(VOTERS[2])
    assert mine is not None
    await h.press(VOTERS[2], VOTERS[2], mine.message_id, "bv:1:1:s")
    before = h.snapshot(*POLL_TABLES)
    page = h.emu.last(VOTERS[2])
    assert page is not None
    await h.press(VOTERS[2], VOTERS[2], page.message_id, "bv:1:1:t:0:4")
    shown = h.emu.last(VOTERS[2])
    assert shown is not None and shown.text is not None
    assert "Bộ Chỉ huy Bộ đội Biên phòng tỉnh" in shown.text  # unit #3's ballot
    assert "Voting for: Công an tỉnh" not in shown.text and "cho: Công an tỉnh" not in shown.text
    assert h.snapshot(*POLL_TABLES) == before


async def racing_ballots(h: BotHarness) -> None:
    """VOTERS[3] (unit #4) writes a ballot, then presses Send twice at once (a double tap): exactly
    one is counted, and the receipt stays a receipt (the second press is answered apart).
    (Before ballots written as text were reviewed, this sent two /vote texts at once.)"""
    await h.send(VOTERS[3], VOTERS[3], "/vote 1 1: 3; 2: 5, 6")
    review = h.emu.last(VOTERS[3])
    assert review is not None and review.buttons
    alerts = len(h.emu.callback_answers)
    first = h.emu.post_callback(VOTERS[3], VOTERS[3], review.message_id, "bv:1:1:c")
    second = h.emu.post_callback(VOTERS[3], VOTERS[3], review.message_id, "bv:1:1:c")
    await h.settle(first.update_id)
    await h.settle(second.update_id)
    assert h.db_rows("SELECT unit_id FROM poll_turnout WHERE poll_id = 1 ORDER BY unit_id") == [(2,), (4,)]
    assert h.db_rows("SELECT count(*) FROM poll_ballots WHERE poll_id = 1") == [(2,)]
    receipt = next(m for m in h.emu.messages(VOTERS[3]) if m.message_id == review.message_id)
    assert "Đã nhận phiếu" in (receipt.text or "") and not receipt.buttons
    answers = [a.text or "" for a in h.emu.callback_answers[alerts:]]
    assert sum(VOTED in a for a in answers) == 1, answers


def assert_secret(h: BotHarness, caplog: pytest.LogCaptureFixture) -> None:
    """test_secrecy.py's checks: nothing links a unit to its choices, in the file or the logs.
    Poll #1 is closed but not counted: its ballots are all sealed, of one length, nothing plain."""
    assert h.config is not None
    ballots = h.db_rows("SELECT id, body FROM poll_ballots WHERE body IS NOT NULL")
    sealed = h.db_rows("SELECT poll_id, length(sealed) FROM poll_ballots WHERE sealed IS NOT NULL")
    assert {(1, SEALED_SIZE)} <= set(sealed) and {s for _p, s in sealed} == {SEALED_SIZE}
    assert h.db_rows("SELECT count(*) FROM poll_ballots WHERE poll_id = 1 AND body IS NOT NULL") == [(0,)]
    files = files_of(h.config.database_path)
    everything = b"".join(files.values())
    # Plain ballots exist only as poll #3's round 1, opened at its count (copies of that page in
    # the WAL are copies of the same opened set); none of poll #1's, which is still sealed.
    found = set(re.findall(rb'\{"c":\{[^}]*\},"y":\{[^}]*\}\}', everything))
    assert found and found <= {b.encode() for _i, b in ballots}
    for ticks in (((3,), (4, 5)), ((3,), (5, 6)), ((5,), (6, 7))):
        cast = encode_ballot(Ballot(choices=dict(enumerate(ticks)))).encode()
        assert cast not in everything
    texts = [FORMATTER.format(r) for r in caplog.records]
    secrets = [
        "🗳",
        "☑",
        "🔑",
        "bv:",
        "/vote",
        '"c":',
        *(body for _i, body in ballots),
        *(i for i, _b in ballots),
    ]
    for text in texts:
        for secret in secrets:
            assert secret not in text, (secret, text[:300])
    assert any(r.getMessage() == REDACTED for r in caplog.records)
