"""Ballots being filled in: rows of the conversations table, unreadable to anyone but this process.

A voter's ticks before they send (``Draft``) are kept per (chat, person) in the slot
``ballot:<poll>:<round>``, with the ballot page's message id (so its ticks and buttons can be
taken off when the ballot is cast or the round closes) and an expiry. The ticks themselves are
packed over the round's candidates (bot.polls.ballots.pack_ballot), padded to one length and
encrypted (XSalsa20-Poly1305, PyNaCl's SecretBox) under a random key made when the process
starts and never written anywhere. So the database holds, for each voter, a blob of the same
size whatever was ticked; after a restart no one can read it, the bot included: the draft is
treated as expired and the voter is told that ticks not yet sent were not kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

import nacl.bindings
import nacl.exceptions
import nacl.secret
import nacl.utils

from bot.polls.ballots import BallotForm, Draft, pack_ballot, unpack_ballot
from storage.polls import Poll
from storage.unit_of_work import UnitOfWork

KIND = "ballot"
DRAFT_BLOCK = 128  # ticks are padded to a multiple of this before encryption (one length per round)
KEEP = timedelta(days=60)  # a draft of a round without a deadline
AFTER_DEADLINE = timedelta(days=1)

Found = Literal["new", "kept", "lost"]


def slot(poll_id: int, round_no: int) -> str:
    """The conversations slot of a round's ballot drafts."""
    return f"ballot:{poll_id}:{round_no}"


def expiry(poll: Poll, now: datetime) -> datetime:
    """When a draft of this round is dropped if nothing else dropped it first."""
    return (poll.deadline + AFTER_DEADLINE) if poll.deadline is not None else now + KEEP


@dataclass(frozen=True)
class Loaded:
    """A draft as loaded: its ticks, whether it was there, and the ballot page it shows on."""

    draft: Draft
    found: Found  # "new": none yet; "kept": read back; "lost": made by an earlier process
    message_id: int | None


class Drafts:
    """Encrypts and stores ballot drafts; the key lives in this object only."""

    def __init__(self) -> None:
        self._box = nacl.secret.SecretBox(nacl.utils.random(nacl.secret.SecretBox.KEY_SIZE))

    def __repr__(self) -> str:
        return "Drafts()"

    def seal(self, form: BallotForm, draft: Draft) -> str:
        """The draft as stored: hex of the encrypted, padded ticks."""
        packed = nacl.bindings.sodium_pad(pack_ballot(draft.ballot(), form.categories), DRAFT_BLOCK)
        return bytes(self._box.encrypt(packed)).hex()

    def open(self, form: BallotForm, sealed: str) -> Draft | None:
        """The stored draft back; None if this process cannot read it (made before a restart)."""
        try:
            padded = self._box.decrypt(bytes.fromhex(sealed))
            ballot = unpack_ballot(nacl.bindings.sodium_unpad(padded, DRAFT_BLOCK), form.categories)
        except (ValueError, nacl.exceptions.CryptoError):
            return None
        return Draft(choices=dict(ballot.choices), confirms=dict(ballot.confirms))

    async def load(self, uow: UnitOfWork, chat_id: int, person_id: int, form: BallotForm) -> Loaded:
        """The person's draft of this ballot in this chat."""
        row = await uow.conversations.get(chat_id, person_id, slot(form.poll_id, form.round_no))
        if row is None:
            gone = await uow.conversations.expired(chat_id, person_id, slot(form.poll_id, form.round_no))
            return Loaded(Draft(), "lost" if gone else "new", None)
        draft = self.open(form, str(row.payload.get("d", "")))
        if draft is None:
            return Loaded(Draft(), "lost", row.message_id)
        return Loaded(draft, "kept", row.message_id)

    async def save(
        self,
        uow: UnitOfWork,
        chat_id: int,
        person_id: int,
        form: BallotForm,
        draft: Draft,
        *,
        poll: Poll,
        message_id: int | None,
    ) -> None:
        """Store the draft and the page showing it (replacing what was there)."""
        now = uow.clock.now()
        await uow.conversations.put(
            chat_id,
            person_id,
            slot(form.poll_id, form.round_no),
            KIND,
            {"d": self.seal(form, draft)},
            expiry(poll, now),
            message_id,
        )

    async def drop(self, uow: UnitOfWork, chat_id: int, person_id: int, form: BallotForm) -> int | None:
        """Forget the draft (the ballot was cast); the page it showed on, if any."""
        name = slot(form.poll_id, form.round_no)
        row = await uow.conversations.get(chat_id, person_id, name)
        await uow.conversations.drop(chat_id, person_id, name)
        return None if row is None else row.message_id
