"""The words of the vote-count minutes (biên bản kiểm phiếu), in the bloc's language.

What DOMAIN.md asks a record to say, in the order a bloc secretary types it: the opening
sentence (when, where, who counts what), the participants (presiding, secretary, counting
committee, the member units that voted and those that did not), the form and rules of the vote,
each round's count (ballots issued, returned, valid, invalid; per category the votes and
percentages), the proposal (an award review) or the election result (an election: bầu, đơn vị
được giới thiệu, kết quả bầu, trúng cử — never "đề nghị"), the closing sentence, the signatures.
Each round's table is in handlers/polls/minutes_count.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.core.formatting import format_percent
from bot.core.i18n import Translator
from bot.polls.minutes import DOTS, Item, Minutes, Section, Signatures, Signer
from bot.polls.model import quorum_text
from bot.roster.model import Roles
from handlers.polls.minutes_count import count_section, elected_in, names, person
from handlers.polls.minutes_time import written_day, written_moment, written_time
from handlers.polls.state import PollState
from handlers.polls.text import threshold_words

LANGUAGE_TAGS = {"vi": "vi-VN", "en": "en-GB"}


@dataclass(frozen=True)
class Facts:
    """What the minutes need beyond the poll: typed by the chair or read from the roster."""

    place: str  # where the count was held ("Hội trường …, Đắk Lắk"); "" unknown
    secretary: str  # "" unknown
    presiding: str  # a person's name; "" unknown
    chair_unit: int | None  # the unit presiding (this year's chair unit)
    next_roles: Roles | None
    now: datetime  # when the minutes are made: the closing time


def locality(place: str) -> str:
    """The place-name of the heading ('Đắk Lắk, ngày …'): the part after the place's last comma."""
    head, comma, tail = place.rpartition(",")
    return tail.strip() if comma and head.strip() and tail.strip() else ""


def _opening(tr: Translator, state: PollState, facts: Facts, started: datetime) -> str:
    values = {
        "time": written_time(tr, started),
        "date": written_day(tr, started),
        "place": facts.place or DOTS,
        "bloc": state.bloc.name,
        "year": state.poll.year,
    }
    if state.poll.kind == "election":
        return tr.gettext(
            "Today, at %(time)s on %(date)s, at %(place)s, %(bloc)s counted the votes of the "
            "election of its chair unit and vice chair unit for %(year)s, held by secret ballot.",
            **values,
        )
    return tr.gettext(
        "Today, at %(time)s on %(date)s, at %(place)s, %(bloc)s counted the votes of its award "
        "review (bình xét) for %(year)s, held by secret ballot.",
        **values,
    )


def _committee_items(tr: Translator, state: PollState) -> list[str | Item]:
    """'- Ban kiểm phiếu gồm:' and '+ <name>, đại diện <unit>' per member (per round when the
    rounds' committees differ)."""
    _ = tr.gettext
    per_round = [(r.round, state.committee_of(r.round)) for r in state.rounds if state.committee_of(r.round)]
    if not per_round:
        return [Item(_("Counting committee (Ban kiểm phiếu): %(names)s.", names=DOTS))]
    same = len({tuple(h.person_id for h in held) for _r, held in per_round}) == 1
    lines: list[str | Item] = []
    for round_no, held in per_round[:1] if same else per_round:
        lines.append(
            Item(_("Counting committee (Ban kiểm phiếu):"))
            if same
            else Item(_("Counting committee (Ban kiểm phiếu) of round %(round)s:", round=round_no))
        )
        for n, holder in enumerate(held, 1):
            who = _(
                "%(name)s, representing %(unit)s",
                name=person(state, holder.person_id) or DOTS,
                unit=state.names.get(holder.unit_id, "?"),
            )
            lines.append(Item(who + (";" if n < len(held) else "."), level=2))
    return lines


