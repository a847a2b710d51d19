"""Fixtures shared by the whole suite: a real sandbox server on loopback and a client for it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from pg import PostgresServer, postgres_for_tests
from support import FAST_RETRY, FIXED_NOW, credentials_for, sandbox_config
from swagger_contract import undeclared

from autotask import AutotaskClient
from autotask.sandbox import Sandbox
from autotask.tools import Tenant, ToolContext, actor_of


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """One throwaway PostgreSQL server for the whole test session (started on first use)."""
    with postgres_for_tests() as server:
        yield server


@pytest.fixture(params=["sqlite", "postgresql"])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh database, once a SQLite file and once a new database on the PostgreSQL server."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'atbot.db'}"
    server: PostgresServer = request.getfixturevalue("postgres")
    return await server.create_database()


@pytest.fixture(autouse=True)
def _no_real_model_or_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """A global switch: no test reaches a real model service, and no ATBOT_ env leaks in."""
    import os

    for name in list(os.environ):
        if name.startswith("ATBOT_") or name.startswith("OPENAI_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("ATBOT_BLOCK_REMOTE_MODEL", "1")


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    """A sandbox with a small demo MSP; every request made to it must be one Swagger declares."""
    box = Sandbox(sandbox_config())
    await box.start()
    try:
        yield box
        strays = undeclared(box.requests)
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


TECH_TZ = "America/New_York"


@pytest.fixture
async def tenant(sandbox: Sandbox, tmp_path: Path) -> AsyncIterator[Tenant]:
    async with AutotaskClient(
        credentials_for(sandbox), zone_lookup_url=sandbox.api_url, retry=FAST_RETRY
    ) as client:
        yield Tenant(client=client, export_dir=tmp_path / "exports")


def technician(box: Sandbox) -> dict[str, object]:
    """An active technician who has tickets assigned (not the API user)."""
    assigned = {t["assignedResourceID"] for t in box.records("Tickets")}
    return next(
        r
        for r in box.records("Resources")
        if r["isActive"] and r["userName"] != box.config.username and r["id"] in assigned
    )


@pytest.fixture
def ctx(tenant: Tenant, sandbox: Sandbox) -> ToolContext:
    return ToolContext(
        tenant=tenant,
        actor=actor_of(technician(sandbox)),
        timezone=TECH_TZ,
        clock=lambda: FIXED_NOW,
    )
