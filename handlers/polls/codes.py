"""A counting committee member's code: '/open <code>' (kiemphieu), or the code pasted alone in a
private chat.

Codes are kept in memory only (memory.ShareStore, for SHARE_TTL), never stored or logged. A code
is refused, changing nothing, when it is malformed or mistyped, names no box waiting to be
opened (another poll or round, or one already counted), comes while voting is still open, comes
from someone who holds no code of that box or holds another of its codes, or was given already.
When k codes are in and open the box together, the count runs (handlers/polls/counting.py); if
k codes do not open it (one is wrong: a typo that passed the checksum, or a forgery), they are
all dropped and the members asked to send theirs again.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence

from bot.core.commands import CommandSpec, CommandText
from bot.core.i18n import N_, Translator
from bot.polls.box import Opener, Share, ShareError, open_box, parse_share, relation
from bot.polls.cases import BoxRow
from bot.polls.cases.definitions import box_by_id, box_of
from bot.polls.secrecy import KEY_MARK, has_share_code
from handlers.conversation.router import Router
from handlers.conversation.turn import Turn
from handlers.polls.committee import holder_language
from handlers.polls.counting import count_round
from handlers.polls.memory import SHARE_TTL, Given, Memory, ShareStore
from handlers.polls.state import PollState, load_state

OPEN = CommandSpec(
    "open",
    "kiemphieu",
    "private",
    False,
    N_("/open <code>"),
    N_("Counting committee: open a ballot box with your code, after voting ends"),
)


async def cmd_open(turn: Turn, cmd: CommandText, memory: Memory) -> None:
    """/open <code>: a committee member's share of a ballot box."""
    code = cmd.rest.strip()
    if not code:
        await turn.reply(
            KEY_MARK
            + " "
            + turn._(
                "Send your counting committee code after the command, e.g. /open K7M1-…, in this "
                "private chat."
            )
        )
        return
    await give_share(turn, code, memory)


async def take_code(turn: Turn, text: str, memory: Memory) -> bool:
    """A share code pasted alone in a private chat (no command): taken as /open <code>."""
    if not turn.is_private or not has_share_code(text) or len(text) > 80:
        return False
    await give_share(turn, text.strip(), memory)
    return True


def _refusal(turn: Turn, reason: str, **names: object) -> str:
    """Why a code changes nothing, in the holder's words (only the text asked for is made)."""
    _ = turn._
    texts: dict[str, Callable[[], str]] = {
        "malformed": lambda: _(
            "That is not a counting committee code: a code is 8 groups of 4 letters and digits."
        ),
        "checksum": lambda: _("That code has a typo: please copy it again from my message."),
        "no_box": lambda: _(
            "This code opens no ballot box waiting to be opened: it is for another poll or round, "
            "or its box has been opened already."
        ),
        "still_open": lambda: _(
            "Voting on poll #%(id)s is still open: the box is opened only after it ends. Keep your "
            "code and send it then.",
            **names,
        ),
        "not_holder": lambda: _(
            "You are not on the counting committee of poll #%(id)s, round %(round)s: only its "
            "members' own codes open the box.",
            **names,
        ),
        "not_yours": lambda: _(
            "This code belongs to another member of the counting committee: each member sends their own code."
        ),
        "duplicate": lambda: _("Your code is in already: %(given)s of %(k)s.", **names),
        "wrong": lambda: _wrong_text(turn.tr),
    }
    return KEY_MARK + " " + texts[reason]()


def _wrong_text(tr: Translator) -> str:
    return tr.gettext(
        "The codes sent so far do not open the ballot box together: one of them is not right. "
        "Each member of the committee please sends their code again, copied exactly from my message."
    )


