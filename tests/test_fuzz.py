"""Hostile and random updates: never an unhandled error, never a traceback, nothing changed."""

from __future__ import annotations

import asyncio
import logging
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import CHAIR, GROUP, MEMBER, OUTSIDER, SEED_UNITS, VICE
from tests.harness import BOT_USERNAME, BotHarness

# Tables a non-admin may legitimately change: their own person row and private chat settings.
MAY_CHANGE = {"people", "chats"}
STRANGER = 555
UNKNOWN_GROUP = -1009999999999

words = st.sampled_from(["add", "remove", "rename", "#1", "#99", "#-1", "|", "cong an", "2026",
                         "99999999999999999999", "'; DROP TABLE units; --", "join_", "en", "vi",
                         "open", "close", "\u200b", "🏳️", "Đ", "x" * 300])
unicode_text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=200)


def commands_strategy(names: list[str]) -> st.SearchStrategy[str]:
    command = st.sampled_from(names).map(lambda n: "/" + n)
    suffix = st.sampled_from(["", f"@{BOT_USERNAME}", "@otherbot", "@"])
    args = st.lists(st.one_of(words, unicode_text), max_size=4).map(" ".join)
    lines = st.lists(st.one_of(words, unicode_text), max_size=3).map(lambda xs: "".join("\n" + x for x in xs))
    return st.tuples(command, suffix, args, lines).map(lambda t: f"{t[0]}{t[1]} {t[2]}{t[3]}")


def actions(names: list[str]) -> st.SearchStrategy[tuple[Any, ...]]:
    actor = st.sampled_from([MEMBER, OUTSIDER, STRANGER])
    chat = st.sampled_from(["group", "private", "unknown"])
    text = st.one_of(
        commands_strategy(names),
        unicode_text,
        unicode_text.map(lambda s: unicodedata.normalize("NFD", s)),
        st.just("/units add\n" + "Đơn vị " * 1500),  # ~10,000 characters
        st.just("x" * 10_000),
    )
    data = st.one_of(
        st.text(max_size=80),
        st.tuples(st.sampled_from(["ro", "sc", "fm", "pl", "vt", "ev", "rs"]),
                  st.lists(st.one_of(st.integers(-5, 10**12).map(str), words), max_size=4))
        .map(lambda t: ":".join([t[0], *t[1]])),
    )
    return st.one_of(
        st.tuples(st.just("message"), actor, chat, text),
        st.tuples(st.just("callback"), actor, st.just("group"), data),
        st.tuples(st.just("edit"), actor, chat, text),
    )


async def run_scenario(folder: Path, script: list[tuple[Any, ...]]) -> None:
    errors: list[logging.LogRecord] = []

    class Catch(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.levelno >= logging.ERROR:
                errors.append(record)

    catcher = Catch()
    logging.getLogger().addHandler(catcher)
    try:
        async with BotHarness(folder) as h:
            h.person(CHAIR, "Đỗ Quang Thấm")
            h.person(VICE, "Đỗ Đức Hà")
            h.person(MEMBER, "Nguyễn Thị Lan")
            h.person(OUTSIDER, "Trần Văn Minh")
            h.person(STRANGER, "Người lạ")
            h.group(GROUP, "Khối thi đua số 3", admins=[CHAIR], members=[MEMBER, OUTSIDER])
            h.group(UNKNOWN_GROUP, "Nhóm khác", members=[STRANGER, MEMBER])
            await h.send(CHAIR, GROUP, "/setup Khối thi đua số 3")
            await h.send(CHAIR, GROUP, "/units add\n" + "\n".join(SEED_UNITS))
            await h.send(CHAIR, GROUP, "/chair #3")
            card = h.emu.last(GROUP)
            before = h.snapshot()
            last_own: dict[tuple[int, int], int] = {}
            for kind, actor, where, payload in script:
                chat = {"group": GROUP, "private": actor, "unknown": UNKNOWN_GROUP}[where]
                if kind == "message":
                    posted = await h.send(actor, chat, payload or ".")
                    last_own[(actor, chat)] = posted.message["message_id"]
                elif kind == "callback":
                    await h.press(actor, chat, card.message_id, payload)
                elif (actor, chat) in last_own:
                    posted = h.emu.post_edited_message(actor, chat, last_own[(actor, chat)], payload or ".")
                    await h.settle(posted.update_id)
            after = h.snapshot()
            assert await h.services.db.integrity_ok()
            for chat_id in (GROUP, MEMBER, OUTSIDER, STRANGER, UNKNOWN_GROUP):
                for text in h.texts(chat_id):
                    assert "Traceback" not in text and "Error" not in text[:40]
    finally:
        logging.getLogger().removeHandler(catcher)
    assert not errors, [r.getMessage() + str(r.exc_info and r.exc_info[1]) for r in errors[:3]]
    changed = {t for t in before if before[t] != after.get(t)} - MAY_CHANGE
    assert not changed, changed


COMMAND_NAMES = ["start", "help", "trogiup", "lang", "ngonngu", "cancel", "huy", "setup", "taokhoi",
                 "bloc", "khoi", "units", "donvi", "roster", "danhsach", "invite", "moi", "chair",
                 "khoitruong", "vicechair", "khoipho", "voter", "export", "import", "meeting", "hop",
                 "deadline", "han", "schedule", "lich", "event", "rsvp", "cycle", "chuky", "ics",
                 "form", "dangky", "forms", "submit", "nop", "poll", "binhxet", "elect", "bau",
                 "vote", "bophieu", "overview", "tonghop", "nosuchcommand"]


@settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck),
          derandomize=True)
@given(script=st.lists(actions(COMMAND_NAMES), min_size=60, max_size=60))
def test_hostile_updates_from_non_admins(tmp_path_factory: pytest.TempPathFactory,
                                         script: list[tuple[Any, ...]]) -> None:
    asyncio.run(run_scenario(tmp_path_factory.mktemp("fuzz"), script))
