"""The bot's one aiohttp web server, assembled from parts (Slack, Teams, web chat, alerts, ops…).

Each part adds its routes before the server starts (``install``), then runs its background work
between ``start`` and ``stop``. Parts that can post into a conversation register a ChatSurface in
``runtime.surfaces`` under their platform name, so alerts can reach every platform.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Protocol

from aiohttp import web

from .runtime import Runtime

__all__ = ["RUNTIME_KEY", "WebPart", "build_app", "running_app"]

logger = logging.getLogger(__name__)

RUNTIME_KEY: web.AppKey[Runtime] = web.AppKey("runtime", Runtime)
MAX_BODY = 1024 * 1024  # no platform sends more; larger bodies are refused before parsing


class WebPart(Protocol):
    name: str

    def install(self, app: web.Application) -> None:
        """Add routes (called once, before the server starts)."""
        ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


def build_app(runtime: Runtime, parts: Sequence[WebPart]) -> web.Application:
    app = web.Application(client_max_size=MAX_BODY)
    app[RUNTIME_KEY] = runtime
    for part in parts:
        part.install(app)

    async def start_parts(_: web.Application) -> None:
        for part in parts:
            await part.start()
            logger.info("started %s", part.name)

    async def stop_parts(_: web.Application) -> None:
        for part in reversed(parts):
            try:
                await part.stop()
            except Exception:
                logger.exception("stopping %s failed", part.name)

    app.on_startup.append(start_parts)
    app.on_cleanup.append(stop_parts)
    return app


@asynccontextmanager
async def running_app(app: web.Application, host: str, port: int) -> AsyncIterator[str]:
    """Serve ``app`` until the block ends; yields the base URL (port 0 picks a free one)."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    addresses = runner.addresses
    bound = int(addresses[0][1]) if addresses else port
    try:
        yield f"http://{host}:{bound}"
    finally:
        await runner.cleanup()
