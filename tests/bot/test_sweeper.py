"""While processes run, the holder of the sweeper's lease settles plans stuck in "applying"
(a process died mid-apply and came back, or another replica did): no waiting for a restart."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta

from engine_support import RecordingSurface, technician_email
from support import FIXED_NOW
from test_recovery import _stuck_plan

from autotask.sandbox import Sandbox
from bot.engine import Engine
from bot.storage import Database
from bot.sweeper import PlanSweeper

OLDER_THAN = timedelta(seconds=300)


async def test_a_plan_left_applying_is_settled_by_the_lease_holder_only(
    make_engine: Callable[..., Engine], surface: RecordingSurface, sandbox: Sandbox, db: Database
) -> None:
    engine, email = make_engine(), technician_email(sandbox)
    ticket = next(t for t in sandbox.records("Tickets") if t["status"] != 5)
    plan_id = await _stuck_plan(
        engine, surface, db, f"set priority of {ticket['ticketNumber']} to critical", email
    )
    now = [FIXED_NOW + timedelta(seconds=60)]

    def clock() -> datetime:
        return now[0]

    surfaces = {"test": surface}
    first = PlanSweeper(
        engine.tenant,
        db,
        surfaces,
        older_than=OLDER_THAN,
        every=100,
        holder="replica-a",
        clock=clock,
    )
    second = PlanSweeper(
        engine.tenant,
        db,
        surfaces,
        older_than=OLDER_THAN,
        every=100,
        holder="replica-b",
        clock=clock,
    )
    assert await first.sweep() == [], "an apply of a minute may still be under way"
    stored = await db.plans.get(plan_id)
    assert stored is not None and stored.status == "applying"

    now[0] = FIXED_NOW + OLDER_THAN + timedelta(seconds=1)
    assert await second.sweep() == [], "the other replica holds the lease"
    (settled,) = await first.sweep()
    assert settled.id == plan_id and settled.status == "failed"
    card = surface.updates[-1][1].cards[0]
    assert card.status == "failed" and "nothing was written" in " ".join(card.notes)
    assert await first.sweep() == [], "settled once"


async def test_the_sweeper_runs_until_stopped_and_survives_a_failing_sweep(
    make_engine: Callable[..., Engine], surface: RecordingSurface, sandbox: Sandbox, db: Database
) -> None:
    engine = make_engine()
    calls: list[int] = []
    sweeper = PlanSweeper(engine.tenant, db, {}, older_than=OLDER_THAN, every=0.01)
    original = sweeper.sweep

    third = asyncio.Event()

    async def flaky() -> list[object]:
        calls.append(1)
        if len(calls) == 3:
            third.set()
        if len(calls) == 1:
            raise ConnectionError("database restarting")
        return list(await original())

    sweeper.sweep = flaky  # type: ignore[method-assign]
    stopping = asyncio.Event()
    task = asyncio.create_task(sweeper.run(stopping))
    async with asyncio.timeout(10):  # a deadline, not a timing assertion
        await third.wait()
    stopping.set()
    await task
    await sweeper.release()
    assert await db.leases.holder("plan-sweeper", now=FIXED_NOW) is None
