"""The rendering worker (bot/core/offload.py): a real process with limits; a failure of the
worker fails only its job (an apology in the chat), the next job gets a fresh worker."""

from __future__ import annotations

import asyncio
import io
import os
import signal
import time
from collections.abc import Iterator

import pytest
from openpyxl import load_workbook

from bot.core import offload
from bot.core.offload import Worker, WorkFailed, in_worker, warm
from bot.polls.charts import Bar, Chart, Panel, bar_chart
from tests.conftest import CHAIR, GROUP
from tests.harness import BotHarness


@pytest.fixture
def worker() -> Iterator[Worker]:
    made = Worker(seconds=20.0)
    yield made
    made.shutdown()


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


async def started(worker: Worker) -> int:
    """Until the worker process runs; its pid."""
    future = worker.warm()
    assert future is not None
    assert await asyncio.wrap_future(future) is True
    pid = worker.pid()
    assert pid is not None
    return pid


async def test_a_killed_worker_fails_only_its_job_and_the_next_gets_a_fresh_one(worker: Worker) -> None:
    first = await started(worker)
    job = asyncio.ensure_future(worker.run(time.sleep, 30))
    await asyncio.sleep(0)  # the job is handed to the worker
    os.kill(first, signal.SIGKILL)  # mid-render
    with pytest.raises(WorkFailed) as failed:
        await job
    assert failed.value.reason == "died"
    assert await worker.run(sum, [1, 2, 3]) == 6  # the bot goes on, in a new worker
    assert worker.restarts == 1 and worker.pid() not in (None, first)


async def test_a_job_over_its_time_is_killed_with_its_worker(worker: Worker) -> None:
    first = await started(worker)
    worker.seconds = 0.2
    with pytest.raises(WorkFailed) as failed:
        await worker.run(time.sleep, 30)
    assert failed.value.reason == "timeout"
    worker.seconds = 20.0
    assert await worker.run(max, [4, 9]) == 9
    assert worker.pid() != first


async def test_a_job_over_its_memory_fails_and_the_worker_stays(worker: Worker) -> None:
    first = await started(worker)
    with pytest.raises(WorkFailed) as failed:
        await worker.run(bytearray, 4 << 30)  # 4 GB: over the address-space limit
    assert failed.value.reason == "memory"
    assert await worker.run(len, "abc") == 3
    assert worker.pid() == first and worker.restarts == 0


async def test_more_jobs_than_the_queue_holds_are_refused_at_once() -> None:
    small = Worker(seconds=20.0, queue=1)
    try:
        await started(small)
        running = asyncio.ensure_future(small.run(time.sleep, 1))
        await asyncio.sleep(0)
        waiting = asyncio.ensure_future(small.run(len, "ab"))
        await asyncio.sleep(0)
        with pytest.raises(WorkFailed) as refused:
            await small.run(len, "abc")
        assert refused.value.reason == "busy"
        await running
        assert await waiting == 2
    finally:
        small.shutdown()


async def test_an_export_whose_worker_is_killed_is_an_apology_and_the_next_works(bloc: BotHarness) -> None:
    bot_worker = offload.worker()
    limit = bot_worker.seconds
    bot_worker.seconds = 0.0001  # the worker is killed before it can answer
    try:
        await bloc.send(CHAIR, GROUP, "/export roster")
    finally:
        bot_worker.seconds = limit
    apology = bloc.last_text(GROUP)
    assert "chưa làm xong tệp" in apology and "thử lại sau vài phút" in apology
    await bloc.send(CHAIR, GROUP, "/export roster")
    sent = bloc.emu.last(GROUP)
    assert sent is not None and sent.document is not None
    rows = list(load_workbook(io.BytesIO(sent.document.data)).active.iter_rows(values_only=True))
    assert rows[1][:3] == ("STT", "Đơn vị", "Vai trò")
