"""The results of a counted round for the group: votes and percentages per category, the
proposals (an award poll) or who is elected (an election), and the next step."""

from __future__ import annotations

from bot.core.chunks import split_message
from bot.core.formatting import format_percent
from bot.core.i18n import Translator
from bot.polls.model import Outcome, result_rows
from bot.polls.tally import TallyResult
from handlers.polls.state import PollState
from handlers.polls.text import electing, excluded_words, names_of, status_line, withheld_lines

SHORTER = (15, 10, 5, 0)  # candidates shown per category besides the proposed, when it must be short


def round_lines(
    tr: Translator, state: PollState, result: TallyResult, lang: str, most: int | None = None
) -> list[str]:
    """Votes and percentages of one counted round, per category (``most``: at most that many
    candidates besides the proposed ones, the rest said in one line; None: every one)."""
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
            rows = result_rows(cat)  # most votes first
            shown = [r for n, r in enumerate(rows) if most is None or n < most or r.proposed]
            for row in shown:
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
            if len(shown) < len(rows):
                lines.append(
                    "   "
                    + tr.ngettext(
                        "… and %(n)s more candidate with fewer votes: every one is in the minutes "
                        "(/poll %(id)s minutes).",
                        "… and %(n)s more candidates with fewer votes: every one is in the minutes "
                        "(/poll %(id)s minutes).",
                        len(rows) - len(shown),
                        id=state.poll.id,
                    )
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


def results_text(tr: Translator, state: PollState, lang: str, most: int | None = None) -> str:
    """The results of the latest counted round, the proposals so far and the next step
    (``most``: candidates shown per category besides the proposed ones; None: all)."""
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
    lines += round_lines(tr, state, result.last, lang, most)
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


def results_messages(tr: Translator, state: PollState, lang: str, limit: int) -> list[str]:
    """The results for the group in as few messages of at most ``limit`` characters as they
    take, so that people see them at once (a group takes about one message a second): all of
    it when it fits one message; else each category's candidates with fewer votes said in one
    line (every one is in the minutes), fewer of them until it fits; else split at category
    boundaries."""
    text = results_text(tr, state, lang)
    for most in SHORTER:
        if len(text) <= limit:
            return [text]
        text = results_text(tr, state, lang, most)
    return pack(text.split("\n\n"), limit)


def pack(blocks: list[str], limit: int) -> list[str]:
    """Blocks (a category, the proposals) joined by a blank line into messages of at most
    ``limit`` characters, each block whole where it fits one message."""
    pieces: list[str] = []
    for block in blocks:
        for part in split_message(block, limit) if len(block) > limit else [block]:
            if pieces and len(pieces[-1]) + 2 + len(part) <= limit:
                pieces[-1] += "\n\n" + part
            else:
                pieces.append(part)
    return pieces
