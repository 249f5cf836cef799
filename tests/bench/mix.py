"""The realistic update mix, and telling when each update has been answered.

Mix (weights): roster commands 15 %, schedule commands 15 %, RSVP presses on the meeting card
20 %, ballot button presses 30 % (ticks, and about one in twelve sends the ballot), form answers
20 % (``/submit`` then three typed answers). It is stateful, as people are: a ballot never gets
more ticks than seats, a person casts once, a form dialog goes question by question.

Each update has exactly one call that answers it, matched in order per key: a group command or
a form answer -> sendMessage to that chat; an RSVP press -> answerCallbackQuery of that query;
a ballot press -> editMessageText of the ballot in that private chat (for a cast that is the
receipt, after the ballot is stored and the file scrubbed).
"""

from __future__ import annotations

import random
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field

from bot.emulators.telegram import BotApiEmulator
from bot.emulators.telegram.process import Answer, EmulatorProcess, TimedEmulator
from tests.bench.world import FORM_ANSWERS, GROUPS, POLL_CATEGORIES, UNITS, Features, chat_of, person

ROSTER = ("/units", "/roster", "/bloc", "/help", "/donvi", "/khoi", "/danhsach")
SCHEDULE = ("/schedule", "/lich", "/rsvp", "/thamdu")
WEIGHTS = (("roster", 15), ("schedule", 15), ("rsvp", 20), ("ballot", 30), ("form", 20))
CAST_ONE_IN = 12


class Tracker:
    """Expected answers per (method, key), matched in order against the calls as they arrive."""

    def __init__(self, emu: TimedEmulator | EmulatorProcess) -> None:
        self.emu = emu
        self.seen = len(emu.answers_since(0))
        self.last_arrival = 0.0  # of the last answer matched
        self.waiting: dict[tuple[str, str], deque[tuple[float, str]]] = defaultdict(deque)
        self.expected = 0
        self.answered = 0
        self.latencies: list[float] = []
        self.by_kind: dict[str, list[float]] = defaultdict(list)

    def expect(self, method: str, key: int | str, kind: str) -> None:
        """An update was just posted; its answer will be `method` for `key`."""
        self.waiting[(method, str(key))].append((time.perf_counter(), kind))
        self.expected += 1

    def poll(self) -> bool:
        """Match the calls that arrived since last time; True once every expectation is met."""
        return self.feed(self.emu.answers_since(self.seen))

    def feed(self, answers: list[Answer]) -> bool:
        """Match these answer notes (the calls after the first `seen`); True once all are met."""
        for method, key, arrival in answers:
            queue = self.waiting.get((method, key))
            if queue:
                posted, kind = queue.popleft()
                latency = arrival - posted
                self.latencies.append(latency)
                self.by_kind[kind].append(latency)
                self.answered += 1
                self.last_arrival = arrival
        self.seen += len(answers)
        return self.answered >= self.expected

    def missing(self) -> list[str]:
        """What is still waited for (for an error message)."""
        return [
            f"{method} {key} ({kind})" for (method, key), queue in self.waiting.items() for _t, kind in queue
        ][:20]


@dataclass
class Person:
    """What the generator knows of one person's ballot and form dialog."""

    ticks: dict[int, set[int]] = field(default_factory=dict)  # category -> candidate numbers
    cast: bool = False
    form_step: int = -1  # -1: no dialog; 0..2: the question being answered


