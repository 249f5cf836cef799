"""The vote-count minutes (biên bản kiểm phiếu) end to end: made by '/poll <id> minutes <place> |
<secretary>' in the group after the counting committee opened the ballot box, then opened with
python-docx and read as the Sở Nội vụ clerk filing it would: the heading, the opening sentence,
who presided, who was secretary, the counting committee, the counts and percentages, the result,
the signatures; an award review speaks of proposals, an election of who was elected."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path

from docx import Document
from docx.document import Document as DocxDocument
from docx.oxml.ns import qn
from docx.table import Table

from bot.app import run_console
from bot.cli import console_config
from bot.core.clock import FakeClock
from bot.demo.bloc import load_demo_bloc
from bot.polls.minutes import DOTS, MOTTO, NATIONAL
from tests.conftest import CHAIR, GROUP, SEED_UNITS
from tests.harness import START, BotHarness
from tests.test_polls_e2e import (
    VOTERS,
    close_poll,
    committee_opens,
    link_some,
    link_voters,
    minutes_of,
    run_award_poll,
    vote_by_text,
)

SIGN_VI = "(Ký, ghi rõ họ tên)"
SIGN_EN = "(Signature and full name)"
PLACE = "Hội trường Bộ Chỉ huy Quân sự tỉnh, Buôn Ma Thuột"
SECRETARY = "Lê Thị Thư Ký"
CODE = re.compile(r"\b[0-9A-Z]{4}(?:-[0-9A-Z]{4}){7}\b")  # a counting committee code


def open_docx(data: bytes) -> DocxDocument:
    return Document(io.BytesIO(data))


def everything(doc: DocxDocument) -> str:
    """Every paragraph and every table cell, one per line."""
    lines = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            lines += [cell.text for cell in row.cells]
    return "\n".join(lines)


def grids(doc: DocxDocument) -> Iterator[Table]:
    """The count tables (their header starts with the row number)."""
    return (t for t in doc.tables if t.rows[0].cells[0].text in ("STT", "No."))


def signers(doc: DocxDocument, hint: str) -> list[tuple[str, str]]:
    """(title, name) of each signature: the title above the hint, the name after the room to sign."""
    found = []
    seen = set()
    for table in doc.tables:
        for row in table.rows:
            for cell in row.cells:
                texts = [p.text for p in cell.paragraphs]
                if hint not in texts or cell._tc in seen:
                    continue
                seen.add(cell._tc)
                at = texts.index(hint)
                name = next(t for t in texts[at + 1 :] if t)
                found.append((texts[at - 1], name))
    return found


def languages(doc: DocxDocument) -> set[str]:
    """The language tags the document names (styles and runs)."""
    tags = {e.get(qn("w:val")) for e in doc.styles.element.iter(qn("w:lang"))}
    tags |= {e.get(qn("w:val")) for e in doc.element.body.iter(qn("w:lang"))}
    return tags


def assert_widths_set(doc: DocxDocument) -> None:
    """Every table has fixed column widths, and the count tables' columns differ (not spread)."""
    for table in doc.tables:
        layout = table._tbl.tblPr.find(qn("w:tblLayout"))
        assert layout is not None and layout.get(qn("w:type")) == "fixed"
        assert all(cell.width is not None for cell in table.rows[0].cells)
    heading = doc.tables[0].rows[0].cells
    assert len(heading) == 2 and [round(c.width.cm, 1) for c in heading] == [6.0, 10.0]
    for grid in grids(doc):
        widths = [round(c.width.cm, 1) for c in grid.rows[0].cells]
        assert len(set(widths)) > 2 and abs(sum(widths) - 16.0) < 0.05
        assert widths[1] == max(widths)  # the unit's name has the widest column


