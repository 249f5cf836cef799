"""Poll texts for the group: the draft, the turnout card, the committee, each category's outcome
(the results message is handlers/polls/results.py). Worded, never counted; a round whose
counts are withheld shows none (bot.polls.tally.withheld_round).

An award poll proposes (đề nghị: the province decides); an election elects the bloc's own
chair and vice chair (bầu, đơn vị được giới thiệu, kết quả bầu, trúng cử): the two speak apart.
A candidate is shown with its letter on the ballot ('B. Công an tỉnh'), never a roster number."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.core.formatting import format_when
from bot.core.i18n import Translator
from bot.polls.ballots import position_label
from bot.polls.model import decision_pool, quorum_text
from bot.polls.tally import CategoryResult, Rules, TallyResult, Threshold
from handlers.polls.state import PollState

STATUS_ICON = {"draft": "📝", "open": "🔒", "closed": "📊"}


def threshold_words(tr: Translator, threshold: Threshold) -> str:
    """'more than half' / 'at least 2/3' / 'at least 80%'."""
    _ = tr.gettext
    return {
        "majority": _("more than half"),
        "two_thirds": _("at least two thirds"),
        "eighty": _("at least 80%%"),
    }[threshold]


def base_words(tr: Translator, rules: Rules) -> str:
    """'of all member units' / 'of the ballots returned': what a threshold is a share of."""
    _ = tr.gettext
    return _("of all member units") if rules.base == "members" else _("of the ballots returned")


def electing(state: PollState) -> bool:
    """Whether the poll elects the bloc's chair and vice chair (else it proposes for awards)."""
    return state.poll.kind == "election"


def rules_text(tr: Translator, rules: Rules, *, election: bool = False) -> str:
    """The counting rules in one sentence."""
    _ = tr.gettext
    base = base_words(tr, rules)
    threshold = threshold_words(tr, rules.threshold)
    parts = [
        _("A unit is elected with votes from %(threshold)s %(base)s", threshold=threshold, base=base)
        if election
        else _("A unit is proposed with votes from %(threshold)s %(base)s", threshold=threshold, base=base),
        _(
            "the vote counts if at least %(quorum)s of the member units vote",
            quorum=quorum_text(rules.quorum),
        ),
        _("a unit may vote for itself") if rules.self_vote else _("a unit may not vote for itself"),
    ]
    if rules.exclusive and election:
        parts.append(_("a unit elected chair is not also elected vice chair"))
    elif rules.exclusive:
        parts.append(_("a unit proposed for a higher award is not proposed for a lower one"))
    return "; ".join(parts) + "."


def excluded_words(tr: Translator, state: PollState) -> str:
    """Why a unit's votes in a lower category do not count."""
    if state.poll.kind == "election":
        return tr.gettext("elected to the post above")
    return tr.gettext("proposed for a higher award")


def unit_label(state: PollState, unit: int, round_no: int, index: int) -> str:
    """'B. Công an tỉnh': the candidate's letter on the round's ballot and its name."""
    listed = state.candidates.get(round_no, {}).get(index, ())
    name = state.names.get(unit, "?")
    return f"{position_label(listed.index(unit) + 1)}. {name}" if unit in listed else name


def names_of(state: PollState, units: tuple[int, ...] | list[int]) -> str:
    """Unit names joined with commas."""
    return ", ".join(state.names.get(u, "?") for u in units)


