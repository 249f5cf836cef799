"""Poll texts for the group: the draft, the turnout card, the committee, the results. Worded,
never counted; a round whose counts are withheld shows none (bot.polls.tally.withheld_round)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.core.formatting import format_percent, format_when
from bot.core.i18n import Translator
from bot.polls.model import Outcome, decision_pool, quorum_text, result_rows
from bot.polls.tally import CategoryResult, Rules, TallyResult, Threshold
from handlers.polls.state import PollState

STATUS_ICON = {"draft": "📝", "open": "🔒", "closed": "📊"}


def threshold_words(tr: Translator, threshold: Threshold) -> str:
    """'more than half' / 'at least 2/3' / 'at least 80%'."""
    _ = tr.gettext
    return {
        "majority": _("more than half (over 50%%)"),
        "two_thirds": _("at least two thirds"),
        "eighty": _("at least 80%%"),
    }[threshold]


def rules_text(tr: Translator, rules: Rules) -> str:
    """The counting rules in one sentence."""
    _ = tr.gettext
    base = _("of all member units") if rules.base == "members" else _("of the ballots returned")
    parts = [
        _(
            "A unit is proposed with votes from %(threshold)s %(base)s",
            threshold=threshold_words(tr, rules.threshold),
            base=base,
        ),
        _(
            "the vote counts if at least %(quorum)s of the member units vote",
            quorum=quorum_text(rules.quorum),
        ),
        _("a unit may vote for itself") if rules.self_vote else _("a unit may not vote for itself"),
    ]
    if rules.exclusive:
        parts.append(_("a unit proposed for a higher award is not proposed for a lower one"))
    return "; ".join(parts) + "."


def excluded_words(tr: Translator, state: PollState) -> str:
    """Why a unit's votes in a lower category do not count."""
    if state.poll.kind == "election":
        return tr.gettext("elected to the post above")
    return tr.gettext("proposed for a higher award")


def unit_label(state: PollState, unit: int, round_no: int, index: int) -> str:
    """'#2 Công an tỉnh': the candidate's number on the round's ballot and its name."""
    listed = state.candidates.get(round_no, {}).get(index, ())
    name = state.names.get(unit, "?")
    return f"#{listed.index(unit) + 1} {name}" if unit in listed else name


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
        head = tr.ngettext(
            "%(no)s. %(name)s — propose %(n)s unit",
            "%(no)s. %(name)s — propose %(n)s units",
            seats,
            no=cat.index + 1,
            name=cat.name,
        )
        if cat.threshold is not None:
            head += " (" + threshold_words(tr, cat.threshold) + ")"
        suggested = state.poll.suggested.get(cat.index)
        if suggested is not None and round_no == 1:
            head += " — " + _("rotation suggests %(unit)s", unit=state.names.get(suggested, "?"))
        lines.append(head)
    picks = [c for c in state.round_categories(round_no) if c.kind == "pick"]
    if picks and len({c.candidates for c in picks}) == 1:
        lines.append(
            _("Candidates:")
            + " "
            + ", ".join(unit_label(state, u, round_no, picks[0].index) for u in picks[0].candidates)
        )
    elif picks:
        for cat in picks:
            lines.append(
                _("Candidates for %(no)s:", no=cat.index + 1)
                + " "
                + ", ".join(unit_label(state, u, round_no, cat.index) for u in cat.candidates)
            )
    return lines


def draft_text(tr: Translator, state: PollState, lang: str, tz: ZoneInfo) -> str:
    """The draft's summary and what to do next."""
    _ = tr.gettext
    poll = state.poll
    lines = ["📝 " + _("Draft poll #%(id)s: %(title)s", id=poll.id, title=poll.title)]
    lines += category_lines(tr, state, 1)
    lines.append(rules_text(tr, poll.rules))
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
    lines.append(rules_text(tr, poll.rules))
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
                _(
                    "Each unit's voter got the ballot privately. No ballot? Press the button "
                    "below or send /vote to me."
                )
            )
    else:
        lines.append(_("Voting is closed."))
        if state.awaiting is not None:
            lines.append(_("The ballots stay sealed until the counting committee opens the ballot box."))
    return "\n".join(lines)


def _status_line(tr: Translator, state: PollState | None, result: TallyResult, cat: CategoryResult) -> str:
    _ = tr.gettext
    notes = {n.kind for n in result.notes if n.category == cat.index}
    if cat.status == "void":
        return _("→ Not valid: too few units voted.")
    assert state is not None
    if cat.status == "held":
        return _("→ Waiting for the higher award: voted again in round 2.")
    if cat.status == "round2":
        units, seats = names_of(state, cat.open_candidates), cat.seats_left
        if "tie_at_cutoff" in notes:
            return _(
                "→ Tie at the last seat: round 2 among %(units)s for %(seats)s seat(s).",
                units=units,
                seats=seats,
            )
        return _(
            "→ Too few units reached the threshold: round 2 among %(units)s for %(seats)s seat(s).",
            units=units,
            seats=seats,
        )
    if cat.status == "chair_decides":
        pool, seats = decision_pool(cat)
        return _(
            "→ Still open after two rounds: the chair and vice chair decide (%(seats)s "
            "seat(s), among %(units)s).",
            seats=seats,
            units=names_of(state, pool),
        )
    if "not_confirmed" in notes:
        return _("→ Not approved.")
    if cat.proposed:
        return _("→ Proposed: %(units)s", units=names_of(state, cat.proposed))
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
        lines.append(f"{cat.index + 1}. {cat.name} " + _status_line(tr, None, result, cat))
    return lines


