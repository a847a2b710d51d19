"""Three ``atbot run`` replicas on one PostgreSQL: a plan made on one replica is approved on
another, concurrent clicks on several replicas write once, and a replica killed between the plan
and the click loses nothing (no plan lives only in a process's memory)."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from fake_slack import FakeSlack
from replicas import Cluster, Replica, SandboxProcess, wait_until
from signed_slack import Card, SignedSlack

from autotask import AutotaskClient, Filter, Query
from bot.storage import Database

pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.slow]  # real processes

TIME_ENTRY_POST = "autotask POST /ATServicesRest/V1.0/TimeEntries ->"  # one log line per request


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def cluster(
    cluster_root: Path, database_url: str, sandbox_process: SandboxProcess, fake_slack: FakeSlack
) -> AsyncIterator[Cluster]:
    replicas = Cluster(root=cluster_root, database_url=database_url, sandbox=sandbox_process,
                       slack_api_url=fake_slack.api_url,
                       settings={"ATBOT_ALERTS__ENABLED": "false"})  # fmt: skip
    try:
        await replicas.start_many("a", "b", "c")
        yield replicas
    finally:
        await replicas.stop()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def open_tickets(sandbox_api: AutotaskClient) -> list[str]:
    found = await sandbox_api.query("Tickets", Query(filter=(Filter.noteq("status", 5),)))
    return [str(t["ticketNumber"]) for t in found[:10]]


def replica(cluster: Cluster, name: str) -> Replica:
    return next(r for r in cluster.replicas if r.name == name)


async def time_entries(box: SandboxProcess, summary: str) -> list[object]:
    posted = await box.writes("TimeEntries", "POST")
    return [r for r in posted if (r.get("body") or {}).get("summaryNotes") == summary]


async def plan_time_entry(
    slack: SignedSlack, on: Replica, ticket: str, channel: str, db: Database
) -> tuple[Card, str]:
    summary = f"replica check {secrets.token_hex(4)}"
    card = await slack.plan_card(on, f"log 30m on {ticket} {summary}", channel=channel, db=db)
    return card, summary


async def settled(slack: SignedSlack, card: Card, cluster: Cluster) -> str:
    """The card's final heading, once a replica has updated it after the click."""

    def final() -> str | None:
        states = slack.card_states(card)[1:]  # the first is the card as posted
        return states[-1] if states else None

    return await wait_until(final, f"the card in {card.channel} to be updated",
                            detail=lambda: f"states {slack.card_states(card)}\n{cluster.logs()}")  # fmt: skip


async def test_a_plan_prepared_on_one_replica_is_approved_on_another(
    cluster: Cluster, signed_slack: SignedSlack, sandbox_process: SandboxProcess,
    open_tickets: list[str], database: Database,
) -> None:  # fmt: skip
    a, b = replica(cluster, "a"), replica(cluster, "b")
    card, summary = await plan_time_entry(signed_slack, a, open_tickets[0], "CREPLICAS1", database)
    assert await time_entries(sandbox_process, summary) == [], "nothing is written before a click"

    sent = [a.log_count(TIME_ENTRY_POST), b.log_count(TIME_ENTRY_POST)]
    assert await signed_slack.click(b, card) == 200
    assert await settled(signed_slack, card, cluster) == "Done"
    assert len(await time_entries(sandbox_process, summary)) == 1
    after = [a.log_count(TIME_ENTRY_POST), b.log_count(TIME_ENTRY_POST)]
    assert after == [sent[0], sent[1] + 1], "replica B wrote it; A only prepared it"


async def test_concurrent_and_double_clicks_on_two_replicas_write_once(
    cluster: Cluster, signed_slack: SignedSlack, sandbox_process: SandboxProcess,
    open_tickets: list[str], database: Database,
) -> None:  # fmt: skip
    a, b = replica(cluster, "a"), replica(cluster, "b")
    channel = "CREPLICAS2"
    card, summary = await plan_time_entry(signed_slack, a, open_tickets[1], channel, database)

    statuses = await asyncio.gather(*(signed_slack.click(r, card) for r in (a, b, a, b)))
    assert statuses == [200, 200, 200, 200]
    assert await settled(signed_slack, card, cluster) == "Done"

    def refusals() -> list[str] | None:
        said = signed_slack.whispers_in(channel)
        return said if len(said) >= 3 else None

    whispers = await wait_until(refusals, "three refusals of the extra clicks",
                                detail=cluster.logs)  # fmt: skip
    assert len(whispers) == 3 and all("already" in text for text in whispers), whispers
    assert len(await time_entries(sandbox_process, summary)) == 1
    assert signed_slack.card_states(card).count("Done") == 1, "one replica applied it"


async def test_a_replica_killed_between_plan_and_click_loses_nothing(
    cluster: Cluster, signed_slack: SignedSlack, sandbox_process: SandboxProcess,
    open_tickets: list[str], database: Database,
) -> None:  # fmt: skip
    a, c = replica(cluster, "a"), replica(cluster, "c")
    card, summary = await plan_time_entry(signed_slack, c, open_tickets[2], "CREPLICAS3", database)
    await c.kill()
    assert not c.alive

    assert await signed_slack.click(a, card) == 200
    assert await settled(signed_slack, card, cluster) == "Done"
    assert len(await time_entries(sandbox_process, summary)) == 1
