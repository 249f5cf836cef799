"""A bot killed (SIGKILL) at any moment of an OA token refresh is never locked out.

Zalo's refresh tokens are single-use: a refresh Zalo answered but the bot did not store would
leave it with a dead token. The bot runs as its own process (`blocbot run`, Zalo OA only) on a
real database, its time moved through the test-only clock file; the OA emulator lives in this
process and outlives every kill. Each round moves the time to just inside the refresh lead,
sends a group message that needs a token, and kills the bot at a different moment: before the
refresh, while Zalo holds the request, just after Zalo answered, or at a random instant. Then
the bot starts again and must answer the group with a token Zalo accepts, and Zalo must never
have refused a refresh token. `blocbot zalo login --refresh-token` seeds the first pair.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from bot.channels.zalo.oa_tokens import LEAD
from bot.emulators.zalo import ApiCall, ZaloOAEmulator
from tests.harness import START
from tests.procbot import until
from tests.zalo_harness import ZaloProc

GROUP, AN = "g-crash", "8001"


def grant_calls(oa: ZaloOAEmulator) -> list[ApiCall]:
    return [c for c in oa.calls if c.method == "access_token"]


def answered(oa: ZaloOAEmulator, before: int) -> Callable[[], bool]:
    return lambda: len(oa.sent_to_group(GROUP)) > before


async def test_sigkill_at_any_moment_of_a_refresh_never_locks_the_bot_out(tmp_path: Path) -> None:
    rng = random.Random(11)
    state: dict[str, datetime] = {}
    async with ZaloOAEmulator(clock=lambda: state["now"]) as oa:
        state["now"] = START
        bot = ZaloProc(tmp_path, oa)
        oa.set_webhook(f"http://127.0.0.1:{bot.port}/zalo/oa")
        code, out = await bot.cli("zalo", "login", "--refresh-token", stdin=oa.issue_refresh_token() + "\n")
        assert code == 0 and "logged in" in out, out
        await bot.start()
        try:
            kill_points = ["before", "in flight", "answered", "random", "in flight", "answered", "random"]
            for round_no, point in enumerate(kill_points):
                (expires,) = bot.rows("SELECT expires_at FROM zalo_oa_tokens WHERE retired_at IS NULL")[0]
                near = datetime.fromisoformat(str(expires)) - LEAD + timedelta(minutes=1)
                state["now"] = max(near, state["now"])
                bot.clock.set(state["now"])
                oa.latency = 0.3  # Zalo takes its time: a kill can land while it holds a request
                grants = len(grant_calls(oa))
                post = asyncio.create_task(oa.post_group_text(GROUP, AN, "/khoi"))
                if point == "in flight":
                    await until(lambda g=grants: len(grant_calls(oa)) > g)
                elif point == "answered":
                    await until(lambda g=grants: any(c.status is not None for c in grant_calls(oa)[g:]))
                elif point == "random":
                    await asyncio.sleep(rng.uniform(0.0, 1.2))
                bot.kill()
                await post
                oa.latency = 0.0
                await bot.start()  # waits for a courier the killed bot left, if any
                before = len(oa.sent_to_group(GROUP))
                await oa.post_group_text(GROUP, AN, "/khoi")
                await until(answered(oa, before), 20.0, f"an answer after kill {round_no} ({point})")
                assert oa.tokens.rejected_count == 0, bot.logs()
            # Every access token Zalo gave is now dead: only a good refresh token can help.
            oa.expire_access_tokens()
            before = len(oa.sent_to_group(GROUP))
            await oa.post_group_text(GROUP, AN, "/khoi")
            await until(answered(oa, before), 20.0, "an answer with a freshly refreshed token")
            assert oa.tokens.rejected_count == 0 and oa.refresh_count >= len(kill_points)
        finally:
            if bot.proc is not None:
                bot.kill()
        await until(
            lambda: bot.rows("SELECT COUNT(*) FROM zalo_oa_refreshes WHERE finished_at IS NULL") == [(0,)]
        )
        assert bot.rows("PRAGMA integrity_check") == [("ok",)]
        assert bot.rows("SELECT COUNT(*) FROM zalo_oa_tokens WHERE retired_at IS NULL") == [(1,)]
