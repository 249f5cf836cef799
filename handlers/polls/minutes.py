"""'/poll <id> minutes [<place>] [| <secretary>] [| <presiding>]': the DOCX minutes and the chart.

The minutes list what DOMAIN.md asks: bloc, year, time, place, presiding and secretary; member
units, who voted and who did not; ballots issued, returned, valid, invalid; votes and percentages
per candidate and category in each round; the rounds held and any decision of the chair and vice
chair; the proposal list; next year's chair and vice chair when elected.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.core.formatting import format_percent, format_when
from bot.core.i18n import Translator
from bot.core.names import clean
from bot.core.offload import in_worker
from bot.polls.charts import bar_chart
from bot.polls.minutes import Minutes, Section, Table, render_minutes
from bot.polls.model import result_rows
from bot.polls.tally import TallyResult
from bot.roster.model import Roles
from handlers.conversation.turn import Turn
from handlers.polls.rounds import chart_of
from handlers.polls.state import PollState
from handlers.polls.text import excluded_words, names_of, rules_text, threshold_words, withheld_lines

DOTS = "……………"


def _yes_no(tr: Translator, flag: bool) -> str:
    return tr.gettext("yes") if flag else tr.gettext("no")


def _round_section(tr: Translator, state: PollState, result: TallyResult, lang: str) -> Section:
    _ = tr.gettext
    heading = _("Count of round %(round)s", round=result.round_no)
    if result.withheld is not None:  # not valid: no count to record, only why
        return Section(heading, tuple(withheld_lines(tr, result)))
    opened = [state.holder_label(h) for h in state.committee_of(result.round_no) if h.opened]
    paragraphs = [
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
    header = (_("No."), _("Unit"), _("Number of votes"), _("Percentage"), _("Result"))
    tables = []
    for cat in result.categories:
        caption = _(
            "%(no)s. %(name)s (%(n)s seat(s); %(needed)s votes needed: %(threshold)s)",
            no=cat.index + 1,
            name=cat.name,
            n=cat.quota,
            needed=cat.needed,
            threshold=threshold_words(tr, cat.threshold),
        )
        rows: list[tuple[str, ...]] = []
        if cat.answers is not None:
            caption += ": " + names_of(state, tuple(cat.votes))
            for n, (word, count) in enumerate(
                (
                    (_("Agree"), cat.answers.yes),
                    (_("Disagree"), cat.answers.no),
                    (_("Blank ballot"), cat.answers.blank),
                ),
                1,
            ):
                rows.append((str(n), word, str(count), format_percent(count, cat.base, lang), ""))
        else:
            for n, row in enumerate(result_rows(cat), 1):
                mark = _("proposed") if row.proposed else (excluded_words(tr, state) if row.excluded else "")
                rows.append(
                    (
                        str(n),
                        state.names.get(row.unit, "?"),
                        str(row.votes),
                        format_percent(row.votes, cat.base, lang),
                        mark,
                    )
                )
        tables.append(Table(header, tuple(rows), caption))
    if opened:
        paragraphs.insert(
            0,
            _(
                "The ballot box was opened after voting ended by the counting committee: %(members)s.",
                members="; ".join(opened),
            ),
        )
    return Section(heading, tuple(paragraphs), tuple(tables))


def build_minutes(
    tr: Translator,
    state: PollState,
    lang: str,
    tz: ZoneInfo,
    *,
    place: str,
    secretary: str,
    presiding: str,
    next_roles: Roles | None,
    chart: bytes | None,
) -> Minutes:
    """The minutes' words for one poll (after at least one closed round)."""
    _ = tr.gettext
    poll = state.poll
    result = state.outcome
    assert result is not None
    closed = [r.closed_at for r in state.rounds if r.closed_at is not None]
    last = closed[-1]
    local = last.astimezone(tz)
    times = [
        _(
            "Round %(round)s: opened %(opened)s, closed %(closed)s",
            round=r.round,
            opened=format_when(r.opened_at, tz, lang),
            closed=format_when(r.closed_at, tz, lang) if r.closed_at else "—",
        )
        for r in state.rounds
    ]
    general = Section(
        _("Time, place and participants"),
        (
            _("Bloc: %(bloc)s. Year: %(year)s.", bloc=state.bloc.name, year=poll.year),
            *times,
            _("Place: %(place)s", place=place or DOTS),
            _("Presiding: %(who)s", who=presiding or DOTS),
            _("Secretary: %(who)s", who=secretary or DOTS),
            _("Form of voting: secret ballot through blocbot, one ballot per member unit."),
            _("Rules: %(rules)s", rules=rules_text(tr, poll.rules)),
            *(
                _(
                    "Counting committee (Ban kiểm phiếu) of round %(round)s: %(members)s.",
                    round=r.round,
                    members="; ".join(state.holder_label(h) for h in state.committee_of(r.round)),
                )
                for r in state.rounds
                if state.committee_of(r.round)
            ),
        ),
    )
    voted_by_round = {r.round: state.turnout.get(r.round, frozenset()) for r in state.rounds}
    header = [_("No."), _("Member unit")] + [_("Voted in round %(round)s", round=r) for r in voted_by_round]
    unit_rows = tuple(
        (str(n), state.names.get(u, "?"), *(_yes_no(tr, u in v) for v in voted_by_round.values()))
        for n, u in enumerate(state.electorate, 1)
    )
    first_voted = voted_by_round.get(1, frozenset())
    members = Section(
        _("Member units"),
        (
            _(
                "Units that voted (round 1): %(units)s",
                units=names_of(state, [u for u in state.electorate if u in first_voted]) or _("none"),
            ),
            _(
                "Units that did not vote (round 1): %(units)s",
                units=names_of(state, [u for u in state.electorate if u not in first_voted]) or _("none"),
            ),
        ),
        (Table(tuple(header), unit_rows),),
    )
    rounds = [_round_section(tr, state, r, lang) for r in state.results]
    held = [
        tr.ngettext(
            "%(n)s round of voting was held.", "%(n)s rounds of voting were held.", len(state.results)
        )
    ]
    for index, units in sorted(result.decisions.items()):
        held.append(
            _(
                'The chair and vice chair decided in "%(category)s": %(units)s.',
                category=state.category(index).name,
                units=names_of(state, units),
            )
        )
    for index in result.undecided:
        held.append(
            _(
                'Still to be decided by the chair and vice chair: "%(category)s".',
                category=state.category(index).name,
            )
        )
    if result.phase == "void":
        held.append(_("The quorum was not reached: nothing is proposed."))
    proposals = Section(
        _("Proposal list (the bloc proposes; the province decides)"),
        tuple(held),
        (
            Table(
                (_("No."), _("Award"), _("Units proposed")),
                tuple(
                    (str(n), cat.name, names_of(state, result.proposals.get(cat.index, ())) or _("none"))
                    for n, cat in enumerate(state.categories, 1)
                ),
            ),
        ),
    )
    sections = [general, members, *rounds, proposals]
    if next_roles is not None and (next_roles.chair or next_roles.vice):
        sections.append(
            Section(
                _("Chair and vice chair for %(year)s", year=next_roles.year),
                (
                    _("Chair unit (Khối trưởng): %(unit)s", unit=state.names.get(next_roles.chair or 0, "—")),
                    _(
                        "Vice chair unit (Khối phó): %(unit)s",
                        unit=state.names.get(next_roles.vice or 0, "—"),
                    ),
                ),
            )
        )
    # The locality before the date (a province or city) is not known to the bot: left to fill in.
    place_date = _(
        "%(place)s, %(day)s/%(month)s/%(year)s",
        place=DOTS,
        day=f"{local.day:02d}",
        month=f"{local.month:02d}",
        year=local.year,
    )
    return Minutes(
        issuer=state.bloc.name,
        place_date=place_date,
        title=_("VOTE-COUNT MINUTES"),
        subtitle=f"{poll.title} (#{poll.id})",
        sections=tuple(sections),
        signatures=((_("Secretary"), secretary), (_("Presiding"), presiding)),
        chart_png=chart,
        chart_caption=_("Votes per candidate; the dashed line is the votes needed."),
        keywords=(state.bloc.name, str(poll.year)),
    )


