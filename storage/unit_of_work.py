"""A unit of work: the repositories bound to one connection inside one transaction."""

from __future__ import annotations

from typing import Any, TypeVar

from bot.core.clock import Clock
from storage.blocs import BlocRepo
from storage.conversations import ConversationRepo, IdentityRepo
from storage.invites import InviteRepo
from storage.people import PeopleRepo
from storage.repository import Connection
from storage.units import UnitRepo
from storage.zalo import ZaloRepo

T = TypeVar("T")


class UnitOfWork:
    """Hands out repositories that share this unit of work's connection."""

    def __init__(self, conn: Connection, clock: Clock) -> None:
        self.conn = conn
        self.clock = clock
        self._repos: dict[type[Any], Any] = {}

    def repo(self, cls: type[T]) -> T:
        """The repository of the given class, bound to this unit of work."""
        found = self._repos.get(cls)
        if found is None:
            found = self._repos[cls] = cls(self.conn, self.clock)  # type: ignore[call-arg,unused-ignore]
        return found  # type: ignore[no-any-return,unused-ignore]

    @property
    def blocs(self) -> BlocRepo:
        """Blocs, their admins and yearly roles."""
        return self.repo(BlocRepo)

    @property
    def units(self) -> UnitRepo:
        """Units and their representatives."""
        return self.repo(UnitRepo)

    @property
    def people(self) -> PeopleRepo:
        """People and chat settings."""
        return self.repo(PeopleRepo)

    @property
    def invites(self) -> InviteRepo:
        """Join links."""
        return self.repo(InviteRepo)

    @property
    def conversations(self) -> ConversationRepo:
        """What the bot waits for from one person in one chat."""
        return self.repo(ConversationRepo)

    @property
    def identities(self) -> IdentityRepo:
        """Internal ids of other channels' people and chats."""
        return self.repo(IdentityRepo)

    @property
    def zalo(self) -> ZaloRepo:
        """Zalo's chats, OA tokens, quota, kept messages; files behind signed links."""
        return self.repo(ZaloRepo)
