"""What the polls feature holds in this process only, never in the database or the logs: the key
of ballot drafts, and the counting committee's codes given so far to open a box."""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.polls.box import Share
from handlers.polls.drafts import Drafts

SHARE_TTL = timedelta(hours=12)  # a code given is forgotten after this unless the box opened


@dataclass(frozen=True)
class Given:
    """One holder's share, given at a time."""

    share: Share = field(repr=False)
    person: int
    at: datetime


class ShareStore:
    """Shares given per (poll, round) until k are in: memory only, each for SHARE_TTL.

    ``run`` names this process: a box whose holders were last asked by another run (before a
    restart) is asked about again, since what they gave then is gone.
    """

    def __init__(self) -> None:
        self.run = secrets.token_hex(8)
        self._given: dict[tuple[int, int], dict[int, Given]] = {}
        self._locks: dict[tuple[int, int], asyncio.Lock] = {}

    def __repr__(self) -> str:
        return f"ShareStore({len(self._given)} boxes)"

    def lock(self, key: tuple[int, int]) -> asyncio.Lock:
        """One count at a time per box."""
        return self._locks.setdefault(key, asyncio.Lock())

    def current(self, key: tuple[int, int], now: datetime) -> dict[int, Given]:
        """The shares of a box still kept (expired ones dropped), by share index."""
        given = self._given.get(key, {})
        for index in [i for i, g in given.items() if now - g.at >= SHARE_TTL]:
            del given[index]
        return dict(given)

    def add(self, key: tuple[int, int], given: Given) -> None:
        """Keep a share."""
        self._given.setdefault(key, {})[given.share.index] = given

    def drop(self, key: tuple[int, int], index: int) -> None:
        """Forget one share (it did not open the box with the others)."""
        self._given.get(key, {}).pop(index, None)

    def forget(self, key: tuple[int, int]) -> None:
        """Forget every share of a box (opened, or voted again)."""
        self._given.pop(key, None)
        self._locks.pop(key, None)


@dataclass(frozen=True)
class Memory:
    """The polls feature's in-process state, made once when the feature is registered."""

    drafts: Drafts = field(default_factory=Drafts)
    shares: ShareStore = field(default_factory=ShareStore)