def _participants(tr: Translator, state: PollState, facts: Facts) -> Section:
    _ = tr.gettext
    presiding = facts.presiding or DOTS
    blocks: list[str | Item] = [
        Item(
            _(
                "Presiding: %(name)s, representing %(unit)s (chair unit, Khối trưởng).",
                name=presiding,
                unit=state.names.get(facts.chair_unit, "?"),
            )
            if facts.chair_unit is not None
            else _("Presiding: %(name)s.", name=presiding)
        ),
        Item(_("Secretary: %(name)s.", name=facts.secretary or DOTS)),
        *_committee_items(tr, state),
    ]
    electorate = state.electorate
    first = state.turnout.get(1, frozenset())
    voted = [u for u in electorate if u in first]
    missing = [u for u in electorate if u not in first]
    blocks.append(
        Item(
            _(
                "Member units of the bloc: %(members)s; %(voted)s voted: %(units)s; did not vote: %(missing)s.",
                members=len(electorate),
                voted=len(voted),
                units=names(state, voted) or _("none"),
                missing=names(state, missing) or _("none"),
            )
        )
    )
    for row in state.rounds[1:]:
        turned = state.turnout.get(row.round, frozenset())
        absent = [u for u in electorate if u not in turned]
        blocks.append(
            Item(
                _(
                    "Round %(round)s: %(voted)s units voted; did not vote: %(units)s.",
                    round=row.round,
                    voted=len([u for u in electorate if u in turned]),
                    units=names(state, absent) or _("none"),
                )
            )
        )
    return Section(_("PARTICIPANTS"), tuple(blocks))


def _rules(tr: Translator, state: PollState) -> Section:
    _ = tr.gettext
    rules = state.poll.rules
    election = state.poll.kind == "election"
    committee = state.committee_of(1)
    lines = [
        _(
            "Secret ballot cast online, one ballot per member unit; the ballots were sealed in the "
            "ballot box, which opens only with the codes of %(k)s of the %(n)s members of the "
            "counting committee.",
            k=state.poll.committee.k,
            n=len(committee),
        )
        if committee
        else _("Secret ballot cast online, one ballot per member unit.")
    ]
    threshold = threshold_words(tr, rules.threshold)
    if election:
        lines.append(
            _(
                "A unit is elected when its votes reach %(threshold)s of all member units.",
                threshold=threshold,
            )
            if rules.base == "members"
            else _(
                "A unit is elected when its votes reach %(threshold)s of the ballots returned.",
                threshold=threshold,
            )
        )
    else:
        lines.append(
            _(
                "A unit is proposed when its votes reach %(threshold)s of all member units.",
                threshold=threshold,
            )
            if rules.base == "members"
            else _(
                "A unit is proposed when its votes reach %(threshold)s of the ballots returned.",
                threshold=threshold,
            )
        )
    lines.append(
        _(
            "The vote is valid when at least %(quorum)s of the member units vote.",
            quorum=quorum_text(rules.quorum),
        )
    )
    lines.append(
        _("A unit may vote for itself.") if rules.self_vote else _("A unit may not vote for itself.")
    )
    if rules.exclusive and len(state.categories) > 1:
        lines.append(
            _("The votes for a unit elected to the post above do not count for the post below.")
            if election
            else _("A unit proposed for a higher award is not proposed for a lower one.")
        )
    return Section(_("FORM AND RULES OF THE VOTE"), tuple(Item(line) for line in lines))


