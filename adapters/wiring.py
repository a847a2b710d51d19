"""Building the Autotask side from settings: a configured tenant, or the embedded sandbox."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from autotask import AutotaskClient, Credentials
from autotask.sandbox import Sandbox, SandboxConfig
from autotask.tools import Tenant, TicketDefaults
from bot.settings import Settings

__all__ = ["open_tenant"]


def _client(settings: Settings) -> AutotaskClient:
    at = settings.autotask
    assert at.username and at.secret and at.integration_code
    credentials = Credentials(
        username=at.username, secret=at.secret, integration_code=at.integration_code
    )
    return AutotaskClient(
        credentials,
        zone_url=at.zone_url,
        web_url=at.web_url,
        zone_lookup_url=at.zone_lookup_url,
        timeout=at.timeout_seconds,
        max_in_flight=at.max_in_flight,
    )


def _tenant(settings: Settings, client: AutotaskClient) -> Tenant:
    defaults = TicketDefaults(**settings.ticket_defaults.model_dump())
    return Tenant(
        client=client,
        impersonate=settings.autotask.impersonate,
        ticket_defaults=defaults,
        export_dir=settings.data_dir / "exports",
    )


@asynccontextmanager
async def open_tenant(
    settings: Settings, *, sandbox: SandboxConfig | None = None
) -> AsyncIterator[Tenant]:
    """The configured Autotask tenant; with none configured, an embedded sandbox on loopback."""
    if settings.autotask.configured:
        async with _client(settings) as client:
            yield _tenant(settings, client)
        return
    config = sandbox or SandboxConfig()
    async with Sandbox(config) as box:
        credentials = config.credentials()
        async with AutotaskClient(credentials, zone_url=box.api_url, web_url=box.web_url) as client:
            yield _tenant(settings, client)
