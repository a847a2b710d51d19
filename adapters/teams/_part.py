"""The Teams part of the bot's web server: ``POST /api/messages``.

The route is thin: with an app id configured it checks the Bot Framework token itself
(``ChannelTokens``: any fault is a 401, never a traceback) and hands the verified activity to
botbuilder's ``CloudAdapter``. Without an app id — local development, as with the Bot Framework
Emulator — there is no token to check, so only requests from this machine are accepted.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import partial
from typing import Any

from aiohttp import web
from azure.core.exceptions import DeserializationError
from botbuilder.core import BotAdapter, serializer_helper
from botbuilder.core.bot_framework_adapter import CallerIdConstants
from botbuilder.integration.aiohttp import (
    CloudAdapter,
    ConfigurationBotFrameworkAuthentication,
    ConfigurationServiceClientCredentialFactory,
)
from botbuilder.schema import Activity
from botframework.connector.auth import (
    AuthenticateRequestResult,
    AuthenticationConstants,
    ServiceClientCredentialsFactory,
)

from bot.settings import TeamsSettings

from ..downloads import Downloads
from ..loopback import is_local_request
from ..runtime import Runtime
from ._activities import PLATFORM
from ._auth import ChannelTokens, SharedCredentials, Unauthorized
from ._bot import Background, TeamsBot
from ._members import MemberDirectory, MemberLookup
from ._personal import Addresses
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


def create_adapter(
    settings: TeamsSettings, *, credentials: ServiceClientCredentialsFactory | None = None
) -> CloudAdapter:
    """botbuilder's adapter with one credentials object (and token cache) for the process;
    ``credentials`` replaces botbuilder's factory that makes them (tests)."""
    config = _auth_config(settings)
    credentials = SharedCredentials(
        credentials or ConfigurationServiceClientCredentialFactory(config)
    )
    auth = ConfigurationBotFrameworkAuthentication(config, credentials_factory=credentials)
    return CloudAdapter(auth)


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
        addresses=runtime.db.addresses,
        app_id=runtime.settings.teams.app_id,
        downloads=downloads,
        plans=runtime.db.plans,
    )
    bot = TeamsBot(
        runtime.engine,
        runtime.db.references,
        surface,
        members=members or MemberDirectory(),
        background=Background(surface),
        addresses=Addresses(runtime.db.addresses),
        first_delivery=partial(runtime.first_delivery, PLATFORM),
    )
    adapter.on_turn_error = bot.on_error
    return bot


class TeamsPart:
    name = "teams"

    def __init__(
        self,
        runtime: Runtime,
        *,
        downloads: Downloads | None = None,
        credentials: ServiceClientCredentialsFactory | None = None,
    ) -> None:
        self.runtime = runtime
        self.adapter = create_adapter(runtime.settings.teams, credentials=credentials)
        self.bot = build_bot(runtime, self.adapter, downloads=downloads)
        self.surface: TeamsSurface = self.bot.surface
        teams = runtime.settings.teams
        self._local_only = not teams.app_id
        self.tokens = (
            ChannelTokens(teams.app_id, metadata_url=teams.openid_metadata_url)
            if teams.app_id
            else None
        )

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
        if self.tokens is None:
            return await self._process_local(request)
        activity = await _activity_of(request)
        try:
            identity = await self.tokens.identity(
                request.headers.get("Authorization"),
                channel_id=activity.channel_id,
                service_url=activity.service_url,
            )
        except Unauthorized as exc:
            self.runtime.engine.metrics.count("teams_requests_unauthorized")
            logger.warning("refused a Teams request: %s", exc)
            raise web.HTTPUnauthorized(text="The Bot Framework token is not valid.") from None
        auth = self.adapter.bot_framework_authentication
        verified = AuthenticateRequestResult()
        verified.claims_identity = identity
        verified.audience = AuthenticationConstants.TO_CHANNEL_FROM_BOT_OAUTH_SCOPE
        verified.caller_id = CallerIdConstants.public_azure_channel
        verified.connector_factory = auth.create_connector_factory(identity)
        invoke = await self.adapter.process_activity(verified, activity, self.bot.on_turn)
        if invoke:
            return web.json_response(data=_serialised(invoke.body), status=invoke.status)
        return web.Response(status=201)

    async def _process_local(self, request: web.Request) -> web.StreamResponse:
        """Like ``CloudAdapter.process``, but with invoke bodies serialised here (it answers a
        plain-dict body, as card actions return, with HTTP 500)."""
        activity = await _activity_of(request)
        auth = request.headers.get("Authorization", "")
        try:
            invoke = await self.adapter.process_activity(auth, activity, self.bot.on_turn)
        except PermissionError:
            raise web.HTTPUnauthorized(text="The Bot Framework token is not valid.") from None
        if invoke:
            return web.json_response(data=_serialised(invoke.body), status=invoke.status)
        return web.Response(status=201)


async def _activity_of(request: web.Request) -> Activity:
    """The activity of a POST, or 400 for a body that is not one."""
    try:
        body = await request.json()
        activity = Activity().deserialize(body) if isinstance(body, dict) else None
    except (ValueError, DeserializationError):
        activity = None
    if activity is None or not activity.type:
        raise web.HTTPBadRequest(text="The body is not a Bot Framework activity.")
    return activity


def _serialised(body: Any) -> Any:
    """An invoke body as JSON data: botbuilder models through its serializer, plain data as is."""
    if body is None or isinstance(body, dict | list | str | int | float | bool):
        return body
    return serializer_helper(body)
