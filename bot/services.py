"""Typed access to the services every handler needs (no string-keyed bot_data)."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from telegram.ext import Application, CallbackContext, ExtBot

from bot.core.clock import Clock
from bot.core.commands import CommandSpec
from bot.core.config import Config
from storage.db import Database

if TYPE_CHECKING:
    from bot.schedule.scheduler import Scheduler
    from handlers.conversation.prompts import Prompts


@dataclass
class Services:
    """What the application shares: config, database, clock, background work."""

    config: Config
    db: Database
    clock: Clock
    bot_username: str = ""
    commands: list[CommandSpec] = field(default_factory=list)
    prompts: Prompts | None = None
    scheduler: Scheduler | None = None  # reminders and timers (bot/schedule/scheduler.py)
    background: set[asyncio.Task[Any]] = field(default_factory=set)

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


class BotData:
    """The application's bot_data: holds the Services once build_application set them."""

    def __init__(self) -> None:
        self._services: Services | None = None

    @property
    def services(self) -> Services:
        """The wired services."""
        if self._services is None:
            raise RuntimeError("services are not wired; use build_application")
        return self._services

    @services.setter
    def services(self, value: Services) -> None:
        self._services = value


class BlocContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotData]):
    """Handler context with typed services."""

    def __init__(
        self,
        application: Application[Any, Any, Any, Any, Any, Any],
        chat_id: int | None = None,
        user_id: int | None = None,
    ) -> None:
        super().__init__(application=application, chat_id=chat_id, user_id=user_id)

    @property
    def services(self) -> Services:
        """The wired services."""
        return self.bot_data.services
