"""Config: defaults, environment overrides, and errors that name the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.config import ConfigError, load_config, parse_config

ROOT = Path(__file__).resolve().parent.parent


def test_committed_config_loads_with_defaults() -> None:
    config = load_config(ROOT / "config.toml", env={})
    assert config.telegram.token == ""
    assert config.telegram.mode == "polling"
    assert config.timezone == "Asia/Ho_Chi_Minh"
    assert config.language == "vi"
    assert config.database_path == ROOT / "blocbot.sqlite3"
    assert config.telegram.base_file_url == "https://api.telegram.org/file/bot"


def test_env_overrides_token_and_config_path(tmp_path: Path) -> None:
    other = tmp_path / "other.toml"
    other.write_text('[defaults]\nlanguage = "en"\n', encoding="utf-8")
    config = load_config(env={"BLOCBOT_CONFIG": str(other), "BLOCBOT_TELEGRAM_TOKEN": "1:abc"})
    assert config.language == "en"
    assert config.telegram.token == "1:abc"
    assert config.database_path == tmp_path / "blocbot.sqlite3"


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({"telegram": {"mode": "carrier-pigeon"}}, "telegram.mode"),
        ({"telegram": {"base_url": "ftp://x"}}, "telegram.base_url"),
        ({"telegram": {"mode": "webhook", "webhook": {"secret": "s3cret"}}}, "telegram.webhook.url"),
        (
            {
                "telegram": {"mode": "webhook", "webhook": {"secret": "s3cret", "url": "https://x/y"}},
                "web": {"public_url": "https://bot.example.vn"},
            },
            "telegram.webhook.url",
        ),
        ({"telegram": {"mode": "webhook", "webhook": {"url": "https://x/y"}}}, "telegram.webhook.secret"),
        ({"telegram": {"webhook": {"port": 70000}}}, "telegram.webhook.port"),
        ({"defaults": {"timezone": "Mars/Olympus"}}, "defaults.timezone"),
        ({"defaults": {"language": "fr"}}, "defaults.language"),
        ({"access": {"operators": ["alice"]}}, "access.operators"),
        ({"database": {"path": 3}}, "database.path"),
        ({"telegram": "yes"}, "telegram"),
        ({"reminders": {"grace_hours": -1}}, "reminders.grace_hours"),
    ],
)
def test_bad_values_name_the_key(data: dict, key: str) -> None:
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        parse_config(data, base_dir=Path("/tmp"), env={})


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "nope.toml", env={})


def test_build_application_needs_a_token(tmp_path: Path) -> None:
    from bot.app import build_application

    config = parse_config({}, base_dir=tmp_path, env={})
    with pytest.raises(ConfigError, match=r"telegram\.token"):
        build_application(config)


def test_a_misspelt_key_is_an_error() -> None:
    with pytest.raises(ConfigError, match=r"invites\.ttl_day: unknown key"):
        parse_config({"invites": {"ttl_day": 3}}, base_dir=Path("/tmp"), env={})


def test_cli_messages_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from bot.cli import main

    config = tmp_path / "c.toml"
    config.write_text('[database]\npath = "/etc/passwd/x.sqlite3"\n', encoding="utf-8")
    assert main(["--config", str(config), "db", "migrate"]) == 1
    assert "database.path" in capsys.readouterr().err
    config.write_text(f'[database]\npath = "{tmp_path / "none.sqlite3"}"\n', encoding="utf-8")
    assert main(["--config", str(config), "db", "backup", str(tmp_path / "b.sqlite3")]) == 2
    assert "no database" in capsys.readouterr().err
