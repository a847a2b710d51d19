"""Personal notices: the stored assignee per ticket (one "changed" answer per change, older
readings ignored) and notice claims by key, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio

from storage_samples import CHANNEL, NOW

from bot.messages import MessageRef
from bot.storage import Database

ME, OTHER = 29682885, 29682890
T = 7601


async def test_an_assignment_is_answered_changed_once_and_older_readings_change_nothing(
    db: Database,
) -> None:
    assert await db.notices.observe((T, ME, 1000)) == 1  # first seen: a new assignment
    assert await db.notices.observe((T, ME, 1000)) is None  # the same reading again
    assert await db.notices.observe((T, ME, 2000)) is None  # changed, still mine
    assert await db.notices.observe((T, OTHER, 1500)) is None  # older than what is stored
    assert await db.notices.assignees([T, T + 1]) == {T: ME}
    assert await db.notices.observe((T, OTHER, 2000)) == 2  # as new, and different: a change
    assert await db.notices.observe((T, ME, 3000)) == 3  # and back: a new assignment again
    await db.notices.settle([(T, None, 4000), (T + 1, OTHER, 10)])  # recorded, not answered
    assert await db.notices.assignees([T, T + 1]) == {T: None, T + 1: OTHER}
    assert await db.notices.observe((T, ME, 5000)) == 5


async def test_of_readers_seeing_one_change_at_once_exactly_one_is_told(db: Database) -> None:
    await db.notices.settle([(T, OTHER, 1000)])
    answers = await asyncio.gather(*(db.notices.observe((T, ME, 2000)) for _ in range(8)))
    assert sorted(answers, key=lambda a: a is None) == [2] + [None] * 7


async def test_a_notice_is_claimed_once_per_subscription_and_key(db: Database) -> None:
    first = await db.alerts.subscribe(CHANNEL, {}, created_by="U0ALICE", now=NOW)
    second = await db.alerts.subscribe(CHANNEL, {"queue_id": 5}, created_by="U0BOB", now=NOW)
    claims = await asyncio.gather(*(db.notices.claim(first, "note:45", T, now=NOW)
                                    for _ in range(5)))  # fmt: skip
    assert sorted(claims) == [False] * 4 + [True]
    assert await db.notices.claim(second, "note:45", T, now=NOW)
    assert await db.notices.claim(first, "note:46", T, now=NOW)
    posted = MessageRef(conversation=CHANNEL, message_id="1700000000.000100")
    await db.notices.mark_delivered(first, "note:45", posted, now=NOW)
    row = await db.notices.notice(first, "note:45")
    assert row is not None and row["delivered_at"] == NOW and row["ticket_id"] == T
    assert (await db.notices.notice(first, "note:46") or {}).get("delivered_at") is None
