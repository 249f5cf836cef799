"""Callback data codec, command parsing and message splitting."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.callbacks import CallbackError, decode, encode
from bot.core.chunks import split_message
from bot.core.commands import parse_command


def test_callback_round_trip_and_limits() -> None:
    data = encode("ro", "chair", 12, 2026)
    assert data == "ro:chair:12:2026"
    decoded = decode(data, "ro")
    assert decoded.str(0) == "chair" and decoded.int(1) == 12 and decoded.int(2) == 2026
    with pytest.raises(ValueError):
        encode("ro", "x" * 70)


@pytest.mark.parametrize("forged", [None, "", "xx:1", "ro:chair:1;DROP", "ro:" + "9" * 80, "ro:a:b:c:d:é"])
def test_forged_data_is_rejected(forged: str | None) -> None:
    with pytest.raises(CallbackError):
        decode(forged, "ro")


def test_wrong_int_argument() -> None:
    with pytest.raises(CallbackError):
        decode("ro:chair:abc", "ro").int(1)


def test_parse_command_keeps_lines() -> None:
    parsed = parse_command("/units@blocbot_test add\nCông an tỉnh\n\n  Sở Tư pháp  ")
    assert parsed is not None
    assert parsed.name == "units" and parsed.first_line == "add"
    assert parsed.lines == ["Công an tỉnh", "Sở Tư pháp"]
    assert parse_command("hello") is None
    meeting = parse_command("/hop 8h00 16/7 | Hội nghị sơ kết | Hội trường")
    assert meeting is not None and meeting.fields() == ["8h00 16/7", "Hội nghị sơ kết", "Hội trường"]


@settings(max_examples=200, deadline=None)
@given(
    st.text(alphabet=st.characters(codec="utf-8"), max_size=12000), st.integers(min_value=50, max_value=4096)
)
def test_split_message_respects_limit(text: str, limit: int) -> None:
    pieces = split_message(text, limit)
    assert pieces
    assert all(len(p) <= limit for p in pieces)
