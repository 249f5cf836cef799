"""Use cases of a bloc itself: setting it up (with a group chat or without), its card, its
yearly roles, who administers it, and a chat's language."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Literal

from bot.core.messages import NO_HOME
from bot.roster.model import Bloc, Person, Roles, Unit
from storage.db import Database

__all__ = [
    "BlocCard",
    "RoleClash",
    "RoleSet",
    "bloc_admins",
    "bloc_card",
    "create_bloc",
    "create_homeless_bloc",
    "person",
    "set_language",
    "set_role",
]


async def person(db: Database, user_id: int) -> Person | None:
    """One person the bot has seen."""
    async with db.read() as uow:
        return await uow.people.get(user_id)


async def bloc_admins(db: Database, bloc_id: int) -> set[int]:
    """The people made the bloc's admins directly (who set it up)."""
    async with db.read() as uow:
        return await uow.blocs.admins(bloc_id)


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
