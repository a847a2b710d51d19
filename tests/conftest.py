"""Fixtures shared by the whole suite: a real sandbox server on loopback and a client for it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from support import FAST_RETRY, credentials_for, sandbox_config
from swagger_contract import allowed

from autotask import AutotaskClient
from autotask.sandbox import Sandbox


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


@pytest.fixture
async def client(sandbox: Sandbox) -> AsyncIterator[AutotaskClient]:
    async with AutotaskClient(
        credentials_for(sandbox), zone_lookup_url=sandbox.api_url, retry=FAST_RETRY
    ) as at:
        await at.zone()
        yield at
