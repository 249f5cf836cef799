"""Shared fixtures: a running bot on the emulator, with the people of seed 004."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.demo.roster import UNITS
from tests.harness import BotHarness

os.environ.setdefault("MPLBACKEND", "Agg")
# PTB 22 warns on RetryAfter.retry_after unless timedelta mode is on; warnings are errors here.
os.environ.setdefault("PTB_TIMEDELTA", "true")

GROUP = -1001000000003
CHAIR, VICE, MEMBER, OUTSIDER = 101, 102, 103, 104

SEED_UNITS = UNITS  # Khối thi đua số 3 of seed 004, the demo's bloc


@pytest.fixture
async def bot(tmp_path: Path):
    """A running bot with a group and four people (only CHAIR is a Telegram group admin)."""
    async with BotHarness(tmp_path) as harness:
        harness.person(CHAIR, "Đỗ Quang Thấm")
        harness.person(VICE, "Đỗ Đức Hà")
        harness.person(MEMBER, "Nguyễn Thị Lan")
        harness.person(OUTSIDER, "Trần Văn Minh")
        harness.group(GROUP, "Khối thi đua số 3", admins=[CHAIR], members=[VICE, MEMBER, OUTSIDER])
        yield harness


@pytest.fixture
async def bloc(bot: BotHarness) -> BotHarness:
    """The bot with 'Khối thi đua số 3' set up by CHAIR and its eight units added."""
    await bot.send(CHAIR, GROUP, "/setup Khối thi đua số 3")
    await bot.send(CHAIR, GROUP, "/units add\n" + "\n".join(SEED_UNITS))
    return bot
