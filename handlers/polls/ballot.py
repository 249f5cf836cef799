"""The private ballot's pages, review and receipt: texts and keyboards (pure builders).

Every text here starts with BALLOT_MARK and every button uses BALLOT_PREFIX, so that the log
redaction (bot/polls/secrecy.py) recognises ballot traffic. Ticks live in the draft
(bot/polls/cases/drafts.py: encrypted under this process's key).
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.core.callbacks import encode
from bot.core.formatting import format_when
from bot.core.i18n import Translator
from bot.core.messages import Button, Choices
from bot.polls.ballots import BallotCategory, BallotForm, Draft
from bot.polls.secrecy import BALLOT_MARK, BALLOT_PREFIX, TICK_MARK
from bot.polls.tally import Answer
from handlers.polls.state import PollState

EMPTY_MARK = "▫️"
MAX_BUTTON = 60
ANSWER_CODES: dict[Answer, str] = {"yes": "y", "no": "n", "blank": "b"}
CODE_ANSWERS: dict[str, Answer] = {v: k for k, v in ANSWER_CODES.items()}


def data(form: BallotForm, action: str, *args: int | str) -> str:
    """Callback data of a ballot button: bv:<poll>:<round>:<action>:…"""
    return encode(BALLOT_PREFIX, form.poll_id, form.round_no, action, *args)


def answer_words(tr: Translator) -> dict[Answer, str]:
    """Đồng ý / Không đồng ý / Phiếu trắng."""
    _ = tr.gettext
    return {"yes": _("Agree"), "no": _("Disagree"), "blank": _("Blank ballot")}


def _header(tr: Translator, state: PollState, form: BallotForm) -> list[str]:
    _ = tr.gettext
    return [
        BALLOT_MARK + " " + _("Secret ballot — %(bloc)s", bloc=state.bloc.name),
        _(
            "#%(id)s %(title)s — round %(round)s",
            id=state.poll.id,
            title=state.poll.title,
            round=form.round_no,
        ),
        _("Voting for: %(unit)s", unit=state.names.get(form.unit, "?")),
    ]


def _label(state: PollState, cat: BallotCategory, unit: int) -> str:
    """'B. Công an tỉnh': the candidate's letter on the ballot (never a roster number) and name."""
    return f"{cat.label_of(unit)}. {state.names.get(unit, '?')}"[:MAX_BUTTON]


def page_view(
    tr: Translator, state: PollState, form: BallotForm, draft: Draft, page: int, lang: str, tz: ZoneInfo
) -> tuple[str, Choices]:
    """One category of the ballot: its candidates as tick buttons, and the way on."""
    _ = tr.gettext
    cat = form.categories[page]
    lines = _header(tr, state, form)
    lines.append(
        _("Category %(no)s of %(count)s: %(name)s", no=page + 1, count=len(form.categories), name=cat.name)
    )
    rows: list[list[Button]] = []
    if cat.kind == "confirm":
        lines.append(_("Proposed: %(unit)s. Do you agree?", unit=state.names.get(cat.candidates[0], "?")))
        said = draft.confirms.get(cat.index)
        for answer, word in answer_words(tr).items():
            mark = TICK_MARK if said == answer else EMPTY_MARK
            rows.append([Button(f"{mark} {word}", data(form, "a", cat.index, ANSWER_CODES[answer]))])
    else:
        ticked = draft.choices.get(cat.index, ())
        if state.poll.kind == "election":
            how = tr.ngettext(
                "Elect %(n)s unit (choose it again to untick). Ticked: %(done)s of %(n)s.",
                "Elect up to %(n)s units (choose it again to untick). Ticked: %(done)s of %(n)s.",
                cat.seats,
                done=len(ticked),
            )
        else:
            how = tr.ngettext(
                "Tick up to %(n)s unit (choose it again to untick). Ticked: %(done)s of %(n)s.",
                "Tick up to %(n)s units (choose it again to untick). Ticked: %(done)s of %(n)s.",
                cat.seats,
                done=len(ticked),
            )
        lines.append(how)
        if not form.self_vote and form.unit in cat.candidates:
            lines.append(_("Your own unit is not listed: this vote does not allow voting for oneself."))
        suggested = state.poll.suggested.get(cat.index)
        if suggested in form.shown(cat):
            lines.append(
                _("★ Suggested by the rotation: %(unit)s", unit=state.names.get(suggested or 0, "?"))
            )
        for unit in form.shown(cat):
            mark = TICK_MARK if unit in ticked else EMPTY_MARK
            star = " ★" if unit == suggested else ""
            rows.append(
                [
                    Button(
                        f"{mark} {_label(state, cat, unit)}{star}",
                        data(form, "t", cat.index, cat.number_of(unit)),
                    )
                ]
            )
    if state.poll.deadline is not None:
        lines.append(_("Deadline: %(when)s", when=format_when(state.poll.deadline, tz, lang)))
    nav: list[Button] = []
    if page > 0:
        nav.append(Button("◀ " + _("Back"), data(form, "p", page - 1)))
    if page + 1 < len(form.categories):
        nav.append(Button(_("Next") + " ▶", data(form, "p", page + 1)))
    else:
        nav.append(Button(_("Review") + " ▶", data(form, "r")))
    rows.append(nav)
    return "\n".join(lines), Choices.of(rows)


