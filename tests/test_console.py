"""The console, driven through its input as a newcomer would type: a bloc set up from nothing,
units, a meeting answered by number (also a stale number), a form answered privately, a secret
ballot by numbers and by text with its review, the close, a restart, the committee's codes and
the results: the bloc year through stdin."""

from __future__ import annotations

import io
import re
from pathlib import Path

from bot.app import run_console
from bot.cli import console_config
from bot.core.clock import FakeClock
from bot.demo.bloc import load_demo_bloc
from tests.harness import START

FIRST = r"""
:as Lan
/taokhoi Khối thi đua số 5
/donvi them \
Sở Tư pháp\
Công an tỉnh\
Thanh tra tỉnh
/khoitruong
1
/hop 8h00 20/12/2026 | Hội nghị tổng kết | Hội trường Sở Tư pháp | #1
7
1
/moi
:private
/start
:group
/moi
:quit
"""

# The console is started again (its database kept): numbers and join codes still work.
SECOND = r"""
:as Lan
:private
/thamgia {lan}
:as Minh
:private
/thamgia {minh}
:group
2
:as Lan
:group
1
/rsvp 1
/dangky camket Đăng ký thi đua 2027 | 30/12/2026
:as Minh
:private
/nop 1
Hoàn thành 100% chỉ tiêu
:quit
"""

# A poll: Minh votes by numbers (tick, review, send), Lan by text (shown back by name, then 1).
THIRD = r"""
:as Lan
:group
/binhxet Bình xét thi đua năm 2026\
Cờ thi đua của UBND tỉnh | 1
/binhxet 1 bankiemphieu #2
/binhxet 1 mo
:as Minh
:private
1
4
1
:as Lan
:private
/bophieu 1 1: cong an
1
:group
/binhxet 1 dong
:quit
"""

# Started again between the close and the count: the committee sends its codes again.
FOURTH = r"""
:as Lan
:private
/kiemphieu {lan}
:as Minh
:private
{minh}
:quit
"""
SHARE = re.compile(r"\b[0-9A-Z]{4}(?:-[0-9A-Z]{4}){7}\b")


async def demo_console(folder: Path, script: str) -> str:
    """`blocbot console --demo` on a folder, typed into; everything it printed."""
    out: list[str] = []
    await run_console(
        console_config(folder, "vi"),
        lang="vi",
        out=folder,
        preload=load_demo_bloc,
        stream=io.StringIO(script),
        write=out.append,
        clock=FakeClock(START),
    )
    return "\n".join(out)


async def drive(folder: Path, script: str) -> list[str]:
    out: list[str] = []
    config = console_config(folder, "vi")
    await run_console(
        config, lang="vi", out=folder, stream=io.StringIO(script), write=out.append, clock=FakeClock(START)
    )
    return out


async def test_a_newcomer_runs_a_bloc_in_the_console(tmp_path: Path) -> None:
    text = "\n".join(first := await drive(tmp_path, FIRST))
    assert 'Đã thiết lập "Khối thi đua số 5"' in text
    assert "Đã thêm 3 đơn vị" in text
    assert "1. #1 Sở Tư pháp" in text and "Trả lời 1, 2 hoặc 3." in text
    assert "Sở Tư pháp là đơn vị Khối trưởng năm 2026" in text
    assert "1. ✅ Tham dự" in text and "2. ❌ Vắng mặt" in text
    assert "Danh sách gần nhất không có lựa chọn số 7 (chỉ từ 1 đến 2)" in text  # a stale number
    assert "Chỉ người đại diện của đơn vị thành viên mới xác nhận được" in text  # Lan is no unit's yet
    codes = [m[1] for line in first if (m := re.search(r"/thamgia ([0-9A-Z]{4}-[0-9A-Z]{4})", line))]
    assert len(codes) == 3

    text = "\n".join(await drive(tmp_path, SECOND.format(lan=codes[0], minh=codes[1])))
    assert "Sở Tư pháp" in text and "Công an tỉnh" in text
    assert "Đã ghi nhận: Công an tỉnh vắng mặt." in text  # Minh's "2" on the card, after a restart
    assert "Đã ghi nhận: Sở Tư pháp tham dự." in text  # Lan's "1" on the same card
    assert "Tham dự (1)" in text and "Vắng mặt (1)" in text
    assert "Đăng ký chỉ tiêu thi đua #1" in text
    assert "Đã ghi nhận nội dung đăng ký của Công an tỉnh" in text
    assert (tmp_path / "blocbot-console.sqlite3").exists()

    text = "\n".join(await drive(tmp_path, THIRD))
    assert "Đã chọn: 1/1." in text and "4. Xem lại ▶" in text  # Minh ticks by number, reviews
    assert "🗳 Đã nhận phiếu của Công an tỉnh" in text
    review = text.split("> /bophieu 1 1: cong an", 1)[1]
    assert (
        review.index("☑ B. Công an tỉnh")
        < review.index("1. ✅ Gửi phiếu")
        < review.index("Đã nhận phiếu của Sở Tư pháp")
    )
    assert "Đã kết thúc bỏ phiếu" in text or "🔒" in text
    lan = SHARE.findall(text.split("[Lan] blocbot: 🔑", 1)[1])[0]
    minh = SHARE.findall(text.split("[trò chuyện riêng của Minh] blocbot: 🔑", 1)[1])[0]

    text = "\n".join(await drive(tmp_path, FOURTH.format(lan=lan, minh=minh)))
    assert "Tôi đã khởi động lại trước khi hòm phiếu" in text  # asked again after the restart
    results = text.split("📊 Kết quả bỏ phiếu kín #1", 1)[1]
    assert "thu về: 2; hợp lệ: 2" in results
    assert "Sở Tư pháp: 1 phiếu (33,3%)" in results and "Công an tỉnh: 1 phiếu (33,3%)" in results


