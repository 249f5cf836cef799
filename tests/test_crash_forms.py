"""SIGKILL the bot while form answers are being saved; restart; nothing confirmed is lost.

A one-question pledge form, eight representatives answering with `/submit 1 <text>` (and one
amending), served by the real bot process, killed three times: with the "Thank you" reply in
flight (it reaches the person after the process died), as soon as the bot fetched an answer,
and as soon as an answer is committed (before its reply). After every restart: PRAGMA
integrity_check; each unit's current response is its latest amendment (never half a save);
every answer a person was thanked for is stored under their unit. Whoever got no reply sends
again, as a person would.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.conftest import CHAIR, GROUP
from tests.forms_helpers import REPS, card_text, link_representatives, missing_in_card
from tests.harness import BotHarness
from tests.procbot import ProcBot, until

THANKS = "Cảm ơn anh/chị"
MARK = re.compile(r"CT-(\d)-(\d)")


def answer(k: int, version: int = 1) -> str:
    """Representative k's (1-8) answer, with a marker the test can find again."""
    return f"/submit 1 Hoàn thành toàn diện chỉ tiêu năm 2027, mã CT-{k}-{version}"


def thanked(bot: BotHarness) -> set[tuple[int, int]]:
    """(representative, version) pairs the bot thanked someone for."""
    found = set()
    for uid in REPS:
        for text in bot.texts(uid):
            if THANKS in text:
                found |= {(int(a), int(b)) for a, b in MARK.findall(text)}
    return found


def stored(proc: ProcBot) -> dict[int, list[tuple[int, int]]]:
    """Unit number -> the (representative, version) markers of its amendments, oldest first."""
    number = {
        int(r[0]): k
        for k, r in enumerate(proc.rows("SELECT id FROM units WHERE bloc_id = 1 ORDER BY position"), 1)
    }
    found: dict[int, list[tuple[int, int]]] = {}
    for unit_id, answers in proc.rows(
        "SELECT unit_id, answers FROM form_amendments WHERE form_id = 1 ORDER BY version"
    ):
        marks = MARK.findall(" ".join(map(str, json.loads(answers).values())))
        found.setdefault(number[int(unit_id)], []).extend((int(a), int(b)) for a, b in marks)
    return found


def check(bot: BotHarness, proc: ProcBot) -> dict[int, list[tuple[int, int]]]:
    """The invariants after a kill; returns what is stored."""
    assert proc.integrity() == "ok"
    half = proc.rows(
        "SELECT r.unit_id FROM form_responses r WHERE r.form_id = 1 AND NOT EXISTS ("
        "SELECT 1 FROM form_amendments a WHERE a.form_id = r.form_id AND a.unit_id = r.unit_id "
        "AND a.version = r.version AND a.answers = r.answers AND a.version = ("
        "SELECT MAX(version) FROM form_amendments b WHERE b.form_id = 1 AND b.unit_id = r.unit_id))"
    )
    assert half == []  # every current response is its unit's latest amendment, whole
    responses = proc.rows("SELECT count(*) FROM form_responses WHERE form_id = 1")[0][0]
    history = stored(proc)
    assert responses == len(history)
    for k, version in thanked(bot):  # thanked means stored, under the person's own unit
        assert (k, version) in history.get(k, []), (k, version, history)
    return history


def replied(bot: BotHarness, k: int, version: int = 1) -> bool:
    """Representative k was thanked for this version."""
    return (k, version) in thanked(bot)


async def again(bot: BotHarness, proc: ProcBot, wanted: list[tuple[int, int]]) -> None:
    """Restart; whoever got no reply sends the same answer again, until every one is thanked."""
    latency, bot.emu.latency = bot.emu.latency, 0.0
    await proc.start()
    assert proc.integrity() == "ok"  # the restarted bot's database, while it runs
    bot.emu.latency = latency
    for k, version in wanted:
        if not replied(bot, k, version):
            bot.emu.post_message(REPS[k - 1], REPS[k - 1], answer(k, version))
    await until(lambda: all(replied(bot, k, v) for k, v in wanted), 20, "thanks for the answers")


async def test_kills_while_form_answers_are_saved(bloc: BotHarness, tmp_path: Path) -> None:
    emu = bloc.emu
    await link_representatives(bloc)
    await bloc.send(CHAIR, GROUP, "/form pledge Đăng ký thi đua năm 2027 | 10/12/2026")
    await bloc.stop_bot()
    async with ProcBot(emu, tmp_path, now=bloc.clock.now()) as proc:
        await proc.start()
        emu.latency = 0.1

        # 1. the "Thank you" is on its way to representative 1 when the process dies
        mark = len(emu.calls)
        for k in (1, 2, 3):
            emu.post_message(REPS[k - 1], REPS[k - 1], answer(k))
        await until(
            lambda: any(
                c.method == "sendMessage" and c.params.get("chat_id") == REPS[0] for c in emu.calls[mark:]
            ),
            20,
            "the first thanks on its way",
        )
        proc.kill()
        await until(lambda: replied(bloc, 1), 5, "the thanks delivered")
        assert check(bloc, proc)[1] == [(1, 1)]
        await again(bloc, proc, [(1, 1), (2, 1), (3, 1)])

        # 2. killed as soon as the bot fetched an answer (and an amendment of answer 1)
        emu.post_message(REPS[0], REPS[0], answer(1, 2))
        posted = emu.post_message(REPS[3], REPS[3], answer(4))
        await until(lambda: emu.state.is_consumed(posted.update_id), 20, "answer 4 fetched", every=0.001)
        proc.kill()
        check(bloc, proc)
        await again(bloc, proc, [(1, 2), (4, 1)])

        # 3. killed as soon as answer 5 is committed, before its reply
        units = [int(r[0]) for r in proc.rows("SELECT id FROM units WHERE bloc_id = 1 ORDER BY position")]
        emu.post_message(REPS[4], REPS[4], answer(5))
        await until(
            lambda: proc.rows("SELECT 1 FROM form_responses WHERE unit_id = ?", (units[4],)) != [],
            20,
            "answer 5 committed",
            every=0.001,
        )
        proc.kill()
        assert (5, 1) in check(bloc, proc)[5]
        await again(bloc, proc, [(k, 1) for k in range(5, 9)])

        history = check(bloc, proc)
        assert sorted(history) == list(range(1, 9))
        assert history[1][-1] == (1, 2)  # the amendment is the current answer
        # a person who sent the same answer twice (no reply the first time) has two versions of
        # it, both kept: the history shows it, the current answer is right
        assert all(set(marks) <= {(k, 1), (k, 2)} for k, marks in history.items())
        await until(lambda: missing_in_card(card_text(bloc, 1)) == [], 10, "the card complete")
        assert await proc.stop() == 0
        assert proc.kills == 3
