"""``atbot run``: the bot's web server with every part its settings enable."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web

from autotask.sandbox import SandboxConfig
from bot.recovery import recover_interrupted
from bot.settings import Settings

from .downloads import Downloads
from .heap import settle_heap
from .loopback import is_loopback
from .ops import OpsPart
from .runtime import Runtime, open_runtime
from .sweeper_part import SweeperPart
from .web import WebPart, build_app, running_app

__all__ = ["add_run_command", "make_parts", "serve", "webchat_allowed"]

logger = logging.getLogger(__name__)


def make_parts(runtime: Runtime, downloads: Downloads) -> list[WebPart]:
    """The parts the settings ask for; platform SDKs are imported only when enabled."""
    settings = runtime.settings
    parts: list[WebPart] = [OpsPart(runtime), downloads]
    if settings.slack.configured:
        from .slack import SlackPart

        parts.append(SlackPart(runtime, downloads=downloads))
    if settings.teams.configured:
        from .teams import TeamsPart

        parts.append(TeamsPart(runtime, downloads=downloads))
    if settings.webchat.enabled and webchat_allowed(settings):
        from .webchat import WebChatPart

        parts.append(WebChatPart(runtime, downloads=downloads))
    if settings.alerts.enabled:
        from .alerts_part import AlertsPart

        parts.append(AlertsPart(runtime))
    parts.append(SweeperPart(runtime))
    return parts


def webchat_allowed(settings: Settings) -> bool:
    """The web chat has no login: only on a loopback host, and only when acknowledged."""
    if not is_loopback(settings.server.host):
        logger.error(
            "the web chat is off: it has no login and the server listens on %s; it runs only "
            "on 127.0.0.1, ::1 or localhost (ATBOT_SERVER__HOST)",
            settings.server.host,
        )
        return False
    if not settings.webchat.acknowledge_no_login:
        logger.error(
            "the web chat is off: it has no login, so anyone who reaches this machine's port "
            "(a reverse proxy on this host too) could act as any technician; set "
            "ATBOT_WEBCHAT__ACKNOWLEDGE_NO_LOGIN=true to serve it on loopback anyway"
        )
        return False
    return True


async def serve(
    settings: Settings,
    *,
    sandbox: SandboxConfig | None = None,
    until: Callable[[], Awaitable[None]] | None = None,
    on_ready: Callable[[Runtime, str], Awaitable[None]] | None = None,
) -> None:
    """Run the server until ``until`` returns (default: SIGINT/SIGTERM)."""
    async with open_runtime(settings, sandbox=sandbox) as runtime:
        public = settings.server.public_url
        address: dict[str, str] = {}
        key = settings.server.download_key
        downloads = Downloads(
            runtime.db.exports,
            base_url=lambda: public or address.get("url", ""),
            key=key.get_secret_value().encode() if key is not None else None,
            ttl_seconds=settings.server.download_ttl_minutes * 60,
            staging=runtime.tenant.export_dir,
            public=public is not None,
        )
        app: web.Application = build_app(runtime, make_parts(runtime, downloads))
        async with running_app(app, settings.server.host, settings.server.port) as url:
            address["url"] = url
            logger.info("atbot listening on %s", url)
            await _settle_interrupted(runtime)
            if on_ready is not None:
                await on_ready(runtime, url)
            await (until or _until_signalled)()


async def _settle_interrupted(runtime: Runtime) -> None:
    """Plans a crashed process left half-applied get their true outcome (never a retry)."""
    try:
        await recover_interrupted(
            runtime.tenant,
            runtime.db,
            runtime.surfaces,
            now=datetime.now(UTC),
            older_than=timedelta(seconds=runtime.settings.bot.recover_after_seconds),
        )
    except Exception:
        logger.exception("settling interrupted plans failed; they stay 'applying'")


async def _until_signalled() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    await stop.wait()


def _cmd_run(args: argparse.Namespace) -> int:
    settings = Settings()
    if args.port is not None:
        settings.server.port = args.port
    settle_heap()  # the imported libraries are never collected again
    asyncio.run(serve(settings))
    return 0


def add_run_command(commands: Any) -> None:
    run = commands.add_parser(
        "run", help="run the bot (Slack, Teams, web chat, alerts per settings)"
    )
    run.add_argument(
        "--port", type=int, default=None, help="port (default ATBOT_SERVER__PORT, 3978)"
    )
    run.set_defaults(handler=_cmd_run)
