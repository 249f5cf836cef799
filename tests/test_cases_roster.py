"""The roster use cases called directly on a real SQLite file: what each returns, and that a
refused or failing call leaves nothing half-written."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.core.clock import FakeClock
from bot.polls.tally import Rules
from bot.roster import cases
from bot.roster.cases import (
    MAX_UNITS,
    CodeRefused,
    Imported,
    Joined,
    PollOpen,
    RoleClash,
    RoleSet,
    Skipped,
    TooManyCodes,
    TooManyUnits,
    UnitRefused,
)
from bot.roster.files import ImportedRow
from bot.roster.joincodes import MAX_WRONG
from bot.roster.model import Bloc
from storage.db import Database
from storage.polls import CategoryRow, PollRepo

NOW = datetime(2026, 11, 21, 2, 0, tzinfo=UTC)
GROUP, CHAIR, LAN, HA = -1001000000003, 101, 103, 102
UNITS = ["Công an tỉnh", "Sở Tư pháp", "Sở Tài chính"]
TZ = "Asia/Ho_Chi_Minh"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


@pytest.fixture
async def db(tmp_path: Path, clock: FakeClock):
    async with Database(tmp_path / "roster.sqlite3", clock) as database:
        yield database


async def setup_bloc(db: Database) -> Bloc:
    """Khối thi đua số 3 in GROUP, set up by CHAIR, with three units."""
    bloc = await cases.create_bloc(
        db,
        GROUP,
        "Khối thi đua số 3",
        default_language="vi",
        timezone=TZ,
        user_id=CHAIR,
        person_name="Đỗ Quang Thấm",
        username=None,
    )
    assert isinstance(bloc, Bloc)
    await cases.add_units(db, bloc.id, UNITS)
    return bloc


async def meet(db: Database, *people: int) -> None:
    """What the conversation does before a join (Turn.remember_person): the person is known."""
    async with db.transaction() as uow:
        for user_id in people:
            await uow.people.upsert(user_id, f"Người {user_id}", None)
            await uow.people.mark_started(user_id)


async def names(db: Database, bloc_id: int) -> list[str]:
    return [u.name for u in await cases.active_units(db, bloc_id)]


async def test_a_group_becomes_a_bloc_once_in_the_language_it_chose(db: Database) -> None:
    await cases.set_language(db, GROUP, "en")
    bloc = await setup_bloc(db)
    assert (bloc.language, bloc.created_by, bloc.timezone) == ("en", CHAIR, TZ)
    again = await cases.create_bloc(
        db,
        GROUP,
        "Khối khác",
        default_language="vi",
        timezone=TZ,
        user_id=LAN,
        person_name="Lan",
        username=None,
    )
    assert again == "taken"
    assert await cases.bloc_admins(db, bloc.id) == {CHAIR}
    await cases.set_language(db, GROUP, "vi", bloc.id)
    async with db.read() as uow:
        assert [b.name for b in await uow.blocs.all()] == ["Khối thi đua số 3"]
        assert (await uow.blocs.by_chat(GROUP) or bloc).language == "vi"
        assert await uow.people.chat_language(GROUP) == "vi"


async def test_a_bloc_without_a_group_has_its_own_home_and_a_started_admin(db: Database) -> None:
    first = await cases.create_homeless_bloc(
        db, "Khối 7", language="en", timezone=TZ, user_id=CHAIR, person_name="Thấm", username="tham"
    )
    second = await cases.create_homeless_bloc(
        db, "Khối 8", language="vi", timezone=TZ, user_id=CHAIR, person_name="Thấm", username="tham"
    )
    assert first.chat_id != second.chat_id and first.chat_id > 2**53
    person = await cases.person(db, CHAIR)
    assert person is not None and person.started and person.username == "tham"


async def test_adding_units_names_what_it_skipped_and_why(db: Database) -> None:
    bloc = await setup_bloc(db)
    added = await cases.add_units(db, bloc.id, ["Sở tư pháp", "12345", "x" * 201, "Thanh tra tỉnh"])
    assert added.added == ("Thanh tra tỉnh",)
    assert [s.reason for s in added.skipped] == ["duplicate", "not_a_name", "too_long"]
    assert added.total == 4
    filler = [f"Đơn vị {n}" for n in range(MAX_UNITS - 4)] + ["Một đơn vị thừa"]
    full = await cases.add_units(db, bloc.id, filler)
    assert full.total == MAX_UNITS and full.skipped == (Skipped("Một đơn vị thừa", "full"),)


async def test_a_rename_to_another_units_name_is_refused_and_changes_nothing(db: Database) -> None:
    bloc = await setup_bloc(db)
    police, justice, _finance = await cases.active_units(db, bloc.id)
    refused = await cases.rename_unit(db, bloc.id, justice, "công an TỈNH")
    assert refused == UnitRefused(police)
    assert await names(db, bloc.id) == UNITS
    renamed = await cases.rename_unit(db, bloc.id, justice, "Sở Tư pháp tỉnh")
    assert not isinstance(renamed, UnitRefused) and renamed.new == "Sở Tư pháp tỉnh"
    assert await names(db, bloc.id) == ["Công an tỉnh", "Sở Tư pháp tỉnh", "Sở Tài chính"]


async def test_roles_replace_each_other_but_one_unit_never_holds_both(db: Database) -> None:
    bloc = await setup_bloc(db)
    police, justice, finance = await cases.active_units(db, bloc.id)
    assert await cases.set_role(db, bloc.id, 2026, "chair", police.id) == RoleSet(None)
    assert await cases.set_role(db, bloc.id, 2026, "vice", police.id) == RoleClash()
    assert await cases.set_role(db, bloc.id, 2026, "vice", justice.id) == RoleSet(None)
    assert await cases.set_role(db, bloc.id, 2026, "chair", finance.id) == RoleSet(police)
    card = await cases.bloc_card(db, bloc.id, 2026)
    assert (card.roles.chair, card.roles.vice, len(card.units)) == (finance.id, justice.id, 3)
    await cases.remove_unit(db, finance.id)
    card = await cases.bloc_card(db, bloc.id, 2026)
    assert (card.roles.chair, card.roles.vice) == (None, justice.id)
    assert await names(db, bloc.id) == ["Công an tỉnh", "Sở Tư pháp"]
    removed = await cases.unit_by_id(db, finance.id)
    assert removed is not None and removed.name == "Sở Tài chính"  # its history stays


async def test_an_import_past_the_cap_or_failing_half_way_adds_nothing(db: Database) -> None:
    bloc = await setup_bloc(db)
    rows = [ImportedRow(f"Đơn vị {n}", None, None) for n in range(MAX_UNITS - 2)]
    assert await cases.import_roster(db, bloc.id, 2026, rows) == TooManyUnits(MAX_UNITS + 1)
    broken = [ImportedRow("Thanh tra tỉnh", None, None), ImportedRow("Sở Y tế", "president", None)]
    with pytest.raises(sqlite3.IntegrityError):
        await cases.import_roster(db, bloc.id, 2026, broken)
    assert await names(db, bloc.id) == UNITS
    done = await cases.import_roster(
        db,
        bloc.id,
        2026,
        [ImportedRow("công an tỉnh", "chair", LAN), ImportedRow("Thanh tra tỉnh", "vice", None)],
    )
    assert done == Imported(added=1, roles=2, listed=1)
    assert (await cases.roster_view(db, bloc.id)).representatives == []  # a file links nobody


async def test_a_code_links_once_and_wrong_codes_are_counted_then_refused_unseen(
    db: Database, clock: FakeClock
) -> None:
    bloc = await setup_bloc(db)
    await meet(db, LAN, HA)
    police, justice, _finance = await cases.active_units(db, bloc.id)
    code, other = await cases.issue_invites(db, bloc.id, [police.id, justice.id], CHAIR, timedelta(days=7))
    joined = await cases.join_by_code(db, code, LAN, clock.now())
    assert isinstance(joined, Joined) and (joined.unit, joined.previous) == (police, None)
    again = await cases.join_by_code(db, code, LAN, clock.now())
    assert isinstance(again, Joined) and again.previous == police  # the same person: nothing new
    used = await cases.join_by_code(db, code, HA, clock.now())
    assert isinstance(used, CodeRefused) and used.wrong == "used"
    assert used.attempts is not None and used.attempts.left == MAX_WRONG - 1
    clock.advance(timedelta(days=8))
    expired = await cases.join_by_code(db, other, HA, clock.now())
    assert isinstance(expired, CodeRefused) and expired.wrong == "expired"
    for _try in range(MAX_WRONG - 1):  # the "used" one left the window a week ago
        await cases.join_by_link(db, "0" * 24, HA, clock.now())
    waiting = await cases.join_by_code(db, code, HA, clock.now())
    assert isinstance(waiting, TooManyCodes) and waiting.attempts.blocked
    view = await cases.roster_view(db, bloc.id)
    assert [(r.unit_id, r.person.user_id) for r in view.representatives] == [(police.id, LAN)]


async def test_a_removed_unit_or_an_open_poll_keeps_the_person_where_they_were(
    db: Database, clock: FakeClock
) -> None:
    bloc = await setup_bloc(db)
    await meet(db, LAN, HA)
    police, justice, finance = await cases.active_units(db, bloc.id)
    first, to_justice, to_finance = await cases.issue_invites(
        db, bloc.id, [police.id, justice.id, finance.id], CHAIR, timedelta(days=7)
    )
    assert isinstance(await cases.join_by_code(db, first, LAN, clock.now()), Joined)
    async with db.transaction() as uow:
        polls = uow.repo(PollRepo)
        poll_id = await polls.create(
            bloc.id, "award", "Bình xét", 2026, Rules(), None, CHAIR, [CategoryRow(0, "Cờ", 1, "pick", None)]
        )
        poll = await polls.get(poll_id)
        assert poll is not None
        await polls.open_round(poll, 1, [police.id, justice.id, finance.id], CHAIR, None)
    assert await cases.open_poll(db, bloc.id) == poll_id
    assert await cases.join_by_code(db, to_justice, LAN, clock.now()) == PollOpen(poll_id)
    await cases.remove_unit(db, finance.id)
    assert await cases.join_by_code(db, to_finance, HA, clock.now()) == "unit_removed"
    view = await cases.roster_view(db, bloc.id)
    assert [(r.unit_id, r.person.user_id) for r in view.representatives] == [(police.id, LAN)]
    async with db.read() as uow:
        rows = await uow.invites.fetchall("SELECT used_by FROM invites ORDER BY rowid")
    assert [r[0] for r in rows] == [LAN, None, None]  # a refused code stays unused


async def test_the_voter_moves_from_another_unit_and_the_one_before_is_named(
    db: Database, clock: FakeClock
) -> None:
    bloc = await setup_bloc(db)
    await meet(db, LAN)
    police, justice, _finance = await cases.active_units(db, bloc.id)
    (code,) = await cases.issue_invites(db, bloc.id, [police.id], CHAIR, timedelta(days=7))
    await cases.join_by_code(db, code, LAN, clock.now())
    first = await cases.set_voter(db, bloc.id, justice.id, LAN, "Nguyễn Thị Lan", None)
    assert (first.before, first.previous) == (None, police)
    second = await cases.set_voter(db, bloc.id, justice.id, HA, "Đỗ Đức Hà", "ha")
    assert second.before is not None and second.before.person.user_id == LAN and second.previous is None
    view = await cases.roster_view(db, bloc.id)
    assert view.of(police) == []
    assert {(r.person.user_id, r.is_voter) for r in view.of(justice)} == {(LAN, False), (HA, True)}
