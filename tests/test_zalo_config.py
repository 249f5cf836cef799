"""[zalo], [zalo.oa], [web] and Zalo operators: defaults, environment, errors naming the key."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.core.config import ConfigError, load_config, parse_config

ROOT = Path(__file__).resolve().parent.parent
OA = {"app_id": "348", "secret_key": "app-secret", "oa_secret_key": "oa-secret"}


def parse(data: dict[str, Any], env: dict[str, str] | None = None) -> Any:
    return parse_config(data, base_dir=Path("/tmp"), env=env or {})


def test_defaults_leave_zalo_off() -> None:
    config = load_config(ROOT / "config.toml", env={})
    assert config.zalo.token == "" and not config.zalo.oa.enabled and config.zalo.groups is False
    assert config.zalo.base_url == "https://bot-api.zaloplatforms.com" and config.zalo.mode == "polling"
    assert config.zalo.oa.base_url == "https://openapi.zalo.me"
    assert config.zalo.oa.oauth_url == "https://oauth.zaloapp.com"
    assert (config.web.listen, config.web.port, config.web.public_url, config.web.link_days) == (
        "127.0.0.1",
        8080,
        "",
        7,
    )


def test_secrets_come_from_the_environment() -> None:
    env = {
        "BLOCBOT_ZALO_TOKEN": "12:zalo",
        "BLOCBOT_ZALO_WEBHOOK_SECRET": "s3cret-hook",
        "BLOCBOT_ZALO_APP_SECRET": "from-env",
        "BLOCBOT_ZALO_OA_SECRET_KEY": "oa-from-env",
    }
    data = {"zalo": {"mode": "webhook", "oa": {"app_id": "348"}}, "web": {"public_url": "https://bot.vn/"}}
    config = parse(data, env)
    assert config.zalo.token == "12:zalo" and config.zalo.webhook_secret == "s3cret-hook"
    assert (config.zalo.oa.secret_key, config.zalo.oa.oa_secret_key) == ("from-env", "oa-from-env")
    assert config.web.public_url == "https://bot.vn"


def test_zalo_operators_are_kept_apart_from_telegram_ones() -> None:
    config = parse({"access": {"operators": [123, "zalo:8811", "zalo_oa:4455"]}})
    assert config.operators == frozenset({123})
    assert config.foreign_operators == frozenset({("zalo", "8811"), ("zalo_oa", "4455")})


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({"zalo": {"mode": "carrier-pigeon"}}, "zalo.mode"),
        ({"zalo": {"token": "1:x", "mode": "webhook", "webhook_secret": "short"}}, "zalo.webhook_secret"),
        (
            {"zalo": {"token": "1:x", "mode": "webhook", "webhook_secret": "long-enough"}},
            "web.public_url",
        ),
        ({"zalo": {"base_url": "ftp://x"}}, "zalo.base_url"),
        ({"zalo": {"groups": "yes"}}, "zalo.groups"),
        ({"zalo": {"oa": {"app_id": "348"}}}, "zalo.oa.secret_key"),
        ({"zalo": {"oa": {**OA, "oa_secret_key": ""}}}, "zalo.oa.oa_secret_key"),
        ({"zalo": {"oa": "yes"}}, "zalo.oa"),
        ({"web": {"port": 0}}, "web.port"),
        ({"web": {"link_days": 400}}, "web.link_days"),
        ({"web": {"public_url": "bot.vn"}}, "web.public_url"),
        ({"access": {"operators": ["zalo:"]}}, "access.operators"),
        ({"access": {"operators": ["viber:12"]}}, "access.operators"),
        ({"zalo": {"tokn": "x"}}, "zalo.tokn: unknown key"),
        ({"zalo": {"oa": {**OA, "app_secret": "x"}}}, "zalo.oa.app_secret: unknown key"),
        ({"web": {"url": "x"}}, "web.url: unknown key"),
    ],
)
def test_bad_values_name_the_key(data: dict[str, Any], key: str) -> None:
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        parse(data)


def test_the_committed_config_documents_every_zalo_key() -> None:
    text = (ROOT / "config.toml").read_text(encoding="utf-8")
    for key in ("[zalo]", "[zalo.oa]", "[web]", "webhook_secret", "oa_secret_key", "public_url", "link_days"):
        assert key in text


def test_send_budgets_are_configurable_and_checked() -> None:
    config = load_config(ROOT / "config.toml", env={})
    assert config.zalo.sends_per_second == 10 and config.zalo.oa.sends_per_second == 10
    chosen = parse({"zalo": {"sends_per_second": 4, "oa": {"sends_per_second": 2.5}}})
    assert (chosen.zalo.sends_per_second, chosen.zalo.oa.sends_per_second) == (4.0, 2.5)
    for bad in (0, -1, "fast", 5000):
        with pytest.raises(ConfigError, match=r"zalo\.sends_per_second"):
            parse({"zalo": {"sends_per_second": bad}})
