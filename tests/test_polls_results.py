"""The results in the group: in as few messages as they fit (a group takes about one message a
second), the whole list of candidates in the minutes; the chart once per counted round."""

from __future__ import annotations

import random
from datetime import UTC, datetime

from bot.core.chunks import TELEGRAM_LIMIT, ZALO_LIMIT
from bot.core.i18n import translator
from bot.polls.cases.state import PollState
from bot.polls.tally import Ballot, Category, Rules, tally_round
from bot.roster.model import Bloc
from handlers.polls.results import results_messages, results_text
from storage.polls import CategoryRow, Poll
from tests.bench.polls import CATEGORIES  # the national poll of the bench: 5 categories, 64 seats
from tests.conftest import CHAIR, GROUP
from tests.harness import BotHarness
from tests.test_polls_e2e import VOTERS, close_poll, committee_opens, link_voters, vote_by_text


def counted(
    units: int, candidates: int, name: str = "Sở {} tỉnh Đắk Lắk", categories: int = len(CATEGORIES)
) -> PollState:
    """A closed, counted award poll of `units` member units, `candidates` per category."""
    rng = random.Random(7)
    members = list(range(1, units + 1))
    rows = tuple(CategoryRow(i, n, q, "pick", None) for i, (n, q) in enumerate(CATEGORIES[:categories]))
    cats = [Category(r.index, r.name, r.quota, tuple(members[:candidates])) for r in rows]
    ballots = []
    for _ in members:
        choices = {}
        for index, (_n, quota) in enumerate(CATEGORIES[:categories]):
            favourites = members[2 * index : 2 * index + quota]
            pick = favourites if rng.random() < 0.75 else rng.sample(members[:candidates], quota)
            choices[index] = tuple(pick)
        ballots.append(Ballot(choices))
    result = tally_round(cats, ballots, members=units, rules=Rules(), round_no=1)
    now = datetime(2026, 12, 16, 10, tzinfo=UTC)
    bloc = Bloc(1, GROUP, "Khối thi đua số 3", "vi", "Asia/Ho_Chi_Minh", CHAIR, now)
    poll = Poll(
        1,
        1,
        "award",
        "Bình xét thi đua năm 2026",
        2026,
        "closed",
        1,
        Rules(),
        None,
        None,
        CHAIR,
        now,
        None,
        None,
        {},
    )
    return PollState(
        poll=poll,
        bloc=bloc,
        categories=rows,
        candidates={1: {c.index: c.candidates for c in cats}},
        electorate=tuple(members),
        names={u: name.format(u) for u in members},
        turnout={1: frozenset(members)},
        rounds=(),
        results=(result,),
        decisions={},
    )


def test_results_that_fit_one_message_are_sent_whole() -> None:
    tr = translator("vi")
    state = counted(12, 12, categories=3)
    assert results_messages(tr, state, "vi", TELEGRAM_LIMIT) == [results_text(tr, state, "vi")]


def test_a_big_blocs_results_fit_one_message_and_name_every_proposed_unit() -> None:
    tr = translator("vi")
    state = counted(1000, 60)
    whole = results_text(tr, state, "vi")
    assert len(whole) > 3 * TELEGRAM_LIMIT  # four messages before
    [message] = results_messages(tr, state, "vi", TELEGRAM_LIMIT)
    assert len(message) <= TELEGRAM_LIMIT
    outcome = state.outcome
    assert outcome is not None
    for units in outcome.proposals.values():
        for unit in units:
            assert f"   {state.names[unit]}: " in message  # each proposed unit with its votes
    assert message.startswith(whole.split("\n", 1)[0])  # the same title, turnout, proposals, next step
    assert whole.rsplit("\n\n", 2)[-2:] == message.rsplit("\n\n", 2)[-2:]
    assert "đơn vị khác ít phiếu hơn: đầy đủ trong biên bản kiểm phiếu (/binhxet 1 bienban)" in message


def test_results_too_long_for_one_message_split_at_categories() -> None:
    tr = translator("vi")
    state = counted(1000, 60, "Ủy ban Mặt trận Tổ quốc Việt Nam huyện số {} tỉnh Đắk Lắk")
    pieces = results_messages(tr, state, "vi", TELEGRAM_LIMIT)
    assert len(pieces) > 1 and all(len(p) <= TELEGRAM_LIMIT for p in pieces)
    assert pieces[0].startswith("📊 ")
    for piece in pieces[1:]:  # each later message starts a category or the proposals
        first = piece.split("\n", 1)[0]
        assert first[:2] in {f"{i}." for i in range(1, 6)} or first.startswith("Danh sách đề nghị")
    shortest = results_text(tr, state, "vi", 0)
    assert "\n\n".join(pieces) == shortest
    zalo = results_messages(tr, state, "vi", ZALO_LIMIT)  # a category longer than a message: by lines
    assert all(len(p) <= ZALO_LIMIT for p in zalo)
    assert " ".join(zalo).split() == shortest.split()  # nothing lost, nothing added


async def test_the_chairs_decision_reposts_the_results_but_not_the_chart(bloc: BotHarness) -> None:
    await link_voters(bloc)
    await bloc.send(CHAIR, GROUP, "/poll Bình xét cờ tỉnh\nCờ thi đua của UBND tỉnh | 1")
    await bloc.send(CHAIR, GROUP, "/poll 1 open")
    for _round in (1, 2):  # a tie each time: 4 and 4
        for uid, pick in zip(VOTERS, ["1"] * 4 + ["2"] * 4, strict=True):
            await vote_by_text(bloc, uid, f"1 1: {pick}")
        await close_poll(bloc, 1)
        await committee_opens(bloc, 1)
        if _round == 1:
            await bloc.send(CHAIR, GROUP, "/poll 1 round2")
    photos = [m for m in bloc.emu.messages(GROUP) if m.photo is not None]
    assert len(photos) == 2  # one chart per counted round
    before = len(bloc.emu.messages(GROUP))
    await bloc.send(CHAIR, GROUP, "/poll 1 decide 1: #2")
    after = bloc.emu.messages(GROUP)[before:]
    assert [m.photo for m in after] == [None]  # the results once more, in one message; no chart
    assert "quyết định" in (after[0].text or "")
