"""Alert polling with two ``atbot run`` replicas: one holds the poll lease; when it is killed the
other takes over, and every new ticket is alerted exactly once across both."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import pytest_asyncio
from fake_slack import FakeSlack
from replicas import Cluster, Replica, SandboxProcess, wait_until
from signed_slack import SignedSlack, mentions_of

from autotask import AutotaskClient, Filter, Query
from bot.alerts import LEASE_NAME
from bot.storage import Database

pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.slow]  # real processes

CHANNEL = "CALERTS"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def cluster(
    cluster_root: Path, database_url: str, sandbox_process: SandboxProcess, fake_slack: FakeSlack
) -> AsyncIterator[Cluster]:
    # the lease lasts 3 polls (1.5 s): a dead holder is replaced quickly
    replicas = Cluster(root=cluster_root, database_url=database_url, sandbox=sandbox_process,
                       slack_api_url=fake_slack.api_url,
                       settings={"ATBOT_ALERTS__POLL_SECONDS": "0.5"})  # fmt: skip
    try:
        await replicas.start_many("a", "b")
        yield replicas
    finally:
        await replicas.stop()


async def new_tickets(client: AutotaskClient, count: int) -> list[str]:
    """Open ``count`` tickets through the sandbox's API; returns their numbers."""
    fields = {f.name: f for f in await client.fields("Tickets")}

    def value(field: str, label: str) -> int:
        return next(int(v.value) for v in fields[field].picklist_values or () if v.label == label)

    (company,) = await client.query(
        "Companies", Query(filter=(Filter.eq("companyName", "Contoso"),))
    )
    numbers = []
    for _ in range(count):
        ticket_id = await client.create("Tickets", {
            "companyID": company["id"], "title": f"Alert check {secrets.token_hex(3)}",
            "description": "Raised by the reliability tests.",
            "priority": value("priority", "High"), "queueID": value("queueID", "Service Desk"),
            "status": value("status", "New"), "ticketType": value("ticketType", "Incident"),
        })  # fmt: skip
        numbers.append(str((await client.get("Tickets", ticket_id))["ticketNumber"]))
    return numbers


def alerts_for(slack: SignedSlack, number: str) -> int:
    return sum(mentions_of(c, number) for c in slack.calls_in("chat.postMessage", CHANNEL))


async def holder(cluster: Cluster, db: Database) -> Replica:
    """The replica that holds the poll lease (its id names the process)."""

    async def find() -> Replica | None:
        name = await db.leases.holder(LEASE_NAME, now=datetime.now(UTC))
        pid = int(name.split(":")[1]) if name else None
        return next((r for r in cluster.replicas if r.alive and r.pid == pid), None)

    return await wait_until(find, "a live replica to hold the poll lease", detail=cluster.logs)


async def test_alerts_move_to_the_other_replica_when_the_lease_holder_is_killed(
    cluster: Cluster, signed_slack: SignedSlack, sandbox_api: AutotaskClient, database: Database,
) -> None:  # fmt: skip
    a = cluster.replicas[0]
    await wait_until(database.alerts.cursor, "the first poll to set the alert cursor",
                     detail=cluster.logs)  # fmt: skip
    await signed_slack.command(a, "alerts on", channel=CHANNEL)
    hooks = await wait_until(lambda: [h for h in signed_slack.fake.hooks if h.name == CHANNEL],
                             "the answer to /autotask alerts on", detail=cluster.logs)  # fmt: skip
    assert "will get an alert" in str(hooks[-1].body), hooks[-1].body

    before = await new_tickets(sandbox_api, 3)
    await wait_until(lambda: all(alerts_for(signed_slack, n) for n in before),
                     "alerts for the first tickets", detail=cluster.logs)  # fmt: skip
    leader = await holder(cluster, database)
    await leader.kill()

    after = await new_tickets(sandbox_api, 3)
    await wait_until(lambda: all(alerts_for(signed_slack, n) for n in after),
                     "the other replica to alert the new tickets", detail=cluster.logs)  # fmt: skip
    survivor = await holder(cluster, database)
    assert survivor is not leader and survivor.alive
    assert {n: alerts_for(signed_slack, n) for n in before + after} == {
        n: 1 for n in before + after
    }, "each ticket alerted exactly once across the replicas"