def category_lines(tr: Translator, state: PollState, round_no: int) -> list[str]:
    """The categories of a round with quotas, thresholds and candidates."""
    _ = tr.gettext
    lines = []
    for cat in state.round_categories(round_no):
        seats = state.seats(cat.index, round_no)
        if cat.kind == "confirm":
            lines.append(
                _(
                    "%(no)s. %(name)s — agree / disagree / blank on: %(unit)s",
                    no=cat.index + 1,
                    name=cat.name,
                    unit=names_of(state, cat.candidates),
                )
            )
            continue
        if electing(state):
            head = tr.ngettext(
                "%(no)s. %(name)s — elect %(n)s unit",
                "%(no)s. %(name)s — elect %(n)s units",
                seats,
                no=cat.index + 1,
                name=cat.name,
            )
        else:
            head = tr.ngettext(
                "%(no)s. %(name)s — propose up to %(n)s unit",
                "%(no)s. %(name)s — propose up to %(n)s units",
                seats,
                no=cat.index + 1,
                name=cat.name,
            )
        if cat.threshold is not None:
            head += " (" + _("threshold: %(words)s", words=threshold_words(tr, cat.threshold)) + ")"
        suggested = state.poll.suggested.get(cat.index)
        if suggested is not None and round_no == 1:
            head += " — " + _("rotation suggests %(unit)s", unit=state.names.get(suggested, "?"))
        lines.append(head)
    picks = [c for c in state.round_categories(round_no) if c.kind == "pick"]
    if picks and len({c.candidates for c in picks}) == 1:
        head = _("Nominated units:") if electing(state) else _("Candidates:")
        lines.append(
            head
            + " "
            + ", ".join(unit_label(state, u, round_no, picks[0].index) for u in picks[0].candidates)
        )
    elif picks:
        for cat in picks:
            head = (
                _("Nominated units for %(no)s:", no=cat.index + 1)
                if electing(state)
                else _("Candidates for %(no)s:", no=cat.index + 1)
            )
            lines.append(
                head + " " + ", ".join(unit_label(state, u, round_no, cat.index) for u in cat.candidates)
            )
    return lines


def draft_text(tr: Translator, state: PollState, lang: str, tz: ZoneInfo) -> str:
    """The draft's summary and what to do next."""
    _ = tr.gettext
    poll = state.poll
    if electing(state):
        lines = ["📝 " + _("Draft election #%(id)s: %(title)s", id=poll.id, title=poll.title)]
    else:
        lines = ["📝 " + _("Draft poll #%(id)s: %(title)s", id=poll.id, title=poll.title)]
    lines += category_lines(tr, state, 1)
    lines.append(rules_text(tr, poll.rules, election=electing(state)))
    if poll.deadline is not None:
        lines.append(_("Deadline: %(when)s", when=format_when(poll.deadline, tz, lang)))
    lines.append(
        _(
            "Counting committee (Ban kiểm phiếu): any %(k)s of %(n)s members open the ballot box "
            "after voting: the chair and vice chair units%(named)s, then the roster. The chair names "
            "members with /poll %(id)s committee <unit>, <unit>.",
            k=poll.committee.k,
            n=poll.committee.n,
            named=(", " + names_of(state, state.named)) if state.named else "",
            id=poll.id,
        )
    )
    lines.append(
        _(
            "Change the nominated units with /poll %(id)s candidates <unit>, <unit>, …; open "
            "the secret ballot with /poll %(id)s open.",
            id=poll.id,
        )
        if electing(state)
        else _(
            "Change the candidates with /poll %(id)s candidates <unit>, <unit>, …; open "
            "the secret ballot with /poll %(id)s open.",
            id=poll.id,
        )
    )
    return "\n".join(lines)


def committee_line(tr: Translator, state: PollState, round_no: int) -> str:
    """'Counting committee: …; any 2 of the 3 codes open the box.' for a round with a box."""
    holders = state.committee_of(round_no)
    box = state.boxes.get(round_no)
    k = box.box.k if box is not None else state.poll.committee.k
    return tr.gettext(
        "Counting committee (Ban kiểm phiếu): %(members)s; any %(k)s of the %(n)s codes open the ballot box.",
        members="; ".join(state.holder_label(h) for h in holders) or "—",
        k=k,
        n=len(holders),
    )