async def test_award_minutes_read_like_a_typed_record(bloc: BotHarness) -> None:
    await run_award_poll(bloc)
    [(counted_at,)] = bloc.db_rows("SELECT counted_at FROM poll_counts")
    holders = bloc.db_rows("SELECT person_id, unit_id FROM poll_box_holders ORDER BY share")
    await bloc.send(CHAIR, GROUP, f"/binhxet 1 bienban {PLACE} | {SECRETARY}")
    sent = [m for m in bloc.emu.messages(GROUP) if m.document is not None][-1]
    assert sent.document is not None and "dòng chấm" not in (sent.caption or "")  # nothing left to fill
    assert bloc.emu.messages(GROUP)[-1] is sent  # the chart came with the results, not again
    doc = open_docx(sent.document.data)
    text = everything(doc)
    paragraphs = [p.text for p in doc.paragraphs]

    # the heading: bloc left; the national name, the motto, place-name and date right
    left, right = doc.tables[0].rows[0].cells
    assert "KHỐI THI ĐUA SỐ 3" in left.text and NATIONAL in right.text and MOTTO in right.text
    assert "Buôn Ma Thuột, ngày 21 tháng 11 năm 2026" in right.text and DOTS not in right.text
    assert paragraphs[:2] == ["BIÊN BẢN KIỂM PHIẾU", "Bình xét thi đua năm 2026"]
    # the opening sentence: when the box was opened (09:00 in Hà Nội time), where, who, what
    assert counted_at.startswith("2026-11-21T02:00")
    assert paragraphs[2] == (
        f"Hôm nay, vào hồi 09 giờ 00 phút, ngày 21 tháng 11 năm 2026, tại {PLACE}, Khối thi đua số 3 "
        "tổ chức kiểm phiếu bình xét, suy tôn thi đua, khen thưởng năm 2026 bằng hình thức bỏ phiếu kín."
    )
    # who presided (the chair unit's voter), the secretary, the counting committee by name
    assert (
        "- Chủ trì: Người bỏ phiếu 3, đại diện Bộ Chỉ huy Bộ đội Biên phòng tỉnh (đơn vị Khối trưởng)."
        in text
    )
    assert f"- Thư ký: {SECRETARY}." in paragraphs
    committee = paragraphs[paragraphs.index("- Ban kiểm phiếu gồm:") + 1 :][: len(holders)]
    assert committee == [
        f"+ Người bỏ phiếu {person - VOTERS[0] + 1}, đại diện {SEED_UNITS[unit - 1]}"
        + (";" if n < len(holders) else ".")
        for n, (person, unit) in enumerate(holders, 1)
    ]
    # the member units once: who voted, who did not; no table of them
    voted = ", ".join(SEED_UNITS[:7])
    assert text.count(voted) == 1
    assert f"tham gia bỏ phiếu: 7 đơn vị, gồm: {voted}; không tham gia bỏ phiếu: Thanh tra tỉnh." in text
    assert not any("Đơn vị thành viên" in t.rows[0].cells[1].text for t in doc.tables[1:])
    # the counts, the percentages per candidate, the proposal
    assert "- Số phiếu phát ra: 8; số phiếu thu về: 7; số phiếu hợp lệ: 7; số phiếu không hợp lệ: 0." in text
    assert "Có 7/8 đơn vị thành viên tham gia bỏ phiếu (87,5%), đạt số quy định (ít nhất 6 đơn vị)" in text
    # each category's heading says what its threshold is a share of (it ended "…, quá nửa")
    heads = [p for p in paragraphs if "cần đạt ít nhất" in p]
    assert heads and all(h.endswith("quá nửa tổng số đơn vị thành viên") for h in heads), heads
    first = next(grids(doc))
    assert [c.text for c in first.rows[0].cells] == ["STT", "Đơn vị", "Số phiếu", "Tỷ lệ", "Kết quả"]
    assert [c.text for c in first.rows[1].cells] == ["1", "Công an tỉnh", "6", "75,0%", "Đề nghị"]
    assert len(list(grids(doc))) == 3
    assert (
        "Căn cứ kết quả kiểm phiếu, Khối thi đua số 3 đề nghị cấp có thẩm quyền xem xét, khen thưởng:" in text
    )
    assert "1. Cờ thi đua của Chính phủ: Công an tỉnh (6 phiếu, đạt 75,0%)." in paragraphs
    assert "trúng cử" not in text.lower() and "tặng" not in text.lower()
    # the closing sentence, then the signatures of persons, never of units
    closing = next(p for p in paragraphs if p.startswith("Biên bản kết thúc"))
    assert closing == (
        "Biên bản kết thúc vào hồi 09 giờ 00 phút cùng ngày, đã được đọc lại cho các thành viên dự họp "
        "cùng nghe và thông qua."
    )
    names = signers(doc, SIGN_VI)
    assert names[:2] == [("THƯ KÝ", SECRETARY), ("CHỦ TRÌ", "Người bỏ phiếu 3")]
    assert [name for _title, name in names[2:]] == [
        f"Người bỏ phiếu {person - VOTERS[0] + 1}" for person, _unit in holders
    ]
    assert {title for title, _name in names[2:]} == {"THÀNH VIÊN"} and "BAN KIỂM PHIẾU" in text
    assert not any(name in SEED_UNITS or name == DOTS for _title, name in names)
    # how it is filed: Vietnamese, A4, widths set; no bot, no poll number, no chart
    assert languages(doc) == {"vi-VN"} and doc.core_properties.language == "vi-VN"
    assert_widths_set(doc)
    props = doc.core_properties
    assert "blocbot" not in (text + props.author + props.title + props.keywords).lower()
    assert not re.search(r"#\d", text + props.title) and len(doc.inline_shapes) == 0
    assert props.created == bloc.clock.now() and "python-docx" not in props.comments


