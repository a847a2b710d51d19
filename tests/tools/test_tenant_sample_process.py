"""``atbot sandbox --metadata-dir`` on the real tenant sample, in its own process, used through
the tool layer as a technician would: the labels resolve to this tenant's ids, "priority >= High"
follows its picklist order, newest is newest, and a note is planned and applied.

Skipped, with the reason, where the shared folder is absent (a user's clone).
"""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from support import FAST_RETRY, wait_for_sandbox_process

from autotask import AutotaskClient, Credentials, Filter, Query
from autotask.tools import (
    DescribeArgs,
    PlanArgs,
    SearchArgs,
    Tenant,
    ToolContext,
    actor_of,
    apply_change,
    describe,
    find_resource,
    plan_change,
    search,
)

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO.parent / "shared" / "autotask" / "tenant-sample"
pytestmark = pytest.mark.skipif(
    not SAMPLE.is_dir(),
    reason="the real tenant sample (../shared/autotask/tenant-sample) is absent",
)
CREDENTIALS = Credentials.model_validate(
    {"username": "demo-api@bluewave-it.example", "secret": "sandbox-secret",
     "integration_code": "SANDBOX-INTEGRATION"}
)  # fmt: skip


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.fixture(scope="module")
def served() -> Iterator[str]:
    port = _free_port()
    command = "import sys; from adapters.cli import main; sys.exit(main(sys.argv[1:]))"
    process = subprocess.Popen(
        [sys.executable, "-c", command, "sandbox", "--port", str(port), "--tickets", "400",
         "--metadata-dir", str(SAMPLE)],
        cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for_sandbox_process(process, base, seconds=60)
        yield f"{base}/ATServicesRest/"
    finally:
        process.terminate()
        process.communicate(timeout=30)


@pytest.fixture
async def ctx(served: str) -> AsyncIterator[ToolContext]:
    async with AutotaskClient(CREDENTIALS, zone_lookup_url=served, retry=FAST_RETRY) as client:
        tenant = Tenant(client=client)
        probe = ToolContext(tenant=tenant)
        actor = await find_resource(probe, "sarah.mitchell@bluewave-it.example")
        assert actor is not None
        yield ToolContext(tenant=tenant, actor=actor_of(actor), timezone="Europe/London")


async def test_the_tenants_labels_and_order(ctx: ToolContext) -> None:
    fields = {f.name: f for f in (await describe(ctx, DescribeArgs(entity="Tickets"))).fields}
    assert fields["subIssueType"].depends_on == "issueType"
    assert {"Critical", "Medium", "Low", "High", "Urgent"} <= set(fields["priority"].values or [])
    high_or_above = Query(filter=(Filter.in_("priority", [5, 6, 1]),))
    expected = await ctx.client.count("Tickets", high_or_above)
    result = await search(
        ctx,
        SearchArgs.model_validate({"entity": "Tickets", "mode": "count",
                                   "filters": [{"field": "priority", "op": ">=", "value": "High"}]}),
    )  # fmt: skip
    assert result.total == expected > 0


async def test_newest_and_a_note_on_the_newest_ticket(ctx: ToolContext) -> None:
    every = await ctx.client.query("Tickets", Query(include_fields=("createDate",)))
    every.sort(key=lambda t: (t["createDate"], t["id"]), reverse=True)
    newest = await search(ctx, SearchArgs(entity="Tickets", sort="-createDate", limit=5))
    assert [r["id"] for r in newest.rows] == [t["id"] for t in every[:5]]
    ticket = newest.rows[0]["id"]
    plan = await plan_change(
        ctx,
        PlanArgs(action="create", entity="TicketNotes",
                 fields={"ticket": ticket, "description": "Called the customer back."}),
    )  # fmt: skip
    applied = await apply_change(ctx, plan, ctx.require_actor())
    assert applied.status == "applied", applied.message
    note = await ctx.client.get("TicketNotes", int(str(applied.record_id)))
    assert note["ticketID"] == ticket and note["noteType"] == plan.payload["noteType"]
    assert datetime.fromisoformat(note["createDateTime"].replace("Z", "+00:00")) <= datetime.now(
        UTC
    )
