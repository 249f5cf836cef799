"""One poll as the conversation sees it: its rows, names, turnout, ballot boxes and counted rounds.

A closed round is counted once its box was opened (or its counts withheld); until then it
waits for the counting committee (``awaiting``) and has no result here. ``read_state`` loads
all of it; ``read_ballot_state`` only what a ballot page needs while the first round is open
(a press on a ballot is the commonest update of a vote: issue 15).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.polls.ballots import BallotCategory, BallotForm
from bot.polls.model import Outcome, outcome
from bot.polls.tally import Category, TallyResult, tally_round, withheld_round
from bot.roster.model import Bloc
from storage.db import Database
from storage.polls import BoxRepo, BoxRow, CategoryRow, CountRow, Holder, Poll, PollRepo, RoundRow
from storage.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class PollState:
    """Everything needed to show, count or offer a poll. Counts exist only for closed rounds."""

    poll: Poll
    bloc: Bloc
    categories: tuple[CategoryRow, ...]
    candidates: dict[int, dict[int, tuple[int, ...]]]  # round -> category index -> units
    electorate: tuple[int, ...]
    names: dict[int, str]  # every unit of the bloc, removed ones too
    turnout: dict[int, frozenset[int]]  # round -> units whose ballot is in
    rounds: tuple[RoundRow, ...]
    results: tuple[TallyResult, ...]
    decisions: dict[int, tuple[int, ...]]
    boxes: dict[int, BoxRow] = field(default_factory=dict)  # round -> its box, while closed
    holders: dict[int, tuple[Holder, ...]] = field(default_factory=dict)  # round -> committee
    people: dict[int, str] = field(default_factory=dict)  # holders' names
    counts: dict[int, CountRow] = field(default_factory=dict)
    named: tuple[int, ...] = ()  # units the chair named to the counting committee

    @property
    def awaiting(self) -> int | None:
        """The closed round whose box waits for the counting committee, if any."""
        for row in self.rounds:
            if row.closed_at is not None and row.round in self.boxes:
                return row.round
        return None

    def committee_of(self, round_no: int) -> tuple[Holder, ...]:
        """Who holds a code of the round's box (after the count too)."""
        return self.holders.get(round_no, ())

    def holder_label(self, holder: Holder) -> str:
        """'Sở Tư pháp tỉnh (Đỗ Đức Hà)'."""
        return f"{self.names.get(holder.unit_id, '?')} ({self.people.get(holder.person_id, '?')})"

    @property
    def members(self) -> int:
        """Ballots issued: one per member unit at opening."""
        return len(self.electorate)

    @property
    def voted(self) -> frozenset[int]:
        """Units whose ballot for the current round is in."""
        return self.turnout.get(self.poll.round, frozenset())

    @property
    def missing(self) -> list[int]:
        """Member units that have not voted in the current round, in roster order."""
        return [u for u in self.electorate if u not in self.voted]

    @property
    def outcome(self) -> Outcome | None:
        """Where the poll stands, once a round was counted."""
        return outcome(self.results, self.decisions) if self.results else None

    def category(self, index: int) -> CategoryRow:
        """A category by index."""
        return next(c for c in self.categories if c.index == index)

    def round_categories(self, round_no: int) -> list[Category]:
        """The categories of a round, as the tally takes them."""
        return round_categories(self.categories, self.candidates, round_no)

    def seats(self, index: int, round_no: int) -> int:
        """Ticks allowed in a category in a round (round 2: seats still open)."""
        quota = self.category(index).quota
        if round_no == 2 and self.results:
            return quota - len(self.results[0].proposals().get(index, ()))
        return quota

    def form_for(self, unit: int) -> BallotForm:
        """What the unit's ballot offers in the current round."""
        round_no = self.poll.round
        return BallotForm(
            poll_id=self.poll.id,
            round_no=round_no,
            unit=unit,
            self_vote=self.poll.rules.self_vote,
            categories=tuple(
                BallotCategory(c.index, c.name, c.kind, self.seats(c.index, round_no), c.candidates)
                for c in self.round_categories(round_no)
            ),
        )


