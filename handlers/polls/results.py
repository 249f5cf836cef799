"""The results of a counted round for the group: votes and percentages per category, the
proposals (an award poll) or who is elected (an election), and the next step."""

from __future__ import annotations

from bot.core.formatting import format_percent
from bot.core.i18n import Translator
from bot.polls.model import Outcome, result_rows
from bot.polls.tally import TallyResult
from handlers.polls.state import PollState
from handlers.polls.text import electing, excluded_words, names_of, status_line, withheld_lines


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
        if electing(state):
            head = tr.ngettext(
                "%(no)s. %(name)s — elect %(n)s unit; %(needed)s votes needed",
                "%(no)s. %(name)s — elect %(n)s units; %(needed)s votes needed",
                cat.quota,
                no=cat.index + 1,
                name=cat.name,
                needed=cat.needed,
            )
        else:
            head = tr.ngettext(
                "%(no)s. %(name)s — up to %(n)s unit; %(needed)s votes needed",
                "%(no)s. %(name)s — up to %(n)s units; %(needed)s votes needed",
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
        lines.append("   " + status_line(tr, state, result, cat))
    return lines


def proposal_lines(tr: Translator, state: PollState, result: Outcome) -> list[str]:
    """The list proposed to the province (an election: who is elected), category by category."""
    _ = tr.gettext
    if electing(state):
        lines = [_("Election result:")]
    else:
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
    title = (
        _(
            "Election result #%(id)s: %(title)s — round %(round)s",
            id=poll.id,
            title=poll.title,
            round=result.last.round_no,
        )
        if electing(state)
        else _(
            "Results of secret ballot #%(id)s: %(title)s — round %(round)s",
            id=poll.id,
            title=poll.title,
            round=result.last.round_no,
        )
    )
    lines = ["📊 " + title]
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
        lines.append(
            _(
                "No unit is elected. An admin may hold the election again with /elect %(year)s.",
                year=poll.year,
            )
            if electing(state)
            else _("Nothing is proposed. An admin may hold the vote again with a new /poll.")
        )
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
