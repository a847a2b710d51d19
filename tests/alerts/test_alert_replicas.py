"""Several replicas on one PostgreSQL: one poller at a time, each ticket alerted once, takeover.

The takeover test runs two real bot processes (``poller_worker.py``) against the sandbox of the
test process and kills the one holding the lease.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alert_support import ROOM, Alerts, alert_cards, open_ticket, ticket_of
from pg import PostgresServer

from autotask.sandbox import Sandbox
from autotask.tools import Tenant
from bot.alerts import LEASE_NAME, AlertFilters
from bot.storage import Database

WORKER = Path(__file__).with_name("poller_worker.py")
REPO = Path(__file__).resolve().parents[2]


async def numbers(box: Sandbox, ids: list[int]) -> set[str]:
    return {str(box.get_record("Tickets", i)["ticketNumber"]) for i in ids}  # type: ignore[index]


@pytest.fixture
async def pg_url(postgres: PostgresServer) -> str:
    return await postgres.create_database()


async def test_two_pollers_on_one_postgresql_alert_each_ticket_once(
    make_alerts: Callable[..., Alerts], sandbox: Sandbox, tenant: Tenant, pg_url: str,
    open_db: Callable[[str], Any],
) -> None:  # fmt: skip
    a = make_alerts(database=await open_db(pg_url), holder="replica-a", digest_after=50)
    b = make_alerts(database=await open_db(pg_url), holder="replica-b", digest_after=50)
    await a.db.alerts.subscribe(ROOM, AlertFilters().model_dump(mode="json"), created_by="x",
                                now=datetime.now(UTC))  # fmt: skip
    first = await asyncio.gather(a.service.poller.cycle(), b.service.poller.cycle())
    assert sorted(r.leader for r in first) == [False, True]
    made = [await open_ticket(tenant.client, sandbox, title=f"T{n}") for n in range(6)]
    rounds = await asyncio.gather(a.service.poller.cycle(), b.service.poller.cycle())
    assert [r.leader for r in rounds] == [r.leader for r in first]  # the holder keeps polling
    # the lease runs out while both are busy: both poll the same tickets, claims still hold
    records = [sandbox.get_record("Tickets", i) for i in made]
    more = [await open_ticket(tenant.client, sandbox, title=f"U{n}") for n in range(6)]
    records += [sandbox.get_record("Tickets", i) for i in more]
    await asyncio.gather(
        a.service.dispatcher.deliver(records),  # type: ignore[arg-type]
        b.service.dispatcher.deliver(records),  # type: ignore[arg-type]
    )
    seen = [ticket_of(c) for c in alert_cards(a.surface) + alert_cards(b.surface)]
    assert sorted(seen) == sorted(await numbers(sandbox, made + more))


@dataclass
class Worker:
    holder: str
    process: asyncio.subprocess.Process
    tickets: list[str] = field(default_factory=list)
    reader: asyncio.Task[None] | None = None

    async def read(self) -> None:
        assert self.process.stdout is not None
        while line := await self.process.stdout.readline():
            text = line.decode().strip()
            if text.startswith("{"):
                self.tickets.extend(json.loads(text)["tickets"])


async def _start(url: str, box: Sandbox, holder: str) -> Worker:
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(WORKER), url, box.api_url, holder, "0.1", "1.0",
        cwd=REPO, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    assert process.stdout is not None
    ready = await asyncio.wait_for(process.stdout.readline(), timeout=60)
    assert ready.decode().strip() == "ready"
    worker = Worker(holder, process)
    worker.reader = asyncio.get_running_loop().create_task(worker.read())
    return worker


@pytest.fixture
async def workers() -> AsyncIterator[list[Worker]]:
    started: list[Worker] = []
    yield started
    for worker in started:
        if worker.process.returncode is None:
            worker.process.kill()
        await worker.process.wait()
        if worker.reader is not None:
            await worker.reader


async def _until(check: Callable[[], Any], what: str, seconds: float = 60) -> Any:
    deadline = time.monotonic() + seconds
    while not (found := await check()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)
    return found


async def test_when_the_lease_holder_dies_the_other_replica_takes_over(
    sandbox: Sandbox, tenant: Tenant, pg_url: str, open_db: Callable[[str], Any],
    workers: list[Worker],
) -> None:  # fmt: skip
    db: Database = await open_db(pg_url)
    await db.alerts.subscribe(ROOM, AlertFilters().model_dump(mode="json"), created_by="x",
                              now=datetime.now(UTC))  # fmt: skip
    workers.extend(
        [await _start(pg_url, sandbox, "worker-a"), await _start(pg_url, sandbox, "worker-b")]
    )

    async def cursor() -> int | None:
        return await db.alerts.cursor()

    await _until(cursor, "the first poll")
    holder = await _until(lambda: db.leases.holder(LEASE_NAME, now=datetime.now(UTC)), "a holder")
    leader = next(w for w in workers if w.holder == holder)
    other = next(w for w in workers if w is not leader)
    before = await numbers(sandbox, [await open_ticket(tenant.client, sandbox) for _ in range(3)])

    async def delivered(wanted: set[str]) -> bool:
        return wanted <= set(leader.tickets + other.tickets)

    await _until(lambda: delivered(before), "the first alerts")
    assert set(leader.tickets) == before and other.tickets == []
    leader.process.kill()
    await leader.process.wait()
    after = await numbers(sandbox, [await open_ticket(tenant.client, sandbox) for _ in range(3)])
    await _until(lambda: delivered(after), "the other replica's alerts", seconds=60)
    assert set(other.tickets) == after  # the survivor took over: nothing lost, nothing twice
    everything = leader.tickets + other.tickets
    assert len(everything) == len(set(everything)) == 6
    assert await db.leases.holder(LEASE_NAME, now=datetime.now(UTC)) == other.holder
