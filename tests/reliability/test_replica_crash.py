"""A replica killed in the middle of an approval: after a restart the plan is settled truthfully
and is never applied twice.

Four replicas each reach the sandbox through a relay (``autotask_relay``) that holds one request:
- the re-read before the write (an update): nothing was sent → "failed, nothing was changed";
- the write, before it reaches Autotask (an update): nothing was written → "failed" too;
- after Autotask answered (an update): the planned values are in the record → "applied";
- after Autotask answered (a create, a ticket note): it cannot be told → "outcome unknown",
  with a link to the ticket.
Each replica is SIGKILLed while its write is held; a new replica, started with
``ATBOT_BOT__RECOVER_AFTER_SECONDS=1``, settles all four at start and updates their cards.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from autotask_relay import AutotaskRelay, Trap
from fake_slack import FakeSlack
from pydantic import ValidationError
from replicas import Cluster, Replica, SandboxProcess, wait_until
from signed_slack import Card, SignedSlack

from autotask import AutotaskClient, Filter, Query
from bot.settings import Settings
from bot.storage import Database, StoredPlan

pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.slow]  # real processes

RECOVER_AFTER = 1.0  # seconds a plan may stay "applying" before a starting replica settles it


@dataclass
class Case:
    """One interrupted approval: the request, how the relay holds its write, what it became."""

    name: str
    ask: str
    method: str
    path: str
    forward: bool
    ticket: dict[str, Any]
    summary: str = ""
    card: Card | None = None
    trap: Trap | None = None
    plan: StoredPlan | None = None


async def _cases(sandbox_api: AutotaskClient) -> dict[str, Case]:
    fields = {f.name: f for f in await sandbox_api.fields("Tickets")}
    critical = next(
        v.value for v in fields["priority"].picklist_values or () if v.label == "Critical"
    )
    found = await sandbox_api.query("Tickets", Query(filter=(Filter.noteq("status", 5),)))
    tickets = [t for t in found if str(t["priority"]) != critical][:4]
    summary = f"crash check {secrets.token_hex(4)}"
    patch = r"/V1\.0/Tickets$"
    return {
        "before": Case("before", f"set priority of {tickets[3]['ticketNumber']} to critical",
                       "GET", rf"/V1\.0/Tickets/{tickets[3]['id']}$", forward=False,
                       ticket=tickets[3]),
        "withheld": Case("withheld", f"set priority of {tickets[0]['ticketNumber']} to critical",
                         "PATCH", patch, forward=False, ticket=tickets[0]),
        "answered": Case("answered", f"set priority of {tickets[1]['ticketNumber']} to critical",
                         "PATCH", patch, forward=True, ticket=tickets[1]),
        "created": Case("created", f"note on {tickets[2]['ticketNumber']}: {summary}",
                        "POST", r"/V1\.0/Tickets/\d+/Notes$", forward=True, ticket=tickets[2],
                        summary=summary),
    }  # fmt: skip


async def _interrupt(
    case: Case, replica: Replica, relay: AutotaskRelay, slack: SignedSlack, db: Database
) -> None:
    """Prepare the plan, hold its write in the relay, click, and kill the replica there."""
    channel = f"CCRASH{case.name.upper()}"
    case.card = await slack.plan_card(replica, case.ask, channel=channel, db=db)
    case.trap = relay.hold(case.method, case.path, forward=case.forward)
    assert await slack.click(replica, case.card) == 200
    trap = case.trap
    await wait_until(trap.held.is_set, f"the {case.name} write to be held", detail=replica.log_tail)
    await replica.kill()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def crashed(
    cluster_root: Path, database_url: str, sandbox_process: SandboxProcess,
    fake_slack: FakeSlack, signed_slack: SignedSlack, sandbox_api: AutotaskClient,
    database: Database,
) -> AsyncIterator[tuple[dict[str, Case], Cluster]]:  # fmt: skip
    cluster = Cluster(root=cluster_root, database_url=database_url, sandbox=sandbox_process,
                      slack_api_url=fake_slack.api_url,
                      settings={"ATBOT_ALERTS__ENABLED": "false",
                                "ATBOT_BOT__RECOVER_AFTER_SECONDS": str(RECOVER_AFTER)})  # fmt: skip
    relays = [AutotaskRelay(sandbox_process.url) for _ in range(4)]
    try:
        for relay in relays:
            await relay.start()
        cases = await _cases(sandbox_api)
        web_url = str(await sandbox_api.web_url())  # deep links still point at the sandbox's UI
        replicas = await asyncio.gather(*(
            cluster.start(f"behind-relay-{name}", ATBOT_AUTOTASK__ZONE_URL=relay.zone_url,
                          ATBOT_AUTOTASK__WEB_URL=web_url)
            for name, relay in zip(cases, relays, strict=True)
        ))  # fmt: skip
        for case, replica, relay in zip(cases.values(), replicas, relays, strict=True):
            await _interrupt(case, replica, relay, signed_slack, database)
        # the plans must have been "applying" for longer than the threshold when recovery runs
        await asyncio.sleep(RECOVER_AFTER + 0.2)
        await cluster.start("restarted")

        async def all_settled() -> bool:
            for case in cases.values():
                assert case.card is not None
                case.plan = await database.plans.get(case.card.plan_id)
            return all(c.plan is not None and c.plan.status != "applying" for c in cases.values())

        await wait_until(all_settled, "the restarted replica to settle the interrupted plans",
                         detail=cluster.logs)  # fmt: skip
        yield cases, cluster
    finally:
        await cluster.stop()
        for relay in relays:
            await relay.stop()


def _final_card(slack: SignedSlack, card: Card | None) -> dict[str, Any]:
    assert card is not None
    updates = [c for c in slack.calls_in("chat.update", card.channel) if c.args["ts"] == card.ts]
    return updates[-1].args


async def _patches(box: SandboxProcess, ticket_id: int) -> list[dict[str, Any]]:
    return [
        w for w in await box.writes("Tickets", "PATCH") if (w["body"] or {}).get("id") == ticket_id
    ]


async def _writes(box: SandboxProcess) -> list[dict[str, Any]]:
    """Every record the sandbox created, changed or deleted (queries are POSTs too)."""
    return [
        r
        for r in await box.requests()
        if r["method"] in ("POST", "PATCH", "PUT", "DELETE")
        and r["status"] < 300
        and not r["path"].rstrip("/").lower().endswith(("/query", "/query/count"))
    ]


async def _notes(box: SandboxProcess, text: str) -> list[dict[str, Any]]:
    posted = [r for r in await box.requests() if r["method"] == "POST" and r["status"] < 300]
    return [r for r in posted if text in json.dumps(r.get("body"))]


@pytest.mark.parametrize("name", ["before", "withheld"])
async def test_a_write_that_never_reached_autotask_is_settled_as_not_written(
    crashed: tuple[dict[str, Case], Cluster], sandbox_process: SandboxProcess,
    signed_slack: SignedSlack, sandbox_api: AutotaskClient, name: str,
) -> None:  # fmt: skip
    case = crashed[0][name]
    assert case.plan is not None and case.plan.status == "failed"
    assert await _patches(sandbox_process, case.ticket["id"]) == []
    record = await sandbox_api.get("Tickets", case.ticket["id"])
    assert record["priority"] == case.ticket["priority"], "the record is as it was previewed"
    card = _final_card(signed_slack, case.card)
    assert card["blocks"][0]["text"]["text"] == "Failed — nothing was changed"
    assert "nothing was written" in json.dumps(card)


async def test_a_write_autotask_answered_is_settled_as_applied(
    crashed: tuple[dict[str, Case], Cluster], sandbox_process: SandboxProcess,
    signed_slack: SignedSlack, sandbox_api: AutotaskClient,
) -> None:  # fmt: skip
    case = crashed[0]["answered"]
    assert case.trap is not None and case.trap.answer_status == 200, "Autotask did answer"
    assert case.plan is not None and case.plan.status == "applied"
    assert len(await _patches(sandbox_process, case.ticket["id"])) == 1
    record = await sandbox_api.get("Tickets", case.ticket["id"])
    assert record["priority"] != case.ticket["priority"]
    assert _final_card(signed_slack, case.card)["blocks"][0]["text"]["text"] == "Done"


async def test_a_create_whose_answer_was_lost_is_unknown_with_a_link_and_never_resent(
    crashed: tuple[dict[str, Case], Cluster], sandbox_process: SandboxProcess,
    signed_slack: SignedSlack,
) -> None:  # fmt: skip
    case = crashed[0]["created"]
    assert case.trap is not None and case.trap.answer_status == 200, "Autotask did answer"
    assert case.plan is not None and case.plan.status == "unknown"
    assert len(await _notes(sandbox_process, case.summary)) == 1, "sent once, never again"
    card = _final_card(signed_slack, case.card)
    assert card["blocks"][0]["text"]["text"] == "Outcome unknown — check Autotask"
    ticket_link = f"TicketID={case.ticket['id']}"
    assert "Open in Autotask" in json.dumps(card) and ticket_link in json.dumps(card)


async def test_clicking_a_settled_plan_again_writes_nothing(
    crashed: tuple[dict[str, Case], Cluster], sandbox_process: SandboxProcess,
    signed_slack: SignedSlack,
) -> None:  # fmt: skip
    cases, cluster = crashed
    survivor = next(r for r in cluster.replicas if r.alive)
    before = await _writes(sandbox_process)
    for case in cases.values():
        assert case.card is not None
        assert await signed_slack.click(survivor, case.card) == 200
    for case in cases.values():
        assert case.card is not None
        channel = case.card.channel
        (whisper,) = await wait_until(partial(signed_slack.whispers_in, channel),
                                      f"a refusal in {channel}", detail=survivor.log_tail)  # fmt: skip
        assert "already" in whisper
    assert await _writes(sandbox_process) == before, "no write after a settled plan"


async def test_the_recovery_threshold_is_a_positive_setting(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert Settings().bot.recover_after_seconds == 300.0
    monkeypatch.setenv("ATBOT_BOT__RECOVER_AFTER_SECONDS", "1.5")
    assert Settings().bot.recover_after_seconds == 1.5
    monkeypatch.setenv("ATBOT_BOT__RECOVER_AFTER_SECONDS", "0")
    with pytest.raises(ValidationError):
        Settings()
