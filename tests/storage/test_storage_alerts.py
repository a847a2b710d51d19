"""Alerts: subscriptions, the cursor, exactly-once deliveries, webhook dedupe."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy.exc import IntegrityError
from storage_samples import CHANNEL, NOW

from bot.messages import Conversation, MessageRef
from bot.storage import Database

OTHER = Conversation(platform="teams", conversation_id="19:noc@thread.tacv2")
SAME_CHANNEL_ROOT = Conversation(platform="slack", conversation_id=CHANNEL.conversation_id)


async def test_subscribe_and_unsubscribe_per_conversation(db: Database) -> None:
    first = await db.alerts.subscribe(CHANNEL, {"priority": "High"}, created_by="U0ALICE", now=NOW)
    second = await db.alerts.subscribe(
        SAME_CHANNEL_ROOT, {"queue": "Level I Support"}, created_by="U0BOB", now=NOW
    )
    other = await db.alerts.subscribe(OTHER, {}, created_by="29:carol", now=NOW)
    assert len({first, second, other}) == 3
    every = await db.alerts.subscriptions()
    assert [s.id for s in every] == [first, second, other]
    assert every[0].filters == {"priority": "High"}
    assert every[0].conversation == CHANNEL
    assert every[0].created_at == NOW and every[0].active
    assert [s.id for s in await db.alerts.subscriptions(CHANNEL)] == [first, second]
    assert await db.alerts.unsubscribe(CHANNEL) == 2
    assert await db.alerts.unsubscribe(CHANNEL) == 0
    assert [s.id for s in await db.alerts.subscriptions()] == [other]
    assert await db.alerts.subscriptions(SAME_CHANNEL_ROOT) == []


async def test_the_cursor_never_moves_backwards(db: Database) -> None:
    assert await db.alerts.cursor() is None
    await db.alerts.set_cursor(18420)
    await db.alerts.set_cursor(18000)
    assert await db.alerts.cursor() == 18420
    await db.alerts.set_cursor(18500)
    assert await db.alerts.cursor() == 18500
    await db.alerts.set_cursor(7, name="notes")
    assert await db.alerts.cursor("notes") == 7
    assert await db.alerts.cursor() == 18500


async def test_concurrent_cursor_writes_keep_the_highest(db: Database) -> None:
    values = [18000 + (n * 37) % 100 for n in range(20)]
    await asyncio.gather(*(db.alerts.set_cursor(v) for v in values))
    assert await db.alerts.cursor() == max(values)


async def test_a_delivery_is_claimed_once_under_concurrency(db: Database) -> None:
    subscription = await db.alerts.subscribe(CHANNEL, {}, created_by="U0ALICE", now=NOW)
    claims = await asyncio.gather(
        *(db.alerts.claim_delivery(subscription, 18420, now=NOW) for _ in range(20))
    )
    assert claims.count(True) == 1
    assert await db.alerts.claim_delivery(subscription, 18420, now=NOW) is False
    assert await db.alerts.claim_delivery(subscription, 18421, now=NOW) is True
    other = await db.alerts.subscribe(OTHER, {}, created_by="29:carol", now=NOW)
    assert await db.alerts.claim_delivery(other, 18420, now=NOW) is True


async def test_deliveries_record_where_the_alert_went(db: Database) -> None:
    subscription = await db.alerts.subscribe(CHANNEL, {}, created_by="U0ALICE", now=NOW)
    assert await db.alerts.delivery(subscription, 18420) is None
    assert await db.alerts.claim_delivery(subscription, 18420, now=NOW)
    claimed = await db.alerts.delivery(subscription, 18420)
    assert claimed == {
        "subscription_id": subscription, "ticket_id": 18420, "claimed_at": NOW,
        "delivered_at": None, "message": None,
    }  # fmt: skip
    posted = MessageRef(conversation=CHANNEL, message_id="1732526999.0009")
    later = NOW + timedelta(seconds=2)
    await db.alerts.mark_delivered(subscription, 18420, posted, now=later)
    delivered = await db.alerts.delivery(subscription, 18420)
    assert delivered is not None
    assert (delivered["claimed_at"], delivered["delivered_at"]) == (NOW, later)
    assert delivered["message"] == posted
    assert await db.alerts.claim_delivery(subscription, 18420, now=later) is False


async def test_a_delivery_needs_an_existing_subscription(db: Database) -> None:
    with pytest.raises(IntegrityError):
        await db.alerts.claim_delivery(987654, 18420, now=NOW)


async def test_webhook_events_are_seen_once(db: Database) -> None:
    key = "0f8fad5b-d9cb-469f-a165-70867728950e:42"
    assert await db.alerts.seen_webhook_event(key, now=NOW) is False
    assert await db.alerts.seen_webhook_event(key, now=NOW) is True
    results = await asyncio.gather(
        *(db.alerts.seen_webhook_event("other:43", now=NOW) for _ in range(10))
    )
    assert results.count(False) == 1
    assert await db.alerts.forget_webhook_events(before=NOW + timedelta(days=1)) == 2
    assert await db.alerts.seen_webhook_event(key, now=NOW) is False


async def test_batched_claims_win_each_ticket_once(db: Database) -> None:
    from datetime import UTC, datetime

    from bot.messages import Conversation, MessageRef

    now = datetime(2026, 11, 25, tzinfo=UTC)
    channel = Conversation(platform="test", conversation_id="C-batch")
    sub = await db.alerts.subscribe(channel, {}, created_by="U1", now=now)
    assert await db.alerts.claim_delivery(sub, 5, now=now)
    won = await db.alerts.claim_deliveries(sub, list(range(1, 1201)), now=now)
    assert won == set(range(1, 1201)) - {5}
    assert await db.alerts.claim_deliveries(sub, [1, 2, 3], now=now) == set()
    ref = MessageRef(conversation=channel, message_id="m1")
    await db.alerts.mark_delivered_many(sub, [1, 2, 600], ref, now=now)
    delivered = await db.alerts.delivery(sub, 600)
    assert (
        delivered is not None and delivered["message"] == ref and delivered["delivered_at"] == now
    )
    assert (await db.alerts.delivery(sub, 601))["delivered_at"] is None  # type: ignore[index]


async def test_deactivating_a_channel_hands_each_subscription_to_one_caller(db: Database) -> None:
    first = await db.alerts.subscribe(
        CHANNEL, {}, created_by="alice@example.com", created_by_user_id="U0ALICE", now=NOW
    )
    await db.alerts.subscribe(OTHER, {}, created_by="carol@example.com", now=NOW)
    both = await asyncio.gather(db.alerts.deactivate(CHANNEL), db.alerts.deactivate(CHANNEL))
    won = [s for result in both for s in result]
    assert [(s.id, s.created_by_user_id, s.active) for s in won] == [(first, "U0ALICE", False)]
    assert [s.conversation for s in await db.alerts.subscriptions()] == [OTHER]


async def test_a_personal_address_keeps_its_personal_chat_when_a_channel_message_updates_it(
    db: Database,
) -> None:
    address = {"user_id": "29:1sarah", "tenant_id": "t1", "service_url": "https://a.example/"}
    assert await db.addresses.get("teams", "29:1sarah") is None
    await db.addresses.save("teams", "29:1sarah", address, now=NOW)
    await db.addresses.save(
        "teams", "29:1sarah", address, personal_conversation_id="a:1sarah", now=NOW
    )
    moved = {**address, "service_url": "https://b.example/"}
    await db.addresses.save("teams", "29:1sarah", moved, now=NOW + timedelta(minutes=1))
    found = await db.addresses.get("teams", "29:1sarah")
    assert found is not None
    assert found.address == moved and found.personal_conversation_id == "a:1sarah"
    assert await db.addresses.get("slack", "29:1sarah") is None
