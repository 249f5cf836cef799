"""What went wrong with a /poll definition, a /vote text or a decision, in the chat's language."""

from __future__ import annotations

from bot.core.dates import ACCEPTED_FORMS
from bot.core.i18n import Translator
from bot.core.names import MAX_NAME
from bot.polls.model import MAX_CATEGORIES, MAX_COMMITTEE, MAX_QUOTA, MAX_TITLE, PollProblem


def problem_text(tr: Translator, problem: PollProblem) -> str:
    """One clear sentence (or two) per problem code."""
    _ = tr.gettext
    detail, number = problem.detail, problem.number
    if problem.code == "not_candidate" and problem.hint:
        return _(
            '"%(value)s" is not on the ballot in category %(no)s. Did you mean %(near)s? Write the '
            "letter your ballot shows (A, B, …) or the unit's name.",
            value=detail,
            no=number,
            near=problem.hint,
        )
    texts = {
        "no_title": _("The poll needs a title after /poll."),
        "title_too_long": _("A poll title has at most %(max)s characters.", max=MAX_TITLE),
        "name_too_long": _(
            'A category name has at most %(max)s characters ("%(name)s…").', max=MAX_NAME, name=detail
        ),
        "bad_category": _(
            'I could not read the category line "%(line)s". Write <award> | <quota>, '
            "e.g. Cờ thi đua của UBND tỉnh | 2, or <question> | confirm <unit>.",
            line=detail,
        ),
        "bad_quota": _(
            'The quota in "%(line)s" must be a whole number from 1 to %(max)s.', line=detail, max=MAX_QUOTA
        ),
        "bad_threshold": _(
            'Unknown threshold "%(value)s": use majority, two_thirds or eighty.', value=detail
        ),
        "bad_base": _('Unknown base "%(value)s": use members or ballots.', value=detail),
        "bad_quorum": _(
            'Unknown quorum "%(value)s": write a fraction such as 2/3 or a percentage such as 60%%.',
            value=detail,
        ),
        "bad_yes_no": _('"%(value)s": write yes or no.', value=detail),
        "bad_committee": _(
            'Unknown counting committee "%(value)s": write how many of how many members open the '
            "ballot box, e.g. committee=2/3 (at most %(max)s members).",
            value=detail,
            max=MAX_COMMITTEE,
        ),
        "bad_rules": _(
            'I could not read "%(value)s" in the rules. Write e.g. rules: '
            "threshold=majority base=members quorum=2/3 self=yes deadline=16/12/2026 17:00",
            value=detail,
        ),
        "bad_deadline": _(
            'I could not read the deadline "%(value)s". Write it day first, e.g. %(examples)s.',
            value=detail,
            examples=", ".join(ACCEPTED_FORMS[:3]),
        ),
        "past_deadline": _("The deadline is already past; give a later one."),
        "no_categories": _("Add at least one award category, one per line: <award> | <quota>."),
        "too_many_categories": _("A poll has at most %(max)s categories.", max=MAX_CATEGORIES),
        "duplicate_category": _("Two categories have the same name."),
        "quota_above_units": _(
            '"%(name)s" proposes more units than the bloc has (%(n)s).', name=detail, n=number
        ),
        "too_few_candidates": _(
            '"%(name)s" has fewer candidates than its quota (%(n)s). Change them with /poll <id> candidates.',
            name=detail,
            n=number,
        ),
        "vote_syntax": _(
            "Write your ballot like this: /vote <poll id> <category no>: <letter>, <letter>; "
            "<category no>: …  e.g. /vote 3 1: B; 2: D, E (the letters your ballot shows, or the "
            "units' names)"
        ),
        "unknown_category": _("This ballot has no category %(no)s.", no=number),
        "wrong_kind": _(
            "Category %(no)s is answered differently: tick candidates, or for a "
            "confirmation write agree, disagree or blank.",
            no=number,
        ),
        "duplicate_pick": _("Category %(no)s names the same candidate twice.", no=number),
        "self_vote": _("In category %(no)s your unit may not vote for itself.", no=number),
        "not_candidate": _(
            '"%(value)s" is not a candidate of category %(no)s: write the letter your ballot shows '
            "(A, B, …) or the unit's name.",
            value=detail,
            no=number,
        ),
        "too_many": tr.ngettext(
            '"%(name)s" takes at most %(n)s unit.',
            '"%(name)s" takes at most %(n)s units.',
            number,
            name=detail,
        ),
        "bad_answer": _(
            "Category %(no)s is a confirmation: answer agree (đồng ý), disagree "
            "(không đồng ý) or blank (trắng).",
            no=number,
        ),
        "decision_not_undecided": _("Category %(no)s does not wait for the chair's decision.", no=detail),
        "decision_bad_units": _("Name each unit once."),
        "decision_not_open": _(
            "The chair and vice chair choose among the units still open in "
            "category %(no)s (see the results).",
            no=detail,
        ),
        "decision_too_many": _("That is more units than the seats left in category %(no)s.", no=detail),
        "decision_proposed_elsewhere": _(
            "A unit proposed in another category cannot be proposed in category %(no)s too.", no=detail
        ),
    }
    return texts.get(problem.code, _("I could not read that."))
