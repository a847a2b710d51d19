"""Background work after an ack: a burst is acknowledged before its work starts; nothing is lost."""

from __future__ import annotations

import asyncio
import logging

import pytest

from adapters.slack._work import Background


async def test_work_waits_for_the_burst_to_end_and_all_of_it_runs() -> None:
    work = Background(quiet=0.01, max_wait=5.0)
    started: list[int] = []

    async def turn(n: int) -> None:
        started.append(n)

    for n in range(3):
        work.spawn(turn(n), name=f"turn-{n}")
        await asyncio.sleep(0)  # the loop runs between requests of a burst
    assert started == [] and len(work) == 3, "no work starts while requests keep coming"
    await work.drain()
    assert sorted(started) == [0, 1, 2] and len(work) == 0


async def test_a_failing_task_is_logged_and_closing_cancels_what_is_left(
    caplog: pytest.LogCaptureFixture,
) -> None:
    work = Background(quiet=0.0, max_wait=0.0)
    forever = asyncio.Event()

    async def broken() -> None:
        raise RuntimeError("boom")

    async def stuck() -> None:
        await forever.wait()

    work.spawn(broken(), name="broken")
    work.spawn(stuck(), name="stuck")
    await work.close(grace=0.05)
    assert len(work) == 0
    assert any("broken" in r.getMessage() for r in caplog.records if r.levelno == logging.ERROR)