def card_text(tr: Translator, state: PollState, lang: str, tz: ZoneInfo) -> str:
    """The group's turnout card: what is voted on and how many units have voted."""
    _ = tr.gettext
    poll = state.poll
    lines = [
        "🔒 "
        + _(
            "Secret ballot #%(id)s: %(title)s — round %(round)s",
            id=poll.id,
            title=poll.title,
            round=poll.round,
        )
    ]
    lines += category_lines(tr, state, poll.round)
    lines.append(rules_text(tr, poll.rules, election=electing(state)))
    if poll.deadline is not None:
        lines.append(_("Deadline: %(when)s", when=format_when(poll.deadline, tz, lang)))
    if state.committee_of(poll.round):
        lines.append("🔑 " + committee_line(tr, state, poll.round))
    voted = len(state.voted)
    lines.append(_("Voted: %(voted)s of %(total)s units.", voted=voted, total=state.members))
    if poll.status == "open":
        if voted == state.members:
            lines.append(
                _("Every unit has voted. An admin closes the vote with /poll %(id)s close.", id=poll.id)
            )
        else:
            lines.append(
                _("Each unit's voter got the ballot privately. No ballot? Send me /vote in a private chat.")
            )
    else:
        lines.append(_("Voting is closed."))
        if state.awaiting is not None:
            lines.append(_("The ballots stay sealed until the counting committee opens the ballot box."))
    return "\n".join(lines)


def status_line(tr: Translator, state: PollState | None, result: TallyResult, cat: CategoryResult) -> str:
    _ = tr.gettext
    notes = {n.kind for n in result.notes if n.category == cat.index}
    if cat.status == "void":
        return _("→ Not valid: too few units voted.")
    assert state is not None
    election = electing(state)
    if cat.status == "held":
        if election:
            return _("→ Waiting for the post above: voted again in round 2.")
        return _("→ Waiting for the higher award: voted again in round 2.")
    if cat.status == "round2":
        units, seats = names_of(state, cat.open_candidates), cat.seats_left
        if "tie_at_cutoff" in notes:
            return tr.ngettext(
                "→ A tie for the last place: round 2 among %(units)s, to choose %(n)s unit.",
                "→ A tie for the last places: round 2 among %(units)s, to choose %(n)s units.",
                seats,
                units=units,
            )
        return tr.ngettext(
            "→ Too few units reached the threshold: round 2 among %(units)s, to choose %(n)s more unit.",
            "→ Too few units reached the threshold: round 2 among %(units)s, to choose %(n)s more units.",
            seats,
            units=units,
        )
    if cat.status == "chair_decides":
        pool, seats = decision_pool(cat)
        return tr.ngettext(
            "→ Still open after two rounds: the chair and vice chair choose %(n)s unit among %(units)s.",
            "→ Still open after two rounds: the chair and vice chair choose %(n)s units among %(units)s.",
            seats,
            units=names_of(state, pool),
        )
    if "not_confirmed" in notes:
        return _("→ Not approved.")
    if cat.proposed:
        if election:
            return _("→ Elected: %(units)s", units=names_of(state, cat.proposed))
        return _("→ Proposed: %(units)s", units=names_of(state, cat.proposed))
    if election:
        return _("→ No unit reached the threshold; none is elected.")
    return _("→ No unit reached the threshold; none is proposed.")


def withheld_lines(tr: Translator, result: TallyResult) -> list[str]:
    """A round that is not valid: ballots returned, why, and no counts."""
    _ = tr.gettext
    lines = [
        _(
            "Member units: %(members)s. Ballots issued: %(issued)s; returned: %(returned)s.",
            members=result.members,
            issued=result.issued,
            returned=result.returned,
        )
    ]
    if result.withheld == "single":
        lines.append(
            _(
                "Only one ballot came back: counting it would show how that unit voted, so the round "
                "is not valid and its ballot was destroyed unopened."
            )
        )
    else:
        lines.append(
            _(
                "Quorum not reached (%(needed)s units needed): the round is not valid, and its ballots "
                "were destroyed unopened; no count is published.",
                needed=result.quorum_needed,
            )
        )
    for cat in result.categories:
        lines.append(f"{cat.index + 1}. {cat.name} " + status_line(tr, None, result, cat))
    return lines
