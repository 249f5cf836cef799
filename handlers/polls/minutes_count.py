"""One round's count in the minutes: when it was voted and counted, who opened the ballot box,
ballots issued, returned, valid, invalid, the quorum, and per category a table of the votes and
percentages with what became of each unit (proposed; for an election, elected)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.core.formatting import format_percent
from bot.core.i18n import Translator
from bot.polls.minutes import DOTS, Item, Section, Table
from bot.polls.model import result_rows
from bot.polls.tally import CategoryResult, TallyResult
from handlers.polls.minutes_time import written_moment
from handlers.polls.state import PollState
from handlers.polls.text import base_words, threshold_words

# STT, unit, votes, percentage, result: 16 cm, the text width of an A4 page.
WIDTHS = (1.2, 7.0, 2.0, 2.0, 3.8)
CENTRED = (0, 2, 3, 4)


def names(state: PollState, units: list[int] | tuple[int, ...]) -> str:
    """Unit names joined with commas."""
    return ", ".join(state.names.get(u, "?") for u in units)


def person(state: PollState, person_id: int) -> str:
    """A counting committee member's name; '' when the bot does not know it (a line to fill)."""
    name = state.people.get(person_id, "")
    return "" if name == "?" else name


def elected_in(state: PollState, index: int) -> list[tuple[int, int, int]]:
    """(unit, votes, base) for each unit a category proposes (elects): the votes of the round it
    passed in; (unit, 0, 0) for a unit the chair and vice chair units chose."""
    result = state.outcome
    assert result is not None
    chosen = set(result.decisions.get(index, ()))
    found = []
    for unit in result.proposals.get(index, ()):
        votes = base = 0
        if unit not in chosen:
            for count in state.results:
                cat = next((c for c in count.categories if c.index == index), None)
                if cat is not None and unit in cat.proposed and unit in cat.votes:
                    votes, base = cat.votes[unit], cat.base
                    break
        found.append((unit, votes, base))
    return found


def _caption(tr: Translator, state: PollState, cat: CategoryResult) -> str:
    _ = tr.gettext
    # "… 5 phiếu, quá nửa tổng số đơn vị thành viên": the share and what it is a share of
    threshold = f"{threshold_words(tr, cat.threshold)} {base_words(tr, state.poll.rules)}"
    if cat.answers is not None:
        return _(
            "%(no)s. %(name)s: %(unit)s; %(needed)s votes of agreement needed, %(threshold)s",
            no=cat.index + 1,
            name=cat.name,
            unit=names(state, tuple(cat.votes)),
            needed=cat.needed,
            threshold=threshold,
        )
    if state.poll.kind == "election":
        return _(
            "%(no)s. %(name)s: elected with at least %(needed)s votes, %(threshold)s",
            no=cat.index + 1,
            name=cat.name,
            needed=cat.needed,
            threshold=threshold,
        )
    return tr.ngettext(
        "%(no)s. %(name)s: %(n)s unit to propose; at least %(needed)s votes needed, %(threshold)s",
        "%(no)s. %(name)s: %(n)s units to propose; at least %(needed)s votes needed, %(threshold)s",
        cat.quota,
        no=cat.index + 1,
        name=cat.name,
        n=cat.quota,
        needed=cat.needed,
        threshold=threshold,
    )


def _rows(tr: Translator, state: PollState, cat: CategoryResult, lang: str) -> tuple[tuple[str, ...], ...]:
    _ = tr.gettext
    election = state.poll.kind == "election"
    passed = _("Elected") if election else _("Proposed")
    if cat.answers is not None:
        answers = (
            (_("Agree"), cat.answers.yes, passed if cat.proposed else ""),
            (_("Disagree"), cat.answers.no, ""),
            (_("Blank ballot"), cat.answers.blank, ""),
        )
        return tuple(
            (str(n), word, str(count), format_percent(count, cat.base, lang), mark)
            for n, (word, count, mark) in enumerate(answers, 1)
        )
    above = _("Elected to the post above") if election else _("Proposed for a higher award")
    return tuple(
        (
            str(n),
            state.names.get(row.unit, "?"),
            str(row.votes),
            format_percent(row.votes, cat.base, lang),
            passed if row.proposed else (above if row.excluded else ""),
        )
        for n, row in enumerate(result_rows(cat), 1)
    )


