"""`blocbot zalo login` and `blocbot zalo quota`, run as the operator runs them (their own process)."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlparse

from bot.channels.zalo.admin import code_from
from bot.emulators.zalo import ZaloOAEmulator
from tests.harness import START
from tests.procbot import ROOT
from tests.zalo_harness import REDIRECT, ZaloHarness, ZaloProc


def test_the_code_is_found_in_what_the_admin_pastes() -> None:
    assert code_from(f"{REDIRECT}?code=abc-123&oa_id=99&state=x") == "abc-123"
    assert code_from("  abc-123\n") == "abc-123"


async def test_login_by_consent_with_pkce(tmp_path: Path) -> None:
    async with ZaloOAEmulator(clock=lambda: START) as oa:
        bot = ZaloProc(tmp_path, oa)
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli", "--config", str(bot.config), "zalo", "login",
            cwd=ROOT, env=bot.env(), stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        assert proc.stdout is not None and proc.stdin is not None
        url = ""
        while "/v4/oa/permission" not in url:
            url = (await asyncio.wait_for(proc.stdout.readline(), 30)).decode().strip()
        query = parse_qs(urlparse(url).query)
        assert query["app_id"] == [oa.app_id] and query["redirect_uri"] == [REDIRECT] and query["state"]
        code = oa.issue_auth_code(query["code_challenge"][0])  # the admin consents
        proc.stdin.write(f"{REDIRECT}?code={code}&oa_id={oa.oa_id}\n".encode())
        await proc.stdin.drain()
        out = (await asyncio.wait_for(proc.stdout.read(), 30)).decode()
        assert await proc.wait() == 0 and "logged in" in out, out
        ((access,),) = bot.rows("SELECT access_token FROM zalo_oa_tokens WHERE retired_at IS NULL")
        assert oa.tokens.access_valid(str(access)) and oa.tokens.code_exchange_count == 1


async def test_a_refused_login_is_one_line_and_stores_nothing(tmp_path: Path) -> None:
    async with ZaloOAEmulator(clock=lambda: START) as oa:
        bot = ZaloProc(tmp_path, oa)
        code, out = await bot.cli("zalo", "login", "--refresh-token", stdin="rt_forged\n")
        assert code == 1 and "Zalo refused: -14014" in out and "Traceback" not in out
        code, out = await bot.cli("zalo", "quota")
        assert code == 0 and "not logged in" in out
        assert bot.rows("SELECT COUNT(*) FROM zalo_oa_tokens") == [(0,)]


async def test_quota_prints_the_budget_and_the_kept_messages(tmp_path: Path) -> None:
    async with ZaloHarness(tmp_path, bot=False, oa=True) as z:
        assert z.oa_emu is not None
        await z.group_say("g1", "u1", "/taokhoi Khối thi đua số 3")
        await z.oa_say("u2", "/start")
        z.oa_emu.exhaust_quota()
        await z.group_say("g1", "u1", "/khoi")
        oa = z.oa_emu
        await z.stop_bot()
        code, out = await ZaloProc(tmp_path, oa).cli("zalo", "quota")
    assert code == 0, out
    assert (
        "group posts this month: 2" in out
        and "free replies sent this month (within 48 h of a person's message): 2" in out
    )
    assert "people in their free-reply window now: 1" in out
    assert "messages kept until Zalo takes them: 1" in out and "quota refused since: 21/11/2026" in out
