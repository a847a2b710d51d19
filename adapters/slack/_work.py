"""Work that runs after Slack has its acknowledgement: tracked tasks, drained on stop.

Acknowledgements come first in a burst too: a task waits until no new work has been handed over
for ``quiet`` seconds (at most ``max_wait``), so the event loop answers every request of a burst
before the turns' own work (identity, history, the model call) competes with it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Coroutine
from typing import Any

__all__ = ["Background"]

logger = logging.getLogger(__name__)


class Background:
    """Tasks started after an ack. Each task handles its own errors; a stray one is logged."""

    def __init__(self, *, quiet: float = 0.005, max_wait: float = 0.05) -> None:
        self._tasks: set[asyncio.Task[None]] = set()
        self._quiet = quiet
        self._max_wait = max_wait
        self._last_handover = 0.0
        self._calm = asyncio.Event()
        self._timer: asyncio.TimerHandle | None = None

    def __len__(self) -> int:
        return len(self._tasks)

    def spawn(self, work: Coroutine[Any, Any, None], *, name: str) -> None:
        loop = asyncio.get_running_loop()
        self._last_handover = loop.time()
        self._calm.clear()
        if self._timer is None:
            self._timer = loop.call_later(self._quiet, self._check_calm)
        task = loop.create_task(self._after_the_burst(work), name=name)
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _check_calm(self) -> None:
        loop = asyncio.get_running_loop()
        idle = loop.time() - self._last_handover
        if idle >= self._quiet:
            self._timer = None
            self._calm.set()
        else:
            self._timer = loop.call_later(self._quiet - idle, self._check_calm)

    async def _after_the_burst(self, work: Coroutine[Any, Any, None]) -> None:
        try:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._calm.wait(), self._max_wait)
        except asyncio.CancelledError:
            work.close()  # never started: nothing to clean up but the coroutine itself
            raise
        await work

    def _done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.error(
                "Slack background task %s failed", task.get_name(), exc_info=task.exception()
            )

    async def drain(self) -> None:
        """Wait until no task is running (tasks started meanwhile are waited for too)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def close(self, *, grace: float = 10.0) -> None:
        """Let running turns finish for up to ``grace`` seconds, then cancel the rest."""
        try:
            async with asyncio.timeout(grace):
                await self.drain()
        except TimeoutError:
            logger.warning("cancelling %d unfinished Slack tasks", len(self._tasks))
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
