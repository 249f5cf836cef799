"""Telling the bot's operators (access.operators) what only they can act on: the OA's quota
used up, the OA locked out. Each is told in their chat's language; a failed send is logged."""

from __future__ import annotations

import logging
from collections.abc import Callable

from bot.channels.numbered import chat_language
from bot.core.i18n import translator
from bot.core.messages import DeliveryError
from bot.services import Services
from storage.zalo import resolve_operators

__all__ = ["locked_out_text", "quota_text", "tell_operators"]

log = logging.getLogger(__name__)


async def tell_operators(services: Services, text_for: Callable[[str], str]) -> int:
    """Send ``text_for(language)`` to every operator; how many got it."""
    config = services.config
    async with services.db.transaction() as uow:
        ids = set(config.operators) | await resolve_operators(uow.identities, config.foreign_operators)
    told = 0
    for person in sorted(ids):
        lang = await chat_language(services.db, person, config.language)
        try:
            if await services.outbox.tell(person, text_for(lang)) is not None:
                told += 1
        except DeliveryError as exc:
            log.warning("could not tell operator %s: %s", person, exc)
    if not ids:
        log.warning("no operators to tell (access.operators is empty)")
    return told


def quota_text(kept: int) -> Callable[[str], str]:
    """The OA's quota is used up."""
    return lambda lang: translator(lang).gettext(
        "Zalo does not take more messages from the Official Account for now: its message quota is "
        "used up. %(n)s message(s) are kept and will be sent, in order, when the quota allows. "
        "`blocbot zalo quota` on the server shows the budget.",
        n=kept,
    )


def locked_out_text(reason: str) -> Callable[[str], str]:
    """Zalo refused the OA's refresh token."""
    return lambda lang: translator(lang).gettext(
        "Zalo refused the Official Account's refresh token (%(reason)s), so the bot cannot send as "
        "the OA once its current access token expires. Messages are kept until then. Please run "
        "`blocbot zalo login` on the server.",
        reason=reason[:100],
    )
