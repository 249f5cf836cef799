"""The schedule use cases (bot/schedule/cases/) called directly on the running app's SQLite file:
what each returns, and that a refused or failing call leaves nothing half-written."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.core.clock import to_db
from bot.schedule import cases
from bot.schedule.cycle import DEFAULT_CYCLE, propose_cycle
from tests.conftest import CHAIR, GROUP, VICE
from tests.harness import START, BotHarness
from tests.schedule_helpers import MEETING_AT, SCHEDULE_TABLES, link

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
STEPS = {item.key: item.kind for item in DEFAULT_CYCLE}
D = timedelta(days=1)


def counts(bot: BotHarness) -> dict[str, int]:
    """Rows in each schedule table."""
    return {t: int(bot.db_rows(f"SELECT count(*) FROM {t}")[0][0]) for t in SCHEDULE_TABLES}


def pending(bot: BotHarness, event_id: int) -> int:
    rows = bot.db_rows(
        "SELECT count(*) FROM reminders WHERE event_id = ? AND status = 'pending'", (event_id,)
    )
    return int(rows[0][0])


async def meeting(bot: BotHarness, at: datetime, title: str, place: str = "") -> cases.Created:
    done = await cases.add_meeting(
        bot.services, bloc_id=1, user_id=CHAIR, at=at, title=title, place=place, host_id=None, now=START
    )
    assert isinstance(done, cases.Created)
    return done


async def test_a_meeting_takes_the_host_its_place_names_and_a_twin_is_refused(bloc: BotHarness) -> None:
    done = await meeting(bloc, MEETING_AT, "Hội nghị tổng kết", "Hội trường Công an tỉnh")
    assert (done.event.host_unit_id, done.event.host_proposed, done.rehosted) == (2, False, ())
    assert pending(bloc, done.event.id) == 3  # 7 days, 1 day and 2 hours before
    before = counts(bloc)
    twin = await cases.add_meeting(
        bloc.services,
        bloc_id=1,
        user_id=VICE,
        at=MEETING_AT,
        title="Hội nghị tổng kết",
        place="Hội trường khác",
        host_id=None,
        now=START,
    )
    assert isinstance(twin, cases.Twin) and twin.event.id == done.event.id
    assert counts(bloc) == before
    deadline = await cases.add_deadline(
        bloc.services, bloc_id=1, user_id=CHAIR, at=MEETING_AT, title="Báo cáo"
    )
    assert isinstance(deadline, cases.Created) and deadline.event.kind == "deadline"
    again = await cases.add_deadline(bloc.services, bloc_id=1, user_id=CHAIR, at=MEETING_AT, title="Báo cáo")
    assert again == cases.Twin(deadline.event)
    assert [e.kind for e in await cases.upcoming_events(bloc.services.db, 1, START)] == [
        "meeting",
        "deadline",
    ]


async def test_rotation_hands_proposed_hosts_out_again_in_date_order(bloc: BotHarness) -> None:
    later = await meeting(bloc, MEETING_AT, "Hội nghị tổng kết")
    assert (later.event.host_unit_id, later.event.host_proposed) == (1, True)
    earlier = await meeting(bloc, MEETING_AT - 10 * D, "Hội nghị chuyên đề")
    assert earlier.event.host_unit_id == 1
    assert [(e.id, e.host_unit_id) for e in earlier.rehosted] == [(later.event.id, 2)]
    moved = await cases.set_rotation(bloc.services.db, 1, [3, 1], START)
    assert sorted((e.id, e.host_unit_id) for e in moved) == [(later.event.id, 1), (earlier.event.id, 3)]
    view = await cases.rotation_view(bloc.services.db, 1)
    assert (len(view.units), view.stored) == (8, (3, 1))
    chosen = await cases.set_host(bloc.services.db, earlier.event, 5, START)
    assert (chosen.event.host_unit_id, chosen.event.host_proposed) == (5, False)
    assert [(e.id, e.host_unit_id) for e in chosen.rehosted] == [(later.event.id, 6)]  # 3, 1, 2, 4, 5, 6…


async def test_a_guided_meeting_draft_is_used_once(bloc: BotHarness) -> None:
    payload = {"title": "Họp giao ban", "at": to_db(MEETING_AT), "place": "Hội trường Công an tỉnh"}
    asked = await cases.draft_meeting(
        bloc.services.db, bloc_id=1, user_id=CHAIR, at=MEETING_AT, place=payload["place"], payload=payload
    )
    assert isinstance(asked, cases.HostQuestion)
    assert (len(asked.units), asked.named, asked.proposal) == (8, 2, 2)
    take = {"bloc_id": 1, "draft_id": asked.draft_id, "now": START}
    assert await cases.take_meeting_draft(bloc.services.db, **take, unit_id=99) == "stale"
    assert await cases.take_meeting_draft(bloc.services.db, **{**take, "bloc_id": 2}, unit_id=3) == "stale"
    late = {**take, "now": MEETING_AT}
    assert await cases.take_meeting_draft(bloc.services.db, **late, unit_id=3) == "passed"
    assert bloc.db_rows("SELECT used_at FROM schedule_drafts") == [(None,)]  # refused: still open
    taken = await cases.take_meeting_draft(bloc.services.db, **take, unit_id=3)
    assert taken == cases.MeetingDraft(
        MEETING_AT, "Họp giao ban", "Hội trường Công an tỉnh", 3, "Bộ Chỉ huy Bộ đội Biên phòng tỉnh"
    )
    assert await cases.take_meeting_draft(bloc.services.db, **take, unit_id=0) == "stale"
    assert counts(bloc)["events"] == 0  # the draft alone creates nothing


async def test_rsvp_card_and_lookups(bloc: BotHarness) -> None:
    await cases.add_deadline(bloc.services, bloc_id=1, user_id=CHAIR, at=MEETING_AT - D, title="Báo cáo")
    done = await meeting(bloc, MEETING_AT, "Hội nghị tổng kết")
    event_id = done.event.id
    assert await cases.next_meeting(bloc.services.db, 1, START) == done.event
    assert await cases.event_of(bloc.services.db, 1, event_id) == done.event
    assert await cases.event_of(bloc.services.db, 2, event_id) is None  # another bloc's number
    assert await cases.event_of(bloc.services.db, 1, 999) is None
    await cases.rsvp(bloc.services.db, event_id, 2, "yes", CHAIR)
    await cases.rsvp(bloc.services.db, event_id, 2, "no", VICE)  # the unit's answer, changed
    await cases.rsvp(bloc.services.db, event_id, 4, "yes", VICE)
    view = await cases.card_view(bloc.services.db, 1, event_id)
    assert (len(view.units), view.answers) == (8, {2: "no", 4: "yes"})
    await cases.remember_card(bloc.services.db, event_id, GROUP, 77)
    found = await cases.event_of(bloc.services.db, 1, event_id)
    assert found is not None and (found.card_chat_id, found.card_message_id) == (GROUP, 77)
    assert (await cases.unit_names(bloc.services.db, 1))[2] == "Công an tỉnh"


async def test_reminders_move_and_cancel(bloc: BotHarness) -> None:
    done = await meeting(bloc, MEETING_AT, "Hội nghị tổng kết")
    event_id = done.event.id
    off = await cases.set_reminders(bloc.services, event_id, ())
    assert (off.offsets, off.planned, pending(bloc, event_id)) == ((), (), 0)
    own = await cases.set_reminders(bloc.services, event_id, (30 * D, 2 * D))
    assert own.offsets == (30 * D, 2 * D)
    assert [r.due_at for r in own.planned] == [MEETING_AT - 2 * D]  # 30 days before is past
    back = await cases.set_reminders(bloc.services, event_id, None)
    assert (back.event.offsets, len(back.planned)) == (None, 3)
    moved = await cases.move_event(bloc.services, back.event, MEETING_AT + D, START)
    assert moved.event.starts_at == MEETING_AT + D
    dues = [
        r.due_at for r in await cases.event_reminders(bloc.services.db, event_id) if r.status == "pending"
    ]
    assert dues == [MEETING_AT + D - timedelta(days=7), MEETING_AT, MEETING_AT + D - timedelta(hours=2)]
    place = await cases.set_place(bloc.services.db, event_id, "Hội trường Sở Tư pháp")
    assert place.place == "Hội trường Sở Tư pháp"
    cancelled = await cases.cancel_event(bloc.services, moved.event, START)
    assert cancelled.event.cancelled and pending(bloc, event_id) == 0


async def test_confirming_the_cycle_is_all_or_nothing_and_once(bloc: BotHarness) -> None:
    by_hand = await meeting(bloc, datetime(2027, 7, 22, 1, 0, tzinfo=UTC), "Hội nghị sơ kết 6 tháng đầu năm")
    plan = {
        "year": 2027,
        "items": [
            {"key": p.key, "kind": p.kind, "at": to_db(p.at), "skip": p.key == "pledge"}
            for p in propose_cycle(2027, DEFAULT_CYCLE, HANOI)
        ],
    }
    draft_id = await cases.keep_cycle_plan(bloc.services.db, 1, CHAIR, plan)
    assert await cases.cycle_plan(bloc.services.db, draft_id, 1) == plan
    assert await cases.cycle_plan(bloc.services.db, draft_id, 2) is None
    taken = await cases.cycle_steps_taken(bloc.services.db, 1, 2027, STEPS, HANOI)
    assert taken == {"midyear_review": by_hand.event.id}  # scheduled by hand, recognised by its title
    titles = {key: f"Bước {key} năm 2027" for key in STEPS}
    before = counts(bloc)
    common = {"bloc_id": 1, "user_id": CHAIR, "draft_id": draft_id, "plan": plan, "steps": STEPS}
    with pytest.raises(KeyError):  # fails half-way (a title missing): the transaction rolls back
        await cases.confirm_cycle(
            bloc.services,
            **common,
            titles={k: v for k, v in titles.items() if k != "dossier"},
            tz=HANOI,
            now=START,
        )
    assert counts(bloc) == before
    assert await cases.cycle_plan(bloc.services.db, draft_id, 1) == plan  # the draft is still open
    done = await cases.confirm_cycle(bloc.services, **common, titles=titles, tz=HANOI, now=START)
    assert isinstance(done, cases.Confirmed)
    assert [e.source for e in done.created] == [
        "cycle:2027:covenant",
        "cycle:2027:midyear_report",
        "cycle:2027:yearend_review",
        "cycle:2027:dossier",
    ]
    assert all(pending(bloc, e.id) > 0 for e in done.created)
    after = counts(bloc)
    assert await cases.confirm_cycle(bloc.services, **common, titles=titles, tz=HANOI, now=START) == "used"
    assert counts(bloc) == after
    taken = await cases.cycle_steps_taken(bloc.services.db, 1, 2027, STEPS, HANOI)
    assert set(taken) == set(STEPS) - {"pledge"}
    plan["message"] = 5
    await cases.update_cycle_plan(bloc.services.db, draft_id, plan)
    assert await cases.cycle_plan(bloc.services.db, draft_id, 1) is None  # used: no longer offered


async def test_a_reminder_given_up_is_told_to_the_chair_units_people_else_the_admins(
    bloc: BotHarness,
) -> None:
    done = await meeting(bloc, MEETING_AT, "Hội nghị tổng kết")
    alert = await cases.given_up_alert(bloc.services.db, done.event.id, START)
    assert alert is not None and (alert.event, alert.bloc.id, alert.people) == (done.event, 1, (CHAIR,))
    await bloc.send(CHAIR, GROUP, "/chair #3")
    await link(bloc, VICE, 3)
    alert = await cases.given_up_alert(bloc.services.db, done.event.id, START)
    assert alert is not None and alert.people == (CHAIR,)  # VICE has not started the bot: not told
    await bloc.send(VICE, VICE, "/start")
    alert = await cases.given_up_alert(bloc.services.db, done.event.id, START)
    assert alert is not None and alert.people == (VICE,)
    assert await cases.given_up_alert(bloc.services.db, 999, START) is None