class Mix:
    """Posts updates of the realistic mix into the emulator and tells the tracker what answers them.

    ``echo=True`` posts the same kinds of updates for the bare echo bot: texts where blocbot gets
    commands and answers, presses on the echo bot's own messages (Features from setup_echo).
    """

    def __init__(
        self,
        emu: TimedEmulator | EmulatorProcess,
        tracker: Tracker,
        features: Features,
        seed: int,
        *,
        echo: bool = False,
        groups: int = GROUPS,
    ) -> None:
        self.emu, self.tracker, self.features = emu, tracker, features
        self.rng = random.Random(seed)
        self.echo = echo
        self.groups = groups
        self.people: dict[int, Person] = defaultdict(Person)
        kinds, weights = zip(*WEIGHTS, strict=True)
        self.kinds: tuple[str, ...] = kinds
        self.weights: tuple[int, ...] = weights

    def post(self, only: str | None = None) -> str:
        """Post one update (of the mix, or of kind `only`); return its kind."""
        rng = self.rng
        group = rng.randrange(self.groups)
        user = person(group, rng.randrange(UNITS))
        kind = only or rng.choices(self.kinds, self.weights)[0]
        while only == "ballot" and self.people[user].cast:  # someone who has not cast yet
            group = rng.randrange(self.groups)
            user = person(group, rng.randrange(UNITS))
        if kind == "ballot" and self.people[user].cast:
            kind = "form"
        getattr(self, f"_{kind}")(group, user)
        return kind

    def _text(self, user: int, chat: int, text: str, kind: str) -> None:
        self.emu.post_message(user, chat, text)
        self.tracker.expect("sendmessage", chat, kind)

    def _roster(self, group: int, user: int) -> None:
        self._text(user, chat_of(group), self.rng.choice(ROSTER), "roster")

    def _schedule(self, group: int, user: int) -> None:
        text = self.rng.choice((*SCHEDULE, f"/event {self.features.event.get(group, 0)}"))
        self._text(user, chat_of(group), text, "schedule")

    def _rsvp(self, group: int, user: int) -> None:
        data = f"rv:{self.features.event.get(group, 0)}:{self.rng.choice('yn')}"
        posted = self.emu.post_callback(user, chat_of(group), self.features.card[group], data)
        self.tracker.expect("answercallbackquery", posted.update["callback_query"]["id"], "rsvp")

    def _ballot(self, group: int, user: int) -> None:
        me = self.people[user]
        poll = self.features.poll.get(group, 0)
        if sum(len(t) for t in me.ticks.values()) and self.rng.randrange(CAST_ONE_IN) == 0:
            data = f"bv:{poll}:1:c"
            me.cast = True
        else:
            index = self.rng.randrange(len(POLL_CATEGORIES))
            seats = POLL_CATEGORIES[index][1]
            ticked = me.ticks.setdefault(index, set())
            number = (
                self.rng.choice(sorted(ticked)) if len(ticked) >= seats else self.rng.randrange(1, UNITS + 1)
            )
            ticked ^= {number}  # pressing a ticked candidate unticks it
            data = f"bv:{poll}:1:t:{index}:{number}"
        self.emu.post_callback(user, user, self.features.ballot[user], data)
        self.tracker.expect("editmessagetext", user, "ballot")

    def _form(self, group: int, user: int) -> None:
        me = self.people[user]
        if me.form_step < 0:
            text = "hello" if self.echo else f"/submit {self.features.form.get(group, 0)}"
        else:
            text = FORM_ANSWERS[me.form_step]
        me.form_step = me.form_step + 1 if me.form_step + 1 < len(FORM_ANSWERS) else -1
        self._text(user, user, text, "form")


async def setup_echo(emu: BotApiEmulator | EmulatorProcess, groups: int = GROUPS) -> Features:
    """For the echo bot: one message of its own in every chat, to press buttons on."""
    found = Features()
    chats = [chat_of(g) for g in range(groups)] + [person(g, k) for g in range(groups) for k in range(UNITS)]
    for chat in chats:
        emu.post_message(person(-chat - 100500, 0) if chat < 0 else chat, chat, "xin chào")
    await emu.wait_until(
        lambda: all(emu.last(c) is not None for c in chats), timeout=120, what="echo replies"
    )
    for group in range(groups):
        last = emu.last(chat_of(group))
        assert last is not None
        found.card[group] = last.message_id
    for chat in chats[groups:]:
        last = emu.last(chat)
        assert last is not None
        found.ballot[chat] = last.message_id
    return found
