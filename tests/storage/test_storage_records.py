"""The audit log, identity links and conversation references."""

from __future__ import annotations

from datetime import timedelta

from storage_samples import NOW

from bot.messages import Conversation
from bot.storage import AuditEvent, Database


def _event(kind: str, minutes: int, plan_id: str | None = "plan-1", **extra: object) -> AuditEvent:
    return AuditEvent.model_validate(
        {"at": NOW + timedelta(minutes=minutes), "plan_id": plan_id, "kind": kind,
         "actor_user_id": "U0ALICE", "actor_resource_id": 29682885,
         "summary": "Update Ticket T20261125.0004: status", **extra}
    )  # fmt: skip


async def test_audit_lists_newest_first_and_filters_by_plan(db: Database) -> None:
    await db.audit.record(_event("planned", 0))
    await db.audit.record(_event("planned", 1, plan_id="plan-2"))
    await db.audit.record(
        _event("applied", 3, changes=[{"field": "status", "before": "New", "after": "Complete"}],
               autotask_answer=None, details={"record_id": 18420})
    )  # fmt: skip
    await db.audit.record(_event("approved", 2))
    await db.audit.record(_event("refused", 3, plan_id=None, details={"why": "not yours"}))
    every = await db.audit.list()
    assert [(e.kind, e.at) for e in every] == [
        ("refused", NOW + timedelta(minutes=3)),  # same time: the later record comes first
        ("applied", NOW + timedelta(minutes=3)),
        ("approved", NOW + timedelta(minutes=2)),
        ("planned", NOW + timedelta(minutes=1)),
        ("planned", NOW),
    ]
    first_plan = await db.audit.list(plan_id="plan-1")
    assert [e.kind for e in first_plan] == ["applied", "approved", "planned"]
    assert first_plan[0].changes == [{"field": "status", "before": "New", "after": "Complete"}]
    assert first_plan[0].details == {"record_id": 18420}
    assert first_plan[0].actor_resource_id == 29682885
    assert [e.kind for e in await db.audit.list(limit=2)] == ["refused", "applied"]


async def test_audit_keeps_autotask_answer_text(db: Database) -> None:
    answer = "Ticket 18420: 'status' is required when 'queueID' changes."
    await db.audit.record(_event("failed", 0, autotask_answer=answer))
    (event,) = await db.audit.list()
    assert event.autotask_answer == answer
    assert event.plan_id == "plan-1"


async def test_identity_links_upsert_and_unlink(db: Database) -> None:
    assert await db.identities.linked_resource("slack", "U0BOB") is None
    await db.identities.link("slack", "U0BOB", 30001, linked_by="U0ADMIN", now=NOW)
    await db.identities.link("teams", "U0BOB", 40004, linked_by="U0ADMIN", now=NOW)
    assert await db.identities.linked_resource("slack", "U0BOB") == 30001
    await db.identities.link("slack", "U0BOB", 30002, linked_by="U0ADMIN", now=NOW)
    assert await db.identities.linked_resource("slack", "U0BOB") == 30002
    assert await db.identities.unlink("slack", "U0BOB") is True
    assert await db.identities.unlink("slack", "U0BOB") is False
    assert await db.identities.linked_resource("slack", "U0BOB") is None
    assert await db.identities.linked_resource("teams", "U0BOB") == 40004


async def test_references_upsert_per_conversation(db: Database) -> None:
    first = {"conversation": {"id": "19:abc@thread.tacv2"}, "serviceUrl": "https://smba.example/"}
    second = {**first, "serviceUrl": "https://smba.example/emea/"}
    await db.references.save("teams", "19:abc@thread.tacv2", first, now=NOW)
    await db.references.save("teams", "19:def@thread.tacv2", first, now=NOW)
    await db.references.save("teams", "19:abc@thread.tacv2", second, now=NOW + timedelta(days=1))
    await db.references.save("slack", "C0HELPDESK", {"channel": "C0HELPDESK"}, now=NOW)
    assert await db.references.get("teams", "19:abc@thread.tacv2") == second
    assert await db.references.get("teams", "19:zzz@thread.tacv2") is None
    assert await db.references.all("teams") == [
        ("19:abc@thread.tacv2", second),
        ("19:def@thread.tacv2", first),
    ]
    assert await db.references.all("slack") == [("C0HELPDESK", {"channel": "C0HELPDESK"})]


async def test_channel_company_links_per_platform_and_channel(db: Database) -> None:
    channel = Conversation(platform="slack", conversation_id="C0HELPDESK", thread_id="1.2")
    same_id_elsewhere = Conversation(platform="teams", conversation_id="C0HELPDESK")
    assert await db.channels.company(channel) is None
    assert await db.channels.unlink(channel) is None
    await db.channels.link(channel, 174, "Contoso Ltd", linked_by="U0ALICE", now=NOW)
    in_another_thread = channel.model_copy(update={"thread_id": "9.9"})
    linked = await db.channels.company(in_another_thread)
    assert linked is not None and (linked.company_id, linked.company_name) == (174, "Contoso Ltd")
    assert linked.linked_by == "U0ALICE" and linked.linked_at == NOW
    assert await db.channels.company(same_id_elsewhere) is None, "per platform"
    later = NOW + timedelta(hours=1)
    await db.channels.link(channel, 175, "Northwind Traders", linked_by="U0BOB", now=later)
    relinked = await db.channels.company(channel)
    assert relinked is not None and relinked.company_name == "Northwind Traders"
    assert (relinked.linked_by, relinked.linked_at) == ("U0BOB", later)
    removed = await db.channels.unlink(channel)
    assert removed is not None and removed.company_id == 175
    assert await db.channels.company(channel) is None
