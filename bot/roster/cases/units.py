"""Use cases of a bloc's member units: the list and the roster, adding (typed or from a file),
renaming and removing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from bot.core.names import MAX_NAME, fold
from bot.roster.files import ImportedRow
from bot.roster.model import Representative, Unit
from storage.db import Database

__all__ = [
    "MAX_UNITS",
    "Added",
    "Imported",
    "Renamed",
    "RosterView",
    "Skipped",
    "TooManyUnits",
    "UnitRefused",
    "active_units",
    "add_units",
    "import_roster",
    "remove_unit",
    "rename_unit",
    "roster_view",
    "unit_by_id",
]

MAX_UNITS = 200  # units a bloc may have, by /units add or by /import


async def active_units(db: Database, bloc_id: int) -> list[Unit]:
    """The bloc's current units in roster order (#1 first)."""
    async with db.read() as uow:
        return await uow.units.active(bloc_id)


async def unit_by_id(db: Database, unit_id: int) -> Unit | None:
    """One unit by id, removed or not."""
    async with db.read() as uow:
        return await uow.units.get(unit_id)


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
