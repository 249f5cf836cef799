"""The operator attacks the secret ballot, with everything an operator has, and links no unit.

While a poll of 8 units is voted (each unit a different ballot, one by buttons, seven by
text) the "operator" holds a reader open on the database from before the poll opens to after
the count (so the WAL is never emptied and keeps every page version), copies the database
files (db and -wal, as `cp` would) after every ballot, and runs online backups in a loop the
whole time (each racing whatever commit is going on). Then every copy and every committed
state rebuilt from the WAL's frames is searched for links between a unit and its ballot:

- diffs: any two states whose turnout differs by one unit while their readable ballots differ
  by one ballot link that unit to it (two backups around one unit's vote);
- WAL frames: the WAL is walked commit by commit, each committed state rebuilt and diffed;
- page order: where readable ballots lie on their page, if not explained by their random
  keys, gives the order they came in, matched to the order units voted;
- row order and timestamps: no rowid and no time on a ballot row.

Before the count nothing readable exists anywhere (the ballots are sealed); after it, the opened
ballots appear all at once, in key order. 0 units are linked before and after the count, and
the same attack run against ballots stored unsealed links every unit (the positive control:
the attack is able to link when there is something to link).
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import nacl.bindings
import nacl.exceptions
import pytest

from bot.polls.ballots import decode_ballot, encode_ballot, unpack_ballot
from bot.polls.box import SEALED_SIZE
from bot.polls.cases import voting
from bot.polls.tally import Ballot, Category
from tests.conftest import CHAIR, GROUP
from tests.harness import BotHarness
from tests.test_polls_e2e import (
    AWARD_POLL,
    VOTERS,
    close_poll,
    committee_opens,
    link_voters,
    vote_by_text,
    vote_with_buttons,
)

BUTTONS = [[1], [1, 2], [1, 2, 3]]  # unit #1 votes with the buttons, for itself and the next ones


def vote(i: int) -> str:
    """Unit #i's ballot by text: itself in category 1, then the next units: no two alike."""
    a, b, c = i, i % 8 + 1, (i + 1) % 8 + 1
    return f"1: {a}; 2: {a}, {b}; 3: {a}, {b}, {c}"


def truth(i: int) -> Ballot:
    """What unit #i voted (candidate numbers are unit ids in the test bloc)."""
    if i == 1:
        picks = BUTTONS
    else:
        a, b, c = i, i % 8 + 1, (i + 1) % 8 + 1
        picks = [[a], [a, b], [a, b, c]]
    return Ballot(choices={n: tuple(sorted(p)) for n, p in enumerate(picks)})


def same(a: Ballot, b: Ballot) -> bool:
    """Two ballots say the same (order of ticks aside)."""
    norm = lambda x: {i: tuple(sorted(p)) for i, p in x.choices.items() if p}  # noqa: E731
    return norm(a) == norm(b) and dict(a.confirms) == dict(b.confirms)


# ---- what the operator reads ---------------------------------------------------------------


@dataclass(frozen=True)
class State:
    """One committed state of the database, as some copy shows it."""

    source: str
    turnout: frozenset[int]
    readable: tuple[Ballot, ...]  # ballots that can be read without the box's key
    sealed: tuple[bytes, ...]
    image: bytes = field(repr=False)  # the file's pages as committed (page order)
    keyed: tuple[tuple[str, bytes, Ballot], ...] = field(repr=False, default=())  # readable, stored


def _categories(conn: sqlite3.Connection) -> list[Category]:
    cats = []
    for idx, kind, quota in conn.execute("SELECT idx, kind, quota FROM poll_categories WHERE poll_id = 1"):
        units = tuple(
            int(r[0])
            for r in conn.execute(
                "SELECT unit_id FROM poll_candidates WHERE poll_id = 1 AND round = 1 AND idx = ? "
                "ORDER BY position",
                (idx,),
            )
        )
        cats.append(Category(int(idx), "", int(quota), units, kind))
    return cats


def unsealed(blob: bytes, cats: list[Category]) -> Ballot | None:
    """The ballot in a stored blob if it is readable without a key (it never is when sealed)."""
    try:
        return unpack_ballot(nacl.bindings.sodium_unpad(blob[48:], 512), cats)
    except (ValueError, nacl.exceptions.CryptoError):
        return None


