"""Files reach Zalo users as signed, expiring links served by the bot's one web server: a link
names its file and serves it; a link with any part changed, or past its expiry, serves nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, quote, urlparse

import httpx
import pytest

from bot.core.messages import OutFile, Reply
from tests.zalo_harness import ZaloHarness

AN, GROUP = "5101", "g-files"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


@pytest.fixture
async def z(tmp_path: Path) -> AsyncIterator[ZaloHarness]:
    async with ZaloHarness(tmp_path, groups=True, web=True) as harness:
        await harness.say(AN, "/taokhoi Khối thi đua số 3", chat_id=GROUP, chat_type="GROUP")
        await harness.say(AN, "/hop 08:00 20/12/2026 | Hội nghị sơ kết", chat_id=GROUP, chat_type="GROUP")
        yield harness


def link_in(texts: list[str]) -> str:
    (line,) = [t for t in texts if "📎" in t and "/f/" in t]
    return line.split(": ", 1)[1].split(" ", 1)[0]


async def test_a_file_is_a_link_that_names_it_and_serves_it(z: ZaloHarness) -> None:
    await z.say(AN, "/ics", chat_id=GROUP, chat_type="GROUP")
    text = next(t for t in z.bot_texts(GROUP) if "📎" in t)
    assert "(đường dẫn dùng được đến" in text and "28/11/2026" in text  # 7 days
    url = link_in(z.bot_texts(GROUP))
    assert urlparse(url).path.endswith(".ics") and url.startswith(f"http://127.0.0.1:{z.port}/f/")
    async with httpx.AsyncClient() as client:
        got = await client.get(url)
    assert got.status_code == 200 and got.content.startswith(b"BEGIN:VCALENDAR")
    assert got.headers["content-type"].startswith("text/calendar")
    assert "attachment" in got.headers["content-disposition"] and ".ics" in got.headers["content-disposition"]
    assert got.headers["cache-control"] == "private, no-store"


async def test_nothing_is_served_without_a_valid_signature_or_after_expiry(z: ZaloHarness) -> None:
    await z.say(AN, "/ics", chat_id=GROUP, chat_type="GROUP")
    url = link_in(z.bot_texts(GROUP))
    parsed = urlparse(url)
    query = {k: v[0] for k, v in parse_qs(parsed.query).items()}
    _, _, file_id, name = parsed.path.split("/")
    base = f"{parsed.scheme}://{parsed.netloc}/f"
    sig, exp = query["s"], int(query["e"])
    flipped = ("A" if sig[0] != "A" else "B") + sig[1:]
    other_id = ("A" if file_id[0] != "A" else "B") + file_id[1:]
    forged = [
        f"{base}/{file_id}/{name}",  # no signature
        f"{base}/{file_id}/{name}?e={exp}",
        f"{base}/{file_id}/{name}?e={exp}&s={flipped}",
        f"{base}/{file_id}/{name}?e={exp + 86400}&s={sig}",  # a longer life
        f"{base}/{file_id}/{quote('khác.ics')}?e={exp}&s={sig}",  # another name
        f"{base}/{other_id}/{name}?e={exp}&s={sig}",  # another file
    ]
    async with httpx.AsyncClient() as client:
        for attempt in forged:
            refused = await client.get(attempt)
            assert refused.status_code == 403 and b"VCALENDAR" not in refused.content, attempt
        assert (await client.get(f"{base}/x/{name}?e={exp}&s={sig}")).status_code == 404
        assert (await client.post(url, content=b"")).status_code == 405
        assert (await client.get(url)).status_code == 200
        z.clock.advance(timedelta(days=7))
        expired = await client.get(url)
        assert expired.status_code == 410 and b"VCALENDAR" not in expired.content
    # The next file published clears the expired one from the database.
    await z.say(AN, "/ics", chat_id=GROUP, chat_type="GROUP")
    assert z.rows("SELECT COUNT(*) FROM file_links") == [(1,)]


async def test_a_picture_is_also_shown_by_url(z: ZaloHarness) -> None:
    assert z.zalo is not None and z.zalo.bot_channel is not None
    (chat,) = z.rows("SELECT chat_id FROM zalo_chats WHERE is_group = 1")
    await z.zalo.bot_channel.send(
        int(chat[0]), Reply("Biểu đồ", files=(OutFile(PNG, "bieu-do.png", image=True),))
    )
    assert z.bot_emu is not None
    (photo,) = z.bot_emu.calls_to("sendPhoto")
    assert photo["photo"] == link_in(z.bot_texts(GROUP))
    async with httpx.AsyncClient() as client:
        got = await client.get(photo["photo"])
    assert got.content == PNG and got.headers["content-type"] == "image/png"
