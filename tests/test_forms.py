"""The pure core of registrations (commands, answers, files) and its repository on real SQLite."""

from __future__ import annotations

import csv
import io
import unicodedata
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.core.clock import FakeClock
from bot.forms.answers import (
    AnswerError,
    complete,
    counted,
    next_field,
    parse_answer,
    parse_number,
    progress,
    with_answer,
)
from bot.forms.files import Sheet, build_csv, build_xlsx, field_cell
from bot.forms.model import (
    NO,
    YES,
    Draft,
    Field,
    Form,
    FormSyntaxError,
    fields_from_json,
    fields_to_json,
    parse_new_form,
    standard_fields,
)
from storage.db import Database
from storage.forms import FormRepo

NOW = datetime(2026, 11, 21, 2, 0, tzinfo=UTC)
LABELS = {
    "pledge": "Chỉ tiêu",
    "titles": "Danh hiệu",
    "attending": "Tham dự?",
    "delegates": "Đại biểu",
    "count": "Số lượng",
}
ATTEND = standard_fields("attend", LABELS)


def test_parse_each_kind() -> None:
    pledge = parse_new_form("pledge Đăng ký thi đua 2027 | 31/3/2027", [])
    assert (pledge.kind, pledge.title, pledge.deadline_text) == (
        "pledge",
        "Đăng ký thi đua 2027",
        "31/3/2027",
    )
    titles = parse_new_form("danhhieu Danh hiệu | 31/3", ["1. Cờ thi đua", "- Bằng khen", "  "])
    assert titles.kind == "titles" and titles.options == ("Cờ thi đua", "Bằng khen")
    attend = parse_new_form("attend #12 | 10/7/2027 17h", [])
    assert (attend.kind, attend.event_id, attend.title) == ("attend", 12, "")
    custom = parse_new_form(
        "custom Hội thao | 1/8",
        ["Môn thi đấu | choice: Bóng đá, Cầu lông;Kéo co", "Số VĐV | so", "Ghi chú | Text"],
    )
    assert [(f.key, f.label, f.type, f.options) for f in custom.fields] == [
        ("f1", "Môn thi đấu", "choice", ("Bóng đá", "Cầu lông", "Kéo co")),
        ("f2", "Số VĐV", "number", ()),
        ("f3", "Ghi chú", "text", ()),
    ]


@pytest.mark.parametrize(
    ("first", "lines", "reason", "line"),
    [
        ("", [], "no_kind", 0),
        ("poll X | 1/1", [], "unknown_kind", 0),
        ("pledge | 1/1", [], "no_title", 0),
        ("pledge X", [], "no_deadline", 0),
        ("pledge X |", [], "no_deadline", 0),
        ("pledge X | 1/1 | 2/2", [], "too_many_parts", 0),
        ("attend X | 1/1", [], "no_event", 0),
        ("titles X | 1/1", [], "no_options", 0),
        ("titles X | 1/1", ["A", "a"], "duplicate_option", 3),
        ("custom X | 1/1", [], "no_fields", 0),
        ("custom X | 1/1", ["A | text", "B"], "bad_field_line", 3),
        ("custom X | 1/1", ["A | date"], "bad_field_type", 2),
        ("custom X | 1/1", ["A | number:1,2"], "bad_field_type", 2),
        ("custom X | 1/1", ["A | choice:x"], "choice_needs_options", 2),
        ("custom X | 1/1", ["A | choice:"], "choice_needs_options", 2),
        ("custom X | 1/1", ["A | choice:x,X"], "duplicate_option", 2),
        ("custom X | 1/1", ["Á | text", "a | text"], "duplicate_label", 3),
        ("custom X | 1/1", [f"F{i} | text" for i in range(16)], "too_many_fields", 0),
        ("pledge X | 1/1", ["more"], "unexpected_lines", 2),
    ],
)
def test_parse_errors(first: str, lines: list[str], reason: str, line: int) -> None:
    with pytest.raises(FormSyntaxError) as caught:
        parse_new_form(first, lines)
    assert (caught.value.reason, caught.value.line) == (reason, line)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("12", "12"),
        ("12,5", "12.5"),
        ("2.5", "2.5"),
        ("1.500", "1500"),
        ("1.500.000", "1500000"),
        ("1.500,75", "1500.75"),
        ("-3", "-3"),
        (" 7 ", "7"),
        ("0,50", "0.5"),
        ("10.0", "10"),
    ],
)
def test_numbers_as_vietnamese_write_them(text: str, value: str) -> None:
    assert parse_number(text) == value


