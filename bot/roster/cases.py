"""The roster use cases: what a person asks of the bloc, each one transaction, channel-neutral.

A use case takes plain values (the database, ids, parsed input, the time) and returns a result
the conversation renders; it never sees a Turn, a channel or a message text.

Here: setting a bloc up, its units (add, rename, remove), the yearly roles, the roster and its
file import, join codes (issued by /invite, redeemed by /join or a link), the unit's voter, and
a chat's language.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from bot.core.messages import NO_HOME
from bot.core.names import MAX_NAME, fold
from bot.roster.files import ImportedRow
from bot.roster.joincodes import Attempts, new_code, read_code
from bot.roster.model import Bloc, Person, Representative, Roles, Unit, voter_of
from storage.db import Database
from storage.invites import Wrong, hash_code, key_of
from storage.polls import PollRepo
from storage.unit_of_work import UnitOfWork

__all__ = [
    "MAX_UNITS",
    "Added",
    "BlocCard",
    "CodeRefused",
    "Imported",
    "JoinResult",
    "Joined",
    "PollOpen",
    "Renamed",
    "RoleClash",
    "RoleSet",
    "RosterView",
    "Skipped",
    "TooManyCodes",
    "TooManyUnits",
    "UnitRefused",
    "VoterSet",
    "Wrong",
    "active_units",
    "add_units",
    "bloc_admins",
    "bloc_card",
    "create_bloc",
    "create_homeless_bloc",
    "import_roster",
    "issue_invites",
    "join_by_code",
    "join_by_link",
    "open_poll",
    "person",
    "remove_unit",
    "rename_unit",
    "roster_view",
    "set_language",
    "set_role",
    "set_voter",
    "unit_by_id",
]

MAX_UNITS = 200  # units a bloc may have, by /units add or by /import


# Reads ----------------------------------------------------------------------------------------


async def active_units(db: Database, bloc_id: int) -> list[Unit]:
    """The bloc's current units in roster order (#1 first)."""
    async with db.read() as uow:
        return await uow.units.active(bloc_id)


async def unit_by_id(db: Database, unit_id: int) -> Unit | None:
    """One unit by id, removed or not."""
    async with db.read() as uow:
        return await uow.units.get(unit_id)


async def person(db: Database, user_id: int) -> Person | None:
    """One person the bot has seen."""
    async with db.read() as uow:
        return await uow.people.get(user_id)


async def bloc_admins(db: Database, bloc_id: int) -> set[int]:
    """The people made the bloc's admins directly (who set it up)."""
    async with db.read() as uow:
        return await uow.blocs.admins(bloc_id)


async def open_poll(db: Database, bloc_id: int) -> int | None:
    """The id of a poll of the bloc that is open for voting, if any."""
    async with db.read() as uow:
        return await _open_poll(uow, bloc_id)


async def _open_poll(uow: UnitOfWork, bloc_id: int) -> int | None:
    polls = await uow.repo(PollRepo).of_bloc(bloc_id)
    return next((p.id for p in polls if p.status == "open"), None)


@dataclass(frozen=True)
class BlocCard:
    """What /bloc shows: the year's roles and the units."""

    roles: Roles
    units: list[Unit]


async def bloc_card(db: Database, bloc_id: int, year: int) -> BlocCard:
    """The roles of a year and the current units, for the bloc's card."""
    async with db.read() as uow:
        roles = await uow.blocs.roles(bloc_id, year)
        units = await uow.units.active(bloc_id)
    return BlocCard(roles, units)


@dataclass(frozen=True)
class RosterView:
    """The units and everyone linked to them, for /roster and the roster file."""

    units: list[Unit]
    representatives: list[Representative]

    def of(self, unit: Unit) -> list[Representative]:
        """The people linked to one unit, earliest first."""
        return [r for r in self.representatives if r.unit_id == unit.id]


async def roster_view(db: Database, bloc_id: int) -> RosterView:
    """The bloc's units and their representatives."""
    async with db.read() as uow:
        units = await uow.units.active(bloc_id)
        reps = await uow.units.representatives(bloc_id)
    return RosterView(units, reps)


# Setting a bloc up ----------------------------------------------------------------------------


async def create_bloc(
    db: Database,
    chat_id: int,
    name: str,
    *,
    default_language: str,
    timezone: str,
    user_id: int,
    person_name: str,
    username: str | None,
) -> Bloc | Literal["taken"]:
    """Make a group chat a bloc in the chat's language; its creator becomes its first admin."""
    async with db.transaction() as uow:
        if await uow.blocs.by_chat(chat_id) is not None:
            return "taken"
        language = await uow.people.chat_language(chat_id) or default_language
        await uow.people.upsert(user_id, person_name, username)
        return await uow.blocs.create(chat_id, name, language, timezone, user_id)


async def create_homeless_bloc(
    db: Database,
    name: str,
    *,
    language: str,
    timezone: str,
    user_id: int,
    person_name: str,
    username: str | None,
) -> Bloc:
    """A bloc without a group chat (a virtual home chat); its creator is its admin."""
    async with db.transaction() as uow:
        home = await uow.identities.internal(NO_HOME, "chat", f"bloc:{secrets.token_hex(8)}")
        await uow.people.upsert(user_id, person_name, username)
        await uow.people.mark_started(user_id)
        return await uow.blocs.create(home, name, language, timezone, user_id)