def read_state(source: str, files: dict[str, bytes]) -> State | None:
    """Open a copy (db, and -wal if any) as the operator would, and read what it holds."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "copy.sqlite3"
        path.write_bytes(files["db"])
        if files.get("wal"):
            Path(f"{path}-wal").write_bytes(files["wal"])
        conn = sqlite3.connect(path)
        try:
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if "poll_ballots" not in tables or "poll_categories" not in tables:
                return None
            if "sealed" not in {r[1] for r in conn.execute("PRAGMA table_info(poll_ballots)")}:
                return None  # before the ballot box's migration: no poll yet
            cats = _categories(conn)
            turnout = frozenset(
                int(r[0])
                for r in conn.execute("SELECT unit_id FROM poll_turnout WHERE poll_id = 1 AND round = 1")
            )
            readable: list[Ballot] = []
            sealed: list[bytes] = []
            keyed: list[tuple[str, bytes, Ballot]] = []
            for key, blob, body in conn.execute(
                "SELECT id, sealed, body FROM poll_ballots WHERE poll_id = 1"
            ):
                if body is not None:
                    readable.append(decode_ballot(str(body)))
                    keyed.append((str(key), str(body).encode(), readable[-1]))
                    continue
                sealed.append(bytes(blob))
                found = unsealed(bytes(blob), cats)
                if found is not None:
                    readable.append(found)
                    keyed.append((str(key), bytes(blob), found))
            image = path.read_bytes()
        finally:
            conn.close()
    if files.get("wal"):  # the pages as committed last: the main file with the WAL's frames over it
        image = ([*wal_states(files["db"], files["wal"])] or [{"db": image}])[-1]["db"]
    return State(source, turnout, tuple(readable), tuple(sealed), image, tuple(keyed))


def wal_states(db: bytes, wal: bytes) -> Iterator[dict[str, bytes]]:
    """Every committed state the WAL holds, rebuilt frame by frame over the main file."""
    if len(wal) < 32:
        return
    page_size = int.from_bytes(wal[8:12], "big")
    salt = wal[16:24]
    pages: dict[int, bytes] = {}
    at = 32
    while at + 24 + page_size <= len(wal):
        header = wal[at : at + 24]
        if header[8:16] != salt:
            break  # frames of an older generation of the WAL
        number, size = int.from_bytes(header[0:4], "big"), int.from_bytes(header[4:8], "big")
        pages[number] = wal[at + 24 : at + 24 + page_size]
        at += 24 + page_size
        if size:  # a commit frame: the database as it was committed
            image = bytearray()
            for n in range(1, size + 1):
                image += pages.get(n) or db[(n - 1) * page_size : n * page_size].ljust(page_size, b"\0")
            image[18:20] = b"\x01\x01"  # read it as a rollback-journal file: no WAL needed
            yield {"db": bytes(image)}


# ---- the attacks ---------------------------------------------------------------------------


def diff_links(states: list[State]) -> dict[int, Ballot]:
    """Any two states one unit and one readable ballot apart link that unit to that ballot."""
    links: dict[int, Ballot] = {}
    by_turnout: dict[frozenset[int], list[State]] = {}
    for state in states:
        by_turnout.setdefault(state.turnout, []).append(state)
    for after in states:
        for unit in after.turnout:
            for before in by_turnout.get(after.turnout - {unit}, []):
                new = [b for b in after.readable if not any(same(b, o) for o in before.readable)]
                if len(new) == 1:
                    links[unit] = new[0]
    return links


def page_order_links(states: list[State], voting_order: list[int]) -> dict[int, Ballot]:
    """Readable ballots in the order they lie on the page (cells fill a page from its end), if
    that is not simply the order of their keys, matched to the order the units voted."""
    links: dict[int, Ballot] = {}
    for state in states:
        placed = sorted(
            ((state.image.rfind(stored), key, ballot) for key, stored, ballot in state.keyed), reverse=True
        )
        placed = [p for p in placed if p[0] > 0]
        if len(placed) < 2:
            continue
        arrival = [key for _at, key, _b in placed]
        if arrival == sorted(arrival):
            continue  # laid out in key order: the page says nothing of who came first
        for unit, (_at, _key, ballot) in zip(voting_order, placed, strict=False):
            links[unit] = ballot
    return links


def correct(links: dict[int, Ballot]) -> set[int]:
    """The units whose link is right."""
    return {u for u, b in links.items() if same(b, truth(u))}


# ---- the operator at work ------------------------------------------------------------------


class Operator:
    """A reader held open, copies after each ballot, backups in a loop."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.copies: list[tuple[str, dict[str, bytes]]] = []
        self.backups: dict[bytes, tuple[bool, bytes]] = {}  # hash -> (taken while sealed, data)
        self.sealed_phase = True
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._backups, daemon=True)
        self.reader = sqlite3.connect(path, check_same_thread=False)
        self.base = b""

    def start(self) -> None:
        """Open the long read transaction (the WAL can no longer be emptied), start the backups."""
        self.reader.execute("BEGIN")
        self.reader.execute("SELECT count(*) FROM polls").fetchone()
        self.base = self.path.read_bytes()
        self._thread.start()

    def copy(self, label: str) -> None:
        """The files as `cp` copies them, now."""
        wal = Path(f"{self.path}-wal")
        self.copies.append(
            (label, {"db": self.path.read_bytes(), "wal": wal.read_bytes() if wal.exists() else b""})
        )

    def _backups(self) -> None:
        while not self._stop.is_set():
            sealed_phase = self.sealed_phase
            source = sqlite3.connect(self.path, timeout=10)
            target = sqlite3.connect(":memory:")
            try:
                source.backup(target)
                data = target.serialize()
            except sqlite3.Error:
                continue
            finally:
                source.close()
                target.close()
            self.backups.setdefault(hashlib.sha256(data).digest(), (sealed_phase and self.sealed_phase, data))
            self._stop.wait(0.002)

    def stop(self) -> bytes:
        """Stop the backups, copy the WAL the reader kept, close the reader."""
        self._stop.set()
        self._thread.join(timeout=20)
        wal = Path(f"{self.path}-wal").read_bytes()
        self.reader.rollback()
        self.reader.close()
        return wal

    def states(self, wal: bytes) -> list[State]:
        """Every state the operator can read: the copies, the backups, the WAL's commits."""
        found = [read_state(label, files) for label, files in self.copies]
        found += [read_state("backup", {"db": data}) for _sealed, data in self.backups.values()]
        found += [read_state(f"wal commit {n}", files) for n, files in enumerate(wal_states(self.base, wal))]
        return [s for s in found if s is not None]