async def test_election_minutes_speak_of_an_election(bloc: BotHarness) -> None:
    await link_voters(bloc)
    await bloc.send(CHAIR, GROUP, "/chair #3 2026")
    await bloc.send(CHAIR, GROUP, "/vicechair #4 2026")
    await bloc.send(CHAIR, GROUP, "/bau 2027")
    await bloc.send(CHAIR, GROUP, "/binhxet 1 mo")
    for uid in VOTERS[:6]:
        await vote_by_text(bloc, uid, "1 1: D; 2: E", command="/bophieu")
    await close_poll(bloc, 1)
    await committee_opens(bloc, 1)
    await bloc.send(CHAIR, GROUP, f"/binhxet 1 bienban {PLACE} | {SECRETARY}")
    doc = open_docx(minutes_of(bloc))
    text = everything(doc)
    assert "Bầu Khối trưởng, Khối phó năm 2027" in text
    assert "Khối thi đua số 3 tổ chức kiểm phiếu bầu đơn vị Khối trưởng, đơn vị Khối phó năm 2027" in text
    grid = next(grids(doc))
    assert [c.text for c in grid.rows[0].cells][1] == "Đơn vị được giới thiệu"
    assert [c.text for c in grid.rows[1].cells] == ["1", "Sở Tư pháp tỉnh", "6", "75,0%", "Trúng cử"]
    assert "IV. KẾT QUẢ BẦU" in text
    assert "1. Sở Tư pháp tỉnh (6 phiếu, đạt 75,0%) trúng cử Khối trưởng năm 2027." in text
    assert "2. Viện Kiểm sát nhân dân tỉnh (6 phiếu, đạt 75,0%) trúng cử Khối phó năm 2027." in text
    assert "đề nghị" not in text.lower() and "khen thưởng" not in text.lower()
    assert signers(doc, SIGN_VI)[:2] == [("THƯ KÝ", SECRETARY), ("CHỦ TRÌ", "Người bỏ phiếu 3")]
    assert languages(doc) == {"vi-VN"}
    assert_widths_set(doc)


async def test_english_chat_gets_english_minutes(bloc: BotHarness) -> None:
    await link_voters(bloc)
    await bloc.send(CHAIR, GROUP, "/lang en")
    await bloc.send(CHAIR, GROUP, "/chair #3 2026")
    await bloc.send(CHAIR, GROUP, "/vicechair #4 2026")
    await bloc.send(CHAIR, GROUP, "/elect 2027")
    await bloc.send(CHAIR, GROUP, "/poll 1 open")
    for uid in VOTERS[:6]:
        await vote_by_text(bloc, uid, "1 1: D; 2: E")
    await close_poll(bloc, 1)
    await committee_opens(bloc, 1)
    await bloc.send(CHAIR, GROUP, f"/poll 1 minutes {PLACE} | {SECRETARY}")
    doc = open_docx(minutes_of(bloc))
    text = everything(doc)
    assert languages(doc) == {"en-GB"} and doc.core_properties.language == "en-GB"
    assert "SOCIALIST REPUBLIC OF VIETNAM" in text and "Buôn Ma Thuột, 21/11/2026" in text
    assert (
        f"Today, at 09:00 on 21/11/2026, at {PLACE}, Khối thi đua số 3 counted the votes of the election"
        in text
    )
    assert [c.text for c in next(grids(doc)).rows[0].cells][1] == "Nominated unit"
    assert "ELECTION RESULT" in text and "Sở Tư pháp tỉnh (6 votes, 75.0%) is elected" in text
    assert "propos" not in text.lower() and "award" not in text.lower()
    assert signers(doc, SIGN_EN)[:2] == [("SECRETARY", SECRETARY), ("PRESIDING", "Người bỏ phiếu 3")]
    assert "The minutes ended at 09:00 the same day" in text
    assert_widths_set(doc)


