"""The Teams part of the bot's web server: ``POST /api/messages``.

The route is thin: it hands the request to botbuilder's ``CloudAdapter``, which checks the Bot
Framework token (with an app id configured) and runs the bot. Without an app id — local
development, as with the Bot Framework Emulator — there is no token to check, so only requests
from this machine are accepted.
"""

from __future__ import annotations

import ipaddress
import logging
from dataclasses import dataclass

from aiohttp import web
from azure.core.exceptions import DeserializationError
from botbuilder.core import BotAdapter
from botbuilder.integration.aiohttp import (
    CloudAdapter,
    ConfigurationBotFrameworkAuthentication,
)

from bot.settings import TeamsSettings

from ..downloads import Downloads
from ..runtime import Runtime
from ._activities import PLATFORM
from ._bot import Background, TeamsBot
from ._members import MemberDirectory, MemberLookup
from ._surface import TeamsSurface

__all__ = [
    "MESSAGES_PATH",
    "TeamsPart",
    "TeamsSetupError",
    "build_bot",
    "create_adapter",
    "is_local_request",
]

logger = logging.getLogger(__name__)

MESSAGES_PATH = "/api/messages"


class TeamsSetupError(ValueError):
    """The Teams settings are incomplete; the message names the settings to add."""


@dataclass(frozen=True)
class _AuthConfig:
    """The attribute names botbuilder's configuration reader looks for, built per part."""

    APP_ID: str | None
    APP_PASSWORD: str | None
    APP_TENANTID: str | None
    APP_TYPE: str


def _auth_config(settings: TeamsSettings) -> _AuthConfig:
    if not settings.app_id:  # botbuilder then skips token validation: local development only
        return _AuthConfig(None, None, None, "MultiTenant")
    password = settings.app_password.get_secret_value() if settings.app_password else None
    missing = []
    if settings.app_type in {"SingleTenant", "MultiTenant"} and not password:
        missing.append("ATBOT_TEAMS__APP_PASSWORD (the app registration's client secret)")
    if settings.app_type in {"SingleTenant", "UserAssignedMSI"} and not settings.tenant_id:
        missing.append("ATBOT_TEAMS__TENANT_ID (the directory (tenant) id)")
    if missing:
        raise TeamsSetupError(
            f"Teams is set up as {settings.app_type} but {' and '.join(missing)} is not set."
        )
    return _AuthConfig(settings.app_id, password, settings.tenant_id, settings.app_type)


def create_adapter(settings: TeamsSettings) -> CloudAdapter:
    return CloudAdapter(ConfigurationBotFrameworkAuthentication(_auth_config(settings)))


def is_local_request(request: web.Request) -> bool:
    """From this machine and not relayed by a proxy (which would hide the real sender)."""
    if "Forwarded" in request.headers or "X-Forwarded-For" in request.headers:
        return False
    try:
        return ipaddress.ip_address(request.remote or "").is_loopback
    except ValueError:
        return False


def build_bot(
    runtime: Runtime,
    adapter: BotAdapter,
    *,
    downloads: Downloads | None = None,
    members: MemberLookup | None = None,
) -> TeamsBot:
    """The bot and its surface on ``adapter`` (any botbuilder adapter, e.g. a TestAdapter)."""
    surface = TeamsSurface(
        adapter,
        runtime.db.references,
        app_id=runtime.settings.teams.app_id,
        downloads=downloads,
    )
    bot = TeamsBot(
        runtime.engine,
        runtime.db.references,
        surface,
        members=members or MemberDirectory(),
        background=Background(surface),
    )
    adapter.on_turn_error = bot.on_error
    return bot


class TeamsPart:
    name = "teams"

    def __init__(self, runtime: Runtime, *, downloads: Downloads | None = None) -> None:
        self.runtime = runtime
        self.adapter = create_adapter(runtime.settings.teams)
        self.bot = build_bot(runtime, self.adapter, downloads=downloads)
        self.surface: TeamsSurface = self.bot.surface
        self._local_only = not runtime.settings.teams.app_id

    def install(self, app: web.Application) -> None:
        app.router.add_post(MESSAGES_PATH, self._messages)

    async def start(self) -> None:
        self.runtime.surfaces[PLATFORM] = self.surface
        if self._local_only:
            logger.warning(
                "Teams runs without an app id: %s accepts requests from this machine only",
                MESSAGES_PATH,
            )

    async def stop(self) -> None:
        await self.bot.background.close()
        if self.runtime.surfaces.get(PLATFORM) is self.surface:
            del self.runtime.surfaces[PLATFORM]

    async def drain(self) -> None:
        """Wait for the replies and clicks in progress (tests, and an orderly shutdown)."""
        await self.bot.background.drain()

    async def _messages(self, request: web.Request) -> web.StreamResponse:
        if self._local_only and not is_local_request(request):
            raise web.HTTPForbidden(
                text="This bot has no Teams app id configured and accepts local requests only."
            )
        if request.content_type != "application/json":
            raise web.HTTPUnsupportedMediaType(text="Send a Bot Framework activity as JSON.")
        try:
            response = await self.adapter.process(request, self.bot)
        except (ValueError, DeserializationError) as exc:
            raise web.HTTPBadRequest(text="The body is not a Bot Framework activity.") from exc
        return response if response is not None else web.Response(status=201)
