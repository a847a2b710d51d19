"""The Slack part of the bot's web server: HTTP mode (``POST /slack/events``, signatures and
shapes checked before bolt sees a request) or Socket Mode (an outgoing WebSocket with the
app-level token)."""

from __future__ import annotations

import asyncio
import logging
import time

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_sdk.errors import SlackApiError

from ..downloads import Downloads
from ..runtime import Runtime
from ._app import SlackBot
from ._payloads import PLATFORM
from ._requests import parse_body, signature_ok
from ._surface import slack_error

__all__ = ["EVENTS_PATH", "SlackPart"]

logger = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"


class SlackPart:
    """Slack for ``atbot run``; registers its surface as ``runtime.surfaces["slack"]``."""

    name = "slack"

    def __init__(self, runtime: Runtime, *, downloads: Downloads | None = None) -> None:
        self.settings = runtime.settings.slack
        self.bot = SlackBot(runtime, downloads=downloads)
        runtime.surfaces[PLATFORM] = self.bot.surface
        self._session: aiohttp.ClientSession | None = None
        self._socket: AsyncSocketModeHandler | None = None
        self._connecting: asyncio.Task[None] | None = None

    def install(self, app: web.Application) -> None:
        if self.settings.mode == "http":
            app.router.add_post(EVENTS_PATH, self._events)

    async def start(self) -> None:
        self._session = aiohttp.ClientSession()
        self.bot.client.session = self._session
        try:  # early, so that the first events need not wait; a failure is retried on use
            await self.bot.identity()
        except SlackApiError as exc:
            logger.error("Slack refused the bot token (%s); check ATBOT_SLACK__BOT_TOKEN (xoxb-…)",
                         slack_error(exc))  # fmt: skip
        except (aiohttp.ClientError, OSError) as exc:
            logger.error("Slack is not reachable yet (%s)", type(exc).__name__)
        if self.settings.mode != "socket":
            return
        if self.settings.app_token is None:
            raise ValueError("Socket Mode needs an app-level token: set ATBOT_SLACK__APP_TOKEN")
        self._socket = AsyncSocketModeHandler(
            self.bot.app, self.settings.app_token.get_secret_value(), web_client=self.bot.client
        )
        self._connecting = asyncio.get_running_loop().create_task(
            self._connect(self._socket), name="slack-socket-mode"
        )

    async def _connect(self, socket: AsyncSocketModeHandler) -> None:
        """Connect in the background: the client retries by itself until Slack accepts the
        app-level token (each failed try is logged), so the web server starts regardless."""
        started = time.perf_counter()
        await socket.connect_async()  # type: ignore[no-untyped-call]
        ms = (time.perf_counter() - started) * 1000
        logger.info("Slack Socket Mode connected (%.0f ms)", ms)

    async def stop(self) -> None:
        if self._connecting is not None:
            self._connecting.cancel()
            await asyncio.gather(self._connecting, return_exceptions=True)
        if self._socket is not None:
            await self._socket.close_async()  # type: ignore[no-untyped-call]
        await self.bot.work.close()
        if self._session is not None:
            await self._session.close()
            self.bot.client.session = None

    async def _events(self, request: web.Request) -> web.Response:
        """Verified first (401), then shaped (400); only then does bolt get the request."""
        raw = await request.read()
        secret = self.settings.signing_secret
        if secret is None or not signature_ok(
            secret.get_secret_value(), raw, request.headers, now=time.time()
        ):
            self.bot.runtime.engine.metrics.count("slack_requests_unverified")
            logger.warning("refused a Slack request without a valid signature")
            return web.Response(status=401, text="The request is not signed by Slack.")
        if parse_body(raw) is None:
            self.bot.runtime.engine.metrics.count("slack_requests_malformed")
            logger.warning("refused a signed Slack request whose body has no known shape")
            return web.Response(status=400, text="The body is not a Slack request.")
        response = await self.bot.app.async_dispatch(await to_bolt_request(request))
        return await to_aiohttp_response(response)
