"""Use cases of the people of units: join codes (issued by /invite, redeemed by /join or a
link, wrong ones counted), the unit's voter, and the open poll that freezes both."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from bot.roster.joincodes import Attempts, new_code, read_code
from bot.roster.model import Bloc, Representative, Unit, voter_of
from storage.db import Database
from storage.invites import Wrong, hash_code, key_of
from storage.polls import PollRepo
from storage.unit_of_work import UnitOfWork

__all__ = [
    "CodeRefused",
    "JoinResult",
    "Joined",
    "PollOpen",
    "TooManyCodes",
    "VoterSet",
    "Wrong",
    "issue_invites",
    "join_by_code",
    "join_by_link",
    "open_poll",
    "set_voter",
]


async def open_poll(db: Database, bloc_id: int) -> int | None:
    """The id of a poll of the bloc that is open for voting, if any."""
    async with db.read() as uow:
        return await _open_poll(uow, bloc_id)


async def _open_poll(uow: UnitOfWork, bloc_id: int) -> int | None:
    polls = await uow.repo(PollRepo).of_bloc(bloc_id)
    return next((p.id for p in polls if p.status == "open"), None)


# Join codes -----------------------------------------------------------------------------------


async def issue_invites(
    db: Database, bloc_id: int, unit_ids: Sequence[int], created_by: int, ttl: timedelta
) -> list[str]:
    """A fresh single-use join code per unit (in the same order), valid for ``ttl``."""
    codes = [new_code() for _unit in unit_ids]
    keys = [await key_of(code) for code in codes]  # slow hashes: before the transaction
    async with db.transaction() as uow:
        for unit_id, key in zip(unit_ids, keys, strict=True):
            await uow.invites.create(key, bloc_id, unit_id, created_by, ttl)
    return codes


@dataclass(frozen=True)
class Joined:
    """The person now represents ``unit`` of ``bloc``; ``previous`` is the unit they represented
    there before (``unit`` itself when nothing changed)."""

    bloc: Bloc
    unit: Unit
    previous: Unit | None


@dataclass(frozen=True)
class TooManyCodes:
    """Refused without looking at the code: the person sent too many wrong ones lately."""

    attempts: Attempts


@dataclass(frozen=True)
class CodeRefused:
    """The code did not work; ``attempts`` are the person's wrong codes counting this one
    (None when it was not counted: its unit or bloc is gone)."""

    wrong: Wrong
    attempts: Attempts | None


@dataclass(frozen=True)
class PollOpen:
    """Refused: the person represents another unit, and poll ``poll_id`` is open for voting."""

    poll_id: int


JoinResult = Joined | TooManyCodes | CodeRefused | PollOpen | Literal["unit_removed"]


async def join_by_code(db: Database, code: str, user_id: int, now: datetime) -> JoinResult:
    """Redeem a typed code (already read: ``read_code``) for this person."""
    return await _redeem(db, await key_of(code), user_id, now)


async def join_by_link(db: Database, token: str, user_id: int, now: datetime) -> JoinResult:
    """Redeem the code of a join link for this person."""
    code = read_code(token)
    # Links made before typed codes carry 24 characters, stored by their sha256.
    key = hash_code(token) if code is None else await key_of(code)
    return await _redeem(db, key, user_id, now)


async def _redeem(db: Database, key: str, user_id: int, now: datetime) -> JoinResult:
    """Use the invite stored under ``key``: the limit first, then the invite, one transaction."""
    async with db.transaction() as uow:
        attempts = await uow.invites.attempts(user_id)
        if attempts.blocked:
            # A person who is waiting is not told whether this code would have worked: that is
            # what keeps guessing slow.
            return TooManyCodes(attempts)
        invite = await uow.invites.find(key)
        wrong: Wrong | None = None
        if invite is None:
            wrong = "unknown"
        elif invite.used_by is not None and invite.used_by != user_id:
            wrong = "used"
        elif invite.expires_at <= now:
            wrong = "expired"
        if wrong is not None:
            await uow.invites.wrong(user_id, wrong)
            return CodeRefused(wrong, await uow.invites.attempts(user_id))
        assert invite is not None
        bloc = await uow.blocs.get(invite.bloc_id)
        unit = await uow.units.get(invite.unit_id)
        if unit is None or unit.bloc_id != invite.bloc_id or bloc is None:
            return CodeRefused("unknown", None)
        removed = all(u.id != unit.id for u in await uow.units.active(bloc.id))
        current = await uow.units.unit_of(bloc.id, user_id)
        voting = await _open_poll(uow, bloc.id)
        if removed:
            return "unit_removed"
        if current is not None and current.id != unit.id and voting is not None:
            return PollOpen(voting)
        await uow.invites.use(key, user_id)
        previous = await uow.units.link(bloc.id, unit.id, user_id)
    return Joined(bloc, unit, previous)


# Voters ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class VoterSet:
    """The person now casts the unit's ballots. ``before`` was its voter until now; ``previous``
    is the unit the person represented in the bloc before, if any."""

    before: Representative | None
    previous: Unit | None


async def set_voter(
    db: Database, bloc_id: int, unit_id: int, user_id: int, name: str, username: str | None
) -> VoterSet:
    """Link a person to the unit (from any other unit of the bloc) and make them its voter."""
    async with db.transaction() as uow:
        before = voter_of([r for r in await uow.units.representatives(bloc_id) if r.unit_id == unit_id])
        await uow.people.upsert(user_id, name, username)
        previous = await uow.units.link(bloc_id, unit_id, user_id)
        await uow.units.set_voter(unit_id, user_id)
    return VoterSet(before, previous)
