"""Fixtures of the reliability tests: real processes on a real PostgreSQL.

One sandbox process serves the whole folder; each test module gets a database of its own on the
suite's PostgreSQL server, a fake Slack Web API in the test process, and the replicas it starts.
Module-scoped fixtures run in the module's event loop, so each module says
``pytestmark = pytest.mark.asyncio(loop_scope="module")``.
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

# The fake Slack Web API and the request signing of the Slack tests, reused here.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "slack"))

import httpx
from fake_slack import FakeSlack
from pg import PostgresServer
from replicas import DEMO, SandboxProcess, running_sandbox
from signed_slack import SignedSlack
from slack_harness import GUEST, OTHER, TECH

from autotask import AutotaskClient, Filter, Query
from bot.storage import Database


@pytest.fixture(scope="session")
def sandbox_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    """``atbot sandbox --tickets 300`` in a process of its own, for the whole folder."""
    with running_sandbox(tmp_path_factory.mktemp("sandbox"), tickets=300) as box:
        yield box


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def sandbox_api(sandbox_process: SandboxProcess) -> AsyncIterator[AutotaskClient]:
    """A client of the sandbox process, as the demo API user (to read and make records)."""
    async with AutotaskClient(
        DEMO.credentials(), zone_lookup_url=sandbox_process.api_url
    ) as client:
        yield client


async def technician_emails(client: AutotaskClient, count: int) -> list[str]:
    """E-mails of active technicians with open tickets (chat users the bot will recognise)."""
    open_tickets = await client.query("Tickets", Query(filter=(Filter.noteq("status", 5),)))
    assigned = sorted({int(t["assignedResourceID"]) for t in open_tickets
                       if t.get("assignedResourceID")})  # fmt: skip
    emails = []
    for resource_id in assigned:
        resource = await client.get("Resources", resource_id)
        if resource.get("isActive") and resource.get("userName") != DEMO.username:
            emails.append(str(resource["email"]))
    assert len(emails) >= count, "the demo MSP has too few technicians with open tickets"
    return emails[:count]


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def fake_slack(sandbox_api: AutotaskClient) -> AsyncIterator[FakeSlack]:
    def person(email: str, name: str) -> dict[str, Any]:
        return {"name": name.lower(), "profile": {"email": email, "real_name": name}}

    first, second = await technician_emails(sandbox_api, 2)
    slack = FakeSlack(users={TECH: person(first, "Tech One"), OTHER: person(second, "Tech Two"),
                             GUEST: person("guest@customer.example", "Guest")})  # fmt: skip
    await slack.start()
    yield slack
    await slack.stop()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def signed_slack(fake_slack: FakeSlack) -> AsyncIterator[SignedSlack]:
    async with httpx.AsyncClient(timeout=30) as http:
        yield SignedSlack(fake_slack, http)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def database_url(postgres: PostgresServer) -> str:
    """A fresh database for the module on the suite's PostgreSQL server."""
    return await postgres.create_database("reliability")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def database(database_url: str) -> AsyncIterator[Database]:
    """The module's database, as the replicas see it (plans, leases, alert cursor)."""
    db = await Database.open(database_url)
    yield db
    await db.close()


@pytest.fixture(scope="module")
def cluster_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("replicas")
