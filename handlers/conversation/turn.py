"""One incoming message's context for a feature: who, where, which bloc, which language, how
to answer. Channel-neutral: the channel adapter behind ``channel`` renders what is said."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from bot.core.channel import Channel
from bot.core.config import LANGUAGES
from bot.core.i18n import Translator, translator
from bot.core.messages import Choices, Incoming, OutFile, Refused, Reply, Sent
from bot.roster.model import Bloc, Roles, Unit, is_admin
from bot.services import Services

if TYPE_CHECKING:
    from handlers.conversation.prompts import Questions

log = logging.getLogger(__name__)


@dataclass
class Press:
    """The choice a person pressed (a button, or a number on a text channel)."""

    turn: Turn

    @property
    def message_id(self) -> int | None:
        """The message that carried the choice (None on text channels' numbered menus)."""
        return self.turn.incoming.message_id

    async def answer(self, text: str = "", *, alert: bool = False) -> None:
        """Acknowledge the press: a short notice, or an alert the person must close."""
        await self.turn.channel.answer_press(self.turn.incoming, text, alert=alert)

    async def edit(self, text: str, choices: Choices | None = None) -> None:
        """Show new text (and choices) in the pressed message; re-post where edits are impossible."""
        if self.message_id is not None and await self.turn.channel.edit(
            self.turn.chat_id, self.message_id, Reply(text, choices)
        ):
            return
        await self.turn.reply(text, choices)

    async def set_choices(self, choices: Choices | None) -> None:
        """Replace the pressed message's choices (ticks) or take them off (None)."""
        if self.message_id is None:
            if choices:
                await self.turn.reply("", choices)
            return
        if choices is None:
            await self.turn.channel.drop_choices(self.turn.chat_id, self.message_id)
        else:
            await self.turn.channel.edit(
                self.turn.chat_id, self.message_id, Reply("", choices, keep_text=True)
            )


@dataclass
class Turn:
    """Everything a feature needs about the current incoming message."""

    incoming: Incoming
    channel: Channel
    services: Services
    questions: Questions
    lang: str
    bloc: Bloc | None
    # In a private chat: the sender's blocs without a home chat (bot/channels/fanout.py). With
    # exactly one, it is ``bloc``: group commands typed here act on it.
    homeless: tuple[Bloc, ...] = ()

    @property
    def _(self) -> Callable[..., str]:
        """Translate into this chat's language: turn._('Text %(x)s', x=1)."""
        return translator(self.lang).gettext

    @property
    def tr(self) -> Translator:
        """The chat's translator (for ngettext)."""
        return translator(self.lang)

    @property
    def user_id(self) -> int:
        """The acting person's internal id."""
        return self.incoming.person_id

    @property
    def chat_id(self) -> int:
        """The chat the message came from."""
        return self.incoming.chat_id

    @property
    def is_private(self) -> bool:
        """True in a one-to-one chat with the bot."""
        return self.incoming.private

    @property
    def for_homeless(self) -> bool:
        """A private chat acting on the sender's bloc without a home chat."""
        return self.is_private and self.bloc is not None

    @property
    def press(self) -> Press:
        """The pressed choice (only for button handlers)."""
        return Press(self)

    @property
    def tz(self) -> ZoneInfo:
        """The bloc's timezone (or the default)."""
        return ZoneInfo(self.bloc.timezone if self.bloc else self.services.config.timezone)

    def now(self) -> datetime:
        """The injected clock's time."""
        return self.services.clock.now()

    def year(self) -> int:
        """The current year in the bloc's timezone."""
        return self.now().astimezone(self.tz).year

    def start_link(self, payload: str) -> str | None:
        """A link opening a private chat at "/start <payload>", where the channel has them."""
        return self.channel.start_link(payload)

    async def reply(self, text: str, choices: Choices | None = None) -> Sent | None:
        """Answer in the chat (split under the channel's limit; choices after the last piece)."""
        reply_to = None if self.is_private else self.incoming.message_id
        reply = Reply(text, choices, for_person=self.user_id)
        return await self.channel.send(self.chat_id, reply, reply_to=reply_to)

    async def post(self, text: str, choices: Choices | None = None) -> Sent | None:
        """Post a card anyone in the chat answers (its numbers are everyone's, not the sender's);
        from a private chat acting on a bloc without a home chat, to each of its people."""
        if self.for_homeless:
            assert self.bloc is not None
            return await self.services.outbox.send(self.bloc.chat_id, text, choices)
        return await self.channel.send(self.chat_id, Reply(text, choices))

    async def reply_document(self, data: bytes, filename: str, caption: str = "") -> Sent:
        """Send a file to this chat."""
        return await self.channel.send(
            self.chat_id, Reply(caption, files=(OutFile(data, filename, caption),))
        )

    async def reply_photo(self, data: bytes, filename: str, caption: str = "") -> Sent:
        """Send a picture to this chat."""
        file = OutFile(data, filename, caption, image=True)
        return await self.channel.send(self.chat_id, Reply(caption, files=(file,)))

    async def tell(self, chat_id: int, text: str, choices: Choices | None = None) -> bool:
        """Send to another chat (e.g. privately); False when it refuses."""
        try:
            await self.services.outbox.send(chat_id, text, choices)
        except Refused:
            return False
        return True

    async def edit(self, message_id: int, text: str, choices: Choices | None) -> bool:
        """Edit a bot message of this chat in place; False when it cannot be edited."""
        return await self.channel.edit(self.chat_id, message_id, Reply(text, choices))

    async def alert(self, text: str) -> None:
        """Answer the pressed choice with an alert."""
        await self.channel.answer_press(self.incoming, text, alert=True)

    async def drop_buttons(self) -> None:
        """Take the choices off the pressed message; a second press finds them gone, fine."""
        if self.incoming.choice is not None and self.incoming.message_id is not None:
            await self.channel.drop_choices(self.chat_id, self.incoming.message_id)

    async def ask(self, kind: str, text: str, **data: Any) -> None:
        """Ask a question the acting person answers (a guided dialog step)."""
        await self.questions.ask(self, kind, text, **data)

    async def remember_person(self) -> None:
        """Record the person and that the bot may now write to them privately."""
        async with self.services.db.transaction() as uow:
            await uow.people.upsert(self.user_id, self.incoming.person_name, self.incoming.username)
            if self.is_private:
                await uow.people.mark_started(self.user_id)

    async def roles(self) -> Roles:
        """This year's chair and vice chair units."""
        assert self.bloc is not None
        async with self.services.db.read() as uow:
            return await uow.blocs.roles(self.bloc.id, self.year())

    async def my_unit(self) -> Unit | None:
        """The unit the acting person represents in this bloc."""
        if self.bloc is None:
            return None
        async with self.services.db.read() as uow:
            return await uow.units.unit_of(self.bloc.id, self.user_id)

    async def is_admin(self) -> bool:
        """Whether the acting person may change this bloc."""
        if self.bloc is None:
            return self.user_id in self.services.operators
        async with self.services.db.read() as uow:
            admins = await uow.blocs.admins(self.bloc.id)
            roles = await uow.blocs.roles(self.bloc.id, self.year())
            unit = await uow.units.unit_of(self.bloc.id, self.user_id)
        return is_admin(
            self.user_id,
            bloc=self.bloc,
            bloc_admins=admins,
            operators=self.services.operators,
            unit_id=None if unit is None else unit.id,
            roles=roles,
        )

    async def who_may_admin(self) -> str:
        """A sentence naming who may administer this bloc."""
        _ = self._
        assert self.bloc is not None
        roles = await self.roles()
        async with self.services.db.read() as uow:
            chair = await uow.units.get(roles.chair) if roles.chair else None
            vice = await uow.units.get(roles.vice) if roles.vice else None
            setup = await uow.people.get(self.bloc.created_by)
        return _(
            "Only the bloc's admins may do this: the chair unit (%(chair)s), the vice chair "
            "unit (%(vice)s) and %(setup)s, who set the bloc up.",
            chair=chair.name if chair else _("not set"),
            vice=vice.name if vice else _("not set"),
            setup=setup.full_name if setup else _("the person"),
        )


async def load_turn(incoming: Incoming, channel: Channel, services: Services, questions: Questions) -> Turn:
    """Resolve the bloc and the language for an incoming message."""
    bloc = None
    homeless: tuple[Bloc, ...] = ()
    lang: str | None = None
    async with services.db.read() as uow:
        if not incoming.private:
            bloc = await uow.blocs.by_chat(incoming.chat_id)
            lang = bloc.language if bloc else None
        else:
            homeless = tuple(await uow.blocs.homeless_of(incoming.person_id))
            bloc = homeless[0] if len(homeless) == 1 else None
        if lang is None:
            lang = await uow.people.chat_language(incoming.chat_id)
    if lang is None and incoming.private:
        code = (incoming.language_code or "").split("-")[0]
        lang = code if code in LANGUAGES else None
    return Turn(incoming, channel, services, questions, lang or services.config.language, bloc, homeless)
