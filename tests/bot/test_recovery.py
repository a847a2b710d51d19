"""A process killed mid-approval: after restart each plan is settled truthfully and never re-applied."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from engine_support import RecordingSurface, say, technician_email
from support import FIXED_NOW

from autotask.sandbox import Sandbox
from bot.engine import Engine
from bot.messages import Click
from bot.recovery import recover_interrupted
from bot.storage import Database

LATER = FIXED_NOW + timedelta(minutes=10)


def _writes(box: Sandbox) -> int:
    return len(
        [
            r
            for r in box.requests
            if r.method in {"POST", "PATCH", "DELETE"} and "/query" not in r.path
        ]
    )


async def _stuck_plan(
    engine: Engine, surface: RecordingSurface, db: Database, text: str, email: str
) -> str:
    await engine.handle(say(text, email), surface)
    plan_id = surface.last.cards[0].actions[0].plan_id
    assert await db.plans.transition(
        plan_id, from_statuses={"pending"}, to_status="applying", now=FIXED_NOW
    )
    return plan_id


async def test_killed_before_the_request_nothing_was_written(
    make_engine: Callable[..., Engine], surface: RecordingSurface, sandbox: Sandbox, db: Database
) -> None:
    engine, email = make_engine(), technician_email(sandbox)
    ticket = next(t for t in sandbox.records("Tickets") if t["status"] != 5)
    plan_id = await _stuck_plan(
        engine, surface, db, f"set priority of {ticket['ticketNumber']} to critical", email
    )
    (settled,) = await recover_interrupted(engine.tenant, db, {"test": surface}, now=LATER)
    assert settled.id == plan_id and settled.status == "failed"
    card = surface.updates[-1][1].cards[0]
    assert card.status == "failed" and "nothing was written" in " ".join(card.notes)


async def test_killed_after_autotask_answered_the_change_counts_as_applied(
    make_engine: Callable[..., Engine], surface: RecordingSurface, sandbox: Sandbox, db: Database
) -> None:
    engine, email = make_engine(), technician_email(sandbox)
    ticket = next(t for t in sandbox.records("Tickets") if t["status"] != 5 and t["priority"] != 4)
    plan_id = await _stuck_plan(
        engine, surface, db, f"set priority of {ticket['ticketNumber']} to critical", email
    )
    stored = await db.plans.get(plan_id)
    assert stored is not None
    await engine.tenant.client.update(
        "Tickets", ticket["id"], stored.plan.payload
    )  # sent, then the crash
    (settled,) = await recover_interrupted(engine.tenant, db, {"test": surface}, now=LATER)
    assert settled.status == "applied"
    sandbox.clear_requests()
    await engine.click(
        Click(
            conversation=surface.posts[-1][0],
            user_id=f"U-{email}",
            email=email,
            action="approve",
            plan_id=plan_id,
        ),
        surface,
    )
    assert _writes(sandbox) == 0 and "already applied" in surface.whispers[-1][1]


async def test_an_interrupted_create_is_unknown_with_a_link(
    make_engine: Callable[..., Engine], surface: RecordingSurface, sandbox: Sandbox, db: Database
) -> None:
    engine, email = make_engine(), technician_email(sandbox)
    ticket = next(t for t in sandbox.records("Tickets") if t["status"] != 5)
    await _stuck_plan(engine, surface, db, f"note on {ticket['ticketNumber']}: called back", email)
    (settled,) = await recover_interrupted(engine.tenant, db, {"test": surface}, now=LATER)
    assert settled.status == "unknown"
    card = surface.updates[-1][1].cards[0]
    assert card.status == "unknown" and card.link is not None and "TicketID=" in card.link.url
    kinds = [e.kind for e in await db.audit.list(plan_id=settled.id)]
    assert kinds[0] == "unknown"


async def test_a_plan_still_being_applied_is_left_alone(
    make_engine: Callable[..., Engine], surface: RecordingSurface, sandbox: Sandbox, db: Database
) -> None:
    engine, email = make_engine(), technician_email(sandbox)
    ticket = next(t for t in sandbox.records("Tickets") if t["status"] != 5)
    plan_id = await _stuck_plan(engine, surface, db, f"close {ticket['ticketNumber']}", email)
    assert (
        await recover_interrupted(engine.tenant, db, {}, now=FIXED_NOW + timedelta(seconds=30))
        == []
    )
    assert (await db.plans.get(plan_id)).status == "applying"  # type: ignore[union-attr]