def _result(tr: Translator, state: PollState, facts: Facts, lang: str) -> Section:
    """The proposal (an award review) or the election result, with the rounds held."""
    _ = tr.gettext
    election = state.poll.kind == "election"
    result = state.outcome
    assert result is not None
    blocks: list[str | Item] = [
        tr.ngettext(
            "%(n)s round of voting was held.", "%(n)s rounds of voting were held.", len(state.results)
        )
    ]
    if result.phase == "void":
        blocks.append(
            _("The vote is not valid: no unit is elected.")
            if election
            else _("The vote is not valid: no unit is proposed.")
        )
    else:
        blocks.append(
            _("On the result of the count:")
            if election
            else _(
                "On the result of the count, %(bloc)s proposes to the competent authority:",
                bloc=state.bloc.name,
            )
        )
        for n, cat in enumerate(state.categories, 1):
            units = ", ".join(
                _(
                    "%(unit)s (%(votes)s votes, %(share)s)",
                    unit=state.names.get(unit, "?"),
                    votes=votes,
                    share=format_percent(votes, base, lang),
                )
                if base
                else _("%(unit)s (chosen by the chair and vice chair units)", unit=state.names.get(unit, "?"))
                for unit, votes, base in elected_in(state, cat.index)
            )
            if cat.index in result.undecided:
                line = _("%(name)s: to be decided by the chair and vice chair units.", name=cat.name)
            elif election:
                line = (
                    _("%(units)s is elected: %(post)s.", units=units, post=cat.name)
                    if units
                    else _("%(post)s: no unit is elected.", post=cat.name)
                )
            else:
                line = _("%(award)s: %(units)s.", award=cat.name, units=units or _("no unit"))
            blocks.append(f"{n}. {line}")
    roles = facts.next_roles
    # An award review records next year's chair and vice chair when they were elected already;
    # an election's own result says it above.
    if not election and roles is not None and (roles.chair or roles.vice):
        blocks.append(
            _(
                "Chair unit (Khối trưởng) for %(year)s: %(chair)s; vice chair unit (Khối phó): %(vice)s.",
                year=roles.year,
                chair=state.names.get(roles.chair or 0, DOTS),
                vice=state.names.get(roles.vice or 0, DOTS),
            )
        )
    return Section(_("ELECTION RESULT") if election else _("PROPOSAL"), tuple(blocks))


def _signatures(tr: Translator, state: PollState, facts: Facts) -> tuple[Signatures, ...]:
    _ = tr.gettext
    chair_note = state.names.get(facts.chair_unit, "") if facts.chair_unit is not None else ""
    first = Signatures(
        (Signer(_("Secretary"), facts.secretary), Signer(_("Presiding"), facts.presiding, chair_note))
    )
    members: dict[int, Signer] = {}
    for row in state.rounds:
        for holder in state.committee_of(row.round):
            members.setdefault(
                holder.person_id,
                Signer(_("Member"), person(state, holder.person_id), state.names.get(holder.unit_id, "")),
            )
    if not members:
        return (first,)
    return first, Signatures(tuple(members.values()), _("Counting committee"))


def _count_started(state: PollState) -> datetime:
    """When the first counted round's ballot box was opened (else when its voting closed)."""
    for row in state.rounds:
        count = state.counts.get(row.round)
        if count is not None:
            return count.counted_at
    closed = [r.closed_at for r in state.rounds if r.closed_at is not None]
    return closed[0]


def build_minutes(tr: Translator, state: PollState, lang: str, tz: ZoneInfo, facts: Facts) -> Minutes:
    """The minutes' words for one poll (after at least one counted round)."""
    _ = tr.gettext
    started = _count_started(state).astimezone(tz)
    ended = facts.now.astimezone(tz)
    end = (
        _("%(time)s the same day", time=written_time(tr, ended))
        if ended.date() == started.date()
        else written_moment(tr, ended, lang)
    )
    sections = [
        _participants(tr, state, facts),
        _rules(tr, state),
        *(count_section(tr, state, result, lang, tz, len(state.results)) for result in state.results),
        _result(tr, state, facts, lang),
    ]
    return Minutes(
        issuer=state.bloc.name,
        place_date=_(
            "%(place)s, %(date)s", place=locality(facts.place) or DOTS, date=written_day(tr, started)
        ),
        title=_("VOTE-COUNT MINUTES"),
        subtitle=state.poll.title,
        opening=(_opening(tr, state, facts, started),),
        sections=tuple(sections),
        closing=(
            _(
                "The minutes ended at %(end)s and were read out to those present and approved.",
                end=end,
            ),
        ),
        signatures=_signatures(tr, state, facts),
        sign_hint=_("(Signature and full name)"),
        national=_("SOCIALIST REPUBLIC OF VIETNAM"),
        motto=_("Independence - Freedom - Happiness"),
        language=LANGUAGE_TAGS.get(lang, lang),
        author=state.bloc.name,
        keywords=(state.bloc.name, str(state.poll.year)),
        made=facts.now,
    )