async def set_language(db: Database, chat_id: int, language: str, bloc_id: int | None = None) -> None:
    """Set a chat's language, and its bloc's when the chat is the bloc's group."""
    async with db.transaction() as uow:
        if bloc_id is not None:
            await uow.blocs.set_language(bloc_id, language)
        await uow.people.set_chat_language(chat_id, language)


# Units ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Skipped:
    """A name /units add did not add, and why."""

    name: str
    reason: Literal["too_long", "duplicate", "not_a_name", "full"]


@dataclass(frozen=True)
class Added:
    """What /units add did: the names added, those skipped, the units the bloc has now."""

    added: tuple[str, ...]
    skipped: tuple[Skipped, ...]
    total: int


async def add_units(db: Database, bloc_id: int, names: Sequence[str]) -> Added:
    """Add the (cleaned, non-empty) names at the end of the roster; duplicates, names too long,
    names without a letter and names past the cap are skipped."""
    added: list[str] = []
    skipped: list[Skipped] = []
    async with db.transaction() as uow:
        seen = {fold(u.name): u.name for u in await uow.units.active(bloc_id)}
        for name in names:
            if len(name) > MAX_NAME:
                skipped.append(Skipped(name, "too_long"))
            elif fold(name) in seen:
                skipped.append(Skipped(name, "duplicate"))
            elif not any(c.isalpha() for c in name):
                skipped.append(Skipped(name, "not_a_name"))
            elif len(seen) >= MAX_UNITS:
                skipped.append(Skipped(name, "full"))
            else:
                await uow.units.add(bloc_id, name)
                seen[fold(name)] = name
                added.append(name)
        total = len(seen)
    return Added(tuple(added), tuple(skipped), total)


@dataclass(frozen=True)
class Renamed:
    """A unit renamed."""

    unit: Unit
    new: str


@dataclass(frozen=True)
class UnitRefused:
    """A rename refused: another unit of the bloc already has the name."""

    clash: Unit


async def rename_unit(db: Database, bloc_id: int, unit: Unit, new: str) -> Renamed | UnitRefused:
    """Give a unit a new name no other unit of the bloc has (names compared folded)."""
    async with db.transaction() as uow:
        others = [u for u in await uow.units.active(bloc_id) if u.id != unit.id]
        clash = next((u for u in others if fold(u.name) == fold(new)), None)
        if clash is not None:
            return UnitRefused(clash)
        await uow.units.rename(unit.id, new)
    return Renamed(unit, new)


async def remove_unit(db: Database, unit_id: int) -> None:
    """Take a unit off the roster: its links and roles go, its history stays."""
    async with db.transaction() as uow:
        await uow.units.remove(unit_id)
        await uow.blocs.clear_unit_roles(unit_id)


# Roles ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RoleClash:
    """Refused: the unit already holds the other role that year."""


@dataclass(frozen=True)
class RoleSet:
    """The role stored; ``replaced`` is the unit that held it before, if another one did."""

    replaced: Unit | None


async def set_role(db: Database, bloc_id: int, year: int, role: str, unit_id: int) -> RoleSet | RoleClash:
    """Make a unit chair or vice chair for a year, unless it holds the other role then."""
    async with db.read() as uow:
        roles = await uow.blocs.roles(bloc_id, year)
    if (roles.vice if role == "chair" else roles.chair) == unit_id:
        return RoleClash()
    async with db.transaction() as uow:
        before = await uow.blocs.roles(bloc_id, year)
        old_id = before.chair if role == "chair" else before.vice
        old = await uow.units.get(old_id) if old_id is not None and old_id != unit_id else None
        await uow.blocs.set_role(bloc_id, year, role, unit_id)
    return RoleSet(old)


# The roster file ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Imported:
    """What /import did: units added, roles set, people named in the file (never linked)."""

    added: int
    roles: int
    listed: int


@dataclass(frozen=True)
class TooManyUnits:
    """Refused, nothing changed: with the file the bloc would have ``total`` units."""

    total: int


async def import_roster(
    db: Database, bloc_id: int, year: int, rows: Sequence[ImportedRow]
) -> Imported | TooManyUnits:
    """Add the file's units that are new and set its roles for the year, all or nothing."""
    added = roles_set = listed = 0
    async with db.transaction() as uow:
        by_key = {fold(u.name): u for u in await uow.units.active(bloc_id)}
        new_units = {fold(r.unit) for r in rows} - set(by_key)
        if len(by_key) + len(new_units) > MAX_UNITS:  # the cap of /units add, on this path too
            return TooManyUnits(len(by_key) + len(new_units))
        for row in rows:
            unit = by_key.get(fold(row.unit))
            if unit is None:
                unit = await uow.units.add(bloc_id, row.unit)
                by_key[fold(row.unit)] = unit
                added += 1
            if row.role is not None:
                await uow.blocs.set_role(bloc_id, year, row.role, unit.id)
                roles_set += 1
            # A file never links a person: anyone may write anyone's id in a cell. People are
            # linked only by opening their own join link (/invite), with their consent.
            listed += row.telegram_id is not None
    return Imported(added, roles_set, listed)


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
