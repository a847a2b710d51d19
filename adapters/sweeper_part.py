"""The sweeper as a part of the web server: ``bot.sweeper.PlanSweeper`` runs while it serves."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta

from aiohttp import web

from bot.sweeper import PlanSweeper

from .runtime import Runtime

__all__ = ["SweeperPart"]


class SweeperPart:
    name = "sweeper"

    def __init__(self, runtime: Runtime, *, every: float | None = None) -> None:
        older_than = timedelta(seconds=runtime.settings.bot.recover_after_seconds)
        self.sweeper = PlanSweeper(
            runtime.tenant, runtime.db, runtime.surfaces, older_than=older_than, every=every
        )
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def install(self, app: web.Application) -> None:
        return None

    async def start(self) -> None:
        self._stopping.clear()
        self._task = asyncio.get_running_loop().create_task(
            self.sweeper.run(self._stopping), name="plan-sweeper"
        )

    async def stop(self) -> None:
        if self._task is not None:
            self._stopping.set()
            try:
                await asyncio.wait_for(asyncio.shield(self._task), timeout=10.0)
            except TimeoutError:
                self._task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._task
            self._task = None
        await self.sweeper.release()
