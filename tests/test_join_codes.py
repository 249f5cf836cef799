"""Typed join codes: read as people type them; issued by /moi on every channel (with the link on
Telegram); every bad input answered; wrong codes limited per person, across a restart. End to
end through the Zalo emulators (the bloc's group on the OA, representatives on the Zalo Bot
Platform), the console and the Telegram emulator, on a real SQLite file with a fake clock."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from pathlib import Path

import pytest

from bot.app import run_console
from bot.cli import console_config
from bot.core.clock import FakeClock
from bot.roster.joincodes import ALPHABET, MAX_WRONG, WINDOW, Attempts, new_code, read_code, shown
from tests.conftest import CHAIR, GROUP, MEMBER, OUTSIDER, SEED_UNITS, VICE
from tests.harness import BOT_USERNAME, START, BotHarness
from tests.zalo_harness import ZaloHarness

CODE = re.compile(r"/thamgia ([0-9A-Z]{4}-[0-9A-Z]{4})")
OA_GROUP, OA_CHAIR = "g-khoi-3", "u-9000"
REPS = [f"z-{7001 + i}" for i in range(4)]  # on the Zalo Bot Platform


# reading a code --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    ["K7QX-M2PD", "k7qx-m2pd", "K7QXM2PD", "k7qx m2pd", " K7QX – M2PD ", "K7QX.M2PD", "Ｋ７ＱＸ-Ｍ２ＰＤ"],
)
def test_a_code_is_read_whatever_the_case_dash_or_spaces(typed: str) -> None:
    assert read_code(typed) == "K7QXM2PD"


def test_letters_taken_for_digits_read_as_the_digits() -> None:
    assert read_code("AO1I-L0BC") == read_code("a011-10bc") == "A0111" + "0BC"


@pytest.mark.parametrize("typed", ["", "K7QX-M2P", "K7QX-M2PDX", "K7QU-M2PD", "K7QX-M2P#", "Đ7QX-M2PD", "12"])
def test_what_cannot_be_a_code_is_not_read(typed: str) -> None:
    assert read_code(typed) is None


def test_new_codes_are_8_characters_of_the_alphabet_and_differ() -> None:
    codes = {new_code() for _ in range(2000)}
    assert len(codes) == 2000
    assert all(len(c) == 8 and set(c) <= set(ALPHABET) and read_code(shown(c)) == c for c in codes)
    assert shown("K7QXM2PD") == "K7QX-M2PD"


def test_the_wait_ends_when_the_oldest_counted_attempt_leaves_the_window() -> None:
    times = tuple(START + timedelta(minutes=m) for m in (0, 10, 20, 30, 40))
    assert not Attempts(times[:4]).blocked and Attempts(times[:4]).left == 1
    assert Attempts(times).blocked and Attempts(times).free_at() == START + WINDOW
    assert MAX_WRONG == 5


# Zalo: the group on the OA, the representatives on the Bot Platform ---------------------


async def zalo_bloc(z: ZaloHarness) -> list[str]:
    """The chair sets the bloc up in the OA group and asks for the codes; returns them."""
    await z.oa_say(OA_CHAIR, "/start")
    await z.group_say(OA_GROUP, OA_CHAIR, "/taokhoi Khối thi đua số 3")
    await z.group_say(OA_GROUP, OA_CHAIR, "/donvi them\n" + "\n".join(SEED_UNITS))
    await z.group_say(OA_GROUP, OA_CHAIR, "/moi")
    assert "mã tham gia của 8 đơn vị" in z.group_texts(OA_GROUP)[-1]
    (sent,) = [t for t in z.oa_texts(OA_CHAIR) if "/thamgia" in t and "Mã tham gia" in t]
    assert "Mã tham gia Khối thi đua số 3" in sent and "t.me" not in sent and "/start" not in sent
    for name in SEED_UNITS:
        assert re.search(rf"{re.escape(name)}: /thamgia [0-9A-Z]{{4}}-[0-9A-Z]{{4}}", sent)
    return CODE.findall(sent)


async def test_zalo_people_join_by_typed_code_and_every_bad_input_is_answered(tmp_path: Path) -> None:
    async with ZaloHarness(tmp_path, bot=True, oa=True) as z:
        codes = await zalo_bloc(z)
        assert len(set(codes)) == 8
        rep, other = REPS[0], REPS[1]

        await z.say(rep, "/thamgia", name="Nguyễn Văn An")
        assert (
            "Vui lòng gửi mã tham gia" in z.bot_texts(rep)[-1]
            and "/thamgia K7QX-M2PD" in z.bot_texts(rep)[-1]
        )
        await z.say(rep, "/thamgia 12345")
        assert '"12345" không phải là mã tham gia' in z.bot_texts(rep)[-1]
        assert z.rows("SELECT COUNT(*) FROM join_attempts") == [(0,)]  # not a guess: not counted

        # Lower case, a space for the dash, O for 0 and l for 1: still the code.
        typed = codes[0].lower().replace("-", " ").replace("0", "O").replace("1", "l")
        await z.say(rep, f"/thamgia {typed}")
        assert (
            z.bot_texts(rep)[-1]
            == f"Chào mừng anh/chị! Từ nay anh/chị là đại diện của {SEED_UNITS[0]} trong Khối thi đua số 3."
        )
        assert f"Nguyễn Văn An đã tham gia với tư cách đại diện của {SEED_UNITS[0]}." in z.group_texts(
            OA_GROUP
        )
        await z.say(rep, f"/thamgia {codes[0]}")  # again, by the same person
        assert "đã là đại diện của" in z.bot_texts(rep)[-1]

        await z.say(other, f"/thamgia {codes[0]}")  # single use
        assert "Mã tham gia này đã được sử dụng" in z.bot_texts(other)[-1]
        await z.say(other, "/join ZZZZ-ZZZZ")  # the English name works too
        assert "Không có mã tham gia ZZZZ-ZZZZ" in z.bot_texts(other)[-1]
        assert "còn được thử 3 lần nữa" in z.bot_texts(other)[-1]

        # Written in the group, a code is refused there and stays usable.
        await z.group_say(OA_GROUP, other, f"/thamgia {codes[1]}")
        assert "cuộc trò chuyện riêng" in z.group_texts(OA_GROUP)[-1]
        await z.say(other, f"thamgia {codes[1]}")  # without the slash, as people type it
        assert f"đại diện của {SEED_UNITS[1]}" in z.bot_texts(other)[-1]

        assert sorted(z.rows("SELECT outcome FROM join_attempts")) == [("unknown",), ("used",)]
        z.clock.advance(timedelta(days=7, minutes=1))  # codes live seven days
        await z.say(REPS[2], f"/thamgia {codes[2]}")
        assert "Mã tham gia này đã hết hạn" in z.bot_texts(REPS[2])[-1]
        # Counted, and the attempts a day old are gone.
        assert z.rows("SELECT outcome FROM join_attempts") == [("expired",)]
        people = z.rows(
            "SELECT u.position, i.external FROM representatives r JOIN units u ON u.id = r.unit_id "
            "JOIN identities i ON i.id = r.user_id - (1 << 53) ORDER BY u.position"
        )
        assert people == [(1, rep), (2, other)]
        assert all("bạn" not in t.split() for t in z.bot_texts(rep) + z.bot_texts(other))


async def test_five_wrong_codes_an_hour_then_wait_even_after_a_restart(tmp_path: Path) -> None:
    async with ZaloHarness(tmp_path, bot=True, oa=True) as z:
        codes = await zalo_bloc(z)
        guesser, neighbour = REPS[3], REPS[2]
        for n in range(MAX_WRONG):
            await z.say(guesser, f"/thamgia {n}{n}{n}{n}-AAAA")
            z.clock.advance(timedelta(minutes=1))
        assert "còn được thử 1 lần nữa" in z.bot_texts(guesser)[-2]
        # The fifth wrong code says when to come back: the first wrong one was at 09:00.
        assert "Vui lòng chờ đến 10:00" in z.bot_texts(guesser)[-1]

        await z.say(guesser, f"/thamgia {codes[3]}")  # now even the right code waits
        assert "Vui lòng chờ đến 10:00" in z.bot_texts(guesser)[-1]
        await z.restart()
        await z.say(guesser, f"thamgia {codes[3]}")
        assert "Vui lòng chờ đến 10:00" in z.bot_texts(guesser)[-1]
        assert z.rows("SELECT COUNT(*) FROM representatives") == [(0,)]
        assert z.rows("SELECT COUNT(*) FROM join_attempts") == [(MAX_WRONG,)]  # waiting adds none

        await z.say(neighbour, f"/thamgia {codes[2]}")  # one person's limit is nobody else's
        assert f"đại diện của {SEED_UNITS[2]}" in z.bot_texts(neighbour)[-1]

        z.clock.set(START + WINDOW + timedelta(seconds=1))  # the first wrong code leaves the hour
        await z.say(guesser, f"/thamgia {codes[3]}")
        assert f"đại diện của {SEED_UNITS[3]}" in z.bot_texts(guesser)[-1]
        assert z.rows("SELECT COUNT(*) FROM representatives") == [(2,)]


# the console -------------------------------------------------------------------------------

SETUP = r"""
:as Lan
/taokhoi Khối thi đua số 5
/donvi them \
Sở Tư pháp\
Công an tỉnh\
Thanh tra tỉnh
:private
/start
:group
/moi
:quit
"""

GUESS = """
:as Minh
:private
/thamgia
/thamgia Công an tỉnh
{wrong}
/thamgia {right}
:quit
"""


async def drive(folder: Path, script: str, clock: FakeClock) -> str:
    out: list[str] = []
    config = console_config(folder, "vi")
    await run_console(
        config, lang="vi", out=folder, stream=io.StringIO(script), write=out.append, clock=clock
    )
    return "\n".join(out)


async def test_console_codes_limit_and_a_restart(tmp_path: Path) -> None:
    text = await drive(tmp_path, SETUP, FakeClock(START))
    codes = CODE.findall(text)
    assert len(codes) == 3 and "Sở Tư pháp: /thamgia " in text

    wrong = "\n".join(f"/thamgia {c}{c}{c}{c}-{c}{c}{c}{c}" for c in "23456")
    text = await drive(tmp_path, GUESS.format(wrong=wrong, right=codes[1]), FakeClock(START))
    assert "Vui lòng gửi mã tham gia" in text
    assert '"Công an tỉnh" không phải là mã tham gia' in text
    assert "Không có mã tham gia 2222-2222" in text and "còn được thử 4 lần nữa" in text
    assert text.count("Vui lòng chờ đến 10:00") == 2  # the fifth wrong code, then the right one
    assert "Chào mừng" not in text

    # The console started again, a minute later: still waiting, also through a link's payload.
    again = ":as Minh\n:private\n/start join_{c}\n:quit\n".format(c=codes[1].replace("-", ""))
    text = await drive(tmp_path, again, FakeClock(START + timedelta(minutes=1)))
    assert "Vui lòng chờ đến 10:00" in text and "Chào mừng" not in text

    text = await drive(tmp_path, again, FakeClock(START + WINDOW + timedelta(minutes=1)))
    assert "Chào mừng anh/chị! Từ nay anh/chị là đại diện của Công an tỉnh trong Khối thi đua số 5." in text


# Telegram: the link and the code are one single-use invite ---------------------------------


async def test_telegram_shows_link_and_code_and_they_are_one_invite(bloc: BotHarness) -> None:
    await bloc.send(CHAIR, CHAIR, "/start")
    await bloc.send(CHAIR, GROUP, "/moi #2")
    sent = bloc.last_text(CHAIR)
    assert "Đường dẫn và mã tham gia" in sent
    (link,) = re.findall(rf"https://t\.me/{BOT_USERNAME}\?start=join_([0-9A-Z]{{8}})", sent)
    (code,) = CODE.findall(sent)
    assert link == code.replace("-", "")
    await bloc.send(MEMBER, MEMBER, f"/thamgia {code}")
    assert "Công an tỉnh" in bloc.last_text(MEMBER)
    await bloc.send(OUTSIDER, OUTSIDER, f"/start join_{link}")  # the link is the same, used invite
    assert "Đường dẫn tham gia này đã được sử dụng" in bloc.last_text(OUTSIDER)
    await bloc.send(VICE, GROUP, f"/thamgia {code}")
    assert "cuộc trò chuyện riêng" in bloc.last_text(GROUP)
    assert bloc.db_rows("SELECT user_id FROM representatives") == [(MEMBER,)]
