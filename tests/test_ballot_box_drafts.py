"""Ballot drafts (ticks before Send) are conversation rows keyed by (chat, person), with an
expiry, encrypted under a key only the running process has: every draft is a blob of one length
whatever it ticks, and after a restart it reads as expired: the voter is told, nothing is cast."""

from __future__ import annotations

import json

from bot.polls.ballots import BallotCategory, BallotForm, Draft
from handlers.polls.drafts import Drafts
from tests.conftest import CHAIR, GROUP
from tests.harness import BotHarness
from tests.test_polls_e2e import VOTERS, buttons, link_voters, mark, press_label

LOST = "đã mất do bot khởi động lại"
FORM = BallotForm(1, 1, 3, True, (BallotCategory(0, "Cờ", "pick", 2, (1, 2, 3, 4)),))


def drafts_of(h: BotHarness) -> dict[int, str]:
    """person -> the stored payload of their draft of poll #1, round 1."""
    rows = h.db_rows("SELECT person_id, payload FROM conversations WHERE slot = 'ballot:1:1'")
    return {int(p): json.loads(str(payload))["d"] for p, payload in rows}


async def tick(h: BotHarness, uid: int, label: str) -> None:
    message_id, data = press_label(h, uid, label)
    await h.press(uid, uid, message_id, data)


def test_a_draft_reads_back_only_in_the_process_that_wrote_it() -> None:
    mine, restarted = Drafts(), Drafts()
    draft = Draft(choices={0: (2, 4)})
    sealed = mine.seal(FORM, draft)
    back = mine.open(FORM, sealed)
    assert back is not None and back.ballot() == draft.ballot()
    assert restarted.open(FORM, sealed) is None
    assert mine.open(FORM, "zz") is None
    lengths = {len(mine.seal(FORM, Draft(choices={0: t}))) for t in ((), (1,), (1, 2), (3, 4))}
    assert len(lengths) == 1  # one length whatever is ticked
    assert mine.seal(FORM, draft) != sealed  # a fresh nonce each time
    assert "Drafts()" == repr(mine)


async def test_drafts_are_sealed_rows_and_a_restart_makes_them_unreadable(bloc: BotHarness) -> None:
    h = bloc
    await link_voters(h)
    await h.send(CHAIR, GROUP, "/poll Bình xét\nCờ thi đua | 1\nBằng khen | 2")
    await h.send(CHAIR, GROUP, "/poll 1 open")
    empty = drafts_of(h)
    assert set(empty) == set(VOTERS)  # a row per ballot page delivered
    await tick(h, VOTERS[0], mark(3))
    await tick(h, VOTERS[0], "▶")
    await tick(h, VOTERS[0], mark(4))
    await tick(h, VOTERS[0], mark(5))
    await tick(h, VOTERS[1], mark(6))
    for label in (mark(7), "▶", "▶"):  # VOTERS[2] reaches the review, with its Send button
        await tick(h, VOTERS[2], label)
    assert "✅" in str(buttons(h.emu.last(VOTERS[2])))
    stored = drafts_of(h)
    assert stored[VOTERS[0]] != empty[VOTERS[0]] and stored[VOTERS[1]] != empty[VOTERS[1]]
    assert len({len(v) for v in stored.values()}) == 1  # three ticks, one tick, none: one length
    rows = h.db_rows("SELECT payload FROM conversations WHERE slot = 'ballot:1:1'")
    assert not any('"c"' in str(p) or "Công an" in str(p) for (p,) in rows)

    await h.restart()
    alerts = len(h.emu.callback_answers)
    await tick(h, VOTERS[0], "◀")  # any press on the old page: the ticks are gone, and said so
    answer = h.emu.callback_answers[alerts]
    assert answer.show_alert and LOST in (answer.text or "")
    page = h.emu.last(VOTERS[0])
    assert page is not None and "☑" not in str(buttons(page))  # back on page 1, nothing ticked
    await tick(h, VOTERS[0], mark(2))  # the draft is readable again under the new key
    assert "☑" in str(buttons(h.emu.last(VOTERS[0])))
    alerts = len(h.emu.callback_answers)
    await tick(h, VOTERS[0], "▶")
    assert not h.emu.callback_answers[alerts].show_alert
    # Send on a review drawn before the restart casts nothing (it would be an empty ballot)
    alerts = len(h.emu.callback_answers)
    await tick(h, VOTERS[2], "✅")
    assert LOST in (h.emu.callback_answers[alerts].text or "")
    assert h.db_rows("SELECT count(*) FROM poll_turnout") == [(0,)]
    # /vote 1 shows the ballot anew and says the ticks were not kept
    await h.send(VOTERS[1], VOTERS[1], "/vote 1")
    assert LOST in "\n".join(h.texts(VOTERS[1])[-2:])