def _status(tr: Translator, state: PollState, cat: CategoryResult) -> str:
    """What the round left open in a category ('' when it decided)."""
    _ = tr.gettext
    if cat.status == "round2":
        return tr.ngettext(
            "Round 2 is held for %(n)s seat among: %(units)s.",
            "Round 2 is held for %(n)s seats among: %(units)s.",
            cat.seats_left,
            n=cat.seats_left,
            units=names(state, cat.open_candidates),
        )
    if cat.status == "held":
        return _("Not decided in this round: voted again in round 2.")
    if cat.status == "chair_decides":
        return tr.ngettext(
            "%(n)s seat is left to the chair and vice chair units to decide among: %(units)s.",
            "%(n)s seats are left to the chair and vice chair units to decide among: %(units)s.",
            cat.seats_left,
            n=cat.seats_left,
            units=names(state, cat.open_candidates),
        )
    if cat.status == "decided" and not cat.proposed:
        if cat.answers is not None:
            return _("The proposal did not reach the votes of agreement needed.")
        return _("No unit reached the votes needed.")
    return ""


def count_section(
    tr: Translator, state: PollState, result: TallyResult, lang: str, tz: ZoneInfo, rounds: int
) -> Section:
    """A round's count as a part of the minutes."""
    _ = tr.gettext
    heading = (
        _("RESULT OF THE COUNT")
        if rounds == 1
        else _("RESULT OF THE COUNT, ROUND %(round)s", round=result.round_no)
    )
    blocks: list[str | Item | Table] = []
    row = next(r for r in state.rounds if r.round == result.round_no)
    count = state.counts.get(result.round_no)
    if row.closed_at is not None:
        when = {
            "opened": written_moment(tr, row.opened_at.astimezone(tz), lang),
            "closed": written_moment(tr, row.closed_at.astimezone(tz), lang),
        }
        line = _("Voting from %(opened)s to %(closed)s.", **when)
        if result.round_no > 1:  # round 1's count is the opening sentence's time
            counted = count.counted_at if count is not None else row.closed_at
            line = _(
                "Voting from %(opened)s to %(closed)s; the count at %(counted)s.",
                counted=written_moment(tr, counted.astimezone(tz), lang),
                **when,
            )
        blocks.append(Item(line))
    opened = [person(state, h.person_id) or DOTS for h in state.committee_of(result.round_no) if h.opened]
    if opened:
        blocks.append(
            Item(_("The ballot box was opened with the codes of: %(names)s.", names=", ".join(opened)))
        )
    share = format_percent(result.returned, result.members, lang)
    if result.withheld is not None:
        blocks.append(
            Item(
                _(
                    "Ballots issued: %(issued)s; ballots returned: %(returned)s.",
                    issued=result.issued,
                    returned=result.returned,
                )
            )
        )
        blocks.append(
            Item(
                _(
                    "Only one ballot was returned: its count would show how that unit voted, so the "
                    "round is not valid; the ballot was destroyed unopened."
                )
                if result.withheld == "single"
                else _(
                    "%(returned)s of %(members)s member units voted (%(share)s), fewer than the "
                    "%(needed)s needed: the round is not valid; its ballots were destroyed unopened "
                    "and no count is recorded.",
                    returned=result.returned,
                    members=result.members,
                    share=share,
                    needed=result.quorum_needed,
                )
            )
        )
        return Section(heading, tuple(blocks))
    blocks.append(
        Item(
            _(
                "Ballots issued: %(issued)s; ballots returned: %(returned)s; valid ballots: "
                "%(valid)s; invalid ballots: %(invalid)s.",
                issued=result.issued,
                returned=result.returned,
                valid=result.valid,
                invalid=result.invalid,
            )
        )
    )
    quorum = {
        "returned": result.returned,
        "members": result.members,
        "share": share,
        "needed": result.quorum_needed,
    }
    blocks.append(
        Item(
            _(
                "%(returned)s of %(members)s member units voted (%(share)s), at least the %(needed)s "
                "needed: the vote is valid.",
                **quorum,
            )
            if result.quorum_met
            else _(
                "%(returned)s of %(members)s member units voted (%(share)s), fewer than the "
                "%(needed)s needed: the vote is not valid.",
                **quorum,
            )
        )
    )
    unit = _("Nominated unit") if state.poll.kind == "election" else _("Unit")
    header = (_("No."), unit, _("Votes (a count column)"), _("Share (a count column)"), _("Result"))
    for cat in result.categories:
        blocks.append(Table(header, _rows(tr, state, cat, lang), _caption(tr, state, cat), WIDTHS, CENTRED))
        status = _status(tr, state, cat)
        if status:
            blocks.append(status)
    return Section(heading, tuple(blocks))