async def test_what_the_bot_does_not_know_is_a_dotted_line(bloc: BotHarness) -> None:
    await link_some(bloc, [1, 2, 4, 5, 6, 7, 8])  # nobody of the chair unit #3 is linked
    await bloc.send(CHAIR, GROUP, "/chair #3")
    await bloc.send(CHAIR, GROUP, "/poll Bình xét\nCờ thi đua của UBND tỉnh | 1")
    await bloc.send(CHAIR, GROUP, "/poll 1 open")
    for number in (1, 2, 4, 5, 6, 7):
        await vote_by_text(bloc, VOTERS[number - 1], "1 1: B")
    await close_poll(bloc, 1)
    await committee_opens(bloc, 1)
    await bloc.send(CHAIR, GROUP, "/binhxet 1 bienban")
    sent = [m for m in bloc.emu.messages(GROUP) if m.document is not None][-1]
    assert "/binhxet 1 bienban <địa điểm>, <địa danh> | <thư ký>" in (sent.caption or "")
    assert sent.document is not None
    doc = open_docx(sent.document.data)
    text = everything(doc)
    assert f"{DOTS}, ngày 21 tháng 11 năm 2026" in doc.tables[0].rows[0].cells[1].text
    assert f"ngày 21 tháng 11 năm 2026, tại {DOTS}, Khối thi đua số 3" in text
    assert f"- Chủ trì: {DOTS}, đại diện Bộ Chỉ huy Bộ đội Biên phòng tỉnh (đơn vị Khối trưởng)." in text
    assert f"- Thư ký: {DOTS}." in text
    names = signers(doc, SIGN_VI)
    assert names[:2] == [("THƯ KÝ", DOTS), ("CHỦ TRÌ", DOTS)]  # a line to write the name on
    assert not any(name in SEED_UNITS for _title, name in names)
    assert "1. Cờ thi đua của UBND tỉnh: Công an tỉnh (6 phiếu, đạt 75,0%)." in text


CONSOLE_VOTE = (
    r"""
:as Đỗ Quang Thấm
/binhxet Bình xét thi đua năm 2026\
Cờ thi đua của UBND tỉnh | 1
/binhxet 1 mo
"""
    + "".join(
        f":as {name}\n:private\n/bophieu 1 1: B\n1\n"
        for name in (
            "Đỗ Quang Thấm",
            "Đỗ Đức Hà",
            "Lê Văn Hùng",
            "Nguyễn Văn Sơn",
            "Trần Thị Thu",
            "Vũ Thị Yến",
        )
    )
    + ":as Đỗ Quang Thấm\n:group\n/binhxet 1 dong\n:quit\n"
)


async def console(folder: Path, script: str) -> list[str]:
    """`blocbot console --demo` on a folder, typed into."""
    out: list[str] = []
    config = console_config(folder, "vi")
    stream = io.StringIO(script)
    await run_console(
        config,
        lang="vi",
        out=folder,
        preload=load_demo_bloc,
        stream=stream,
        write=out.append,
        clock=FakeClock(START),
    )
    return out


async def test_console_demo_minutes_after_a_restart(tmp_path: Path) -> None:
    first = "\n".join(await console(tmp_path, CONSOLE_VOTE))
    codes = {
        who: CODE.findall(first.split(f"[{who}] blocbot: 🔑")[1])[0] for who in ("Đỗ Quang Thấm", "Đỗ Đức Hà")
    }
    # started again on the same folder: the demo bloc is there, the console writes in its group
    second = (
        f":as Đỗ Quang Thấm\n:private\n/kiemphieu {codes['Đỗ Quang Thấm']}\n"
        f":as Đỗ Đức Hà\n:private\n/kiemphieu {codes['Đỗ Đức Hà']}\n"
        f":as Đỗ Quang Thấm\n:group\n/binhxet 1 bienban {PLACE} | {SECRETARY}\n:quit\n"
    )
    text = "\n".join(await console(tmp_path, second))
    assert "chưa được thiết lập" not in text
    saved = sorted(tmp_path.glob("bien-ban-kiem-phieu-*.docx"))
    assert len(saved) == 1 and str(saved[0]) in text
    doc = open_docx(saved[0].read_bytes())
    body = everything(doc)
    assert (
        "- Chủ trì: Đỗ Quang Thấm, đại diện Bộ Chỉ huy Bộ đội Biên phòng tỉnh (đơn vị Khối trưởng)." in body
    )
    assert "1. Cờ thi đua của UBND tỉnh: Công an tỉnh (6 phiếu, đạt 75,0%)." in body
    assert signers(doc, SIGN_VI)[:2] == [("THƯ KÝ", SECRETARY), ("CHỦ TRÌ", "Đỗ Quang Thấm")]
