"""Configuration read once from config.toml into frozen dataclasses."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

LANGUAGES = ("vi", "en")


class ConfigError(Exception):
    """A wrong or missing configuration value; the message names the key."""


@dataclass(frozen=True)
class WebhookConfig:
    url: str = ""
    listen: str = "127.0.0.1"
    port: int = 8443
    secret: str = ""


@dataclass(frozen=True)
class TelegramConfig:
    token: str = ""
    base_url: str = "https://api.telegram.org/bot"
    base_file_url: str = "https://api.telegram.org/file/bot"
    mode: str = "polling"
    rate_limit: bool = True
    concurrent_updates: int = 1
    webhook: WebhookConfig = field(default_factory=WebhookConfig)


@dataclass(frozen=True)
class RemindersConfig:
    meeting: tuple[str, ...] = ("7d", "1d", "2h")
    deadline: tuple[str, ...] = ("3d", "1d")
    grace_hours: float = 6.0


@dataclass(frozen=True)
class Config:
    telegram: TelegramConfig
    database_path: Path
    timezone: str = "Asia/Ho_Chi_Minh"
    language: str = "vi"
    operators: frozenset[int] = frozenset()
    invite_ttl_days: int = 7
    reminders: RemindersConfig = field(default_factory=RemindersConfig)
    source: Path | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)
    clock_file: Path | None = None  # TEST ONLY ([testing] clock_file): bot.core.clock.FileClock

    @property
    def tz(self) -> ZoneInfo:
        """The default timezone as a ZoneInfo."""
        return ZoneInfo(self.timezone)


def _section(data: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, Mapping):
        raise ConfigError(f"{key}: expected a table, got {type(value).__name__}")
    return value


def _str(table: Mapping[str, Any], key: str, name: str, default: str) -> str:
    value = table.get(key, default)
    if not isinstance(value, str):
        raise ConfigError(f"{name}: expected a string, got {value!r}")
    return value


def _int(table: Mapping[str, Any], key: str, name: str, default: int) -> int:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"{name}: expected an integer, got {value!r}")
    return value


def _bool(table: Mapping[str, Any], key: str, name: str, default: bool) -> bool:
    value = table.get(key, default)
    if not isinstance(value, bool):
        raise ConfigError(f"{name}: expected true or false, got {value!r}")
    return value


def _file_url(base_url: str) -> str:
    if base_url.rstrip("/").endswith("/bot"):
        return base_url.rstrip("/")[: -len("/bot")] + "/file/bot"
    return base_url.rstrip("/") + "/file/bot"


KNOWN_KEYS = {
    "telegram": {"token", "base_url", "base_file_url", "mode", "rate_limit", "concurrent_updates", "webhook"},
    "telegram.webhook": {"url", "listen", "port", "secret"},
    "database": {"path"},
    "defaults": {"timezone", "language"},
    "access": {"operators"},
    "invites": {"ttl_days"},
    "reminders": {"meeting", "deadline", "grace_hours"},
}


def _check_known(data: Mapping[str, Any]) -> None:
    """A misspelt key (ttl_day) is an error naming it, not a setting silently ignored."""
    for section, keys in KNOWN_KEYS.items():
        table: Any = data
        for part in section.split("."):
            table = table.get(part, {}) if isinstance(table, Mapping) else {}
        if not isinstance(table, Mapping):
            continue
        for key in table:
            if key not in keys:
                raise ConfigError(f"{section}.{key}: unknown key; known keys: {', '.join(sorted(keys))}")


def parse_config(
    data: Mapping[str, Any], *, base_dir: Path, env: Mapping[str, str], source: Path | None = None
) -> Config:
    """Validate a parsed TOML mapping (plus environment overrides) into a Config."""
    _check_known(data)
    tg = _section(data, "telegram")
    hook = _section(tg, "webhook")
    token = env.get("BLOCBOT_TELEGRAM_TOKEN") or _str(tg, "token", "telegram.token", "")
    base_url = _str(tg, "base_url", "telegram.base_url", TelegramConfig.base_url)
    if not base_url.startswith(("http://", "https://")):
        raise ConfigError(f"telegram.base_url: expected an http(s) URL, got {base_url!r}")
    base_file_url = _str(tg, "base_file_url", "telegram.base_file_url", "") or _file_url(base_url)
    mode = _str(tg, "mode", "telegram.mode", "polling")
    if mode not in ("polling", "webhook"):
        raise ConfigError(f"telegram.mode: expected 'polling' or 'webhook', got {mode!r}")
    webhook = WebhookConfig(
        url=_str(hook, "url", "telegram.webhook.url", ""),
        listen=_str(hook, "listen", "telegram.webhook.listen", "127.0.0.1"),
        port=_int(hook, "port", "telegram.webhook.port", 8443),
        secret=env.get("BLOCBOT_WEBHOOK_SECRET") or _str(hook, "secret", "telegram.webhook.secret", ""),
    )
    if not 0 < webhook.port < 65536:
        raise ConfigError(f"telegram.webhook.port: expected 1-65535, got {webhook.port}")
    if mode == "webhook":
        if not webhook.url.startswith("https://") and not webhook.url.startswith("http://"):
            raise ConfigError("telegram.webhook.url: required in webhook mode (an https URL)")
        if not webhook.secret or not all(c.isalnum() or c in "_-" for c in webhook.secret):
            raise ConfigError("telegram.webhook.secret: required in webhook mode (1-256 of A-Z a-z 0-9 _ -)")
    concurrency = tg.get("concurrent_updates", 1)
    if isinstance(concurrency, bool) or not isinstance(concurrency, int) or not 1 <= concurrency <= 512:
        raise ConfigError(f"telegram.concurrent_updates: expected 1-512, got {concurrency!r}")
    telegram = TelegramConfig(
        token=token,
        base_url=base_url,
        base_file_url=base_file_url,
        mode=mode,
        rate_limit=_bool(tg, "rate_limit", "telegram.rate_limit", True),
        concurrent_updates=_int(tg, "concurrent_updates", "telegram.concurrent_updates", 1),
        webhook=webhook,
    )

    db = _section(data, "database")
    db_path = Path(_str(db, "path", "database.path", "blocbot.sqlite3"))
    if not str(db_path).strip():
        raise ConfigError("database.path: must not be empty")
    if not db_path.is_absolute():
        db_path = base_dir / db_path

    defaults = _section(data, "defaults")
    timezone = _str(defaults, "timezone", "defaults.timezone", "Asia/Ho_Chi_Minh")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(f"defaults.timezone: unknown timezone {timezone!r}") from exc
    language = _str(defaults, "language", "defaults.language", "vi")
    if language not in LANGUAGES:
        raise ConfigError(f"defaults.language: expected one of {LANGUAGES}, got {language!r}")

    access = _section(data, "access")
    operators = access.get("operators", [])
    if not isinstance(operators, list) or not all(
        isinstance(o, int) and not isinstance(o, bool) for o in operators
    ):
        raise ConfigError(f"access.operators: expected a list of Telegram user ids, got {operators!r}")

    invites = _section(data, "invites")
    ttl = _int(invites, "ttl_days", "invites.ttl_days", 7)
    if not 1 <= ttl <= 90:
        raise ConfigError(f"invites.ttl_days: expected 1-90, got {ttl}")

    rem = _section(data, "reminders")
    reminders = RemindersConfig(
        meeting=_str_list(rem, "meeting", "reminders.meeting", RemindersConfig.meeting),
        deadline=_str_list(rem, "deadline", "reminders.deadline", RemindersConfig.deadline),
        grace_hours=_number(rem, "grace_hours", "reminders.grace_hours", 6.0),
    )
    # [testing] clock_file: tests move the time of a bot run as its own process (bot.core.clock.FileClock).
    testing = _section(data, "testing")
    clock_name = _str(testing, "clock_file", "testing.clock_file", "")
    clock_file = None if not clock_name else Path(clock_name)
    if clock_file is not None and not clock_file.is_absolute():
        clock_file = base_dir / clock_file
    known = {"telegram", "database", "defaults", "access", "invites", "reminders", "testing"}
    return Config(
        telegram=telegram,
        database_path=db_path,
        timezone=timezone,
        language=language,
        operators=frozenset(operators),
        invite_ttl_days=ttl,
        reminders=reminders,
        source=source,
        extra={k: v for k, v in data.items() if k not in known},
        clock_file=clock_file,
    )


def _str_list(table: Mapping[str, Any], key: str, name: str, default: tuple[str, ...]) -> tuple[str, ...]:
    value = table.get(key, list(default))
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f'{name}: expected a list of strings like ["7d", "1d"], got {value!r}')
    return tuple(value)


def _number(table: Mapping[str, Any], key: str, name: str, default: float) -> float:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ConfigError(f"{name}: expected a non-negative number, got {value!r}")
    return float(value)


def load_config(path: Path | str | None = None, env: Mapping[str, str] | None = None) -> Config:
    """Read config.toml (or BLOCBOT_CONFIG), apply environment overrides, validate."""
    environ = os.environ if env is None else env
    chosen = Path(path or environ.get("BLOCBOT_CONFIG") or "config.toml")
    try:
        text = chosen.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ConfigError(f"config file not found: {chosen} (set BLOCBOT_CONFIG)") from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{chosen}: not valid TOML: {exc}") from exc
    return parse_config(data, base_dir=chosen.resolve().parent, env=environ, source=chosen)
