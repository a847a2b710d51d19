"""Building the Autotask side from settings: a configured tenant, or the embedded sandbox.

Which Autotask: the API user in the settings (``ATBOT_AUTOTASK__*``) first, else the one
``atbot connect`` stored encrypted in the database, else the embedded sandbox.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from pydantic import SecretStr

from autotask import AutotaskClient, Credentials
from autotask.sandbox import Sandbox, SandboxConfig
from autotask.tools import NoteDefaults, Tenant, TicketDefaults
from bot.settings import AutotaskSettings, Settings
from bot.storage import CredentialStore

__all__ = ["KEY_FILE", "STORED_AUTOTASK", "credential_key", "open_tenant"]

logger = logging.getLogger(__name__)

KEY_FILE = "credential.key"  # in the data folder, written by `atbot connect` when no key is set
STORED_AUTOTASK = "autotask"  # the credentials' name in the database


def credential_key(settings: Settings) -> bytes | None:
    """The Fernet key for stored credentials: ATBOT_CREDENTIAL_KEY, else data/credential.key."""
    if settings.credential_key is not None:
        return settings.credential_key.get_secret_value().encode()
    path = settings.data_dir / KEY_FILE
    return path.read_bytes().strip() if path.is_file() else None


async def _stored(settings: Settings, store: CredentialStore | None) -> AutotaskSettings | None:
    """The Autotask settings with the credentials `atbot connect` stored, if there are any."""
    if store is None or credential_key(settings) is None:
        return None
    saved = await store.get(STORED_AUTOTASK)
    if not saved or not all(saved.get(k) for k in ("username", "secret", "integration_code")):
        return None
    logger.info("using the Autotask API user stored by atbot connect (%s)", saved["username"])
    return settings.autotask.model_copy(
        update={
            "username": saved["username"],
            "secret": SecretStr(saved["secret"]),
            "integration_code": SecretStr(saved["integration_code"]),
            "zone_url": settings.autotask.zone_url or saved.get("zone_url") or None,
            "web_url": settings.autotask.web_url or saved.get("web_url") or None,
        }
    )


def _client(at: AutotaskSettings) -> AutotaskClient:
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


def _tenant(settings: Settings, client: AutotaskClient, *, embedded: bool = False) -> Tenant:
    chosen = settings.ticket_defaults.model_dump()
    chosen["closed_statuses"] = tuple(chosen["closed_statuses"])
    defaults = TicketDefaults(**chosen)
    return Tenant(
        client=client,
        impersonate=settings.autotask.impersonate,
        ticket_defaults=defaults,
        note_defaults=NoteDefaults(**settings.note_defaults.model_dump()),
        export_dir=settings.data_dir / "exports",
        embedded_sandbox=embedded,
        budget_soft_limit=settings.autotask.budget_soft_limit,
        budget_check_seconds=settings.autotask.budget_check_seconds,
    )


@asynccontextmanager
async def open_tenant(
    settings: Settings,
    *,
    sandbox: SandboxConfig | None = None,
    stored: CredentialStore | None = None,
) -> AsyncIterator[Tenant]:
    """The configured Autotask tenant (settings, else ``stored``); else a sandbox on loopback."""
    chosen = settings.autotask if settings.autotask.configured else await _stored(settings, stored)
    if chosen is not None:
        async with _client(chosen) as client:
            yield _tenant(settings, client)
        return
    config = sandbox or SandboxConfig()
    async with Sandbox(config) as box:
        credentials = config.credentials()
        async with AutotaskClient(credentials, zone_url=box.api_url, web_url=box.web_url) as client:
            yield _tenant(settings, client, embedded=True)
