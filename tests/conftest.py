"""Fixtures shared by the whole suite: a real sandbox server on loopback and a client for it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from swagger_contract import allowed

from autotask import AutotaskClient, Credentials, RetryPolicy
from autotask.sandbox import Sandbox, SandboxConfig

FIXED_NOW = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)


async def _no_sleep(_: float) -> None:
    return None


FAST_RETRY = RetryPolicy(attempts=4, base_delay=0.001, max_delay=0.01, sleep=_no_sleep)


def sandbox_config(**overrides: object) -> SandboxConfig:
    settings: dict[str, object] = {"tickets": 600, "now": FIXED_NOW}
    settings.update(overrides)
    return SandboxConfig.model_validate(settings)


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    """A sandbox with a small demo MSP; every request made to it must be one Swagger declares."""
    box = Sandbox(sandbox_config())
    await box.start()
    try:
        yield box
        strays = [
            f"{record.method} {record.path}"
            for record in box.requests
            if not allowed(record.method, record.path)
        ]
        assert not strays, f"requests outside Autotask's Swagger contract: {strays}"
    finally:
        await box.stop()


def credentials_for(box: Sandbox, **overrides: str) -> Credentials:
    config = box.config
    values = {
        "username": config.username,
        "secret": config.secret,
        "integration_code": config.integration_code,
    }
    values.update(overrides)
    return Credentials.model_validate(values)


@pytest.fixture
async def client(sandbox: Sandbox) -> AsyncIterator[AutotaskClient]:
    async with AutotaskClient(
        credentials_for(sandbox), zone_lookup_url=sandbox.api_url, retry=FAST_RETRY
    ) as at:
        yield at
