"""The `blocbot` command: run, demo, db migrate, db backup."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sqlite3
import sys
from pathlib import Path

from bot.channels.telegram.app import StartupError
from bot.core.config import Config, ConfigError, load_config, parse_config


def console_config(out: Path, lang: str) -> Config:
    """The console's own settings: a database in its folder, no token, anyone may set up."""
    return parse_config(
        {"database": {"path": str(out / "blocbot-console.sqlite3")}, "defaults": {"language": lang}},
        base_dir=out,
        env={},
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="blocbot", description="Emulation bloc chat bot")
    parser.add_argument("--config", help="path to config.toml (default: BLOCBOT_CONFIG or ./config.toml)")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="run the bot (token from config.toml or BLOCBOT_TELEGRAM_TOKEN)")
    demo = sub.add_parser("demo", help="offline demo through a local Bot API emulator")
    demo.add_argument("--lang", choices=("vi", "en"), default="vi")
    demo.add_argument("--out", default="demo-output", help="folder for the files the demo writes")
    console = sub.add_parser("console", help="try blocbot offline: type as the people of a bloc")
    console.add_argument("--lang", choices=("vi", "en"), default="vi")
    console.add_argument("--demo", action="store_true", help="start with the demo bloc (8 units, people)")
    console.add_argument("--out", default="console-output", help="folder for the database and files")
    db = sub.add_parser("db", help="database maintenance")
    dbsub = db.add_subparsers(dest="db_command", required=True)
    dbsub.add_parser("migrate", help="apply pending schema migrations")
    backup = dbsub.add_parser("backup", help="consistent online copy of the database")
    backup.add_argument("file")
    backup.add_argument("--force", action="store_true", help="overwrite the file if it exists")
    return parser


async def _migrate(config_path: str | None) -> list[str]:
    from storage.db import Database

    config = load_config(config_path)
    async with Database(config.database_path) as db:
        return db.applied  # open() applies what is pending


async def _backup(config_path: str | None, target: str, force: bool) -> None:
    from storage.db import Database

    config = load_config(config_path)
    if not config.database_path.exists():
        raise ConfigError(f"database.path: there is no database at {config.database_path} to back up")
    if Path(target).exists() and not force:
        raise FileExistsError(f"{target} already exists; use --force to overwrite it")
    async with Database(config.database_path) as db:
        await db.backup(Path(target))


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    args = _parser().parse_args(argv)
    # PTB 22 warns about RetryAfter's integer seconds unless its timedelta mode is chosen.
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    quiet = args.command in ("demo", "console")  # the demo prints a conversation, not a log
    logging.basicConfig(
        level=(logging.ERROR if args.command == "console" else logging.WARNING) if quiet else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # httpx logs every request URL, and the URL contains the bot token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    try:
        if args.command == "run":
            from bot.app import run

            run(load_config(args.config))
        elif args.command == "console":
            from bot.app import run_console

            out = Path(args.out)
            out.mkdir(parents=True, exist_ok=True)
            config = console_config(out, args.lang)
            asyncio.run(run_console(config, lang=args.lang, out=out, demo=args.demo))
        elif args.command == "demo":
            from bot.demo import run_demo

            return asyncio.run(run_demo(lang=args.lang, out=Path(args.out)))
        elif args.db_command == "migrate":
            applied = asyncio.run(_migrate(args.config))
            print("applied: " + (", ".join(applied) if applied else "nothing (up to date)"))
        else:
            asyncio.run(_backup(args.config, args.file, args.force))
            print(f"backup written to {args.file}")
    except ConfigError as exc:
        print(f"blocbot: configuration error: {exc}", file=sys.stderr)
        return 2
    except StartupError as exc:
        print(f"blocbot: {exc}", file=sys.stderr)
        return 1
    except (OSError, sqlite3.Error) as exc:
        print(f"blocbot: cannot use the database file: {exc} (database.path in the config).", file=sys.stderr)
        return 1
    except Exception as exc:
        # Through logging, not Python's own traceback printer: the log records are cleaned of
        # the bot token (bot/core/token_redaction.py), and PTB's InvalidToken quotes the token.
        logging.getLogger("blocbot").critical("blocbot stopped: %s", type(exc).__name__, exc_info=exc)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