async def send_minutes(turn: Turn, state: PollState, rest: str) -> None:
    """Send the minutes (DOCX) and the chart of the latest round to the group."""
    _ = turn._
    if state.poll.status != "closed" or not state.results or state.awaiting is not None:
        await turn.reply(
            _("The minutes are made once the vote is closed: /poll %(id)s close", id=state.poll.id)
        )
        return
    fields = [clean(f) for f in rest.split("|")] + ["", "", ""]
    place, secretary, presiding = fields[:3]
    review_year = state.poll.year if state.poll.kind == "award" else state.poll.year - 1
    async with turn.services.db.read() as uow:
        chair = (await uow.blocs.roles(state.bloc.id, review_year)).chair
        next_roles = await uow.blocs.roles(state.bloc.id, review_year + 1)
    if not presiding and chair is not None:
        presiding = _("%(unit)s (chair unit)", unit=state.names.get(chair, "?"))
    # Drawing and laying out take long for a big bloc: in the worker process, so other chats
    # go on (bot/core/offload.py); the chart was usually drawn there already for the results.
    counted = [r for r in state.results if r.withheld is None]  # a withheld round has no chart
    chart = await in_worker(bar_chart, chart_of(turn.tr, state, counted[-1])) if counted else None
    minutes = build_minutes(
        turn.tr,
        state,
        turn.lang,
        turn.tz,
        place=place,
        secretary=secretary,
        presiding=presiding,
        next_roles=next_roles,
        chart=chart,
    )
    data = await in_worker(render_minutes, minutes)
    name = (_("vote-count-minutes") + f"-{state.poll.id}.docx").replace(" ", "-")
    await turn.reply_document(
        data, name, caption=_("Minutes of poll #%(id)s: %(title)s", id=state.poll.id, title=state.poll.title)
    )
    if chart is not None:
        await turn.reply_photo(chart, "chart.png")