@pytest.mark.parametrize("text", ["mười", "12 người", "1,2,3", "1.2.3", "--1", "1e5", "∞"])
def test_not_numbers(text: str) -> None:
    with pytest.raises(AnswerError, match="not_number"):
        parse_number(text)


def test_answers_by_type() -> None:
    choice = Field("f1", "Môn", "choice", ("Bóng đá", "Cầu lông"))
    multi = Field("t", "Danh hiệu", "multi", ("Cờ thi đua", "Bằng khen", "Giấy khen"))
    assert parse_answer(choice, "2") == "Cầu lông"
    assert parse_answer(choice, "CAU LONG") == "Cầu lông"
    assert parse_answer(choice, "bong") == "Bóng đá"
    assert parse_answer(multi, "3, 1; giay khen") == ["Cờ thi đua", "Giấy khen"]
    assert parse_answer(ATTEND[0], "Có") == YES and parse_answer(ATTEND[0], "khong") == NO
    nfd = unicodedata.normalize("NFD", "Hoàn thành  100%  chỉ tiêu\r\n\r\nKhông vi phạm")
    assert parse_answer(Field("p", "P", "text"), nfd) == "Hoàn thành 100% chỉ tiêu\n\nKhông vi phạm"
    for spec, text, reason in [
        (choice, "3", "not_choice"),
        (choice, "Bơi", "not_choice"),
        (multi, "1, 9", "not_choice"),
        (multi, " , ;", "empty"),
        (ATTEND[0], "có lẽ", "not_yesno"),
        (Field("p", "P", "text"), "x" * 2001, "too_long"),
        (Field("p", "P", "text"), " \n ", "empty"),
        (Field("n", "N", "number"), "1" * 13, "number_too_big"),
    ]:
        with pytest.raises(AnswerError) as caught:
            parse_answer(spec, text)
        assert caught.value.reason == reason, (spec.type, text)
    assert parse_answer(Field("p", "P", "text"), "x" * 2000) == "x" * 2000


def test_attend_asks_delegates_only_when_attending() -> None:
    assert next_field(ATTEND, {}) == ATTEND[0]
    assert len(counted(ATTEND, {})) == 3
    no = with_answer(ATTEND, {}, "attending", NO)
    assert next_field(ATTEND, no) is None and len(counted(ATTEND, no)) == 1
    yes = with_answer(ATTEND, {}, "attending", YES)
    assert next_field(ATTEND, yes) == ATTEND[1]
    full = with_answer(ATTEND, with_answer(ATTEND, yes, "delegates", "Ông A, Giám đốc"), "count", "2")
    assert complete(ATTEND, full) == {"attending": YES, "delegates": "Ông A, Giám đốc", "count": "2"}
    assert with_answer(ATTEND, full, "attending", NO) == {"attending": NO}  # stale ones dropped


def test_fields_json_and_progress() -> None:
    assert fields_from_json(fields_to_json(ATTEND)) == ATTEND
    assert progress([5, 3, 9, 1], {9, 5, 42}) == ([5, 9], [3, 1])


def test_lock_rule() -> None:
    form = Form(1, 1, "pledge", "X", (), NOW, "open", 1, NOW)
    assert not form.locked(NOW - timedelta(seconds=1)) and form.locked(NOW)
    assert Form(1, 1, "pledge", "X", (), None, "open", 1, NOW).locked(NOW) is False
    assert Form(1, 1, "pledge", "X", (), None, "closed", 1, NOW).locked(NOW)


