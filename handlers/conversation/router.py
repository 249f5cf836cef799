"""Where an incoming message goes: a command, a pressed choice, a number picked from a menu, an
answer to the bot's question, or typed answers a feature waits for. Written once for every
channel; adapters only build the ``Incoming`` and call ``dispatch``.

Order (it matters):
1. a pressed choice -> the button handler of its codec prefix (forged or old data answered);
2. on channels without buttons, a bare number -> the choice it stands for in the person's
   latest numbered menu (bot/channels/numbered.py stores them), a stale number answered;
3. "/start <payload>" -> the feature owning the payload's prefix (join_, vote_, form_);
4. a command -> its feature, after the shared where/bloc/admin checks; unknown -> a hint;
5. plain text -> the person's pending question in this chat, else the features' text takers
   (typed form answers), else in a private chat a pointer to /help.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace

from bot.core.callbacks import Callback, CallbackError, decode
from bot.core.channel import Channel
from bot.core.commands import CommandSpec, CommandText, parse_command
from bot.core.messages import DeliveryError, Incoming, Reply
from bot.core.offload import WorkFailed
from bot.services import Services
from handlers.conversation.flood import FloodGate
from handlers.conversation.menus import by_label, pick
from handlers.conversation.prompts import Questions
from handlers.conversation.turn import Turn, load_turn

log = logging.getLogger(__name__)

CommandFn = Callable[[Turn, CommandText], Awaitable[None]]
ButtonFn = Callable[[Turn, Callback], Awaitable[None]]
StartFn = Callable[[Turn, str], Awaitable[None]]
# A text taker returns True when it took the text (no one after it sees it).
TextFn = Callable[[Turn, str], Awaitable[bool]]
GuardFn = Callable[[Turn, CommandSpec, bool, str], Awaitable[bool]]
UnknownFn = Callable[[Turn, CommandText, bool], Awaitable[None]]


@dataclass(frozen=True)
class Route:
    """One command of a feature."""

    spec: CommandSpec
    fn: CommandFn
    needs_bloc: bool = True


class Router:
    """Every feature's commands, buttons, start payloads and text takers."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.questions = Questions()
        self.flood = FloodGate(services.config.per_person_per_minute, services.config.per_chat_per_minute)
        self.commands: dict[str, Route] = {}
        self.buttons: dict[str, ButtonFn] = {}
        self.starts: dict[str, StartFn] = {}
        self.takers: list[TextFn] = []
        self.guard: GuardFn | None = None
        self.unknown: UnknownFn | None = None
        self.idle: TextFn | None = None  # plain text nobody took
        self.invalid_button: Callable[[Turn], Awaitable[None]] | None = None

    @property
    def specs(self) -> list[CommandSpec]:
        """Every command once, in registration order."""
        seen: dict[str, CommandSpec] = {}
        for route in self.commands.values():
            seen.setdefault(route.spec.name, route.spec)
        return list(seen.values())

    def command(self, spec: CommandSpec, fn: CommandFn, *, needs_bloc: bool = True) -> None:
        """Route a command and its alias; the first registration of a name wins."""
        for name in spec.names:
            self.commands.setdefault(name, Route(spec, fn, needs_bloc))

    def button(self, prefix: str, fn: ButtonFn) -> None:
        """Route the choices of one codec prefix."""
        if prefix in self.buttons:
            raise ValueError(f"button prefix {prefix!r} registered twice")
        self.buttons[prefix] = fn

    def start(self, prefix: str, fn: StartFn) -> None:
        """Route "/start <prefix>…" (join links, vote links, form links)."""
        self.starts[prefix] = fn

    def take_text(self, fn: TextFn) -> None:
        """Offer plain text to a feature (after pending questions)."""
        self.takers.append(fn)

    async def dispatch(self, incoming: Incoming, channel: Channel) -> None:
        """Handle one incoming message to the end (replies included); never a traceback in a
        chat: an error is logged first, then the person is told something useful."""
        verdict = incoming.extra.get("flood") or self.admit(incoming.person_id, incoming.chat_id)
        if verdict == "drop":
            return  # told once already: a flood costs only its own chat
        turn = await load_turn(incoming, channel, self.services, self.questions)
        if verdict == "warn":
            await self.too_fast(turn)
            return
        try:
            await self._dispatch(turn)
        except Exception as exc:
            log.error("error while handling a message in chat %s", incoming.chat_id, exc_info=exc)
            await self.apologise(turn, exc)

    def admit(self, person_id: int, chat_id: int) -> str:
        """The flood limits' verdict for one more message (an adapter may ask when the message
        arrives and pass it on as ``incoming.extra["flood"]``; else dispatch asks)."""
        return self.flood.admit(person_id, chat_id, self.services.clock.now().timestamp())

    async def too_fast(self, turn: Turn) -> None:
        """Told once when a person or a chat sends faster than people do."""
        text = turn._(
            "You are sending messages faster than I can follow, so I will skip the next ones for a "
            "moment. Please wait a minute, then send again."
        )
        await self._say(turn, text, "too fast")

    async def _say(self, turn: Turn, text: str, what: str) -> None:
        """The router's own word to the person: an alert on a press, else a message; a failure
        to deliver it is logged, never raised (it is said when something already went wrong)."""
        try:
            if turn.incoming.choice is not None:
                await turn.channel.answer_press(turn.incoming, text, alert=True)
            else:
                await turn.channel.send(turn.chat_id, Reply(text))
        except Exception:
            log.warning("could not send %s to chat %s", what, turn.chat_id)

    async def apologise(self, turn: Turn, exc: Exception) -> None:
        """Say what went wrong, as far as the person needs to know."""
        _ = turn._
        if isinstance(exc, WorkFailed):  # the worker drawing a chart or a document gave up
            text = _(
                "Sorry, I could not finish making that file this time; nothing was changed. "
                "Please try again in a few minutes."
            )
        elif isinstance(exc, DeliveryError) and turn.channel.name != "telegram":
            text = _(
                "Sorry, a problem between me and the chat service kept my answer from getting through, "
                "so it may be missing or incomplete. What you asked may have been done all the same: "
                "please check before you try again."
            )
        elif isinstance(exc, DeliveryError):
            # A platform call failed (after the channel's retries), possibly the reply to work
            # that was already stored: "nothing was changed" could be false.
            text = _(
                "Sorry, a problem between me and Telegram kept my answer from getting through, so it "
                "may be missing or incomplete. What you asked may have been done all the same: please "
                "check before you try again."
            )
        else:
            text = _(
                "Sorry, something went wrong on my side and nothing was changed. Please try again in a moment."
            )
        await self._say(turn, text, "the apology")

    async def _dispatch(self, turn: Turn) -> None:
        incoming, channel = turn.incoming, turn.channel
        if incoming.choice is not None:
            await self.on_choice(turn, incoming.choice)
            return
        text = incoming.text or ""
        if not channel.has_buttons and _bare_number(text):
            handled, choice = await pick(turn, int(text.strip().lstrip("#")))
            if choice is not None:
                await self._picked(turn, choice)
                return
            if handled:
                return
        parsed = parse_command(text)
        if parsed is None and _looks_like_command(text):
            # Telegram marks "/anything" as a command even when its name is longer than ours
            # may be: answered (or ignored, if for another bot), never taken for an answer.
            head = text.split(maxsplit=1)[0]
            parsed = CommandText(head[1:].split("@", 1)[0][:40].lower(), "")
        if parsed is not None:
            await self.on_command(turn, parsed, text)
            return
        if await self.questions.answer(turn, text):
            return
        for taker in self.takers:
            if await taker(turn, text):
                return
        if not channel.has_buttons:
            handled, choice = await by_label(turn, text)
            if choice is not None:
                await self._picked(turn, choice)
                return
            if handled:
                return
        if self.idle is not None:
            await self.idle(turn, text)

    async def _picked(self, turn: Turn, choice: str) -> None:
        """A choice picked by its number or name on a channel without buttons: as if pressed, or
        typed (a numbered "/start vote_12")."""
        incoming = turn.incoming
        if choice.startswith("/"):
            await self._dispatch(replace(turn, incoming=replace(incoming, text=choice)))
        else:
            await self.on_choice(replace(turn, incoming=replace(incoming, choice=choice)), choice)

    async def on_choice(self, turn: Turn, raw: str) -> None:
        """A pressed button (or a picked number): decode it and run its handler."""
        prefix = raw.split(":", 1)[0]
        fn = self.buttons.get(prefix)
        try:
            if fn is None:
                raise CallbackError("no handler")
            await fn(turn, decode(raw, prefix))
        except CallbackError:
            if self.invalid_button is not None:
                await self.invalid_button(turn)

    async def on_command(self, turn: Turn, parsed: CommandText, text: str) -> None:
        """A command: /start payloads, then the routed commands, then the unknown-command hint."""
        head = text.split(maxsplit=1)[0]
        addressed = "@" in head
        if addressed and not head.lower().endswith("@" + self.services.bot_username.lower()):
            return  # "/x@otherbot": meant for another bot
        if parsed.name == "start" and parsed.first_line:
            payload = parsed.first_line.split()[0]
            for prefix, fn in self.starts.items():
                if payload.startswith(prefix):
                    await fn(turn, payload)
                    return
        route = self.commands.get(parsed.name)
        if route is None:
            if self.unknown is not None:
                await self.unknown(turn, parsed, addressed)
            return
        if self.guard is not None and not await self.guard(turn, route.spec, route.needs_bloc, parsed.name):
            return
        await route.fn(turn, parsed)


def _looks_like_command(text: str) -> bool:
    return len(text) > 1 and text[0] == "/" and (text[1].isalnum() or text[1] == "_")


def _bare_number(text: str) -> bool:
    stripped = text.strip().lstrip("#")
    return stripped.isdigit() and len(stripped) <= 3
