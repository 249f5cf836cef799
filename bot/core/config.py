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
class ZaloOAConfig:
    """[zalo.oa]: the Official Account whose group chats are blocs' home chats."""

    app_id: str = ""
    secret_key: str = ""  # the app's secret key (OAuth token requests)
    oa_secret_key: str = ""  # the OA secret key (webhook signatures: a different key)
    base_url: str = "https://openapi.zalo.me"
    oauth_url: str = "https://oauth.zaloapp.com"
    redirect_uri: str = ""  # the app's callback URL, for `blocbot zalo login`
    sends_per_second: float = 10.0  # the OA's send budget (Zalo publishes no rate)

    @property
    def enabled(self) -> bool:
        """Whether an OA is configured."""
        return bool(self.app_id)


@dataclass(frozen=True)
class ZaloConfig:
    """[zalo]: the Zalo Bot Platform bot (private chats), and [zalo.oa]."""

    token: str = ""
    base_url: str = "https://bot-api.zaloplatforms.com"
    mode: str = "polling"
    webhook_secret: str = ""
    groups: bool = False  # Zalo has not opened group chats to bots; off until it does
    sends_per_second: float = 10.0  # the Bot Platform's send budget (Zalo publishes no rate)
    oa: ZaloOAConfig = field(default_factory=ZaloOAConfig)


@dataclass(frozen=True)
class WebConfig:
    """[web]: the bot's one web server (webhooks, signed file links, health check)."""

    listen: str = "127.0.0.1"
    port: int = 8080
    public_url: str = ""  # how the internet reaches the server, e.g. "https://bot.example.vn"
    link_days: int = 7  # file links expire after this many days


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
    # access.operators written "zalo:<id>" (Bot Platform) or "zalo_oa:<id>" (an OA follower):
    # (channel, external id), resolved to internal ids through the identities table.
    foreign_operators: frozenset[tuple[str, str]] = frozenset()
    invite_ttl_days: int = 7
    per_person_per_minute: int = 30  # messages; more are refused politely once, then dropped
    per_chat_per_minute: int = 120
    reminders: RemindersConfig = field(default_factory=RemindersConfig)
    source: Path | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)
    clock_file: Path | None = None  # TEST ONLY ([testing] clock_file): bot.core.clock.FileClock
    zalo: ZaloConfig = field(default_factory=ZaloConfig)
    web: WebConfig = field(default_factory=WebConfig)

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
    "access": {"operators", "per_person_per_minute", "per_chat_per_minute"},
    "invites": {"ttl_days"},
    "reminders": {"meeting", "deadline", "grace_hours"},
    "zalo": {"token", "base_url", "mode", "webhook_secret", "groups", "sends_per_second", "oa"},
    "zalo.oa": {
        "app_id",
        "secret_key",
        "oa_secret_key",
        "base_url",
        "oauth_url",
        "redirect_uri",
        "sends_per_second",
    },
    "web": {"listen", "port", "public_url", "link_days"},
}


# Sections read by the features themselves (bot/schedule/cycle.py, bot/forms/cases/deadlines.py)
# and the tests' [testing]; with the sections of KNOWN_KEYS, every section config.toml may have.
OTHER_SECTIONS = frozenset({"testing", "cycle", "forms"})


def _check_known(data: Mapping[str, Any]) -> None:
    """A misspelt key (ttl_day) or section ([telegramm]) is an error naming it, not a setting
    silently ignored."""
    sections = {name.split(".", 1)[0] for name in KNOWN_KEYS} | OTHER_SECTIONS
    for name in data:
        if name not in sections:
            raise ConfigError(f"[{name}]: unknown section; known sections: {', '.join(sorted(sections))}")
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
        if webhook.url and not webhook.url.startswith(("https://", "http://")):
            raise ConfigError("telegram.webhook.url: expected an https URL")
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
    operators, foreign_operators = _operators(access.get("operators", []))
    # Flood limits (handlers/conversation/flood.py); 0 turns one off.
    per_person = _int(access, "per_person_per_minute", "access.per_person_per_minute", 30)
    per_chat = _int(access, "per_chat_per_minute", "access.per_chat_per_minute", 120)
    if not (0 <= per_person <= 10_000 and 0 <= per_chat <= 100_000):
        raise ConfigError("access.per_person_per_minute / per_chat_per_minute: expected 0 or more")

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
    zalo = _zalo(data, env)
    web = _web(data)
    if telegram.mode == "webhook" and web.public_url:
        shared = telegram_hook_url(web.public_url)
        if telegram.webhook.url and telegram.webhook.url != shared:
            raise ConfigError(
                f"telegram.webhook.url: with [web] public_url set, Telegram posts to the bot's one web "
                f"server at {shared}; leave telegram.webhook.url empty"
            )
    elif telegram.mode == "webhook" and not telegram.webhook.url:
        raise ConfigError(
            "telegram.webhook.url: required in webhook mode (an https URL), or set [web] public_url "
            "to take Telegram's webhook on the bot's one web server"
        )
    if zalo.token and zalo.mode == "webhook" and not web.public_url:
        raise ConfigError("web.public_url: required when zalo.mode = 'webhook' (Zalo posts updates there)")
    known = {"telegram", "database", "defaults", "access", "invites", "reminders", "testing", "zalo", "web"}
    return Config(
        telegram=telegram,
        database_path=db_path,
        timezone=timezone,
        language=language,
        operators=frozenset(operators),
        foreign_operators=frozenset(foreign_operators),
        invite_ttl_days=ttl,
        per_person_per_minute=per_person,
        per_chat_per_minute=per_chat,
        reminders=reminders,
        source=source,
        extra={k: v for k, v in data.items() if k not in known},
        clock_file=clock_file,
        zalo=zalo,
        web=web,
    )