def round_categories(
    categories: tuple[CategoryRow, ...], candidates: dict[int, dict[int, tuple[int, ...]]], round_no: int
) -> list[Category]:
    """A round's categories with their candidates (round 2: only those voted again)."""
    found = candidates.get(round_no, {})
    return [
        Category(c.index, c.name, c.quota, found[c.index], c.kind, c.threshold)
        for c in categories
        if c.index in found
    ]


async def read_state(uow: UnitOfWork, poll_id: int) -> PollState | None:
    """Load a poll and count its closed rounds from the stored ballots."""
    polls = uow.repo(PollRepo)
    poll = await polls.get(poll_id)
    if poll is None:
        return None
    bloc = await uow.blocs.get(poll.bloc_id)
    assert bloc is not None
    categories = tuple(await polls.categories(poll_id))
    candidates = {r: c for r, c in (await polls.all_candidates(poll_id)).items() if r in (1, 2) and c}
    electorate = tuple(await polls.electorate(poll_id))
    rounds = tuple(await polls.rounds(poll_id))
    boxes = uow.repo(BoxRepo)
    live = await boxes.of_poll(poll_id)
    counts = await polls.counts(poll_id)
    results: list[TallyResult] = []
    for row in rounds:
        if row.closed_at is None or row.round in live:
            break
        count = counts.get(row.round)
        cats = round_categories(categories, candidates, row.round)
        already = results[0].proposals() if row.round == 2 else {}
        if count is not None and count.withheld is not None:
            result = withheld_round(
                cats,
                returned=count.returned,
                members=max(1, len(electorate)),
                rules=poll.rules,
                reason=count.withheld,
                round_no=row.round,
                already_proposed=already,
            )
        else:
            result = tally_round(
                cats,
                await polls.ballots(poll_id, row.round),
                members=max(1, len(electorate)),
                rules=poll.rules,
                round_no=row.round,
                already_proposed=already,
            )
        results.append(result)
    held = await boxes.holders_of_poll(poll_id) if rounds else {}
    holders = {r.round: tuple(held.get(r.round, ())) for r in rounds}
    known = await boxes.holder_names(poll_id) if any(holders.values()) else {}
    people = {h.person_id: known.get(h.person_id, "?") for committee in holders.values() for h in committee}
    turnout = await polls.all_turnout(poll_id)
    return PollState(
        poll=poll,
        bloc=bloc,
        categories=categories,
        candidates=candidates,
        electorate=electorate,
        names=await polls.unit_names(poll.bloc_id),
        turnout={r: turnout.get(r, frozenset()) for r in (1, 2)},
        rounds=rounds,
        results=tuple(results),
        decisions=await polls.decisions(poll_id),
        boxes=live,
        holders={r: h for r, h in holders.items() if h},
        people=people,
        counts=counts,
        named=tuple(await polls.named_committee(poll_id)),
    )


async def read_ballot_state(uow: UnitOfWork, poll_id: int) -> PollState | None:
    """What a ballot page shows and checks (the poll, its bloc, the round's categories and
    candidates, the electorate, the names, the turnout) in seven statements, while the first
    round is open; any other poll is read whole (read_state).

    An open first round has nothing counted and nothing decided; what it leaves out (the
    rounds' rows, the boxes, the committee, the counts) no ballot page shows: this state is
    for the ballot, never for a card, the results or the count.
    """
    polls = uow.repo(PollRepo)
    poll = await polls.get(poll_id)
    if poll is None:
        return None
    if poll.status != "open" or poll.round != 1:
        return await read_state(uow, poll_id)
    bloc = await uow.blocs.get(poll.bloc_id)
    assert bloc is not None
    return PollState(
        poll=poll,
        bloc=bloc,
        categories=tuple(await polls.categories(poll_id)),
        candidates={1: c} if (c := await polls.candidates(poll_id, 1)) else {},
        electorate=tuple(await polls.electorate(poll_id)),
        names=await polls.unit_names(poll.bloc_id),
        turnout={1: frozenset(await polls.turnout(poll_id, 1)), 2: frozenset()},
        rounds=(),
        results=(),
        decisions={},
    )


async def load_state(db: Database, poll_id: int) -> PollState | None:
    """read_state over committed data."""
    async with db.read() as uow:
        return await read_state(uow, poll_id)
