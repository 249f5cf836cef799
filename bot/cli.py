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


class BackupError(Exception):
    """The backup could not be written where asked: the target is to blame, not the database."""


def check_database(config: Config) -> None:
    """Fail at once, in one line, on a database path that cannot be used (a folder, a place with
    no write access), before any channel starts: a failure while Telegram starts up ends in
    the library's tracebacks ("Event loop is closed") instead."""
    path = config.database_path
    if path.is_dir():
        raise ConfigError(
            f"database.path: {path} is a folder; give the database file, e.g. {path / 'blocbot.sqlite3'}"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path)  # creates the file the bot would create (errors: main() says so)
    try:
        conn.execute("PRAGMA schema_version")  # reads the header: "file is not a database"
    finally:
        conn.close()


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
    demo.add_argument(
        "--channel", choices=("telegram", "zalo"), default="telegram", help="tell the story on this channel"
    )
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
    zalo = sub.add_parser("zalo", help="the Zalo Official Account: log in, see the message budget")
    zalosub = zalo.add_subparsers(dest="zalo_command", required=True)
    login = zalosub.add_parser("login", help="store the OA's first token pair (or a new one)")
    login.add_argument(
        "--refresh-token", action="store_true", help="paste a refresh token (Zalo's API Explorer) instead"
    )
    zalosub.add_parser("quota", help="the OA's message budget this month, kept messages, token")
    return parser


def _zalo(args: argparse.Namespace) -> int:
    """`blocbot zalo login` and `blocbot zalo quota` (bot/channels/zalo/admin.py)."""
    import secrets

    from bot.channels.zalo import admin

    config = load_config(args.config)
    check_database(config)
    if args.zalo_command == "quota":
        print(asyncio.run(admin.quota_report(config)))
        return 0
    try:
        if args.refresh_token:
            token = input("Refresh token: ")
            expires = asyncio.run(admin.login(config, refresh_token=token))
        else:
            if not config.zalo.oa.redirect_uri:
                raise ConfigError(
                    "zalo.oa.redirect_uri: required to log in by consent (or use --refresh-token)"
                )
            verifier, challenge = admin.pkce()
            url = admin.permission_url(config.zalo.oa, challenge, secrets.token_urlsafe(8))
            print(f"1. As an admin of the Official Account, open:\n   {url}")
            print("2. Allow the app; Zalo then opens the callback address with ?code=… in it.")
            pasted = input("3. Paste that address (or just the code): ")
            expires = asyncio.run(admin.login(config, code=admin.code_from(pasted), verifier=verifier))
    except admin.LoginError as exc:
        print(f"blocbot: zalo login: {exc}", file=sys.stderr)
        return 1
    print(
        f"logged in: the access token is valid until {expires.isoformat(timespec='minutes')}; the bot refreshes it"
    )
    return 0


async def _migrate(config_path: str | None) -> list[str]:
    from storage.db import Database

    config = load_config(config_path)
    check_database(config)
    async with Database(config.database_path) as db:
        return db.applied  # open() applies what is pending


async def _backup(config_path: str | None, target: str, force: bool) -> None:
    from storage.db import Database

    config = load_config(config_path)
    if config.database_path.is_dir() or not config.database_path.exists():
        raise ConfigError(f"database.path: there is no database at {config.database_path} to back up")
    copy = Path(target)
    if copy.is_dir():
        raise BackupError(
            f"{target} is a folder; give the backup's file name, e.g. {copy / 'blocbot-backup.sqlite3'}"
        )
    if copy.exists() and not force:
        raise BackupError(f"{target} already exists; use --force to overwrite it")
    if copy.resolve() == config.database_path.resolve():
        raise BackupError(f"{target} is the database itself; give another file")
    async with Database(config.database_path) as db:
        try:
            await db.backup(copy)
        except (OSError, sqlite3.Error) as exc:
            raise BackupError(f"cannot write the backup to {target}: {exc}") from exc


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    args = _parser().parse_args(argv)
    # PTB 22 warns about RetryAfter's integer seconds unless its timedelta mode is chosen.
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    quiet = args.command in ("demo", "console", "zalo")  # the demo prints a conversation, not a log
    logging.basicConfig(
        level=(logging.ERROR if args.command == "console" else logging.WARNING) if quiet else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # httpx logs every request URL, and the URL contains the bot token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    try:
        if args.command == "run":
            from bot.app import check_channels, run

            config = load_config(args.config)
            check_channels(config)
            check_database(config)
            run(config)
        elif args.command == "console":
            from bot.app import run_console
            from bot.demo.bloc import load_demo_bloc

            out = Path(args.out)
            out.mkdir(parents=True, exist_ok=True)
            config = console_config(out, args.lang)
            preload = load_demo_bloc if args.demo else None
            asyncio.run(run_console(config, lang=args.lang, out=out, preload=preload))
        elif args.command == "demo" and args.channel == "zalo":
            from bot.demo.zalo import run_zalo_demo

            return asyncio.run(run_zalo_demo(lang=args.lang, out=Path(args.out)))
        elif args.command == "demo":
            from bot.demo import run_demo

            return asyncio.run(run_demo(lang=args.lang, out=Path(args.out)))
        elif args.command == "zalo":
            return _zalo(args)
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
    except BackupError as exc:
        print(f"blocbot: db backup: {exc}", file=sys.stderr)
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
