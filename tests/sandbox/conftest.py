"""Fixtures for the sandbox server tests: a real server on loopback and raw HTTP clients.

Helpers are handed out as fixtures (not imported), so that this conftest never clashes with
the suite's top-level one.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from contracts import TENANT_SAMPLE, require

from autotask.sandbox import Sandbox, SandboxConfig

NOW = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)
API_LICENSE = 7  # Resources licenseType "API User"


def _config(**overrides: Any) -> SandboxConfig:
    """A small, fixed sandbox: few tickets, a fixed clock, no usage delays."""
    settings: dict[str, Any] = {"tickets": 40, "now": NOW, "threshold_delay_scale": 0.0}
    settings.update(overrides)
    return SandboxConfig.model_validate(settings)


def _auth(config: SandboxConfig) -> dict[str, str]:
    return {
        "ApiIntegrationCode": config.integration_code,
        "UserName": config.username,
        "Secret": config.secret,
    }


@pytest.fixture
def now_text() -> str:
    """The fixed clock as the API writes dates."""
    return "2026-11-25T09:30:00.000Z"


@pytest.fixture
def tenant_dir() -> Path:
    """A real tenant's metadata (a contract file; the test skips without it)."""
    return require(TENANT_SAMPLE)


@pytest.fixture
def make_sandbox() -> Callable[..., Sandbox]:
    """``make_sandbox(**config overrides)`` → an unstarted sandbox (use ``async with``)."""
    return lambda **overrides: Sandbox(_config(**overrides))


@pytest.fixture
def auth() -> Callable[[Sandbox], dict[str, str]]:
    """The three Autotask auth headers for a sandbox."""
    return lambda sandbox: _auth(sandbox.config)


@pytest.fixture
async def box() -> AsyncIterator[Sandbox]:
    async with Sandbox(_config()) as sandbox:
        yield sandbox


@pytest.fixture
async def api(box: Sandbox) -> AsyncIterator[httpx.AsyncClient]:
    """Authenticated client whose base is ``.../ATServicesRest/V1.0/``."""
    async with httpx.AsyncClient(base_url=box.api_url + "V1.0/", headers=_auth(box.config)) as c:
        yield c


@pytest.fixture
async def raw(box: Sandbox) -> AsyncIterator[httpx.AsyncClient]:
    """Unauthenticated client whose base is the server root."""
    async with httpx.AsyncClient(base_url=box.base_url) as client:
        yield client


@pytest.fixture
def api_user_id(box: Sandbox) -> int:
    name = box.config.username.lower()
    return next(int(r["id"]) for r in box.records("Resources") if r["userName"].lower() == name)


@pytest.fixture
def tech(box: Sandbox) -> dict[str, Any]:
    """An active, non-API resource with an active service desk role."""
    with_roles = {r["resourceID"] for r in box.records("ResourceServiceDeskRoles") if r["isActive"]}
    return next(
        r
        for r in box.records("Resources")
        if r["isActive"] and r["licenseType"] != API_LICENSE and r["id"] in with_roles
    )


@pytest.fixture
def tech_role(box: Sandbox, tech: dict[str, Any]) -> int:
    return next(
        int(r["roleID"])
        for r in box.records("ResourceServiceDeskRoles")
        if r["resourceID"] == tech["id"] and r["isActive"]
    )
