"""Plans: create/get, the posted card, compare-and-set transitions, expiry and stuck applies."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import StatementError
from storage_samples import CHANNEL, NOW, change_plan

from bot.messages import MessageRef
from bot.storage import AuditEvent, Database, StoredPlan
from bot.storage._tables import plans

TTL = timedelta(minutes=30)


async def _create(db: Database, *, ttl: timedelta = TTL, ticket_id: int = 18420) -> StoredPlan:
    return await db.plans.create(
        change_plan(ticket_id),
        requester_user_id="U0ALICE",
        requester_email="alice@msp.example",
        requester_resource_id=29682885,
        requester_name="Alice Example",
        conversation=CHANNEL,
        ttl=ttl,
        now=NOW,
    )


async def test_a_created_plan_reads_back_whole(db: Database) -> None:
    created = await _create(db)
    assert created.status == "pending"
    assert created.created_at == created.updated_at == NOW
    assert created.expires_at == NOW + TTL
    assert created.message is None and created.outcome is None
    fetched = await db.plans.get(created.id)
    assert fetched == created
    assert fetched.plan == change_plan()
    assert fetched.conversation == CHANNEL
    assert fetched.requester_resource_id == 29682885
    assert fetched.created_at.utcoffset() == timedelta(0)


async def test_plan_ids_are_unguessable_and_distinct(db: Database) -> None:
    ids = {(await _create(db)).id for _ in range(5)}
    assert len(ids) == 5
    assert all(len(plan_id) >= 20 and plan_id.replace("-", "").replace("_", "").isalnum()
               for plan_id in ids)  # fmt: skip


async def test_unknown_plan_is_none(db: Database) -> None:
    assert await db.plans.get("no-such-plan-id") is None


async def test_naive_times_are_refused(db: Database) -> None:
    with pytest.raises(StatementError, match="timezone-aware"):
        await db.plans.create(
            change_plan(), requester_user_id="U1", requester_email=None,
            requester_resource_id=None, requester_name=None, conversation=CHANNEL,
            ttl=TTL, now=NOW.replace(tzinfo=None),
        )  # fmt: skip


async def test_the_posted_card_is_remembered(db: Database) -> None:
    created = await _create(db)
    card = MessageRef(conversation=CHANNEL, message_id="1732526460.0002")
    await db.plans.set_message(created.id, card)
    fetched = await db.plans.get(created.id)
    assert fetched is not None and fetched.message == card


async def test_transitions_follow_the_allowed_states(db: Database) -> None:
    created = await _create(db)
    later = NOW + timedelta(minutes=1)
    applying = await db.plans.transition(
        created.id, from_statuses={"pending"}, to_status="applying", now=later,
        decided_by_user_id="U0ALICE", decided_by_resource_id=29682885,
    )  # fmt: skip
    assert applying is not None
    assert (applying.status, applying.updated_at) == ("applying", later)
    assert applying.decided_by_user_id == "U0ALICE"
    assert (
        await db.plans.transition(
            created.id, from_statuses={"pending"}, to_status="cancelled", now=later
        )
        is None
    )
    applied = await db.plans.transition(
        created.id, from_statuses={"applying"}, to_status="applied", now=later,
        outcome={"id": 18420, "status": "Complete"},
    )  # fmt: skip
    assert applied is not None and applied.status == "applied"
    assert applied.outcome == {"id": 18420, "status": "Complete"}
    assert applied.decided_by_user_id == "U0ALICE", "a later step keeps the decider"
    assert await db.plans.get(created.id) == applied


async def test_an_expired_plan_cannot_start_applying(db: Database) -> None:
    created = await _create(db, ttl=timedelta(minutes=5))
    too_late = NOW + timedelta(minutes=5)
    assert (
        await db.plans.transition(
            created.id, from_statuses={"pending"}, to_status="applying", now=too_late
        )
        is None
    )
    still = await db.plans.get(created.id)
    assert still is not None and still.status == "pending"
    cancelled = await db.plans.transition(
        created.id, from_statuses={"pending"}, to_status="cancelled", now=too_late
    )
    assert cancelled is not None and cancelled.status == "cancelled"


async def test_twenty_concurrent_approvals_apply_once(db: Database) -> None:
    created = await _create(db)

    async def click(n: int) -> StoredPlan | None:
        return await db.plans.transition(
            created.id, from_statuses={"pending"}, to_status="applying",
            now=NOW + timedelta(seconds=1), decided_by_user_id=f"U{n}",
        )  # fmt: skip

    results = await asyncio.gather(*(click(n) for n in range(20)))
    winners = [r for r in results if r is not None]
    assert len(winners) == 1
    stored = await db.plans.get(created.id)
    assert stored is not None
    assert stored.status == "applying"
    assert stored.decided_by_user_id == winners[0].decided_by_user_id


async def test_expire_due_moves_only_overdue_pending_plans(db: Database) -> None:
    short = await _create(db, ttl=timedelta(minutes=1), ticket_id=1)
    exact = await _create(db, ttl=timedelta(minutes=2), ticket_id=2)
    long = await _create(db, ttl=timedelta(hours=1), ticket_id=3)
    taken = await _create(db, ttl=timedelta(minutes=1), ticket_id=4)
    await db.plans.transition(taken.id, from_statuses={"pending"}, to_status="applying", now=NOW)
    expired = await db.plans.expire_due(NOW + timedelta(minutes=2))
    assert [p.id for p in expired] == [short.id, exact.id]
    assert all(p.status == "expired" for p in expired)
    assert await db.plans.expire_due(NOW + timedelta(minutes=2)) == []
    statuses = {p: (await db.plans.get(p)).status for p in (long.id, taken.id)}  # type: ignore[union-attr]
    assert statuses == {long.id: "pending", taken.id: "applying"}


async def test_concurrent_expiry_returns_each_plan_once(db: Database) -> None:
    for n in range(5):
        await _create(db, ttl=timedelta(minutes=1), ticket_id=n)
    runs = await asyncio.gather(*(db.plans.expire_due(NOW + TTL) for _ in range(6)))
    ids = [plan.id for run in runs for plan in run]
    assert len(ids) == len(set(ids)) == 5


async def test_stuck_applying_finds_plans_left_mid_apply(db: Database) -> None:
    old = await _create(db, ticket_id=1)
    recent = await _create(db, ticket_id=2)
    done = await _create(db, ticket_id=3)
    for plan, at in ((old, NOW), (recent, NOW + timedelta(minutes=9)), (done, NOW)):
        await db.plans.transition(plan.id, from_statuses={"pending"}, to_status="applying", now=at)
    await db.plans.transition(done.id, from_statuses={"applying"}, to_status="applied", now=NOW)
    stuck = await db.plans.stuck_applying(NOW + timedelta(minutes=5))
    assert [p.id for p in stuck] == [old.id]


async def test_plans_are_stored_as_json_documents(db: Database) -> None:
    created = await _create(db)
    async with db._gateway.read() as conn:
        row = (
            await conn.execute(select(plans.c.plan, plans.c.status).where(plans.c.id == created.id))
        ).one()
    assert row.status == "pending"
    assert row.plan["payload"] == {"status": 5, "priority": 1}
    assert row.plan["changes"][0]["label"] == "Status"


async def test_text_with_a_nul_character_is_stored_on_every_database(db: Database) -> None:
    """PostgreSQL's text and jsonb refuse NUL; a ticket pasted from a binary file has one."""
    plan = change_plan(summary="Update ticket: printer\x00jam")
    plan = plan.model_copy(update={"snapshot": {"title": "printer\x00jam", "status": 1}})
    created = await db.plans.create(
        plan,
        requester_user_id="U0ALICE",
        requester_email="alice@msp.example",
        requester_resource_id=29682885,
        requester_name="Alice\x00Example",
        conversation=CHANNEL,
        ttl=TTL,
        now=NOW,
    )
    fetched = await db.plans.get(created.id)
    assert fetched is not None
    title = fetched.plan.snapshot["title"]
    if db.dialect == "postgresql":
        assert title == "printer\ufffdjam" and fetched.requester_name == "Alice\ufffdExample"
    else:
        assert title == "printer\x00jam"
    await db.audit.record(
        AuditEvent(at=NOW, kind="applied", summary="printer\x00jam", autotask_answer="ok\x00")
    )
    [event] = await db.audit.list()
    assert event.summary.startswith("printer") and event.summary.endswith("jam")
