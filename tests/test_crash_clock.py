"""The test-only injected clock of a bot run as its own process: [testing] clock_file."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.core.clock import FileClock
from bot.core.config import ConfigError, parse_config


def test_file_clock_reads_the_file_at_every_call(tmp_path: Path) -> None:
    path = tmp_path / "clock.txt"
    path.write_text("2026-12-15T08:00:00+07:00\n", encoding="utf-8")
    clock = FileClock(path)
    assert clock.now() == datetime(2026, 12, 15, 1, 0, tzinfo=UTC)
    path.write_text("2026-12-15T01:00:30+00:00", encoding="utf-8")
    assert clock.now() == datetime(2026, 12, 15, 1, 0, 30, tzinfo=UTC)


def test_file_clock_refuses_a_missing_or_naive_time(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        FileClock(tmp_path / "nowhere.txt")
    (tmp_path / "naive.txt").write_text("2026-12-15T01:00:00", encoding="utf-8")
    with pytest.raises(ValueError, match="UTC offset"):
        FileClock(tmp_path / "naive.txt")


def test_config_testing_clock_file(tmp_path: Path) -> None:
    assert parse_config({}, base_dir=tmp_path, env={}).clock_file is None
    assert parse_config({"testing": {}}, base_dir=tmp_path, env={}).clock_file is None
    relative = parse_config({"testing": {"clock_file": "clock.txt"}}, base_dir=tmp_path, env={})
    assert relative.clock_file == tmp_path / "clock.txt"
    assert "testing" not in relative.extra
    with pytest.raises(ConfigError, match=r"testing\.clock_file"):
        parse_config({"testing": {"clock_file": 5}}, base_dir=tmp_path, env={})
