"""Answering a form: who may answer which form now, drafts in progress, storing a response.

A draft is the person's answers so far (storage/forms.py keeps it as a conversation row); the
last answer is stored together with the response, in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from bot.forms.model import Answers, Draft, Form, Response
from bot.roster.model import Bloc, Unit
from storage.db import Database
from storage.forms import FormRepo


@dataclass(frozen=True)
class Target:
    """A form a person may answer now, for their unit, with the unit's current response."""

    form: Form
    bloc: Bloc
    unit: Unit
    response: Response | None


@dataclass(frozen=True)
class Locked:
    """The form takes no answers (closed, or its deadline passed)."""

    form: Form


@dataclass(frozen=True)
class Saved:
    """The unit's response is stored; version 1 is its first."""

    version: int


@dataclass(frozen=True)
class Started:
    """A draft begun, or resumed with the answers it had."""

    draft: Draft
    resumed: bool


@dataclass(frozen=True)
class Answerable:
    """An open form of a bloc where the person represents a unit."""

    form: Form
    bloc: Bloc
    unit: Unit
    answered: bool


async def open_target(
    db: Database, form_id: int, user_id: int, now: datetime
) -> Target | Locked | Literal["not_found"]:
    """The form and the person's unit in its bloc, if the form takes answers now."""
    async with db.read() as uow:
        found = await uow.repo(FormRepo).answering(form_id, user_id)
    form, bloc, unit, response = found or (None, None, None, None)
    if form is None or bloc is None or unit is None:
        return "not_found"  # no such form, or the person represents no unit of its bloc
    if form.locked(now):
        return Locked(form)
    return Target(form, bloc, unit, response)


async def answerable_forms(db: Database, user_id: int, now: datetime) -> list[Answerable] | None:
    """The open forms of every bloc where the person represents a unit (None: no unit at all)."""
    found: list[Answerable] = []
    async with db.read() as uow:
        memberships = await uow.units.memberships(user_id)
        repo = uow.repo(FormRepo)
        for bloc_id, unit in memberships:
            bloc = await uow.blocs.get(bloc_id)
            assert bloc is not None
            for form in await repo.of_bloc(bloc_id):
                if not form.locked(now):
                    answered = await repo.response(form.id, unit.id) is not None
                    found.append(Answerable(form, bloc, unit, answered))
    return found if memberships else None


async def save_answers(
    db: Database, target: Target, user_id: int, answers: Answers, now: datetime, keep: Draft | None = None
) -> Saved | Locked | Literal["moved"]:
    """Store the unit's response, re-checking the lock and the person's unit in the same
    transaction; ``keep``: the draft to store instead if the form has locked meanwhile.
    "moved": the person no longer represents the unit (their draft is dropped)."""
    form = target.form
    async with db.transaction() as uow:
        repo = uow.repo(FormRepo)
        fresh = await repo.get(form.id)
        unit = await uow.units.unit_of(form.bloc_id, user_id)
        if fresh is None or fresh.locked(now):
            if keep is not None:
                await repo.put_draft(keep, fresh)
            return Locked(fresh or form)
        if unit is None or unit.id != target.unit.id:
            await repo.drop_draft(user_id, form.id)
            return "moved"
        version = await repo.save_response(form.id, unit.id, user_id, answers)
        await repo.drop_draft(user_id, form.id)
    return Saved(version)


async def start_draft(db: Database, user_id: int, target: Target) -> Started:
    """Begin answering a form, or resume the draft the person has for this unit."""
    form = target.form
    async with db.transaction() as uow:
        repo = uow.repo(FormRepo)
        draft = await repo.draft(user_id, form.id)
        resumed = draft is not None and draft.unit_id == target.unit.id and bool(draft.answers)
        if draft is None or draft.unit_id != target.unit.id:
            draft = Draft(user_id, form.id, target.unit.id)
        await repo.put_draft(draft, form)
    return Started(draft, resumed)


async def keep_draft(db: Database, draft: Draft, form: Form | None = None) -> None:
    """Store a draft as it is now (an answer, a tick; touched, it is the person's current one)."""
    async with db.transaction() as uow:
        await uow.repo(FormRepo).put_draft(draft, form)


async def draft_of(db: Database, user_id: int, form_id: int | None = None) -> Draft | None:
    """The person's draft for a form, or their most recently touched one."""
    async with db.read() as uow:
        return await uow.repo(FormRepo).draft(user_id, form_id)


async def drop_draft(db: Database, user_id: int, form_id: int) -> None:
    """Forget a person's draft (cancelled)."""
    async with db.transaction() as uow:
        await uow.repo(FormRepo).drop_draft(user_id, form_id)


async def form_of(db: Database, form_id: int) -> Form | None:
    """One form by id."""
    async with db.read() as uow:
        return await uow.repo(FormRepo).get(form_id)
