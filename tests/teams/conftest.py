"""Teams fixtures: a runtime on the sandbox, a fake Bot Connector, and the bot's web server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from engine_support import technician_email
from teams_connector import FakeConnector
from teams_server import BotServer, open_runtime, serve_teams
from teams_support import CHANNEL_ID, TEAM_ID, TeamsUser

from adapters.runtime import Runtime
from autotask.sandbox import Sandbox
from autotask.tools import Tenant


@pytest.fixture
async def runtime(tenant: Tenant, tmp_path: Path) -> AsyncIterator[Runtime]:
    async with open_runtime(tenant, tmp_path) as opened:
        yield opened


@pytest.fixture
async def connector() -> AsyncIterator[FakeConnector]:
    async with FakeConnector() as fake:
        fake.teams[TEAM_ID] = [
            {"id": TEAM_ID, "name": "General", "type": "standard"},
            {"id": CHANNEL_ID, "name": "Service Desk", "type": "standard"},
        ]
        yield fake
        assert fake.undeclared_requests() == [], "calls outside the Bot Connector API"
        assert fake.invalid == [], "activities that do not match the Bot Connector schema"


@pytest.fixture
def sarah(sandbox: Sandbox, connector: FakeConnector) -> TeamsUser:
    user = TeamsUser(
        id="29:1sarah-teams-id", name="Sarah Mitchell", email=technician_email(sandbox)
    )
    connector.add_member(user.id, name=user.name, email=user.email)
    return user


@pytest.fixture
def priya(sandbox: Sandbox, connector: FakeConnector) -> TeamsUser:
    user = TeamsUser(
        id="29:1priya-teams-id", name="Priya Sharma", email=technician_email(sandbox, 1)
    )
    connector.add_member(user.id, name=user.name, email=None, upn=user.email)
    return user


@pytest.fixture
async def server(runtime: Runtime) -> AsyncIterator[BotServer]:
    async with serve_teams(runtime) as served:
        yield served
