"""Award polls and elections: definitions, rounds, turnout, anonymous ballots, decisions.

Secrecy in storage: `cast` writes the unit into poll_turnout and the choices into poll_ballots
under a random key, with no unit, time or order in common; the ballot's parameters are sealed
from aiosqlite's debug log. SQLite still keeps history outside the rows (the WAL holds every
page version since the last checkpoint; a page's free space shows the order its cells came in),
so after each ballot `scrub_history` rebuilds the file (VACUUM) and truncates the WAL.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import sqlite3
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction
from pathlib import Path
from typing import cast as typecast

import aiosqlite

from bot.core.clock import from_db, to_db
from bot.polls.ballots import decode_ballot, encode_ballot
from bot.polls.secrecy import Sealed
from bot.polls.tally import Ballot, Base, Category, Kind, Rules, Threshold
from storage.unit_of_work import Repository

log = logging.getLogger(__name__)

_POLL = (
    "id, bloc_id, kind, title, year, status, round, threshold, base, quorum, self_vote, "
    "exclusive, deadline, card_message_id, created_by, created_at, confirmed_by, confirmed_at, "
    "suggest_chair, suggest_vice"
)


class AlreadyVoted(Exception):
    """The unit's ballot for this round is already in."""


@dataclass(frozen=True)
class Poll:
    """A poll's row."""

    id: int
    bloc_id: int
    kind: str  # 'award' | 'election'
    title: str
    year: int
    status: str  # 'draft' | 'open' | 'closed'
    round: int
    rules: Rules
    deadline: datetime | None
    card_message_id: int | None
    created_by: int
    created_at: datetime
    confirmed_by: int | None
    confirmed_at: datetime | None
    suggested: dict[int, int]  # election: category index -> the rotation's unit


@dataclass(frozen=True)
class CategoryRow:
    """A category's definition (candidates are per round)."""

    index: int
    name: str
    quota: int
    kind: Kind
    threshold: Threshold | None


@dataclass(frozen=True)
class RoundRow:
    """When a round opened and closed, and by whom (closed_by None: its deadline)."""

    round: int
    opened_at: datetime
    opened_by: int
    closed_at: datetime | None
    closed_by: int | None


def _poll(row: aiosqlite.Row) -> Poll:
    num, den = str(row[9]).split("/")
    rules = Rules(
        threshold=typecast(Threshold, str(row[7])),
        base=typecast(Base, str(row[8])),
        quorum=Fraction(int(num), int(den)),
        self_vote=bool(row[10]),
        exclusive=bool(row[11]),
    )
    return Poll(
        id=int(row[0]),
        bloc_id=int(row[1]),
        kind=str(row[2]),
        title=str(row[3]),
        year=int(row[4]),
        status=str(row[5]),
        round=int(row[6]),
        rules=rules,
        deadline=from_db(row[12]) if row[12] else None,
        card_message_id=None if row[13] is None else int(row[13]),
        created_by=int(row[14]),
        created_at=from_db(str(row[15])),
        confirmed_by=None if row[16] is None else int(row[16]),
        confirmed_at=from_db(row[17]) if row[17] else None,
        suggested={i: int(u) for i, u in enumerate((row[18], row[19])) if u is not None},
    )


