"""A reminder given up (its delivery stayed uncertain three times: twice, then once more) is
never dropped silently: the representatives of the bloc's chair and vice chair units
(else its admins) are told privately, in the bloc's language."""

from __future__ import annotations

import logging
from zoneinfo import ZoneInfo

from bot.core.formatting import format_when
from bot.core.i18n import translator
from bot.schedule import cases
from bot.services import Services

log = logging.getLogger(__name__)


async def tell_chair(services: Services, event_id: int) -> None:
    """Say which reminder may not have reached the group, to the chair unit's people."""
    alert = await cases.given_up_alert(services.db, event_id, services.clock.now())
    if alert is None:
        return
    event, bloc = alert.event, alert.bloc
    _ = translator(bloc.language).gettext
    text = _(
        'A reminder of "%(title)s" (%(when)s) may not have reached the group of %(bloc)s: '
        "I tried three times and each time the connection failed before the chat service answered, "
        "so I stop rather than risk posting it again. "
        "Please check the group, and post the reminder yourself if it is missing.",
        title=event.title,
        when=format_when(event.starts_at, ZoneInfo(bloc.timezone), bloc.language),
        bloc=bloc.name,
    )
    told = 0
    for person in alert.people:
        if await services.outbox.tell(person, text) is not None:
            told += 1
    if not told:
        log.warning("reminder of event %s given up and nobody of bloc %s could be told", event_id, bloc.id)


def register(services: Services) -> None:
    """Hook the alert into the scheduler (build_services, before it starts)."""
    assert services.scheduler is not None
    services.scheduler.register_given_up(lambda event_id: tell_chair(services, event_id))
