"""What `blocbot` prints when it cannot start, and when it can (issue 14, item 12): one line
each, never the token, run as the operator runs it (`python -m bot.cli`, its own process)."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
from pathlib import Path

from bot.emulators.telegram import BotApiEmulator
from tests.harness import BOT_USERNAME, START, TOKEN
from tests.procbot import ROOT, ProcBot, until

SHORT_TOKEN = "123:bad"  # too short for the log redaction: it must never be printed at all


async def blocbot(config: Path, *args: str, timeout: float = 30) -> tuple[int, list[str]]:  # noqa: ASYNC109
    """Run `blocbot --config <config> <args>`; its exit code and the lines it printed."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "--config",
        str(config),
        *args,
        cwd=ROOT,
        env={**os.environ, "PTB_TIMEDELTA": "true", "PYTHONPATH": str(ROOT), "BLOCBOT_TELEGRAM_TOKEN": ""},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(proc.communicate(), timeout)
    assert proc.returncode is not None
    return proc.returncode, [line for line in out.decode("utf-8", "replace").splitlines() if line.strip()]


def config_file(folder: Path, text: str) -> Path:
    path = folder / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def telegram(base_url: str, token: str = TOKEN, file_url: str = "") -> str:
    file_line = f'base_file_url = "{file_url}"\n' if file_url else ""
    return f'[telegram]\ntoken = "{token}"\nbase_url = "{base_url}"\n{file_line}rate_limit = false\n'


def closed_port() -> int:
    """A local port nothing listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_a_wrong_token_is_one_line_and_never_printed(tmp_path: Path) -> None:
    async with BotApiEmulator(token=TOKEN, bot_username=BOT_USERNAME) as emu:
        config = config_file(
            tmp_path,
            telegram(emu.base_url, SHORT_TOKEN, emu.base_file_url)
            + f'[database]\npath = "{tmp_path / "bot.sqlite3"}"\n',
        )
        code, lines = await blocbot(config, "run")
    assert code == 1
    assert lines == [
        "blocbot: Telegram rejected the bot token; check telegram.token or BLOCBOT_TELEGRAM_TOKEN."
    ]
    assert all(SHORT_TOKEN not in line and "bad" not in line.split(";")[0] for line in lines)


async def test_an_unreachable_bot_api_is_one_line(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{closed_port()}/bot"
    config = config_file(tmp_path, telegram(url) + f'[database]\npath = "{tmp_path / "bot.sqlite3"}"\n')
    code, lines = await blocbot(config, "run")
    assert code == 1
    assert len(lines) == 1, lines
    assert lines[0].startswith("blocbot: cannot reach the Bot API (") and "telegram.base_url" in lines[0]
    assert TOKEN.split(":")[1] not in lines[0]


async def test_a_database_path_that_is_a_folder_is_one_line_before_telegram(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    async with BotApiEmulator(token=TOKEN, bot_username=BOT_USERNAME) as emu:
        config = config_file(
            tmp_path, telegram(emu.base_url, file_url=emu.base_file_url) + f'[database]\npath = "{folder}"\n'
        )
        code, lines = await blocbot(config, "run")
        assert emu.calls == []  # refused before Telegram was asked anything
    assert code == 2
    assert lines == [
        f"blocbot: configuration error: database.path: {folder} is a folder; give the database file, "
        f"e.g. {folder / 'blocbot.sqlite3'}"
    ]
    code, lines = await blocbot(config, "db", "migrate")
    assert code == 2 and len(lines) == 1 and "is a folder" in lines[0]


async def test_a_file_that_is_no_database_is_one_line_before_telegram(tmp_path: Path) -> None:
    notes = tmp_path / "notes.sqlite3"
    notes.write_text("not a database", encoding="utf-8")
    async with BotApiEmulator(token=TOKEN, bot_username=BOT_USERNAME) as emu:
        config = config_file(
            tmp_path, telegram(emu.base_url, file_url=emu.base_file_url) + f'[database]\npath = "{notes}"\n'
        )
        code, lines = await blocbot(config, "run")
        assert emu.calls == []
    assert (code, lines) == (
        1,
        ["blocbot: cannot use the database file: file is not a database (database.path in the config)."],
    )


async def test_no_token_is_one_line_and_leaves_no_database_behind(tmp_path: Path) -> None:
    config = config_file(tmp_path, '[database]\npath = "blocbot.sqlite3"\n')
    code, lines = await blocbot(config, "run")
    assert code == 2
    assert lines == [
        "blocbot: configuration error: telegram.token, zalo.token, zalo.oa.app_id: none is set; put a "
        "token in config.toml or set BLOCBOT_TELEGRAM_TOKEN / BLOCBOT_ZALO_TOKEN"
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.toml"]  # no database file made


async def test_an_unknown_section_is_refused_like_an_unknown_key(tmp_path: Path) -> None:
    config = config_file(tmp_path, '[telegramm]\ntoken = "123456:abcdefgh"\n')
    code, lines = await blocbot(config, "run")
    assert code == 2
    assert len(lines) == 1
    assert lines[0].startswith("blocbot: configuration error: [telegramm]: unknown section; known sections: ")
    assert "telegram," in lines[0] and "123456" not in lines[0]


async def test_backup_errors_blame_the_backup_target(tmp_path: Path) -> None:
    database = tmp_path / "bot.sqlite3"
    config = config_file(tmp_path, f'[database]\npath = "{database}"\n')
    code, lines = await blocbot(config, "db", "migrate")
    assert code == 0, lines
    existing = tmp_path / "old.sqlite3"
    existing.write_bytes(b"")
    not_a_folder = tmp_path / "note.txt"
    not_a_folder.write_text("x", encoding="utf-8")
    cases = {
        tmp_path: f"{tmp_path} is a folder; give the backup's file name",
        existing: f"{existing} already exists; use --force to overwrite it",
        not_a_folder / "copy.sqlite3": f"cannot write the backup to {not_a_folder / 'copy.sqlite3'}: ",
        database: f"{database} already exists",
    }
    results = await asyncio.gather(*(blocbot(config, "db", "backup", str(target)) for target in cases))
    for (target, expected), (code, lines) in zip(cases.items(), results, strict=True):
        assert code == 1, (target, lines)
        assert len(lines) == 1 and lines[0].startswith("blocbot: db backup: " + expected), lines
        assert "database.path" not in lines[0]
    code, lines = await blocbot(config, "db", "backup", str(existing), "--force")
    assert (code, lines) == (0, [f"backup written to {existing}"])


async def test_a_running_bot_says_which_bot_and_which_channel(tmp_path: Path) -> None:
    async with BotApiEmulator(token=TOKEN, bot_username=BOT_USERNAME) as emu:
        proc = ProcBot(emu, tmp_path, now=START)
        async with proc:
            await proc.start()
            await until(lambda: "blocbot is running" in proc.log_text(), what="the start-up line")
            assert f"blocbot is running as @{BOT_USERNAME} on Telegram (long polling)" in proc.log_text()
            assert await proc.stop() == 0
        assert TOKEN.split(":")[1] not in proc.log_text()