async def play(h: BotHarness, operator: Operator, *, count: bool) -> tuple[list[State], list[int]]:
    """The poll voted (and counted) under the operator's eyes; every state read, and the order
    the units voted in."""
    await link_voters(h)
    await h.send(CHAIR, GROUP, AWARD_POLL)
    operator.start()
    await h.send(CHAIR, GROUP, "/poll 1 open")
    operator.copy("opened")
    order = [1, 5, 2, 8, 3, 7, 4, 6]
    for unit in order:
        if unit == 1:
            await vote_with_buttons(h, VOTERS[0], BUTTONS)
        else:
            await vote_by_text(h, VOTERS[unit - 1], f"1 {vote(unit)}")
        operator.copy(f"after unit {unit}")
    await close_poll(h, 1)
    operator.copy("closed")
    if count:
        operator.sealed_phase = False
        await committee_opens(h, 1)
        operator.copy("counted")
    wal = operator.stop()
    return operator.states(wal), order


async def test_the_operator_links_no_unit_before_or_after_the_count(bloc: BotHarness) -> None:
    h = bloc
    assert h.config is not None
    operator = Operator(h.config.database_path)
    everything, order = await play(h, operator, count=True)

    # Every link tried: none, through each channel and through all of them together.
    wal = [s for s in everything if s.source.startswith("wal")]
    assert correct(diff_links(wal)) == set()
    assert correct(diff_links(everything)) == set()
    assert correct(page_order_links(everything, order)) == set()

    # The attack had everything: a state after every ballot, the WAL's whole history.
    assert {len(s.turnout) for s in everything} >= set(range(9))
    assert sum(s.source.startswith("wal commit") for s in everything) > 8
    assert operator.backups

    # Before the count nothing is readable anywhere: not in a row, not in a file's bytes.
    sealed_phase = [s for s in everything if not s.readable]
    assert correct(diff_links(sealed_phase)) == set()
    assert {len(s.turnout) for s in sealed_phase} >= set(range(9))
    for state in sealed_phase:
        assert all(len(blob) == SEALED_SIZE for blob in state.sealed)
        assert len(state.sealed) == len(state.turnout)
    for _label, files in operator.copies[:-1]:
        assert b'{"c":' not in files["db"] + files["wal"]
    assert all(b'{"c":' not in data for sealed, data in operator.backups.values() if sealed)

    # After it, the opened ballots appear all at once, with no turnout change beside them.
    counted = [s for s in everything if s.readable]
    assert counted and all(s.turnout == frozenset(range(1, 9)) for s in counted)
    assert all(len(s.readable) == 8 for s in counted)
    assert all(any(same(b, truth(u)) for b in counted[-1].readable) for u in range(1, 9))

    with sqlite3.connect(h.config.database_path) as conn:
        with pytest.raises(sqlite3.OperationalError):
            conn.execute("SELECT rowid FROM poll_ballots").fetchall()
        columns = [r[1] for r in conn.execute("PRAGMA table_info(poll_ballots)")]
    assert columns == ["poll_id", "round", "id", "sealed", "body"]  # no time, no unit, no order


