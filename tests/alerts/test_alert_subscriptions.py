"""Subscriptions: filters resolved against the tenant's picklists, matching, and chat commands."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import pytest
from alert_support import ROOM, Alerts, company_id, message, pick
from contracts import TENANT_SAMPLE, require
from engine_support import RecordingSurface, technician_email
from support import FAST_RETRY, FIXED_NOW, credentials_for, sandbox_config

from autotask import AutotaskClient, PicklistValue
from autotask.sandbox import Sandbox
from autotask.tools import Tenant, ToolContext, ToolError
from bot.alerts import AlertFilters, Matcher, Watched, priority_ladder, resolve_filters
from bot.storage import Subscription


async def test_filters_resolve_to_the_tenants_ids(tenant: Tenant, sandbox: Sandbox) -> None:
    words = {"queue": "service desk", "priority": "High", "company": "Contoso",
             "ticket_type": "incident", "status": "New"}  # fmt: skip
    filters = await resolve_filters(ToolContext(tenant=tenant), words, since_id=42)
    assert filters.queue_id == pick(sandbox, "queueID", "Service Desk")
    assert filters.company_id == company_id(sandbox, "Contoso")
    assert filters.ticket_type_id == pick(sandbox, "ticketType", "Incident")
    assert filters.status_id == pick(sandbox, "status", "New")
    # High or above: High and Critical, whatever their ids (here 1 and 4)
    assert set(filters.priority_ids or ()) == {
        pick(sandbox, "priority", "High"), pick(sandbox, "priority", "Critical")
    }  # fmt: skip
    assert filters.since_id == 42
    assert filters.describe() == (
        "queue Service Desk, priority High or above, company Contoso, type Incident, status New"
    )
    assert AlertFilters().describe() == "every new ticket"


async def test_priority_or_above_follows_the_picklist_order_of_another_tenant() -> None:
    # The tenant sample: 1 Critical, 2 Medium, 3 Low, 5 High, 6 Urgent, listed Low → Critical.
    config = sandbox_config(tickets=50, metadata_dir=require(TENANT_SAMPLE))
    async with (
        Sandbox(config) as box,
        AutotaskClient(credentials_for(box), zone_url=box.api_url, retry=FAST_RETRY) as client,
    ):
        ctx = ToolContext(tenant=Tenant(client=client))
        high = await resolve_filters(ctx, {"priority": "high"})
        medium = await resolve_filters(ctx, {"priority": "Medium"})
        critical = await resolve_filters(ctx, {"priority": "critical"})
    assert set(high.priority_ids or ()) == {5, 6, 1}
    assert set(medium.priority_ids or ()) == {2, 5, 6, 1}
    assert critical.priority_ids == (1,)


def _values(*labels: str, reverse: bool = False) -> list[PicklistValue]:
    orders = range(len(labels), 0, -1) if reverse else range(1, len(labels) + 1)
    return [
        PicklistValue(value=str(10 + i), label=label, sort_order=order)
        for i, (label, order) in enumerate(zip(labels, orders, strict=True))
    ]


def test_the_priority_ladder_reads_the_order_from_urgent_to_calm() -> None:
    urgent_first = _values("Critical", "High", "Medium", "Low")
    calm_first = _values("Low", "Medium", "High", "Urgent", "Critical")
    shuffled = _values("Critical", "High", "Medium", "Low", reverse=True)  # sortOrder 4,3,2,1
    assert [v.label for v in priority_ladder(urgent_first)] == ["Critical", "High", "Medium", "Low"]
    assert [v.label for v in priority_ladder(calm_first)][:2] == ["Critical", "Urgent"]
    assert [v.label for v in priority_ladder(shuffled)] == ["Critical", "High", "Medium", "Low"]
    p_levels = _values("P3 - Routine", "P2 - Business impact", "P1 - Outage")
    assert priority_ladder(p_levels)[0].label == "P1 - Outage"
    plain = _values("Gold", "Silver", "Bronze")  # no urgency words: the tenant's order stands
    assert [v.label for v in priority_ladder(plain)] == ["Gold", "Silver", "Bronze"]


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ({"queue": "Nowhere"}, "Valid values"),
        ({"priority": "Sky high"}, "priority"),
        ({"company": "Zzyzx Holdings"}, "No company matches"),
        ({"colour": "blue"}, "cannot filter on colour"),
    ],
)
async def test_unknown_values_say_what_would_work(
    tenant: Tenant, words: dict[str, Any], expected: str
) -> None:
    with pytest.raises(ToolError, match=expected):
        await resolve_filters(ToolContext(tenant=tenant), words)


def _subscription(n: int, filters: AlertFilters) -> Watched:
    stored = Subscription(
        id=n, platform="test", conversation_id=f"C{n}", thread_id=None,
        filters=filters.model_dump(mode="json"), created_by="x", created_at=FIXED_NOW, active=True,
    )  # fmt: skip
    return Watched(stored, filters)


def test_matching_many_subscriptions_equals_checking_each_one() -> None:
    rng = random.Random(7)
    queues, priorities, companies = [5, 6, 8, 29682833], [1, 2, 3, 4], [101, 102, 103]
    watched = []
    for n in range(1, 201):
        filters = AlertFilters(
            queue_id=rng.choice([None, *queues]),
            priority_ids=rng.choice([None, (4,), (4, 1), (4, 1, 2)]),
            company_id=rng.choice([None, None, *companies]),
            status_id=rng.choice([None, None, None, 1]),
            since_id=rng.choice([None, 1500]),
        )
        watched.append(_subscription(n, filters))
    tickets = [
        {"id": 1000 + i, "queueID": rng.choice(queues), "priority": rng.choice(priorities),
         "companyID": rng.choice(companies), "status": rng.choice([1, 8]), "ticketType": 2}
        for i in range(1000)
    ]  # fmt: skip
    found = {
        m.watched.subscription.id: [t["id"] for t in m.tickets]
        for m in Matcher(watched).match(tickets)
    }
    expected = {
        w.subscription.id: [t["id"] for t in tickets if w.filters.matches(t)] for w in watched
    }
    assert found == {k: v for k, v in expected.items() if v}
    assert sum(map(len, found.values())) > 1000  # the filters overlap: many tickets, many rooms
    everything = next(w for w in watched if w.filters == AlertFilters(since_id=1500))
    assert found[everything.subscription.id] == list(range(1501, 2000))


async def test_alerts_on_list_and_off_from_chat(
    make_alerts: Callable[..., Alerts], sandbox: Sandbox
) -> None:
    alerts = make_alerts()
    email = technician_email(sandbox)
    surface = RecordingSurface()

    async def say(text: str, thread: str | None = "T1") -> str:
        await alerts.engine.handle(message(text, email, thread=thread), surface, command_mode=True)
        return surface.last.text or ""

    assert "no new-ticket alerts" in await say("alerts list")
    answer = await say('alerts on queue "Service Desk" priority High')
    assert "queue Service Desk, priority High or above" in answer
    (subscription,) = await alerts.db.alerts.subscriptions(ROOM)
    assert subscription.conversation == ROOM  # the channel, not the thread it was typed in
    assert subscription.created_by == email
    assert "already gets alerts" in await say("alerts on priority high queue service desk")
    assert "company Contoso" in await say("alerts on company Contoso", thread=None)
    listing = await say("alerts")
    assert "queue Service Desk, priority High or above" in listing and "company Contoso" in listing
    assert "Stopped 2 new-ticket alerts" in await say("alerts off")
    assert await alerts.db.alerts.subscriptions() == []
    assert "has no new-ticket alerts" in await say("alerts off")


async def test_bad_filters_and_strangers_change_nothing(
    make_alerts: Callable[..., Alerts], sandbox: Sandbox
) -> None:
    alerts = make_alerts()
    surface = RecordingSurface()
    email = technician_email(sandbox)
    await alerts.engine.handle(
        message("alerts on queue Nowhere", email), surface, command_mode=True
    )
    text = surface.last.text or ""
    assert "Valid values" in text and "Service Desk" in text and "alerts on queue" in text
    await alerts.engine.handle(
        message("alerts on priority high", "guest@customer.example"), surface, command_mode=True
    )
    assert "no Autotask resource" in (surface.last.text or "")
    assert await alerts.db.alerts.subscriptions() == []
