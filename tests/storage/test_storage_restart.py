"""A restart (close, reopen the same database) keeps everything the bot stored."""

from __future__ import annotations

from datetime import timedelta

from storage_samples import CHANNEL, CREDENTIAL_KEY, NOW, change_plan

from bot.messages import MessageRef
from bot.storage import AuditEvent, Database


async def _store_everything(db: Database) -> dict[str, object]:
    plan = await db.plans.create(
        change_plan(), requester_user_id="U0ALICE", requester_email="alice@msp.example",
        requester_resource_id=29682885, requester_name="Alice Example", conversation=CHANNEL,
        ttl=timedelta(minutes=30), now=NOW,
    )  # fmt: skip
    card = MessageRef(conversation=CHANNEL, message_id="1732526460.0002")
    await db.plans.set_message(plan.id, card)
    await db.audit.record(AuditEvent(at=NOW, plan_id=plan.id, kind="planned", summary="x"))
    await db.identities.link("slack", "U0BOB", 30001, linked_by="U0ADMIN", now=NOW)
    await db.history.append(
        CHANNEL.key, "user", {"role": "user", "content": "hi"}, tokens=2, now=NOW
    )
    await db.references.save("teams", "19:abc@thread.tacv2", {"serviceUrl": "https://s/"}, now=NOW)
    subscription = await db.alerts.subscribe(
        CHANNEL, {"priority": "High"}, created_by="U0ALICE", now=NOW
    )
    await db.alerts.set_cursor(18420)
    await db.alerts.claim_delivery(subscription, 18420, now=NOW)
    await db.alerts.seen_webhook_event("guid:1", now=NOW)
    await db.leases.acquire("alerts-poller", "replica-a", ttl=timedelta(hours=1), now=NOW)
    await db.credentials.put("autotask", {"secret": "s"}, now=NOW)
    return {"plan": await db.plans.get(plan.id), "subscription": subscription}


async def test_everything_survives_a_restart(db_url: str) -> None:
    first = await Database.open(db_url, credential_key=CREDENTIAL_KEY)
    await first.migrate()
    stored = await _store_everything(first)
    await first.close()

    db = await Database.open(db_url, credential_key=CREDENTIAL_KEY)
    try:
        await db.migrate()
        plan = stored["plan"]
        assert plan is not None and await db.plans.get(plan.id) == plan  # type: ignore[attr-defined]
        assert [e.kind for e in await db.audit.list()] == ["planned"]
        assert await db.identities.linked_resource("slack", "U0BOB") == 30001
        assert await db.history.recent(CHANNEL.key, max_tokens=100) == [
            {"role": "user", "content": "hi"}
        ]
        assert await db.references.get("teams", "19:abc@thread.tacv2") == {
            "serviceUrl": "https://s/"
        }
        assert [s.id for s in await db.alerts.subscriptions()] == [stored["subscription"]]
        assert await db.alerts.cursor() == 18420
        assert await db.alerts.claim_delivery(stored["subscription"], 18420, now=NOW) is False  # type: ignore[arg-type]
        assert await db.alerts.seen_webhook_event("guid:1", now=NOW) is True
        assert await db.leases.holder("alerts-poller", now=NOW) == "replica-a"
        assert await db.credentials.get("autotask") == {"secret": "s"}
    finally:
        await db.close()