async def test_the_same_attack_links_every_unit_when_ballots_are_not_sealed(
    bloc: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The positive control: ballots stored padded but not sealed, the attack links them all."""

    def unsealed_storage(_public_key: bytes, ballot: bytes) -> bytes:
        return bytes(48) + nacl.bindings.sodium_pad(ballot, 512)

    monkeypatch.setattr(voting, "seal", unsealed_storage)
    h = bloc
    assert h.config is not None
    operator = Operator(h.config.database_path)
    everything, order = await play(h, operator, count=False)
    everyone = set(range(1, 9))
    assert correct(diff_links(everything)) == everyone
    assert correct(diff_links([s for s in everything if s.source.startswith("wal")])) == everyone
    assert correct(diff_links([s for s in everything if s.source == "backup"])) >= everyone - {order[0]}


def test_the_page_order_attack_reads_a_page_filled_in_voting_order(tmp_path: Path) -> None:
    """The page-order attack's own control: plain ballots inserted one by one, in voting order,
    under random keys (as before the ballot box), are matched to their units by where they lie."""
    path = tmp_path / "plain.sqlite3"
    conn = sqlite3.connect(path)
    conn.executescript(
        "CREATE TABLE poll_categories(poll_id, idx, kind, quota);"
        "CREATE TABLE poll_candidates(poll_id, round, idx, position, unit_id);"
        "CREATE TABLE poll_turnout(poll_id, round, unit_id);"
        "CREATE TABLE poll_ballots(poll_id, round, id TEXT, sealed BLOB, body TEXT, "
        "PRIMARY KEY (poll_id, round, id)) WITHOUT ROWID;"
    )
    for idx, quota in enumerate((1, 2, 3)):
        conn.execute("INSERT INTO poll_categories VALUES (1, ?, 'pick', ?)", (idx, quota))
        for n in range(1, 9):
            conn.execute("INSERT INTO poll_candidates VALUES (1, 1, ?, ?, ?)", (idx, n, n))
    order = [1, 5, 2, 8, 3, 7, 4, 6]
    for unit in order:
        body = encode_ballot(truth(unit))
        conn.execute("INSERT INTO poll_turnout VALUES (1, 1, ?)", (unit,))
        conn.execute("INSERT INTO poll_ballots VALUES (1, 1, ?, NULL, ?)", (secrets.token_hex(16), body))
        conn.commit()
    conn.close()
    state = read_state("plain", {"db": path.read_bytes()})
    assert state is not None
    assert correct(page_order_links([state], order)) == set(order)
