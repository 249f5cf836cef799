"""Pure schedule rules: planning and judging reminders, RSVP tallies, rotation, the cycle, ICS."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from icalendar import Calendar
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.channels.telegram.channel import maybe_delivered
from bot.core.config import ConfigError, RemindersConfig
from bot.core.i18n import translator
from bot.roster.model import Unit
from bot.schedule.cycle import DEFAULT_CYCLE, cycle_from_config, propose_cycle
from bot.schedule.events import (
    LATE_AFTER,
    DueRow,
    Event,
    ReminderView,
    next_host,
    offsets_from_db,
    offsets_text,
    offsets_to_db,
    plan_reminders,
    rotation_order,
    tally_rsvps,
)
from bot.schedule.events import judge_due as judge
from bot.schedule.ics import IcsEvent, calendar_bytes
from bot.schedule.scheduler import default_offsets
from handlers.schedule.text import card_text, render_reminder

VN = ZoneInfo("Asia/Ho_Chi_Minh")
START = datetime(2026, 12, 16, 1, 0, tzinfo=UTC)  # 08:00 on Wednesday 16/12/2026 in Hà Nội
D, H = timedelta(days=1), timedelta(hours=1)
GRACE = timedelta(hours=6)


def row(
    rid: int,
    due: datetime,
    *,
    event: int = 1,
    uncertain: int = 0,
    starts: datetime = START,
    cancelled: bool = False,
) -> DueRow:
    return DueRow(rid, event, due, uncertain, starts, cancelled)


def test_plan_keeps_only_future_offsets_earliest_first() -> None:
    now = START - 3 * D
    planned = plan_reminders(START, [2 * H, 7 * D, D, D], now)
    assert planned == [(D, START - D), (2 * H, START - 2 * H)]
    assert plan_reminders(START, [7 * D], START) == []
    assert plan_reminders(START, [], now) == []


def test_due_reminder_is_sent_once_on_time_and_marked_late_after_ten_minutes() -> None:
    due = START - D
    assert [v.action for v in judge([row(1, due)], due, GRACE)] == ["send"]
    assert not judge([row(1, due)], due + LATE_AFTER, GRACE)[0].late
    assert judge([row(1, due)], due + LATE_AFTER + timedelta(seconds=1), GRACE)[0].late


def test_older_than_grace_is_skipped_and_started_event_too() -> None:
    due = START - D
    assert judge([row(1, due)], due + GRACE, GRACE)[0].action == "send"
    missed = judge([row(1, due)], due + GRACE + timedelta(seconds=1), GRACE)[0]
    assert (missed.action, missed.note) == ("skip", "missed: more than grace late")
    started = judge([row(1, START - H)], START, GRACE)[0]
    assert (started.action, started.note) == ("skip", "event started")


def test_only_the_latest_of_one_events_due_reminders_is_sent() -> None:
    rows = [
        row(1, START - 7 * D),
        row(2, START - D),
        row(3, START - 2 * H),
        row(4, START - D, event=2, starts=START + D),
    ]
    verdicts = judge(rows, START - H, timedelta(days=30))
    assert [(v.reminder_id, v.action) for v in verdicts] == [
        (1, "skip"),
        (2, "skip"),
        (3, "send"),
        (4, "send"),
    ]
    assert verdicts[0].note == "superseded by a later one"


def test_uncertain_three_times_gives_up_and_cancelled_events_cancel() -> None:
    due = START - D
    verdicts = judge(
        [
            row(1, due, uncertain=1),
            row(2, due, event=2, uncertain=2),  # uncertain twice: tried once more (issue 13)
            row(3, due, event=3, uncertain=3),
            row(4, due, event=4, cancelled=True),
        ],
        due,
        GRACE,
    )
    assert [v.action for v in verdicts] == ["send", "send", "fail", "cancel"]


def test_tally_and_rotation() -> None:
    tally = tally_rsvps([5, 6, 7, 8], {6: "yes", 7: "no", 99: "yes"})
    assert (tally.attending, tally.absent, tally.unanswered) == ((6,), (7,), (5, 8))
    assert rotation_order([1, 2, 3, 4], [3, 9, 1, 3]) == [3, 1, 2, 4]
    assert next_host([3, 1, 2, 4], None) == 3
    assert next_host([3, 1, 2, 4], 4) == 3
    assert next_host([3, 1, 2, 4], 1) == 2
    assert next_host([], None) is None


def test_offsets_round_trip_and_text() -> None:
    offsets = (7 * D, D, 2 * H, timedelta(minutes=30))
    assert offsets_from_db(offsets_to_db(offsets)) == offsets
    assert offsets_from_db(None) is None and offsets_from_db("") == ()
    assert offsets_text(offsets) == "7d, 1d, 2h, 30m"
    assert default_offsets(RemindersConfig()) == {"meeting": (7 * D, D, 2 * H), "deadline": (3 * D, D)}
    with pytest.raises(ConfigError, match=r"reminders\.deadline"):
        default_offsets(RemindersConfig(deadline=("soon",)))


def test_cycle_defaults_config_and_errors() -> None:
    items = propose_cycle(2027, DEFAULT_CYCLE, VN)
    assert [p.key for p in items] == [
        "covenant",
        "pledge",
        "midyear_report",
        "midyear_review",
        "yearend_review",
        "dossier",
    ]
    assert items[-1].at == datetime(2027, 12, 10, 10, 0, tzinfo=UTC)  # 17:00 in Hà Nội
    assert [p.number for p in items] == [1, 2, 3, 4, 5, 6]
    custom = cycle_from_config({"cycle": {"covenant": "29/2 14:00", "dossier": "5/12"}})
    moved = {p.key: p.at for p in propose_cycle(2027, custom, VN)}
    assert moved["covenant"] == datetime(2027, 2, 28, 7, 0, tzinfo=UTC)  # no 29/2 in 2027
    assert moved["dossier"] == datetime(2027, 12, 5, 10, 0, tzinfo=UTC)
    for bad, key in [
        ({"cycle": {"party": "1/1"}}, "cycle.party"),
        ({"cycle": {"pledge": "31/4"}}, "cycle.pledge"),
        ({"cycle": {"pledge": 5}}, "cycle.pledge"),
        ({"cycle": "1/1"}, "cycle"),
    ]:
        with pytest.raises(ConfigError, match=key):
            cycle_from_config(bad)


def meeting(**kw: object) -> Event:
    base: dict[str, object] = dict(
        id=12,
        bloc_id=1,
        kind="meeting",
        title="Hội nghị tổng kết",
        starts_at=START,
        place="Hội trường Công an tỉnh",
        agenda=("Báo cáo", "Bình xét"),
    )
    base.update(kw)
    return Event(**base)  # type: ignore[arg-type]


def test_ics_round_trip_with_alarms() -> None:
    deadline = Event(id=13, bloc_id=1, kind="deadline", title="Nộp hồ sơ", starts_at=START + 2 * D)
    cancelled = meeting(id=14, status="cancelled")
    data = calendar_bytes(
        [
            IcsEvent(meeting(), (7 * D, D, 2 * H), "Công an tỉnh"),
            IcsEvent(deadline, (3 * D,)),
            IcsEvent(cancelled, (D,)),
        ],
        name="Khối thi đua số 3",
        timezone="Asia/Ho_Chi_Minh",
        now=START - 10 * D,
        labels={"host": "Đơn vị đăng cai", "agenda": "Nội dung", "reminder": "Nhắc"},
    )
    cal = Calendar.from_ical(data)
    assert str(cal["version"]) == "2.0"
    events = list(cal.walk("VEVENT"))
    assert [str(e["uid"]) for e in events] == ["event-12@blocbot", "event-13@blocbot", "event-14@blocbot"]
    first = events[0]
    assert first.decoded("dtstart") == START
    assert first.decoded("dtend") == START + 3 * H
    assert str(first["summary"]) == "Hội nghị tổng kết"
    assert "Đơn vị đăng cai: Công an tỉnh" in str(first["description"])
    assert [a.decoded("trigger") for a in first.walk("VALARM")] == [-7 * D, -D, -2 * H]
    assert "dtend" not in events[1] and str(events[1]["status"]) == "CONFIRMED"
    assert str(events[2]["status"]) == "CANCELLED" and not list(events[2].walk("VALARM"))


def test_reminder_text_names_time_place_and_missing_units() -> None:
    view = ReminderView(
        event=meeting(),
        bloc_name="Khối 3",
        language="vi",
        timezone="Asia/Ho_Chi_Minh",
        now=START - D,
        host_name="Công an tỉnh",
        missing=("Sở Tư pháp tỉnh", "Thanh tra tỉnh"),
        late=True,
    )
    text = render_reminder(view)
    assert "Hội nghị tổng kết" in text and "Thứ Tư, 16/12/2026 lúc 08:00" in text
    assert "Hội trường Công an tỉnh" in text and "Sở Tư pháp tỉnh, Thanh tra tỉnh" in text
    assert "1 ngày" in text and "muộn" in text
    english = render_reminder(
        ReminderView(
            event=meeting(kind="deadline", place=""),
            bloc_name="B",
            language="en",
            timezone="UTC",
            now=START - 2 * H,
            missing=(),
        )
    )
    assert "Wednesday, 16/12/2026 at 01:00" in english and "Every unit has answered" in english
    assert "late" not in english


def _raised(exc: Exception, cause: BaseException | None) -> Exception:
    exc.__cause__ = cause
    return exc


def test_which_failed_sends_may_have_reached_telegram() -> None:
    request = httpx.Request("POST", "http://t")
    cases = [
        (RetryAfter(3), False),
        (Forbidden("bot was kicked"), False),
        (BadRequest("chat not found"), False),
        (_raised(NetworkError("Bad Gateway"), None), False),  # an answer: not done
        (_raised(NetworkError("x"), httpx.ConnectError("refused", request=request)), False),
        (_raised(NetworkError("x"), RuntimeError("not initialized")), False),
        (_raised(TimedOut(), httpx.PoolTimeout("pool")), False),
        (_raised(TimedOut(), httpx.ReadTimeout("read", request=request)), True),
        (_raised(NetworkError("x"), httpx.RemoteProtocolError("closed", request=request)), True),
        (ValueError("anything else"), True),
    ]
    assert [maybe_delivered(exc) for exc, _ in cases] == [expected for _, expected in cases]


def test_a_card_stays_one_message_with_many_units() -> None:
    units = [Unit(i, 1, i, f"Ủy ban nhân dân xã số {i} thuộc huyện Krông Pắc") for i in range(1, 151)]
    text = card_text(translator("vi"), meeting(), VN, units, {1: "yes"}, START - D)
    assert len(text) < 4096 and "Chưa trả lời (149): /rsvp" in text
    small = card_text(translator("vi"), meeting(), VN, units[:8], {1: "yes"}, START - D)
    assert "Tham dự (1): Ủy ban nhân dân xã số 1 thuộc huyện Krông Pắc" in small