async def give_share(turn: Turn, code: str, memory: Memory) -> None:
    """Take one holder's code; open the box when k are in. Anything wrong changes nothing."""
    try:
        share = parse_share(code)
    except ShareError as error:
        await turn.reply(_refusal(turn, error.reason))
        return
    row = await box_by_id(turn.services.db, share.box_id)
    if row is None or relation(row.box, share) != "ours":
        await turn.reply(_refusal(turn, "no_box"))
        return
    state = await load_state(turn.services.db, row.poll_id)
    if state is None:
        await turn.reply(_refusal(turn, "no_box"))
        return
    if state.awaiting != row.round:
        await turn.reply(_refusal(turn, "still_open", id=state.poll.id))
        return
    mine = next((h for h in state.committee_of(row.round) if h.person_id == turn.user_id), None)
    if mine is None:
        await turn.reply(_refusal(turn, "not_holder", id=state.poll.id, round=row.round))
        return
    if mine.share != share.index:
        await turn.reply(_refusal(turn, "not_yours"))
        return
    key = (row.poll_id, row.round)
    store = memory.shares
    async with store.lock(key):
        now = turn.now()
        given = store.current(key, now)
        if share.index in given:
            await turn.reply(_refusal(turn, "duplicate", given=len(given), k=row.box.k))
            return
        if await _still_waiting(turn, row) is None:
            await turn.reply(_refusal(turn, "no_box"))
            return
        store.add(key, Given(share, turn.user_id, now))
        given = store.current(key, now)
        if len(given) < row.box.k:
            await _acknowledge(turn, state, row, store, len(given))
            return
        opened = _try_open(row, [g.share for g in given.values()])
        if opened is None:  # one of them is wrong, and no k of them open it: all are sent again
            store.forget(key)
            await turn.reply(_refusal(turn, "wrong"))
            for other in {g.person for g in given.values()} - {turn.user_id}:
                tr = await holder_language(turn.services, state, other)
                await turn.services.outbox.tell(other, KEY_MARK + " " + _wrong_text(tr))
            return
        opener, used = opened
        counted = await count_round(turn.services, state, row, opener, used)
        del opener
        store.forget(key)
    if counted is not None:
        await turn.reply(
            KEY_MARK
            + " "
            + turn._(
                "The ballot box of poll #%(id)s, round %(round)s, is opened and counted; the results "
                "are in the group. Your code is of no use any more.",
                id=state.poll.id,
                round=row.round,
            )
        )


async def _still_waiting(turn: Turn, row: BoxRow) -> BoxRow | None:
    """The box, if it is still the one waiting (not counted or replaced meanwhile)."""
    now = await box_of(turn.services.db, row.poll_id, row.round)
    return now if now is not None and now.box.box_id == row.box.box_id else None


async def _acknowledge(turn: Turn, state: PollState, row: BoxRow, store: ShareStore, given: int) -> None:
    """Tell the holder their code is in, how many more are needed, from whom."""
    key = (row.poll_id, row.round)
    have = {g.person for g in store.current(key, turn.now()).values()}
    others = [state.holder_label(h) for h in state.committee_of(row.round) if h.person_id not in have]
    hours = int(SHARE_TTL.total_seconds() // 3600)
    await turn.reply(
        KEY_MARK
        + " "
        + turn._(
            "Code received for poll #%(id)s, round %(round)s: %(given)s of the %(k)s needed. Still "
            "to send theirs (any of): %(others)s. I keep codes for %(hours)s hours only, in memory.",
            id=state.poll.id,
            round=row.round,
            given=given,
            k=row.box.k,
            others="; ".join(others) or "—",
            hours=hours,
        )
    )


def _try_open(row: BoxRow, shares: Sequence[Share]) -> tuple[Opener, list[int]] | None:
    """The box opened with some k of the shares given (a wrong one left out), and which."""
    try:
        return open_box(row.box, shares), sorted(s.index for s in shares)
    except ShareError:
        pass
    for subset in itertools.combinations(sorted(shares, key=lambda s: s.index), row.box.k):
        try:
            return open_box(row.box, subset), [s.index for s in subset]
        except ShareError:
            continue
    return None


def register(router: Router, memory: Memory) -> None:
    """/open (kiemphieu) and codes pasted alone in a private chat."""

    async def opening(turn: Turn, cmd: CommandText) -> None:
        await cmd_open(turn, cmd, memory)

    async def pasted(turn: Turn, text: str) -> bool:
        return await take_code(turn, text, memory)

    router.command(OPEN, opening, needs_bloc=False)
    router.take_text(pasted)