class PollRepo(Repository):
    # ---- definitions -------------------------------------------------------------------

    async def create(
        self,
        bloc_id: int,
        kind: str,
        title: str,
        year: int,
        rules: Rules,
        deadline: datetime | None,
        created_by: int,
        categories: Sequence[CategoryRow],
        suggested: tuple[int | None, int | None] = (None, None),
    ) -> int:
        """Store a draft poll with its categories; return its id."""
        quorum = f"{rules.quorum.numerator}/{rules.quorum.denominator}"
        poll_id = await self.execute(
            "INSERT INTO polls(bloc_id, kind, title, year, threshold, base, quorum, self_vote, "
            "exclusive, deadline, created_by, created_at, suggest_chair, suggest_vice) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                bloc_id,
                kind,
                title,
                year,
                rules.threshold,
                rules.base,
                quorum,
                int(rules.self_vote),
                int(rules.exclusive),
                to_db(deadline) if deadline else None,
                created_by,
                to_db(self.clock.now()),
                *suggested,
            ),
        )
        for cat in categories:
            await self.execute(
                "INSERT INTO poll_categories(poll_id, idx, name, quota, kind, threshold) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (poll_id, cat.index, cat.name, cat.quota, cat.kind, cat.threshold),
            )
        return poll_id

    async def get(self, poll_id: int) -> Poll | None:
        """One poll by id."""
        row = await self.fetchone(f"SELECT {_POLL} FROM polls WHERE id = ?", (poll_id,))
        return None if row is None else _poll(row)

    async def of_bloc(self, bloc_id: int) -> list[Poll]:
        """A bloc's polls, newest first."""
        rows = await self.fetchall(
            f"SELECT {_POLL} FROM polls WHERE bloc_id = ? ORDER BY id DESC", (bloc_id,)
        )
        return [_poll(r) for r in rows]

    async def open_polls(self) -> list[Poll]:
        """Every open poll (all blocs)."""
        rows = await self.fetchall(f"SELECT {_POLL} FROM polls WHERE status = 'open' ORDER BY id")
        return [_poll(r) for r in rows]

    async def categories(self, poll_id: int) -> list[CategoryRow]:
        """A poll's categories, highest rank first."""
        rows = await self.fetchall(
            "SELECT idx, name, quota, kind, threshold FROM poll_categories WHERE poll_id = ? ORDER BY idx",
            (poll_id,),
        )
        return [
            CategoryRow(
                int(r[0]), str(r[1]), int(r[2]), typecast(Kind, str(r[3])), typecast(Threshold | None, r[4])
            )
            for r in rows
        ]

    async def candidates(self, poll_id: int, round_no: int) -> dict[int, tuple[int, ...]]:
        """Candidates per category index for a round, in ballot order."""
        rows = await self.fetchall(
            "SELECT idx, unit_id FROM poll_candidates WHERE poll_id = ? AND round = ? ORDER BY idx, position",
            (poll_id, round_no),
        )
        found: dict[int, tuple[int, ...]] = {}
        for row in rows:
            found[int(row[0])] = (*found.get(int(row[0]), ()), int(row[1]))
        return found

    async def set_candidates(self, poll_id: int, round_no: int, index: int, units: Sequence[int]) -> None:
        """Replace a category's candidates for a round."""
        await self.execute(
            "DELETE FROM poll_candidates WHERE poll_id = ? AND round = ? AND idx = ?",
            (poll_id, round_no, index),
        )
        for position, unit in enumerate(units, 1):
            await self.execute(
                "INSERT INTO poll_candidates(poll_id, round, idx, position, unit_id) VALUES (?, ?, ?, ?, ?)",
                (poll_id, round_no, index, position, unit),
            )

    async def tally_categories(self, poll_id: int, round_no: int) -> list[Category]:
        """The categories of a round as the tally takes them (round 2: only those voted again)."""
        found = await self.candidates(poll_id, round_no)
        return [
            Category(c.index, c.name, c.quota, found[c.index], c.kind, c.threshold)
            for c in await self.categories(poll_id)
            if c.index in found
        ]

    # ---- life cycle --------------------------------------------------------------------

    async def open_round(
        self, poll: Poll, round_no: int, electorate: Sequence[int], by: int, deadline: datetime | None
    ) -> None:
        """Open round 1 (recording the electorate) or round 2."""
        now = to_db(self.clock.now())
        if round_no == 1:
            for unit in electorate:
                await self.execute(
                    "INSERT INTO poll_electorate(poll_id, unit_id) VALUES (?, ?)", (poll.id, unit)
                )
        await self.execute(
            "INSERT INTO poll_rounds(poll_id, round, opened_at, opened_by) VALUES (?, ?, ?, ?)",
            (poll.id, round_no, now, by),
        )
        await self.execute(
            "UPDATE polls SET status = 'open', round = ?, deadline = ?, card_message_id = NULL WHERE id = ?",
            (round_no, to_db(deadline) if deadline else None, poll.id),
        )

    async def close_round(self, poll: Poll, by: int | None) -> bool:
        """Close the open round; False if it was not open (closed meanwhile)."""
        changed = await self.execute(
            "UPDATE polls SET status = 'closed' WHERE id = ? AND status = 'open' AND round = ?",
            (poll.id, poll.round),
        )
        if not changed:
            return False
        await self.execute(
            "UPDATE poll_rounds SET closed_at = ?, closed_by = ? WHERE poll_id = ? AND round = ?",
            (to_db(self.clock.now()), by, poll.id, poll.round),
        )
        return True

    async def rounds(self, poll_id: int) -> list[RoundRow]:
        """The rounds held so far."""
        rows = await self.fetchall(
            "SELECT round, opened_at, opened_by, closed_at, closed_by FROM poll_rounds "
            "WHERE poll_id = ? ORDER BY round",
            (poll_id,),
        )
        return [
            RoundRow(
                int(r[0]),
                from_db(str(r[1])),
                int(r[2]),
                from_db(r[3]) if r[3] else None,
                None if r[4] is None else int(r[4]),
            )
            for r in rows
        ]

    async def set_card(self, poll_id: int, message_id: int) -> None:
        """Remember the group's turnout card, edited in place."""
        await self.execute("UPDATE polls SET card_message_id = ? WHERE id = ?", (message_id, poll_id))

    async def delete_draft(self, poll_id: int) -> bool:
        """Drop a poll that never opened."""
        return bool(await self.execute("DELETE FROM polls WHERE id = ? AND status = 'draft'", (poll_id,)))

    async def unit_names(self, bloc_id: int) -> dict[int, str]:
        """Names of every unit the bloc ever had (results outlive a removal)."""
        rows = await self.fetchall("SELECT id, name FROM units WHERE bloc_id = ?", (bloc_id,))
        return {int(r[0]): str(r[1]) for r in rows}

    # ---- who votes, who voted ----------------------------------------------------------

    async def electorate(self, poll_id: int) -> list[int]:
        """The member units of the poll (one ballot each)."""
        rows = await self.fetchall(
            "SELECT e.unit_id FROM poll_electorate e JOIN units u ON u.id = e.unit_id "
            "WHERE e.poll_id = ? ORDER BY u.position, u.id",
            (poll_id,),
        )
        return [int(r[0]) for r in rows]

    async def turnout(self, poll_id: int, round_no: int) -> set[int]:
        """Units whose ballot for the round is in."""
        rows = await self.fetchall(
            "SELECT unit_id FROM poll_turnout WHERE poll_id = ? AND round = ?", (poll_id, round_no)
        )
        return {int(r[0]) for r in rows}

    async def has_voted(self, poll_id: int, round_no: int, unit_id: int) -> bool:
        """Whether the unit's ballot for the round is in."""
        row = await self.fetchone(
            "SELECT 1 FROM poll_turnout WHERE poll_id = ? AND round = ? AND unit_id = ?",
            (poll_id, round_no, unit_id),
        )
        return row is not None

    async def cast(self, poll_id: int, round_no: int, unit_id: int, ballot: Ballot) -> None:
        """Record that the unit voted, and, apart, what was voted; AlreadyVoted if it had."""
        if await self.has_voted(poll_id, round_no, unit_id):
            raise AlreadyVoted
        await self.conn.execute("PRAGMA secure_delete = ON")
        await self.execute(
            "INSERT INTO poll_turnout(poll_id, round, unit_id) VALUES (?, ?, ?)", (poll_id, round_no, unit_id)
        )
        await self.execute(
            "INSERT INTO poll_ballots(poll_id, round, id, body) VALUES (?, ?, ?, ?)",
            Sealed((poll_id, round_no, secrets.token_hex(16), encode_ballot(ballot))),
        )

    async def ballots(self, poll_id: int, round_no: int) -> list[Ballot]:
        """The round's ballots, in key order (random, unrelated to who voted when)."""
        rows = await self.fetchall(
            "SELECT body FROM poll_ballots WHERE poll_id = ? AND round = ? ORDER BY id", (poll_id, round_no)
        )
        return [decode_ballot(str(r[0])) for r in rows]

    # ---- after the rounds --------------------------------------------------------------

    async def decisions(self, poll_id: int) -> dict[int, tuple[int, ...]]:
        """What the chair and vice chair decided, per category."""
        rows = await self.fetchall(
            "SELECT idx, unit_id FROM poll_decisions WHERE poll_id = ? ORDER BY idx, position", (poll_id,)
        )
        found: dict[int, tuple[int, ...]] = {}
        for row in rows:
            found[int(row[0])] = (*found.get(int(row[0]), ()), int(row[1]))
        return found

    async def decide(self, poll_id: int, index: int, units: Sequence[int], by: int) -> None:
        """Record the chair and vice chair's choice for a category."""
        now = to_db(self.clock.now())
        for position, unit in enumerate(units, 1):
            await self.execute(
                "INSERT INTO poll_decisions(poll_id, idx, position, unit_id, decided_by, decided_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (poll_id, index, position, unit, by, now),
            )

    async def decided_by(self, poll_id: int) -> list[tuple[int, datetime]]:
        """Who recorded decisions and when (for the minutes)."""
        rows = await self.fetchall(
            "SELECT DISTINCT decided_by, decided_at FROM poll_decisions WHERE poll_id = ? "
            "ORDER BY decided_at",
            (poll_id,),
        )
        return [(int(r[0]), from_db(str(r[1]))) for r in rows]

    async def confirm(self, poll_id: int, by: int) -> bool:
        """Mark an election's winners confirmed; False if they already were."""
        return bool(
            await self.execute(
                "UPDATE polls SET confirmed_by = ?, confirmed_at = ? WHERE id = ? AND confirmed_at IS NULL",
                (by, to_db(self.clock.now()), poll_id),
            )
        )


