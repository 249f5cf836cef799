"""SIGKILL the bot while secret ballots are being cast; restart; no ballot counted twice or half.

The bloc, its voters and the open poll are set up by the in-process bot; then the same database
and emulator are served by the real bot process, killed three times at different points of a
cast (a ballot written as text is cast when its voter presses Send on its review): after the
commit with the card edit in flight, after the receipt reached Telegram, and as soon as the
turnout row is visible (the file scrub runs then). (tests/test_crash_forms.py kills
the bot as soon as it fetched an update.)
After every restart: PRAGMA integrity_check, the turnout and the ballots name the same units
(ballots are anonymous and sealed in the database: the test opens them as the counting committee
would, with the codes the bot gave two holders; each test voter puts its own unit alone in
category 1, which lets the test match them), no plain ballot is in the files, and every voter who
got a receipt is counted. Voters left without an answer vote again, as a person would, and get a
receipt or "already in". At the end the committee opens the box through the bot.
"""

from __future__ import annotations

from pathlib import Path

from bot.polls.ballots import unpack_ballot
from bot.polls.box import Opener, SealedBox, open_box, parse_share
from bot.polls.tally import Category
from tests.conftest import CHAIR, GROUP
from tests.harness import BotHarness
from tests.procbot import ProcBot, until
from tests.test_polls_e2e import AWARD_POLL, VOTERS, codes_of, link_voters

RECEIPT = "Đã nhận phiếu"
ALREADY = "không sửa được"
SEND = "bv:1:1:c"  # Send on a ballot's review


def vote(i: int) -> str:
    """Voter i (1-8, unit #i) votes for its own unit in category 1 (quota 1), then others."""
    a, b, c = i, i % 8 + 1, (i + 1) % 8 + 1
    return f"/vote 1 1: {a}; 2: {a}, {b}; 3: {a}, {b}, {c}"


def review_after(bot: BotHarness, i: int, seen: int) -> int | None:
    """The message id of voter i's ballot review shown after their first `seen` messages."""
    for message in bot.emu.messages(VOTERS[i - 1])[seen:]:
        if any(b.get("callback_data") == SEND for row in message.buttons for b in row):
            return message.message_id
    return None


async def write(bot: BotHarness, voters: range | tuple[int, ...]) -> dict[int, int]:
    """Each voter writes their ballot as text; the bot shows each a review, and takes the
    buttons off the page it replaces (or says the ballot is in). Returns the review's message
    id per voter shown one."""
    seen = {i: len(bot.emu.messages(VOTERS[i - 1])) for i in voters}
    for i in voters:
        bot.emu.post_message(VOTERS[i - 1], VOTERS[i - 1], vote(i))

    def reviewed(i: int) -> bool:
        older = bot.emu.messages(VOTERS[i - 1])[: seen[i]]
        return review_after(bot, i, seen[i]) is not None and not any(m.buttons for m in older)

    await until(lambda: all(reviewed(i) or answered(bot, i) for i in voters), 20, "the reviews")
    return {i: m for i in voters if (m := review_after(bot, i, seen[i])) is not None}


def send(bot: BotHarness, reviews: dict[int, int]) -> None:
    """Each voter presses Send on their review."""
    for i, message_id in reviews.items():
        bot.emu.post_callback(VOTERS[i - 1], VOTERS[i - 1], message_id, SEND)


def answered(bot: BotHarness, i: int) -> bool:
    """Voter i has a receipt or the 'already in' answer."""
    return any(RECEIPT in t or ALREADY in t for t in bot.texts(VOTERS[i - 1]))


def receipted(bot: BotHarness) -> set[int]:
    """Voters holding a receipt."""
    return {i for i in range(1, 9) if any(RECEIPT in t for t in bot.texts(VOTERS[i - 1]))}


def committee(bot: BotHarness, proc: ProcBot) -> Opener:
    """The box opened as two of its holders would, with the codes the bot gave them."""
    [(box_id, public, wrapped, k, n)] = proc.rows(
        "SELECT box_id, public_key, wrapped_key, k, n FROM poll_boxes WHERE poll_id = 1 AND round = 1"
    )
    box = SealedBox(str(box_id), bytes(public), bytes(wrapped), int(k), int(n))
    return open_box(box, [parse_share(code) for _holder, code in codes_of(bot, 1)[:2]])


def counted(bot: BotHarness, proc: ProcBot) -> tuple[list[int], list[int]]:
    """(voters in the turnout, voters whose ballot is stored), as sorted unit numbers."""
    number = {
        int(r[0]): k
        for k, r in enumerate(proc.rows("SELECT id FROM units WHERE bloc_id = 1 ORDER BY position"), 1)
    }
    turnout = sorted(
        number[int(r[0])]
        for r in proc.rows("SELECT unit_id FROM poll_turnout WHERE poll_id = 1 AND round = 1")
    )
    cats = [
        Category(
            int(idx),
            "",
            int(quota),
            tuple(
                int(u)
                for (u,) in proc.rows(
                    "SELECT unit_id FROM poll_candidates WHERE poll_id = 1 AND round = 1 AND idx = ? ORDER BY position",
                    (idx,),
                )
            ),
        )
        for idx, quota in proc.rows("SELECT idx, quota FROM poll_categories WHERE poll_id = 1 ORDER BY idx")
    ]
    opener = committee(bot, proc)
    ballots = [
        unpack_ballot(opener.open(bytes(r[0])), cats)
        for r in proc.rows("SELECT sealed FROM poll_ballots WHERE poll_id = 1 AND round = 1")
    ]
    own = sorted(number[next(p for p in b.choices.values() if len(p) == 1)[0]] for b in ballots)
    return turnout, own