def choice_lines(tr: Translator, state: PollState, form: BallotForm, draft: Draft) -> list[str]:
    """What the draft says, category by category: each chosen unit by its letter and name."""
    _ = tr.gettext
    words = answer_words(tr)
    lines = []
    for no, cat in enumerate(form.categories, 1):
        if cat.kind == "confirm":
            said = draft.confirms.get(cat.index)
            text = f"{TICK_MARK} {words[said]}" if said else _("(left blank)")
            lines.append(f"{no}. {cat.name}: {text}")
            continue
        picks = draft.choices.get(cat.index, ())
        lines.append(
            _("%(no)s. %(name)s (%(done)s of %(n)s):", no=no, name=cat.name, done=len(picks), n=cat.seats)
        )
        chosen = [u for u in cat.candidates if u in picks]  # in ballot order, A before B
        lines += [f"   {TICK_MARK} {_label(state, cat, u)}" for u in chosen] or ["   " + _("(left blank)")]
    return lines


def warning_lines(tr: Translator, form: BallotForm, draft: Draft) -> list[str]:
    """A warning per category left empty or with fewer ticks than it may take (both are valid)."""
    _ = tr.gettext
    lines = []
    for no, cat in enumerate(form.categories, 1):
        if cat.kind == "confirm":
            if cat.index not in draft.confirms:
                lines.append(
                    "⚠️ "
                    + _(
                        "%(no)s. %(name)s is not answered: it counts as a blank ballot there.",
                        no=no,
                        name=cat.name,
                    )
                )
            continue
        done = len(draft.choices.get(cat.index, ()))
        if done == 0:
            lines.append(
                "⚠️ "
                + _(
                    "%(no)s. %(name)s is left empty: your ballot chooses no unit there.", no=no, name=cat.name
                )
            )
        elif done < cat.seats:
            lines.append(
                "⚠️ "
                + tr.ngettext(
                    "%(no)s. %(name)s: you chose %(n)s unit, fewer than the %(seats)s it may take.",
                    "%(no)s. %(name)s: you chose %(n)s units, fewer than the %(seats)s it may take.",
                    done,
                    no=no,
                    name=cat.name,
                    seats=cat.seats,
                )
            )
    return lines


def review_view(
    tr: Translator,
    state: PollState,
    form: BallotForm,
    draft: Draft,
    notes: list[str] | tuple[str, ...] = (),
    *,
    by_text: bool = False,
) -> tuple[str, Choices]:
    """The whole ballot before it is sent, with warnings, Send and Change (a ballot written with
    /vote may also be written again)."""
    _ = tr.gettext
    lines = _header(tr, state, form)
    lines[0] = BALLOT_MARK + " " + _("Check your ballot before sending it")
    lines += choice_lines(tr, state, form, draft)
    lines += warning_lines(tr, form, draft)
    lines += list(notes)
    lines.append(_("Nothing is in the ballot box yet. Once sent, the ballot cannot be changed."))
    if by_text:
        lines.append(
            _("To change it, choose Change, or write it again: /vote %(id)s 1: A; 2: B, C", id=form.poll_id)
        )
    choices = Choices.of(
        [
            [Button("✅ " + _("Send the ballot"), data(form, "c"))],
            [Button("✏️ " + _("Change"), data(form, "p", 0))],
        ]
    )
    return "\n".join(lines), choices


def receipt_text(
    tr: Translator, state: PollState, unit: int, round_no: int, at: datetime, lang: str, tz: ZoneInfo
) -> str:
    """The voter's receipt: which ballot was received, when; the choices are not repeated."""
    _ = tr.gettext
    return "\n".join(
        [
            BALLOT_MARK
            + " "
            + _(
                "Ballot received: %(unit)s, poll #%(id)s %(title)s, round %(round)s, on %(when)s.",
                unit=state.names.get(unit, "?"),
                id=state.poll.id,
                title=state.poll.title,
                round=round_no,
                when=format_when(at, tz, lang),
            ),
            _(
                "It is a secret ballot: your choices are sealed in the ballot box and not shown here "
                "any more. Nobody can read them until voting ends and the counting committee opens "
                "the box together; then only the totals are published."
            ),
        ]
    )


def start_button(tr: Translator, state: PollState, form: BallotForm) -> Choices:
    """A single 'Vote' button that opens the ballot (for lists and reminders)."""
    _ = tr.gettext
    text = BALLOT_MARK + " " + _("Vote: #%(id)s %(title)s", id=state.poll.id, title=state.poll.title)
    return Choices.of([[Button(text[:MAX_BUTTON], data(form, "s"))]])
