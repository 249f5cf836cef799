"""The schedule use cases: what a person asks of the bloc's schedule, channel-neutral.

A use case takes plain values (the database, or the services when it needs the scheduler; ids,
parsed input, the time) and returns a result the conversation renders; it never sees a Turn, a
channel or a message text. By topic: ``queries`` (what is shown), ``meetings`` (new meetings and
deadlines, the guided /meeting's draft), ``changes`` (move, cancel, reminders, host, place,
cards, RSVP), ``hosts`` (the host rotation), ``cycle`` (/cycle), ``alerts`` (a reminder given up).
"""

from bot.schedule.cases.alerts import GivenUpAlert, given_up_alert
from bot.schedule.cases.changes import (
    Changed,
    Replanned,
    cancel_event,
    move_event,
    remember_card,
    rsvp,
    set_host,
    set_place,
    set_reminders,
)
from bot.schedule.cases.cycle import (
    Confirmed,
    confirm_cycle,
    cycle_plan,
    cycle_source,
    cycle_steps_taken,
    keep_cycle_plan,
    update_cycle_plan,
)
from bot.schedule.cases.hosts import RotationView, rotation_view, set_rotation
from bot.schedule.cases.meetings import (
    Created,
    HostQuestion,
    MeetingDraft,
    Twin,
    add_deadline,
    add_meeting,
    draft_meeting,
    take_meeting_draft,
)
from bot.schedule.cases.queries import (
    CardView,
    bloc_events,
    card_view,
    event_of,
    event_reminders,
    next_meeting,
    unit_names,
    upcoming_events,
)

__all__ = [
    "CardView",
    "Changed",
    "Confirmed",
    "Created",
    "GivenUpAlert",
    "HostQuestion",
    "MeetingDraft",
    "Replanned",
    "RotationView",
    "Twin",
    "add_deadline",
    "add_meeting",
    "bloc_events",
    "cancel_event",
    "card_view",
    "confirm_cycle",
    "cycle_plan",
    "cycle_source",
    "cycle_steps_taken",
    "draft_meeting",
    "event_of",
    "event_reminders",
    "given_up_alert",
    "keep_cycle_plan",
    "move_event",
    "next_meeting",
    "remember_card",
    "rotation_view",
    "rsvp",
    "set_host",
    "set_place",
    "set_reminders",
    "set_rotation",
    "take_meeting_draft",
    "unit_names",
    "upcoming_events",
    "update_cycle_plan",
]
