"""The forms use cases called directly on a real SQLite file: what each returns, and that a
refused or failing call leaves nothing half-written."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest

from bot.app import build_services
from bot.core.clock import FakeClock
from bot.forms.cases.answering import (
    Locked,
    Saved,
    Target,
    answerable_forms,
    draft_of,
    keep_draft,
    open_target,
    save_answers,
    start_draft,
)
from bot.forms.cases.deadlines import LOCK_TIMER, missing_units
from bot.forms.cases.export import form_history
from bot.forms.cases.managing import bloc_form, close_form, form_status, open_form, open_forms, reopen_form
from bot.forms.cases.standing import form_standing
from bot.forms.model import Field, Form, standard_fields
from bot.services import Services
from storage.events import EventRepo
from storage.forms import FormRepo
from tests.harness import make_config

NOW = datetime(2026, 11, 21, 2, 0, tzinfo=UTC)
REP, OTHER, OUTSIDER = 201, 202, 999
FIELDS = (Field("f1", "Số cán bộ", "number"), Field("f2", "Người phụ trách", "text"))


@pytest.fixture
async def services(tmp_path: Path) -> AsyncIterator[Services]:
    """The services of a bot that is not started (no channel), with a bloc of two units whose
    representatives are REP and OTHER."""
    emu = SimpleNamespace(base_url="http://127.0.0.1:9/bot", base_file_url="http://127.0.0.1:9/file")
    built = build_services(make_config(tmp_path, emu), clock=FakeClock(NOW))  # type: ignore[arg-type]
    await built.open()
    async with built.db.transaction() as uow:
        bloc = await uow.blocs.create(-100, "Khối thi đua số 3", "vi", "Asia/Ho_Chi_Minh", 101)
        for user_id, name in ((REP, "Công an tỉnh"), (OTHER, "Sở Tư pháp")):
            unit = await uow.units.add(bloc.id, name)
            await uow.people.upsert(user_id, f"Người {user_id}", None)
            await uow.units.link(bloc.id, unit.id, user_id)
    yield built
    await built.db.close()


def title_of(form: Form) -> str:
    return f"{form.title} (phiếu số {form.id})"


async def new_form(services: Services, days: int = 3) -> Form:
    return await open_form(
        services, 1, "custom", "Báo cáo", FIELDS, NOW + timedelta(days=days), 101, None, title_of
    )


async def target_of(services: Services, form: Form, user_id: int = REP) -> Target:
    found = await open_target(services.db, form.id, user_id, services.clock.now())
    assert isinstance(found, Target)
    return found


async def test_open_form_plans_its_deadline_and_a_failure_stores_nothing(services: Services) -> None:
    form = await new_form(services)
    assert form.deadline_event_id is not None
    async with services.db.read() as uow:
        event = await uow.repo(EventRepo).get(form.deadline_event_id)
        timers = await uow.blocs.fetchall("SELECT kind, ref FROM timers")
    assert event is not None and event.title == "Báo cáo (phiếu số 1)" and event.source == "form:1"
    assert (LOCK_TIMER, "1") in [tuple(t) for t in timers]

    def broken(form: Form) -> str:
        raise RuntimeError("no title")

    with pytest.raises(RuntimeError):
        await open_form(
            services,
            1,
            "pledge",
            "Chỉ tiêu",
            standard_fields("pledge", {"pledge": "x"}),
            NOW,
            101,
            None,
            broken,
        )
    assert [s.form.id for s in await open_forms(services.db, 1)] == [form.id]
    async with services.db.read() as uow:  # neither the second form nor an event of it is there
        assert [tuple(r) for r in await uow.blocs.fetchall("SELECT count(*) FROM forms")] == [(1,)]
        assert [tuple(r) for r in await uow.blocs.fetchall("SELECT count(*) FROM events")] == [(1,)]


async def test_who_may_answer(services: Services) -> None:
    form = await new_form(services)
    assert await open_target(services.db, form.id, OUTSIDER, NOW) == "not_found"
    assert await open_target(services.db, 99, REP, NOW) == "not_found"
    target = await target_of(services, form)
    assert (target.unit.name, target.bloc.name, target.response) == (
        "Công an tỉnh",
        "Khối thi đua số 3",
        None,
    )
    assert isinstance(await open_target(services.db, form.id, REP, NOW + timedelta(days=4)), Locked)
    assert await bloc_form(services.db, 2, form.id) is None
    assert await answerable_forms(services.db, OUTSIDER, NOW) is None
    [listed] = await answerable_forms(services.db, REP, NOW) or []
    assert (listed.form.id, listed.answered) == (form.id, False)


async def test_a_draft_resumes_and_the_answers_replace_with_history(services: Services) -> None:
    form = await new_form(services)
    target = await target_of(services, form)
    started = await start_draft(services.db, REP, target)
    assert not started.resumed
    await keep_draft(services.db, started.draft.__class__(REP, form.id, target.unit.id, {"f1": "12"}), form)
    again = await start_draft(services.db, REP, target)
    assert again.resumed and again.draft.answers == {"f1": "12"}

    assert await save_answers(services.db, target, REP, {"f1": "12", "f2": "Ông An"}, NOW) == Saved(1)
    assert await draft_of(services.db, REP, form.id) is None
    second = await target_of(services, form)
    assert second.response is not None and second.response.answers["f2"] == "Ông An"
    assert await save_answers(services.db, second, REP, {"f1": "13", "f2": "Bà Bình"}, NOW) == Saved(2)

    s = await form_standing(services.db, form.id)
    assert s is not None and [u.name for u in s.answered] == ["Công an tỉnh"]
    assert [u.name for u in s.missing] == ["Sở Tư pháp"]
    status = await form_status(services.db, form.id)
    assert status is not None and status.senders[REP] is not None
    history = await form_history(services.db, s)
    assert [(a.version, a.answers["f1"]) for a in history.amendments] == [(1, "12"), (2, "13")]
    async with services.db.read() as uow:
        event = await uow.repo(EventRepo).get(form.deadline_event_id or 0)
        assert event is not None
        assert await missing_units(uow, event) == [s.missing[0].id]


async def test_a_form_locked_meanwhile_keeps_the_draft_and_stores_no_response(services: Services) -> None:
    form = await new_form(services)
    target = await target_of(services, form)
    draft = (await start_draft(services.db, REP, target)).draft
    complete = draft.__class__(REP, form.id, target.unit.id, {"f1": "12", "f2": "Ông An"})
    await close_form(services, form)
    refused = await save_answers(services.db, target, REP, complete.answers, NOW, keep=complete)
    assert isinstance(refused, Locked) and refused.form.status == "closed"
    kept = await draft_of(services.db, REP, form.id)
    assert kept is not None and kept.answers == complete.answers
    async with services.db.read() as uow:
        assert await uow.repo(FormRepo).responses(form.id) == []
        event = await uow.repo(EventRepo).get(form.deadline_event_id or 0)
    assert event is not None and event.cancelled

    await reopen_form(services, form, NOW + timedelta(days=5), title_of)
    reopened = await bloc_form(services.db, 1, form.id)
    assert reopened is not None and reopened.status == "open" and reopened.deadline == NOW + timedelta(days=5)


async def test_a_person_who_moved_to_another_unit_stores_nothing(services: Services) -> None:
    form = await new_form(services)
    target = await target_of(services, form)
    await start_draft(services.db, REP, target)
    async with services.db.transaction() as uow:
        await uow.units.link(1, 2, REP)  # REP now speaks for Sở Tư pháp
    assert await save_answers(services.db, target, REP, {"f1": "1", "f2": "x"}, NOW) == "moved"
    assert await draft_of(services.db, REP, form.id) is None
    async with services.db.read() as uow:
        assert await uow.repo(FormRepo).responses(form.id) == []
