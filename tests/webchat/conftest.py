"""The demo (sandbox + bot + web chat) running in the test's own event loop, on free ports."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from adapters.demo import Demo, DemoOptions, run_demo
from bot.settings import Settings


@pytest.fixture
async def demo(tmp_path: Path) -> AsyncIterator[Demo]:
    """``atbot demo`` in-process: 300 tickets, no ticket generator (tests open tickets)."""
    options = DemoOptions(
        port=0, sandbox_port=0, data_dir=tmp_path / "data", tickets=300,
        new_ticket_seconds=0, poll_seconds=3600,
    )  # fmt: skip
    ready: asyncio.Future[Demo] = asyncio.get_running_loop().create_future()
    stop = asyncio.Event()

    async def on_ready(running: Demo) -> None:
        ready.set_result(running)

    base = Settings(_env_file=None)  # type: ignore[call-arg]
    task = asyncio.create_task(run_demo(options, base=base, until=stop.wait, on_ready=on_ready))
    done, _ = await asyncio.wait({task, ready}, timeout=60, return_when=asyncio.FIRST_COMPLETED)
    if task in done:
        task.result()  # raises what stopped the demo from starting
    assert ready in done, "the demo did not start within 60 s"
    try:
        yield ready.result()
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=30)
