"""The benchmark's world: 50 blocs of 10 units in 50 groups, 500 people each linked to a unit.

The roster is written straight into the database through the repositories (it is not what is
measured); what needs the bot's own messages (a meeting's card, a poll's ballots, a form's
card) is set up through the chat, against the running bot process.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from contextlib import closing
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.core.clock import SystemClock
from bot.emulators.telegram import BotApiEmulator
from storage.db import Database

GROUPS = 50
UNITS = 10  # per bloc; one person per unit, so 500 people
TZ = ZoneInfo("Asia/Ho_Chi_Minh")
POLL_CATEGORIES = (("Cờ thi đua của UBND tỉnh", 1), ("Bằng khen của Chủ tịch UBND tỉnh", 2))
FORM_ANSWERS = ("12", "Ông Nguyễn Văn An, Phó Giám đốc", "Không có ý kiến thêm")


def chat_of(group: int) -> int:
    """The group chat id of bloc number `group` (0-based)."""
    return -100500 - group


def person(group: int, k: int) -> int:
    """The user id of the k-th person of a group; person k represents unit k, person 0 set it up."""
    return 1000 + group * UNITS + k


def add_people(emu: BotApiEmulator, groups: int = GROUPS) -> None:
    """The groups and their people in the emulator (everyone has started the bot)."""
    for group in range(groups):
        emu.add_group(chat_of(group), f"Khối thi đua số {group + 1}")
        for k in range(UNITS):
            emu.add_user(person(group, k), f"Người {group}-{k}", started=True)
            emu.set_member(chat_of(group), person(group, k), "administrator" if k == 0 else "member")


async def seed_roster(path: Path, groups: int = GROUPS) -> None:
    """Blocs, units and their linked representatives, through the repositories."""
    async with Database(path, SystemClock()) as db, db.transaction() as uow:
        for group in range(groups):
            bloc = await uow.blocs.create(
                chat_of(group), f"Khối thi đua số {group + 1}", "vi", "Asia/Ho_Chi_Minh", person(group, 0)
            )
            for k in range(UNITS):
                unit = await uow.units.add(bloc.id, f"Sở {k + 1} tỉnh {group + 1}")
                await uow.people.upsert(person(group, k), f"Người {group}-{k}", None)
                await uow.people.mark_started(person(group, k))
                await uow.units.link(bloc.id, unit.id, person(group, k))


@dataclass
class Features:
    """Where each bloc's meeting card, poll and form are, once set up."""

    event: dict[int, int] = field(default_factory=dict)  # group -> event id
    card: dict[int, int] = field(default_factory=dict)  # group -> card message id
    poll: dict[int, int] = field(default_factory=dict)  # group -> poll id
    form: dict[int, int] = field(default_factory=dict)  # group -> form id
    ballot: dict[int, int] = field(default_factory=dict)  # person -> ballot message id


def _when(days: int, hour: int) -> str:
    day = (datetime.now(TZ) + timedelta(days=days)).date()
    return f"{hour}h00 {day.day}/{day.month}/{day.year}"


def _rows(path: Path, sql: str) -> list[tuple[int, ...]]:
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
        return [tuple(int(v) for v in row) for row in conn.execute(sql)]


async def _wait_rows(path: Path, sql: str, count: int, what: str) -> list[tuple[int, ...]]:
    deadline = time.monotonic() + 120
    while True:
        rows = _rows(path, sql)
        if len(rows) >= count:
            return rows
        if time.monotonic() > deadline:
            raise RuntimeError(f"setup: {what}: {len(rows)} of {count}")
        await asyncio.sleep(0.05)


async def setup_features(emu: BotApiEmulator, path: Path, groups: int = GROUPS) -> Features:
    """Through the chat: a meeting (its RSVP card), an open poll (ballots) and a form per bloc."""
    found = Features()
    cats = "\n".join(f"{name} | {quota}" for name, quota in POLL_CATEGORIES)
    for group in range(groups):
        admin, chat = person(group, 0), chat_of(group)
        emu.post_message(
            admin, chat, f"/meeting {_when(30, 8)} | Hội nghị sơ kết 6 tháng đầu năm | Hội trường UBND tỉnh"
        )
        emu.post_message(admin, chat, f"/poll Bình xét thi đua năm {datetime.now(TZ).year}\n{cats}")
        emu.post_message(
            admin,
            chat,
            f"/form custom Báo cáo số liệu thi đua | 17h00 "
            f"{_when(60, 17).split(' ')[1]}\nSố cán bộ tham gia | number\n"
            "Người phụ trách | text\nGhi chú | text",
        )
    ours = f"b.chat_id BETWEEN {chat_of(groups - 1)} AND {chat_of(0)}"  # not other blocs' data
    events = await _wait_rows(
        path,
        "SELECT b.chat_id, e.id, e.card_message_id FROM events e "
        f"JOIN blocs b ON b.id = e.bloc_id WHERE e.card_message_id IS NOT NULL AND {ours}",
        groups,
        "meeting cards",
    )
    polls = await _wait_rows(
        path,
        f"SELECT b.chat_id, p.id FROM polls p JOIN blocs b ON b.id = p.bloc_id WHERE {ours}",
        groups,
        "polls",
    )
    forms = await _wait_rows(
        path,
        "SELECT b.chat_id, f.id FROM forms f JOIN blocs b "
        f"ON b.id = f.bloc_id WHERE f.card_message_id IS NOT NULL AND {ours}",
        groups,
        "forms",
    )
    group_of = {chat_of(g): g for g in range(groups)}
    for chat, event, card in events:
        found.event[group_of[chat]], found.card[group_of[chat]] = event, card
    found.poll = {group_of[chat]: poll for chat, poll in polls}
    found.form = {group_of[chat]: form for chat, form in forms}
    for group, poll in found.poll.items():
        emu.post_message(person(group, 0), chat_of(group), f"/poll {poll} open")
    voters = [person(g, k) for g in range(groups) for k in range(UNITS)]

    def ballots_out() -> bool:
        return all((m := emu.last(v)) is not None and (m.text or "").startswith("🗳") for v in voters)

    await emu.wait_until(ballots_out, timeout=120, what="ballots delivered")
    for voter in voters:
        message = emu.last(voter)
        assert message is not None
        found.ballot[voter] = message.message_id
    return found
