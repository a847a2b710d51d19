"""PostgreSQL restarted under load: a replica answering a stream of messages recovers by itself
(no restart of its own): later messages are answered and ``/readyz`` is back to 200.

Each message asks for a change ("log 15m on T…"), so each answer writes to the database (the plan,
its audit record, the card's reference); the alert poll renews its lease twice a second as well.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from functools import partial
from pathlib import Path

import pytest
import pytest_asyncio
from fake_slack import FakeSlack
from pg import PostgresServer
from replicas import Cluster, Replica, SandboxProcess, wait_until
from signed_slack import SignedSlack

from autotask import AutotaskClient, Filter, Query

pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.slow]  # real processes

FAILED = "went wrong"  # how the bot says it could not answer (with a reference, never a trace)
PLANNED = "Confirm this change"  # the heading of a change card: the plan was stored


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def replica(
    cluster_root: Path, database_url: str, sandbox_process: SandboxProcess, fake_slack: FakeSlack
) -> AsyncIterator[Replica]:
    cluster = Cluster(root=cluster_root, database_url=database_url, sandbox=sandbox_process,
                      slack_api_url=fake_slack.api_url,
                      settings={"ATBOT_ALERTS__POLL_SECONDS": "0.5",
                                "ATBOT_BOT__RATE_LIMIT_PER_MINUTE": "10000"})  # fmt: skip
    try:
        yield await cluster.start("d")
    finally:
        await cluster.stop()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def ticket(sandbox_api: AutotaskClient) -> str:
    found = await sandbox_api.query("Tickets", Query(filter=(Filter.noteq("status", 5),)))
    return str(found[0]["ticketNumber"])


def answer(slack: SignedSlack, channel: str) -> str | None:
    """What the bot finally said in ``channel`` (its placeholder turned into the answer)."""
    updates = slack.calls_in("chat.update", channel)
    return json.dumps(updates[-1].args) if updates else None


def request(ticket: str, channel: str) -> str:
    return f"log 15m on {ticket} database check {channel.lower()}"


async def ask(slack: SignedSlack, replica: Replica, ticket: str, channel: str) -> str:
    await slack.mention(replica, request(ticket, channel), channel=channel)
    return await wait_until(lambda: answer(slack, channel), f"an answer in {channel}",
                            detail=replica.log_tail)  # fmt: skip


async def test_a_database_restart_under_load_needs_no_restart_of_the_bot(
    replica: Replica, signed_slack: SignedSlack, postgres: PostgresServer, ticket: str
) -> None:
    for n in range(3):
        said = await ask(signed_slack, replica, ticket, f"CDBBEFORE{n}")
        assert PLANNED in said and FAILED not in said, said

    streamed: list[str] = []
    stop = asyncio.Event()

    async def stream() -> None:
        while not stop.is_set():
            channel = f"CDBSTREAM{len(streamed)}"
            streamed.append(channel)
            await signed_slack.mention(replica, request(ticket, channel), channel=channel)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 0.05)

    load = asyncio.get_running_loop().create_task(stream())
    try:
        await wait_until(lambda: len(streamed) >= 5, "the stream of messages to start")
        await asyncio.to_thread(postgres.restart)
        restarted_at = len(streamed)
        await wait_until(lambda: len(streamed) >= restarted_at + 5,
                         "the stream to go on after the restart")  # fmt: skip
    finally:
        stop.set()
        await load

    await wait_until(replica.ready, "/readyz to answer 200 again", detail=replica.log_tail)
    # every message of the stream got an answer: its change card, or a clear "went wrong" with
    # a reference while the database was away; never silence and never a stack trace
    said_during = [await wait_until(partial(answer, signed_slack, c), f"an answer in {c}",
                                    detail=replica.log_tail) for c in streamed]  # fmt: skip
    for text in said_during:
        assert PLANNED in text or ("reference" in text.lower() and FAILED in text), text
        assert "Traceback" not in text and "asyncpg" not in text, text
    for n in range(5):
        said = await ask(signed_slack, replica, ticket, f"CDBAFTER{n}")
        assert PLANNED in said and FAILED not in said, said
    assert replica.alive, "the bot was not restarted"