def no_plain_ballot(proc: ProcBot) -> None:
    """What a kill leaves on disk holds only sealed ballots: no ballot text in the db or its WAL."""
    for suffix in ("", "-wal"):
        part = Path(f"{proc.database}{suffix}")
        assert not part.exists() or b'{"c":' not in part.read_bytes()
    assert proc.rows("SELECT count(*) FROM poll_ballots WHERE body IS NOT NULL") == [(0,)]


def check(bot: BotHarness, proc: ProcBot) -> list[int]:
    """The invariants after a kill; returns the voters counted."""
    assert proc.integrity() == "ok"
    no_plain_ballot(proc)
    turnout, own = counted(bot, proc)
    assert turnout == own, (turnout, own)  # same units, each once: no ballot twice or half
    assert receipted(bot) <= set(turnout)  # a receipt means the ballot is in
    return turnout


async def again(bot: BotHarness, proc: ProcBot, voters: range) -> None:
    """Restart; whoever got no answer votes again, until each has a receipt or 'already in'."""
    latency, bot.emu.latency = bot.emu.latency, 0.0  # a quick start; the kills need it, not this
    await proc.start()
    assert proc.integrity() == "ok"  # the restarted bot's database, while it runs
    bot.emu.latency = latency
    send(bot, await write(bot, tuple(i for i in voters if not answered(bot, i))))
    await until(lambda: all(answered(bot, i) for i in voters), 20, "answers to the re-votes")


async def test_kills_while_ballots_are_cast(bloc: BotHarness, tmp_path: Path) -> None:
    emu = bloc.emu
    await link_voters(bloc)
    await bloc.send(CHAIR, GROUP, AWARD_POLL)
    await bloc.send(CHAIR, GROUP, "/poll 1 open")
    await bloc.stop_bot()
    async with ProcBot(emu, tmp_path, now=bloc.clock.now()) as proc:
        await proc.start()
        emu.latency = 0.1  # every Bot API call in flight for 100 ms

        # 1. committed, the group card's edit in flight, no receipt yet
        reviews = await write(bloc, (1, 2, 3))
        emu.inject_fault("editMessageText", "timeout", delay=10)
        mark = len(emu.calls)
        send(bloc, reviews)
        await proc.wait_for_call("editMessageText", after=mark)
        proc.kill()
        emu.faults.clear()
        assert check(bloc, proc) == [1] and receipted(bloc) == set()
        await again(bloc, proc, range(1, 4))
        assert ALREADY in bloc.texts(VOTERS[0])[-1]  # voter 1 was counted: told so, not twice

        # 2. the receipt has reached Telegram (it replaces the review), the bot has not heard back
        reviews = await write(bloc, (4, 5, 6))
        mark = len(emu.calls)
        send(bloc, reviews)
        await until(
            lambda: any(
                c.method in ("sendMessage", "editMessageText")
                and c.params.get("chat_id") == VOTERS[3]
                and RECEIPT in str(c.params.get("text"))
                for c in emu.calls[mark:]
            ),
            20,
            "voter 4's receipt on its way",
        )
        proc.kill()
        await until(lambda: 4 in receipted(bloc), 5, "the receipt delivered")
        assert 4 in check(bloc, proc)
        await again(bloc, proc, range(1, 7))

        # 3. killed as soon as vote 7's turnout row (and beside it its sealed ballot) is
        # committed, with vote 8 fetched behind it
        units = [int(r[0]) for r in proc.rows("SELECT id FROM units WHERE bloc_id = 1 ORDER BY position")]
        send(bloc, await write(bloc, (7, 8)))
        await until(
            lambda: proc.rows("SELECT 1 FROM poll_turnout WHERE unit_id = ?", (units[6],)) != [],
            20,
            "vote 7 committed",
            every=0.001,
        )
        proc.kill()
        assert 7 in check(bloc, proc)
        await again(bloc, proc, range(1, 9))

        assert check(bloc, proc) == list(range(1, 9))
        closed = len(emu.calls)
        emu.post_message(CHAIR, GROUP, "/poll 1 close")
        await until(lambda: any("Ban kiểm phiếu mở hòm" in t for t in bloc.texts(GROUP)), 20, "the close")
        for holder, code in codes_of(bloc, 1)[:2]:  # the committee opens the box through the bot
            emu.post_message(holder, holder, f"/kiemphieu {code}")
        await until(lambda: any("thu về: 8" in t for t in bloc.texts(GROUP)), 20, "the results")
        assert proc.calls("sendMessage", closed) >= 1
        assert await proc.stop() == 0
        assert proc.kills == 3