def _scrub(path: Path) -> tuple[int, int, int]:
    conn = sqlite3.connect(path, isolation_level=None, timeout=10)
    try:
        conn.execute("PRAGMA secure_delete = ON")
        conn.execute("PRAGMA temp_store = MEMORY")  # VACUUM's copy stays out of temp files
        conn.execute("VACUUM")
        row = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        return int(row[0]), int(row[1]), int(row[2])
    finally:
        conn.close()


class _Scrubs:
    """Scrubs of one file, one at a time, shared: a scrub asked for while one runs waits for
    the next one, which then serves everyone who asked meanwhile. Each caller still gets a scrub
    that started after it asked (so after its ballot was committed), but a burst of ballots
    costs two VACUUMs, not one each: one takes ~30 ms for a 1,000-unit bloc's file and ~150 ms
    for a national one (BENCHMARKS.md), and queued VACUUMs would hold off every other write.
    """

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.started = 0
        self.last = False

    async def run(self, path: Path) -> bool:
        wanted = self.started + 1  # the next scrub to start; it will see everything committed
        async with self.lock:
            if self.started >= wanted:  # one started after we asked, and has finished
                return self.last
            self.started += 1
            self.last = await _scrub_once(path)
            return self.last


_scrubs: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[Path, _Scrubs]] = (
    weakref.WeakKeyDictionary()
)


async def scrub_history(path: Path) -> bool:
    """Rebuild the database file and empty the WAL, so no trace of ballot order is left.

    Run outside any transaction (it waits for the writer). Returns False if the WAL could not
    be emptied because a reader held it; the next ballot or the poll's close tries again.
    Scrubs asked for at the same time are shared (_Scrubs).
    """
    per_loop = _scrubs.setdefault(asyncio.get_running_loop(), {})
    return await per_loop.setdefault(Path(path).resolve(), _Scrubs()).run(path)


async def _scrub_once(path: Path) -> bool:
    try:
        busy, _, _ = await asyncio.to_thread(_scrub, path)
    except sqlite3.Error as exc:
        log.warning("could not scrub the database after a ballot: %s", type(exc).__name__)
        return False
    if busy:
        log.warning("the WAL was busy; ballots' page history stays until the next scrub")
    return not busy