def test_files_round_trip_with_vietnamese() -> None:
    number = Field("n", "Số VĐV", "number")
    assert field_cell(number, "12", {}) == 12 and field_cell(number, "2.5", {}) == 2.5
    assert field_cell(ATTEND[0], YES, {YES: "Có"}) == "Có"
    assert field_cell(Field("t", "T", "multi"), ["A", "B"], {}) == "A; B"
    at = datetime(2026, 11, 21, 9, 5)
    sheet = Sheet(
        "Nội dung",
        "Hội thao — Khối thi đua số 3",
        ("STT", "Đơn vị", "Số VĐV", "Lúc"),
        ((1, "Công an tỉnh", 12, at), (2, "Sở Tư pháp tỉnh", None, None)),
    )
    book = load_workbook(io.BytesIO(build_xlsx([sheet])))
    rows = list(book["Nội dung"].iter_rows(values_only=True))
    assert rows == [
        ("Hội thao — Khối thi đua số 3", None, None, None),
        ("STT", "Đơn vị", "Số VĐV", "Lúc"),
        (1, "Công an tỉnh", 12, at),
        (2, "Sở Tư pháp tỉnh", None, None),
    ]
    data = build_csv(sheet)
    assert data.startswith(b"\xef\xbb\xbf")
    assert list(csv.reader(io.StringIO(data.decode("utf-8-sig")))) == [
        ["STT", "Đơn vị", "Số VĐV", "Lúc"],
        ["1", "Công an tỉnh", "12", "21/11/2026 09:05"],
        ["2", "Sở Tư pháp tỉnh", "", ""],
    ]


async def test_repository_history_and_drafts(tmp_path: Path) -> None:
    clock = FakeClock(NOW)
    async with Database(tmp_path / "f.sqlite3", clock) as db:
        async with db.transaction() as uow:
            bloc = await uow.blocs.create(-1, "Khối 3", "vi", "Asia/Ho_Chi_Minh", 1)
            unit = await uow.units.add(bloc.id, "Công an tỉnh")
            form = await uow.repo(FormRepo).create(
                bloc.id, "pledge", "Chỉ tiêu", standard_fields("pledge", LABELS), NOW + timedelta(days=9), 1
            )
        for user, text in [(7, "Bản đầu"), (8, "Bản sửa")]:
            clock.advance(timedelta(minutes=5))
            async with db.transaction() as uow:
                await uow.repo(FormRepo).save_response(form.id, unit.id, user, {"pledge": text})
        async with db.read() as uow:
            repo = uow.repo(FormRepo)
            response = await repo.response(form.id, unit.id)
            history = await repo.history(form.id)
        assert response is not None and (response.version, response.answered_by) == (2, 8)
        assert [(a.version, a.user_id, a.answers["pledge"]) for a in history] == [
            (1, 7, "Bản đầu"),
            (2, 8, "Bản sửa"),
        ]
        async with db.transaction() as uow:
            repo = uow.repo(FormRepo)
            other = await repo.create(bloc.id, "pledge", "Khác", form.fields, NOW, 1)
            await repo.put_draft(Draft(7, form.id, unit.id, {"a": "1"}))
            await repo.put_draft(Draft(7, other.id, unit.id))
            await repo.put_draft(Draft(7, form.id, unit.id, {"a": "2"}, (1, 2), 55))
        async with db.read() as uow:
            latest = await uow.repo(FormRepo).draft(7)  # same clock time: the last touched wins
        assert latest is not None and (latest.form_id, latest.answers, latest.picked, latest.message_id) == (
            form.id,
            {"a": "2"},
            (1, 2),
            55,
        )


def test_card_of_a_huge_bloc_stays_one_message() -> None:
    from bot.roster.model import Bloc, Unit
    from handlers.forms.card import CARD_LIMIT, Standing, render_card

    bloc = Bloc(1, -1, "Khối thi đua số 3", "vi", "Asia/Ho_Chi_Minh", 1, NOW)
    units = [Unit(i, 1, i, f"Đơn vị số {i} " + "rất dài " * 20) for i in range(1, 201)]
    form = Form(
        1, 1, "pledge", "Chỉ tiêu", standard_fields("pledge", LABELS), NOW + timedelta(days=3), "open", 1, NOW
    )
    text = render_card(Standing(form, bloc, units, {}, [], units), NOW)
    assert len(text) <= CARD_LIMIT
    assert "Đã gửi: 0/200 đơn vị" in text and text.endswith("/nop 1")
    shown = sum(1 for line in text.splitlines() if line.startswith("#"))
    assert f"… và {200 - shown} đơn vị khác" in text