def round_lines(tr: Translator, state: PollState, result: TallyResult, lang: str) -> list[str]:
    """Votes and percentages of one counted round, per category."""
    _ = tr.gettext
    if result.withheld is not None:
        return withheld_lines(tr, result)
    lines = [
        _(
            "Member units: %(members)s. Ballots issued: %(issued)s; returned: %(returned)s; valid: "
            "%(valid)s; invalid: %(invalid)s.",
            members=result.members,
            issued=result.issued,
            returned=result.returned,
            valid=result.valid,
            invalid=result.invalid,
        ),
        (
            _("Quorum reached (at least %(needed)s units).", needed=result.quorum_needed)
            if result.quorum_met
            else _(
                "Quorum not reached (%(needed)s units needed): the result is not valid.",
                needed=result.quorum_needed,
            )
        ),
    ]
    for cat in result.categories:
        lines.append("")
        head = tr.ngettext(
            "%(no)s. %(name)s — %(n)s seat; %(needed)s votes needed",
            "%(no)s. %(name)s — %(n)s seats; %(needed)s votes needed",
            cat.quota,
            no=cat.index + 1,
            name=cat.name,
            needed=cat.needed,
        )
        lines.append(head)
        if cat.answers is not None:
            lines.append(
                "   "
                + _(
                    "%(unit)s — agree %(yes)s, disagree %(no)s, blank %(blank)s",
                    unit=names_of(state, cat.proposed or tuple(cat.votes)),
                    yes=cat.answers.yes,
                    no=cat.answers.no,
                    blank=cat.answers.blank,
                )
            )
        else:
            for row in result_rows(cat):
                mark = " ✅" if row.proposed else ""
                extra = f" ({excluded_words(tr, state)})" if row.excluded else ""
                lines.append(
                    "   "
                    + tr.ngettext(
                        "%(unit)s: %(n)s vote (%(percent)s)",
                        "%(unit)s: %(n)s votes (%(percent)s)",
                        row.votes,
                        unit=state.names.get(row.unit, "?"),
                        percent=format_percent(row.votes, cat.base, lang),
                    )
                    + mark
                    + extra
                )
        lines.append("   " + _status_line(tr, state, result, cat))
    return lines


def proposal_lines(tr: Translator, state: PollState, result: Outcome) -> list[str]:
    """The list proposed to the province, category by category."""
    _ = tr.gettext
    lines = [_("Proposed (the bloc proposes; the province decides):")]
    for cat in state.categories:
        units = result.proposals.get(cat.index, ())
        decided = result.decisions.get(cat.index, ())
        text = names_of(state, units) if units else _("none")
        if decided:
            text += " " + _("(%(units)s decided by the chair and vice chair)", units=names_of(state, decided))
        lines.append(f"• {cat.name}: {text}")
    return lines


def results_text(tr: Translator, state: PollState, lang: str) -> str:
    """The results of the latest counted round, the proposals so far and the next step."""
    _ = tr.gettext
    result = state.outcome
    assert result is not None
    poll = state.poll
    lines = [
        "📊 "
        + _(
            "Results of secret ballot #%(id)s: %(title)s — round %(round)s",
            id=poll.id,
            title=poll.title,
            round=result.last.round_no,
        )
    ]
    opened = [h for h in state.committee_of(result.last.round_no) if h.opened]
    if opened:
        lines.append(
            "🔓 "
            + _(
                "The counting committee opened the ballot box: %(members)s.",
                members="; ".join(state.holder_label(h) for h in opened),
            )
        )
    lines += round_lines(tr, state, result.last, lang)
    lines.append("")
    if result.phase == "void":
        lines.append(_("Nothing is proposed. An admin may hold the vote again with a new /poll."))
        return "\n".join(lines)
    lines += proposal_lines(tr, state, result)
    lines.append("")
    if result.phase == "round2":
        lines.append(_("Next: an admin opens round 2 with /poll %(id)s round2", id=poll.id))
    elif result.phase == "decide":
        lines.append(
            _(
                "Next: the chair and vice chair decide, e.g. /poll %(id)s decide "
                "<category no>: <unit>, <unit>",
                id=poll.id,
            )
        )
    elif poll.kind == "election" and poll.confirmed_at is None:
        lines.append(
            _(
                "Next: the chair confirms next year's chair and vice chair with /poll %(id)s "
                "confirm; the minutes: /poll %(id)s minutes",
                id=poll.id,
            )
        )
    else:
        lines.append(_("The minutes: /poll %(id)s minutes", id=poll.id))
    return "\n".join(lines)
