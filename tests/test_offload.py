"""Rendering in the worker process: another process, same result, and the chart cache there."""

from __future__ import annotations

import os

from bot.core.offload import in_worker, warm
from bot.polls.charts import Bar, Chart, Panel, bar_chart


async def test_work_runs_in_another_process_and_gives_the_same_bytes() -> None:
    warm()
    assert await in_worker(os.getpid) != os.getpid()
    chart = Chart(
        "#1 Bình xét — vòng 1",
        (Panel("1. Cờ thi đua", (Bar("Sở Tư pháp", 5, True), Bar("Sở Y tế", 2, False)), 4, 8),),
        "Số phiếu",
        "Số phiếu cần đạt",
    )
    drawn = await in_worker(bar_chart, chart)
    assert drawn.startswith(b"\x89PNG") and drawn == bar_chart(chart)