async def test_console_refuses_text_before_a_name(tmp_path: Path) -> None:
    out = await drive(tmp_path, "/help\n:quit\n")
    assert any(":as" in line and "Lan" in line for line in out)


async def test_the_demo_console_starts_in_the_demo_blocs_group(tmp_path: Path) -> None:
    """`blocbot console --demo`, started a second time on its folder: ":group" is still the demo
    bloc's group (it was an empty group named "Khối thi đua", where /khoi said the group was no
    bloc yet)."""
    from bot.demo.bloc import GROUP_TITLE

    for _start in range(2):
        text = await demo_console(tmp_path, ":as Đỗ Quang Thấm\n:group\n/khoi\n/donvi\n:quit\n")
        assert f"nhóm {GROUP_TITLE}" in text
        assert "chưa được thiết lập" not in text
        assert "Thanh tra tỉnh" in text and "Đỗ Quang Thấm" in text


async def test_a_choice_typed_by_its_name_is_taken_and_nonsense_is_answered(tmp_path: Path) -> None:
    """Under a list the bot asked this person, a unit's name picks it (it was silence: no meeting,
    no reply); a text that names no choice is answered with how to reply, several with which."""
    script = (
        ":as Đỗ Quang Thấm\n:group\n/hop\n8h00 20/12/2026\nHội nghị sơ kết\nHội trường Công an tỉnh\n"
        "xin chào\nBộ Chỉ huy\ncong an tinh\n/lich\n:quit\n"
    )
    text = await demo_console(tmp_path, script)
    after_hello = text.split("> xin chào", 1)[1]
    assert "trả lời bằng số của một lựa chọn trong danh sách gần nhất (từ 1 đến 9)" in after_hello
    assert '"Bộ Chỉ huy" khớp với nhiều lựa chọn' in after_hello  # two units start so
    assert "Họp: Hội nghị sơ kết (Hội trường Công an tỉnh)" in text.split("> /lich", 1)[1]
    assert "Đơn vị đăng cai: Công an tỉnh" in text or "Công an tỉnh đăng cai" in text


async def test_a_form_card_leaves_the_meeting_cards_numbers_in_the_group(tmp_path: Path) -> None:
    """A card whose only choice is "answer privately" (a deep link on Telegram) is a command to
    type on the console and Zalo, not a numbered list: before, it took "1" from the meeting card,
    and a member's "1" to attend was answered with a greeting."""
    script = (
        ":as Đỗ Quang Thấm\n:group\n/hop 14h00 22/12/2026 | Họp giao ban\n"
        "/dangky camket Đăng ký thi đua 2027 | 17h00 30/12/2026\n:as Lê Văn Hùng\n:group\n1\n:quit\n"
    )
    text = await demo_console(tmp_path, script)
    assert "Trả lời riêng: anh/chị nhắn riêng cho tôi /start form_1" in text
    assert "Đã ghi nhận: Công an tỉnh tham dự." in text.split("Lê Văn Hùng @ Khối thi đua số 3 > 1", 1)[1]


async def test_a_new_name_in_the_demo_console_is_said_to_be_new(tmp_path: Path) -> None:
    """`:as Thấm` made a new person silently, who was then refused as no admin: now the console
    says so and names the people already there."""
    text = await demo_console(tmp_path, ":as Thấm\n:as Đỗ Quang Thấm\n:quit\n")
    new, known = text.split("> :as Đỗ Quang Thấm", 1)
    assert "(Thấm là người mới" in new and "Đỗ Quang Thấm, Đỗ Đức Hà" in new
    assert "người mới" not in known