TELEGRAM_HOOK_PATH = "/telegram"


def telegram_hook_url(public_url: str) -> str:
    """Where Telegram posts updates when the bot's one web server takes them ([web] public_url)."""
    return public_url.rstrip("/") + TELEGRAM_HOOK_PATH


FOREIGN_OPERATOR_CHANNELS = ("zalo", "zalo_oa")


def _operators(value: Any) -> tuple[list[int], list[tuple[str, str]]]:
    """Telegram user ids (integers) and "zalo:<id>" / "zalo_oa:<id>" strings."""
    wrong = ConfigError(
        'access.operators: expected Telegram user ids (123456) and Zalo ids ("zalo:<id>", '
        f'"zalo_oa:<id>"), got {value!r}'
    )
    if not isinstance(value, list):
        raise wrong
    telegram: list[int] = []
    foreign: list[tuple[str, str]] = []
    for item in value:
        if isinstance(item, int) and not isinstance(item, bool):
            telegram.append(item)
            continue
        if not isinstance(item, str) or ":" not in item:
            raise wrong
        channel, external = (part.strip() for part in item.split(":", 1))
        if channel not in FOREIGN_OPERATOR_CHANNELS or not external or not external.isalnum():
            raise wrong
        foreign.append((channel, external))
    return telegram, foreign


def _url(table: Mapping[str, Any], key: str, name: str, default: str) -> str:
    value = _str(table, key, name, default).rstrip("/")
    if value and not value.startswith(("http://", "https://")):
        raise ConfigError(f"{name}: expected an http(s) URL, got {value!r}")
    return value


def _zalo(data: Mapping[str, Any], env: Mapping[str, str]) -> ZaloConfig:
    table = _section(data, "zalo")
    oa_table = table.get("oa", {})
    if not isinstance(oa_table, Mapping):
        raise ConfigError(f"zalo.oa: expected a table, got {type(oa_table).__name__}")
    token = env.get("BLOCBOT_ZALO_TOKEN") or _str(table, "token", "zalo.token", "")
    mode = _str(table, "mode", "zalo.mode", "polling")
    if mode not in ("polling", "webhook"):
        raise ConfigError(f"zalo.mode: expected 'polling' or 'webhook', got {mode!r}")
    secret = env.get("BLOCBOT_ZALO_WEBHOOK_SECRET") or _str(
        table, "webhook_secret", "zalo.webhook_secret", ""
    )
    if mode == "webhook" and token and not 8 <= len(secret) <= 256:
        raise ConfigError("zalo.webhook_secret: required in webhook mode (8-256 characters)")
    oa = ZaloOAConfig(
        app_id=_str(oa_table, "app_id", "zalo.oa.app_id", ""),
        secret_key=env.get("BLOCBOT_ZALO_APP_SECRET")
        or _str(oa_table, "secret_key", "zalo.oa.secret_key", ""),
        oa_secret_key=env.get("BLOCBOT_ZALO_OA_SECRET_KEY")
        or _str(oa_table, "oa_secret_key", "zalo.oa.oa_secret_key", ""),
        base_url=_url(oa_table, "base_url", "zalo.oa.base_url", ZaloOAConfig.base_url),
        oauth_url=_url(oa_table, "oauth_url", "zalo.oa.oauth_url", ZaloOAConfig.oauth_url),
        redirect_uri=_url(oa_table, "redirect_uri", "zalo.oa.redirect_uri", ""),
        sends_per_second=_rate(oa_table, "sends_per_second", "zalo.oa.sends_per_second"),
    )
    if oa.app_id:
        for key, value in (("secret_key", oa.secret_key), ("oa_secret_key", oa.oa_secret_key)):
            if not value:
                raise ConfigError(f"zalo.oa.{key}: required when zalo.oa.app_id is set")
    return ZaloConfig(
        token=token,
        base_url=_url(table, "base_url", "zalo.base_url", ZaloConfig.base_url),
        mode=mode,
        webhook_secret=secret,
        groups=_bool(table, "groups", "zalo.groups", False),
        sends_per_second=_rate(table, "sends_per_second", "zalo.sends_per_second"),
        oa=oa,
    )


def _rate(table: Mapping[str, Any], key: str, name: str) -> float:
    """A send budget's messages per second (more than 0, at most 1,000)."""
    value = _number(table, key, name, ZaloConfig.sends_per_second)
    if not 0 < value <= 1000:
        raise ConfigError(
            f"{name}: expected messages per second, more than 0 and at most 1000, got {value!r}"
        )
    return value


def _web(data: Mapping[str, Any]) -> WebConfig:
    table = _section(data, "web")
    web = WebConfig(
        listen=_str(table, "listen", "web.listen", WebConfig.listen),
        port=_int(table, "port", "web.port", WebConfig.port),
        public_url=_url(table, "public_url", "web.public_url", ""),
        link_days=_int(table, "link_days", "web.link_days", WebConfig.link_days),
    )
    if not 0 < web.port < 65536:
        raise ConfigError(f"web.port: expected 1-65535, got {web.port}")
    if not 1 <= web.link_days <= 90:
        raise ConfigError(f"web.link_days: expected 1-90, got {web.link_days}")
    return web


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
