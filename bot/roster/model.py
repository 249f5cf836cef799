"""Roster domain: blocs, units, representatives, and who may administer a bloc."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Bloc:
    id: int
    chat_id: int
    name: str
    language: str
    timezone: str
    created_by: int
    created_at: datetime


@dataclass(frozen=True)
class Unit:
    id: int
    bloc_id: int
    position: int
    name: str

    @property
    def label(self) -> str:
        """Display name (for matching helpers)."""
        return self.name


@dataclass(frozen=True)
class Person:
    user_id: int
    full_name: str
    username: str | None
    started: bool


@dataclass(frozen=True)
class Representative:
    unit_id: int
    person: Person
    is_voter: bool
    linked_at: datetime


@dataclass(frozen=True)
class Roles:
    """Chair and vice chair units of one bloc for one year."""

    year: int
    chair: int | None
    vice: int | None


@dataclass(frozen=True)
class Membership:
    """A person's standing in one bloc."""

    bloc: Bloc
    unit: Unit | None
    is_voter: bool


def is_admin(
    user_id: int,
    *,
    bloc: Bloc,
    bloc_admins: Collection[int],
    operators: Collection[int],
    unit_id: int | None,
    roles: Roles,
) -> bool:
    """Admins: operators, whoever ran /setup (and admins added), chair and vice chair units' reps."""
    if user_id in operators or user_id in bloc_admins or user_id == bloc.created_by:
        return True
    return unit_id is not None and unit_id in (roles.chair, roles.vice)


def voter_of(reps: Collection[Representative]) -> Representative | None:
    """The person who casts a unit's ballots: the named voter, else the earliest linked rep."""
    if not reps:
        return None
    named = [r for r in reps if r.is_voter]
    if named:
        return named[0]
    return min(reps, key=lambda r: (r.linked_at, r.person.user_id))
