"""Award polls and elections: definitions, rounds, turnout, sealed ballots, counts, decisions.

Secrecy in storage: `cast` writes the unit into poll_turnout and, in the same transaction, the
ballot sealed to the round's ballot box (bot/polls/box.py) into poll_ballots under a random key.
The plain ballot never reaches this module: SQLite may keep every version of a page in the WAL
and the order cells came in on a page, a backup or a long-lived reader may copy any of them,
and all they hold is sealed ballots of one length. The box opens only with k of the counting
committee's share codes, which are never stored; at the count (`record_count`) the sealed
ballots are replaced by the opened ones, inserted in the order of fresh random keys in one
transaction, the box's keys are deleted, and the file is compacted once (`compact`).
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction
from pathlib import Path
from typing import cast as typecast

from bot.core.clock import from_db, to_db
from bot.polls.ballots import decode_ballot
from bot.polls.box import SEALED_SIZE, SealedBox
from bot.polls.model import DEFAULT_COMMITTEE, Committee
from bot.polls.secrecy import Sealed
from bot.polls.tally import Ballot, Base, Category, Kind, Rules, Threshold, Withheld
from bot.roster.model import Person, Representative, Unit
from storage.repository import Repository

log = logging.getLogger(__name__)

_POLL = (
    "id, bloc_id, kind, title, year, status, round, threshold, base, quorum, self_vote, "
    "exclusive, deadline, card_message_id, created_by, created_at, confirmed_by, confirmed_at, "
    "suggest_chair, suggest_vice, committee_k, committee_n"
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
    committee: Committee = DEFAULT_COMMITTEE


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


def _poll(row: sqlite3.Row) -> Poll:
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
        committee=Committee(int(row[20]), int(row[21])),
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
        committee: Committee = DEFAULT_COMMITTEE,
    ) -> int:
        """Store a draft poll with its categories; return its id."""
        quorum = f"{rules.quorum.numerator}/{rules.quorum.denominator}"
        poll_id = await self.execute(
            "INSERT INTO polls(bloc_id, kind, title, year, threshold, base, quorum, self_vote, "
            "exclusive, deadline, created_by, created_at, suggest_chair, suggest_vice, "
            "committee_k, committee_n) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
                committee.k,
                committee.n,
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

    async def all_candidates(self, poll_id: int) -> dict[int, dict[int, tuple[int, ...]]]:
        """Candidates per round and category index, in ballot order (one statement)."""
        rows = await self.fetchall(
            "SELECT round, idx, unit_id FROM poll_candidates WHERE poll_id = ? ORDER BY round, idx, position",
            (poll_id,),
        )
        found: dict[int, dict[int, tuple[int, ...]]] = {}
        for row in rows:
            per_round = found.setdefault(int(row[0]), {})
            per_round[int(row[1])] = (*per_round.get(int(row[1]), ()), int(row[2]))
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

    async def all_turnout(self, poll_id: int) -> dict[int, frozenset[int]]:
        """Units whose ballot is in, per round (one statement)."""
        rows = await self.fetchall("SELECT round, unit_id FROM poll_turnout WHERE poll_id = ?", (poll_id,))
        found: dict[int, set[int]] = {}
        for row in rows:
            found.setdefault(int(row[0]), set()).add(int(row[1]))
        return {r: frozenset(units) for r, units in found.items()}

    async def voter_standing(self, bloc_id: int, person_id: int) -> tuple[Unit | None, list[Representative]]:
        """The unit the person represents in the bloc and every representative of that unit
        (in one statement, whatever the bloc's size: what a ballot press checks)."""
        rows = await self.fetchall(
            "SELECT u.id, u.bloc_id, u.position, u.name, p.user_id, p.full_name, p.username, p.started, "
            "o.is_voter, o.linked_at FROM representatives r JOIN units u ON u.id = r.unit_id "
            "LEFT JOIN representatives o ON o.unit_id = r.unit_id AND o.bloc_id = r.bloc_id "
            "LEFT JOIN people p ON p.user_id = o.user_id "
            "WHERE r.bloc_id = ? AND r.user_id = ? ORDER BY o.linked_at, p.user_id",
            (bloc_id, person_id),
        )
        if not rows:
            return None, []
        first = rows[0]
        unit = Unit(id=int(first[0]), bloc_id=int(first[1]), position=int(first[2]), name=str(first[3]))
        reps = [
            Representative(
                unit_id=unit.id,
                person=Person(int(r[4]), str(r[5]), r[6], bool(r[7])),
                is_voter=bool(r[8]),
                linked_at=from_db(str(r[9])),
            )
            for r in rows
            if r[4] is not None
        ]
        return unit, reps

    async def has_voted(self, poll_id: int, round_no: int, unit_id: int) -> bool:
        """Whether the unit's ballot for the round is in."""
        row = await self.fetchone(
            "SELECT 1 FROM poll_turnout WHERE poll_id = ? AND round = ? AND unit_id = ?",
            (poll_id, round_no, unit_id),
        )
        return row is not None

    async def cast(self, poll_id: int, round_no: int, unit_id: int, sealed: bytes) -> None:
        """Record that the unit voted and, beside it, its sealed ballot; AlreadyVoted if it had.

        Only a sealed ballot comes in (bot.polls.box.seal): what was voted is unreadable here.
        """
        if len(sealed) != SEALED_SIZE:
            raise ValueError(f"a sealed ballot is {SEALED_SIZE} bytes")
        if await self.has_voted(poll_id, round_no, unit_id):
            raise AlreadyVoted
        await self.execute(
            "INSERT INTO poll_turnout(poll_id, round, unit_id) VALUES (?, ?, ?)", (poll_id, round_no, unit_id)
        )
        await self.execute(
            "INSERT INTO poll_ballots(poll_id, round, id, sealed) VALUES (?, ?, ?, ?)",
            Sealed((poll_id, round_no, secrets.token_hex(16), sealed)),
        )

    async def ballots(self, poll_id: int, round_no: int) -> list[Ballot]:
        """The round's opened ballots, in key order (random, unrelated to who voted when)."""
        rows = await self.fetchall(
            "SELECT body FROM poll_ballots WHERE poll_id = ? AND round = ? AND body IS NOT NULL ORDER BY id",
            (poll_id, round_no),
        )
        return [decode_ballot(str(r[0])) for r in rows]

    async def box_contents(self, poll_id: int, round_no: int) -> tuple[list[bytes], list[str]]:
        """What the round's box holds: sealed ballots, and plain ones cast before boxes existed."""
        rows = await self.fetchall(
            "SELECT sealed, body FROM poll_ballots WHERE poll_id = ? AND round = ? ORDER BY id",
            (poll_id, round_no),
        )
        sealed = [bytes(r[0]) for r in rows if r[0] is not None]
        return sealed, [str(r[1]) for r in rows if r[1] is not None]

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

    # ---- the counting committee --------------------------------------------------------

    async def named_committee(self, poll_id: int) -> list[int]:
        """Units the chair named to the counting committee, in order."""
        rows = await self.fetchall(
            "SELECT unit_id FROM poll_committee WHERE poll_id = ? ORDER BY position", (poll_id,)
        )
        return [int(r[0]) for r in rows]

    async def name_committee(self, poll_id: int, units: Sequence[int]) -> None:
        """Replace the units the chair named to the counting committee."""
        await self.execute("DELETE FROM poll_committee WHERE poll_id = ?", (poll_id,))
        for position, unit in enumerate(units, 1):
            await self.execute(
                "INSERT INTO poll_committee(poll_id, position, unit_id) VALUES (?, ?, ?)",
                (poll_id, position, unit),
            )

    # ---- counts ------------------------------------------------------------------------

    async def counts(self, poll_id: int) -> dict[int, CountRow]:
        """The counted rounds of a poll."""
        rows = await self.fetchall(
            "SELECT round, returned, valid, invalid, withheld, counted_at FROM poll_counts "
            "WHERE poll_id = ? ORDER BY round",
            (poll_id,),
        )
        return {
            int(r[0]): CountRow(
                int(r[0]),
                int(r[1]),
                int(r[2]),
                int(r[3]),
                typecast(Withheld | None, r[4]),
                from_db(str(r[5])),
            )
            for r in rows
        }

    async def record_count(
        self,
        poll_id: int,
        round_no: int,
        opened: Sequence[str],
        *,
        returned: int,
        valid: int,
        invalid: int,
        withheld: Withheld | None = None,
        opened_by: Sequence[int] = (),
    ) -> None:
        """Count a round in one go: its ballots replaced by the opened ones (none if withheld),
        the count recorded, the box's keys deleted. The caller's transaction holds it together.

        The opened ballots get fresh random keys and go in in the order of those keys, so
        neither their keys, their order on the page nor the order they reach the WAL say
        anything about the sealed ballots they came from.
        """
        await self.conn.execute("PRAGMA secure_delete = ON")  # deleted cells are zeroed
        await self.execute("DELETE FROM poll_ballots WHERE poll_id = ? AND round = ?", (poll_id, round_no))
        keyed = sorted((secrets.token_hex(16), body) for body in opened)
        for key, body in keyed:
            await self.execute(
                "INSERT INTO poll_ballots(poll_id, round, id, body) VALUES (?, ?, ?, ?)",
                Sealed((poll_id, round_no, key, body)),
            )
        await self.execute(
            "INSERT INTO poll_counts(poll_id, round, returned, valid, invalid, withheld, counted_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (poll_id, round_no, returned, valid, invalid, withheld, to_db(self.clock.now())),
        )
        for share in opened_by:
            await self.execute(
                "UPDATE poll_box_holders SET opened = 1 WHERE poll_id = ? AND round = ? AND share = ?",
                (poll_id, round_no, share),
            )
        await self.execute("DELETE FROM poll_boxes WHERE poll_id = ? AND round = ?", (poll_id, round_no))

    async def rerun(self, poll: Poll, by: int, deadline: datetime | None) -> None:
        """Vote the closed, uncounted round again: its ballots destroyed unopened, its turnout,
        box and holders dropped, the round opened anew (a new box is stored by the caller)."""
        await self.conn.execute("PRAGMA secure_delete = ON")
        for table in ("poll_ballots", "poll_turnout", "poll_boxes", "poll_box_holders", "poll_counts"):
            await self.execute(f"DELETE FROM {table} WHERE poll_id = ? AND round = ?", (poll.id, poll.round))
        await self.execute(
            "UPDATE poll_rounds SET opened_at = ?, opened_by = ?, closed_at = NULL, closed_by = NULL "
            "WHERE poll_id = ? AND round = ?",
            (to_db(self.clock.now()), by, poll.id, poll.round),
        )
        await self.execute(
            "UPDATE polls SET status = 'open', deadline = ?, card_message_id = NULL WHERE id = ?",
            (to_db(deadline) if deadline else None, poll.id),
        )

    # ---- ballot pages ------------------------------------------------------------------

    async def ballot_pages(self, slot: str) -> list[tuple[int, int, int | None]]:
        """(chat, person, message) of every ballot page still out for a round (its
        conversations rows, bot/polls/cases/drafts.py), to take their ticks and buttons off."""
        rows = await self.fetchall(
            "SELECT chat_id, person_id, message_id FROM conversations WHERE slot = ?", (slot,)
        )
        return [(int(r[0]), int(r[1]), None if r[2] is None else int(r[2])) for r in rows]

    async def ballot_links(self, slot: str) -> list[tuple[int, list[int]]]:
        """(chat, messages) of every message still offering a round's ballot by a button (a
        reminder, a list of ballots waiting: handlers/polls/links.py), to take the buttons off."""
        rows = await self.fetchall("SELECT chat_id, payload FROM conversations WHERE slot = ?", (slot,))
        found = []
        for chat_id, payload in rows:
            messages = json.loads(payload).get("m", [])
            found.append((int(chat_id), [int(m) for m in messages if isinstance(m, int)]))
        return found

    async def drop_ballot_pages(self, slot: str) -> int:
        """Forget every ballot draft of a round (it closed)."""
        return await self.execute("DELETE FROM conversations WHERE slot = ?", (slot,))


@dataclass(frozen=True)
class CountRow:
    """A counted round: ballots returned, valid, invalid; withheld: not valid, not published."""

    round: int
    returned: int
    valid: int
    invalid: int
    withheld: Withheld | None
    counted_at: datetime


@dataclass(frozen=True)
class Holder:
    """A counting committee member: the share they hold, for which unit, the code's message."""

    share: int
    person_id: int
    unit_id: int
    message_id: int | None = None
    opened: bool = False


@dataclass(frozen=True)
class BoxRow:
    """A round's ballot box as stored, with when its holders were last asked to open it."""

    poll_id: int
    round: int
    box: SealedBox
    asked_at: datetime | None
    reached: int | None
    asked_in: str | None  # the run of the bot that asked (bot restarted since: ask again)


_BOX = "poll_id, round, box_id, public_key, wrapped_key, k, n, asked_at, reached, asked_in"


def _box(row: sqlite3.Row) -> BoxRow:
    box = SealedBox(str(row[2]), bytes(row[3]), bytes(row[4]), int(row[5]), int(row[6]))
    asked = from_db(str(row[7])) if row[7] else None
    reached = None if row[8] is None else int(row[8])
    return BoxRow(int(row[0]), int(row[1]), box, asked, reached, None if row[9] is None else str(row[9]))


class BoxRepo(Repository):
    """The ballot boxes of poll rounds and their holders (the keys, never a share)."""

    async def store(self, poll_id: int, round_no: int, box: SealedBox, holders: Sequence[Holder]) -> None:
        """Put a fresh box on a round (replacing one that holds no ballot yet) and its holders."""
        await self.execute("DELETE FROM poll_boxes WHERE poll_id = ? AND round = ?", (poll_id, round_no))
        await self.execute(
            "DELETE FROM poll_box_holders WHERE poll_id = ? AND round = ?", (poll_id, round_no)
        )
        await self.execute(
            "INSERT INTO poll_boxes(poll_id, round, box_id, public_key, wrapped_key, k, n) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (poll_id, round_no, box.box_id, box.public_key, box.wrapped_private_key, box.k, box.n),
        )
        for holder in holders:
            await self.execute(
                "INSERT INTO poll_box_holders(poll_id, round, share, person_id, unit_id, message_id) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (poll_id, round_no, holder.share, holder.person_id, holder.unit_id, holder.message_id),
            )

    async def get(self, poll_id: int, round_no: int) -> BoxRow | None:
        """The round's box, if it is still closed."""
        row = await self.fetchone(
            f"SELECT {_BOX} FROM poll_boxes WHERE poll_id = ? AND round = ?", (poll_id, round_no)
        )
        return None if row is None else _box(row)

    async def by_id(self, box_id: str) -> BoxRow | None:
        """The box a share code names (box ids are unique among the boxes not yet opened)."""
        row = await self.fetchone(f"SELECT {_BOX} FROM poll_boxes WHERE box_id = ?", (box_id,))
        return None if row is None else _box(row)

    async def of_poll(self, poll_id: int) -> dict[int, BoxRow]:
        """A poll's boxes not yet opened, per round."""
        rows = await self.fetchall(f"SELECT {_BOX} FROM poll_boxes WHERE poll_id = ?", (poll_id,))
        return {int(r[1]): _box(r) for r in rows}

    async def live_ids(self) -> set[str]:
        """Ids of every box not yet opened (a new box avoids them)."""
        return {str(r[0]) for r in await self.fetchall("SELECT box_id FROM poll_boxes")}

    async def waiting(self) -> list[tuple[int, int]]:
        """(poll, round) of every box whose round has closed: waiting for the committee."""
        rows = await self.fetchall(
            "SELECT b.poll_id, b.round FROM poll_boxes b JOIN poll_rounds r "
            "ON r.poll_id = b.poll_id AND r.round = b.round WHERE r.closed_at IS NOT NULL "
            "ORDER BY b.poll_id, b.round"
        )
        return [(int(r[0]), int(r[1])) for r in rows]

    async def holders(self, poll_id: int, round_no: int) -> list[Holder]:
        """The round's counting committee, by share."""
        rows = await self.fetchall(
            "SELECT share, person_id, unit_id, message_id, opened FROM poll_box_holders "
            "WHERE poll_id = ? AND round = ? ORDER BY share",
            (poll_id, round_no),
        )
        return [
            Holder(int(r[0]), int(r[1]), int(r[2]), None if r[3] is None else int(r[3]), bool(r[4]))
            for r in rows
        ]

    async def holders_of_poll(self, poll_id: int) -> dict[int, list[Holder]]:
        """Every round's counting committee, by share (one statement)."""
        rows = await self.fetchall(
            "SELECT round, share, person_id, unit_id, message_id, opened FROM poll_box_holders "
            "WHERE poll_id = ? ORDER BY round, share",
            (poll_id,),
        )
        found: dict[int, list[Holder]] = {}
        for r in rows:
            found.setdefault(int(r[0]), []).append(
                Holder(int(r[1]), int(r[2]), int(r[3]), None if r[4] is None else int(r[4]), bool(r[5]))
            )
        return found

    async def holder_names(self, poll_id: int) -> dict[int, str]:
        """The full names of the poll's committee members (one statement)."""
        rows = await self.fetchall(
            "SELECT p.user_id, p.full_name FROM people p WHERE p.user_id IN "
            "(SELECT person_id FROM poll_box_holders WHERE poll_id = ?)",
            (poll_id,),
        )
        return {int(r[0]): str(r[1]) for r in rows}

    async def asked(self, poll_id: int, round_no: int, reached: int, run: str) -> None:
        """Note that the holders were asked to open the box now, by which run, and how many it reached."""
        await self.execute(
            "UPDATE poll_boxes SET asked_at = ?, reached = ?, asked_in = ? WHERE poll_id = ? AND round = ?",
            (to_db(self.clock.now()), reached, run, poll_id, round_no),
        )

    async def holds_ballots(self, poll_id: int, round_no: int) -> bool:
        """Whether a ballot was cast into the round yet (a box can be replaced until then)."""
        row = await self.fetchone(
            "SELECT 1 FROM poll_turnout WHERE poll_id = ? AND round = ? LIMIT 1", (poll_id, round_no)
        )
        return row is not None


def _compact(path: Path) -> tuple[int, int, int]:
    conn = sqlite3.connect(path, isolation_level=None, timeout=10)
    try:
        conn.execute("PRAGMA secure_delete = ON")
        conn.execute("PRAGMA temp_store = MEMORY")  # VACUUM's copy stays out of temp files
        conn.execute("VACUUM")
        # A long-lived reader keeps the WAL from emptying: do not wait for it (holding off
        # every write meanwhile); nothing depends on the WAL being empty.
        conn.execute("PRAGMA busy_timeout = 100")
        row = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        return int(row[0]), int(row[1]), int(row[2])
    finally:
        conn.close()


async def compact(path: Path) -> bool:
    """After a count: rebuild the file and empty the WAL, once (not per ballot).

    Nothing depends on it for secrecy (what it drops is sealed ballots and the deleted box's
    keys, which no one can use without the shares); it returns the space and leaves no old
    page behind. Run outside any transaction. False if a reader kept the WAL from emptying.
    """
    try:
        busy, _, _ = await asyncio.to_thread(_compact, path)
    except sqlite3.Error as exc:
        log.warning("could not compact the database after a count: %s", type(exc).__name__)
        return False
    return not busy
