"""The services every feature shares: config, database, clock, outbox, background work."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bot.core.clock import Clock
from bot.core.commands import CommandSpec
from bot.core.config import Config
from bot.outbox import Outbox
from storage.db import Database

if TYPE_CHECKING:
    from bot.schedule.scheduler import Scheduler


@dataclass
class Services:
    """What the application shares: config, database, clock, outbox, background work."""

    config: Config
    db: Database
    clock: Clock
    outbox: Outbox
    bot_username: str = ""
    commands: list[CommandSpec] = field(default_factory=list)
    scheduler: Scheduler | None = None  # reminders and timers (bot/schedule/scheduler.py)
    background: set[asyncio.Task[Any]] = field(default_factory=set)
    foreign_operators: frozenset[int] = frozenset()  # "zalo:<id>" operators, resolved at start
    # ids of the ballot boxes this process made: one made but not stored yet (its codes on the
    # way to the committee) is not made again for another poll opening at the same moment
    box_ids: set[str] = field(default_factory=set)
    # Work a feature does once the database, the scheduler and the channels run (started in
    # the background, in order): e.g. asking counting committees again after a restart.
    on_start: list[Callable[[], Coroutine[Any, Any, Any]]] = field(default_factory=list)

    @property
    def running_scheduler(self) -> Scheduler:
        """The scheduler: build_services wires it before any update or timer can need it."""
        assert self.scheduler is not None, "build_services wires the scheduler"
        return self.scheduler

    @property
    def operators(self) -> frozenset[int]:
        """The people who may set up any bloc (internal ids, every channel)."""
        return self.config.operators | self.foreign_operators

    async def open(self) -> None:
        """Open the database and resolve the operators of other channels to internal ids."""
        await self.db.open()
        if self.config.foreign_operators:
            from storage.zalo import resolve_operators

            async with self.db.transaction() as uow:
                self.foreign_operators = await resolve_operators(
                    uow.identities, self.config.foreign_operators
                )

    def started(self) -> None:
        """Run the features' start-up work (after the scheduler started)."""
        for job in self.on_start:
            self.spawn(job(), name="on start")

    def spawn(self, coro: Coroutine[Any, Any, Any], name: str = "background") -> asyncio.Task[Any]:
        """Run slow work (fan-out, files) beside the update loop, keeping a reference."""
        task = asyncio.create_task(coro, name=name)
        self.background.add(task)
        task.add_done_callback(self.background.discard)
        return task

    async def drain(self) -> None:
        """Wait for all background work (tests, shutdown)."""
        while self.background:
            await asyncio.gather(*list(self.background), return_exceptions=True)
