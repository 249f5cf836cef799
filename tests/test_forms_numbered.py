"""Forms on a channel without buttons, through the console's input: a choice question's options
are numbered once ("1. Bóng đá", never "1. 1. Bóng đá"), the hints speak of numbers (not of
buttons), a wrong answer does not list the choices twice, several choices are typed as numbers,
yes/no is a number too; the same form keeps its numbered buttons on Telegram."""

from __future__ import annotations

import io
import re
from pathlib import Path

from bot.app import run_console
from bot.channels.numbered import numbered_text
from bot.cli import console_config
from bot.core.clock import FakeClock
from bot.core.messages import Button, Choices
from bot.demo.bloc import load_demo_bloc
from tests.conftest import CHAIR, GROUP
from tests.harness import START, BotHarness

SCRIPT = r"""
:as Đỗ Quang Thấm
/dangky tuychon Hội thao | 15/12/2026\
Môn thi đấu | chọn:Bóng đá,Cầu lông,Bóng chuyền\
Trưởng đoàn | chữ
/dangky danhhieu Đăng ký danh hiệu | 20/12/2026\
Cờ thi đua của Chính phủ\
Cờ thi đua của UBND tỉnh\
Bằng khen
/hop 8h00 16/12/2026 | Hội nghị tổng kết
/dangky thamdu 3 | 10/12/2026
:private
/nop 1
Bơi lội
3
Lê Văn An
/nop 2
7
1, 3
/nop 3
chắc
2
:quit
"""


async def console(folder: Path, script: str) -> list[str]:
    out: list[str] = []
    config = console_config(folder, "vi")
    await run_console(
        config,
        lang="vi",
        out=folder,
        stream=io.StringIO(script),
        write=out.append,
        clock=FakeClock(START),
        preload=load_demo_bloc,
    )
    return out


def private(lines: list[str]) -> str:
    """What the bot wrote in the private chat, prefixes stripped."""
    return "\n".join(re.sub(r"^(\[[^]]*\] blocbot: |\s+)", "", line) for line in lines)


async def test_choices_are_numbered_once_on_the_console(tmp_path: Path) -> None:
    text = private(await console(tmp_path, SCRIPT))
    assert not re.search(r"^\d+\. \d+\. ", text, re.MULTILINE)  # no "1. 1. Bóng đá"
    question = "Câu 1/2: Môn thi đấu\nVui lòng gửi số thứ tự của lựa chọn.\n1. Bóng đá\n2. Cầu lông\n3. Bóng chuyền\n4. Hủy"
    assert text.count(question) == 2  # asked, then asked again after the wrong answer
    assert '"Bơi lội" không nằm trong các lựa chọn.\nCác câu đã trả lời trước đó vẫn được giữ.' in text
    assert "Bấm" not in text  # no buttons to press here
    assert "• Môn thi đấu: Bóng chuyền" in text and "• Trưởng đoàn: Lê Văn An" in text

    # Several choices: listed once, typed as numbers; a wrong number asked again.
    titles = (
        "1. Cờ thi đua của Chính phủ\n2. Cờ thi đua của UBND tỉnh\n3. Bằng khen\nVui lòng gửi các số thứ tự"
    )
    assert text.count(titles) == 2 and "Xong" not in text
    assert "• Danh hiệu đơn vị đăng ký: Cờ thi đua của Chính phủ, Bằng khen" in text

    # Yes or no, by number.
    assert (
        "Câu 1/3: Đơn vị có tham dự không?\nVui lòng gửi số thứ tự của lựa chọn.\n1. Có\n2. Không\n3. Hủy"
        in text
    )
    assert "Vui lòng trả lời có hoặc không, hoặc gửi số thứ tự của câu trả lời." in text
    assert "• Đơn vị có tham dự không?: Không" in text


def test_a_label_that_carries_its_number_is_not_numbered_again() -> None:
    choices = Choices.of(
        [[Button("1. Bóng đá", "x:1")], [Button("2. Cầu lông", "x:2")], [Button("3", "x:3")]]
    )
    assert numbered_text(choices, "vi").split("\n")[:3] == ["1. Bóng đá", "2. Cầu lông", "3. 3"]
    shifted = Choices.of([[Button("2. Cầu lông", "x:2")]])
    assert numbered_text(shifted, "vi").split("\n")[0] == "1. 2. Cầu lông"  # not its own number: kept


async def test_telegram_keeps_numbered_buttons_and_lists_the_options(bot: BotHarness) -> None:
    await bot.send(CHAIR, GROUP, "/setup Khối thi đua số 3")
    await bot.send(CHAIR, GROUP, "/units add\nSở Tư pháp\nCông an tỉnh")
    await bot.send(CHAIR, GROUP, "/chair #1")
    await bot.send(CHAIR, CHAIR, "/start")
    await bot.send(CHAIR, GROUP, "/moi #1")
    (link,) = re.findall(r"start=(join_\w+)", bot.last_text(CHAIR))
    await bot.send(CHAIR, CHAIR, f"/start {link}")
    await bot.send(CHAIR, GROUP, "/form custom Hội thao | 15/12/2026\nMôn thi đấu | choice:Bóng đá,Cầu lông")
    await bot.send(CHAIR, CHAIR, "/submit 1")
    message = bot.emu.last(CHAIR)
    assert "1. Bóng đá\n2. Cầu lông\nBấm một nút, hoặc gửi số thứ tự của lựa chọn." in message.text
    labels = [b["text"] for row in message.reply_markup["inline_keyboard"] for b in row]
    assert labels[:2] == ["1. Bóng đá", "2. Cầu lông"]
