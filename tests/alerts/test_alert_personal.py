"""Personal notifications: "notify me when a ticket is assigned to me" said in the direct chat
subscribes it to new tickets assigned to that technician, delivered through the same poller
(and webhooks) as channel alerts, exactly once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from alert_support import Alerts, alert_cards, message, open_ticket, technicians, ticket_of
from engine_support import RecordingSurface
from notice_support import assigned_to

from autotask.sandbox import Sandbox
from autotask.tools import Tenant, actor_of
from bot.alerts import resolve_filters
from bot.commands import parse_command
from bot.messages import Conversation
from bot.storage import Database

DM = Conversation(platform="test", conversation_id="D-PERSONAL")


async def test_tickets_assigned_to_me_reach_my_direct_chat_once(
    make_alerts: Callable[..., Alerts], sandbox: Sandbox, tenant: Tenant
) -> None:
    alerts = make_alerts()
    me, other = technicians(sandbox)[0], technicians(sandbox)[1]
    surface = RecordingSurface()
    said = message("notify me when a ticket is assigned to me", str(me["email"]), room=DM)
    await alerts.engine.handle(said, surface)
    assert "assigned to " + str(me["firstName"]) in (surface.last.text or "")
    (subscription,) = await alerts.db.alerts.subscriptions(DM)
    assert subscription.filters["assigned_id"] == me["id"]
    await alerts.service.poller.cycle()  # the first start: no history

    mine = await open_ticket(tenant.client, sandbox, title="Mine",
                             **assigned_to(sandbox, me))  # fmt: skip
    await open_ticket(tenant.client, sandbox, title="Theirs",
                      **assigned_to(sandbox, other))  # fmt: skip
    await open_ticket(tenant.client, sandbox, title="Nobody's")
    await alerts.service.poller.cycle()
    await alerts.service.poller.cycle()  # a second cycle delivers nothing again
    delivered = [(conversation, reply) for conversation, reply, _ in alerts.surface.posts]
    assert [c for c, _ in delivered] == [DM]
    number = sandbox.get_record("Tickets", mine)["ticketNumber"]  # type: ignore[index]
    assert [ticket_of(card) for card in alert_cards(alerts.surface)] == [number]

    await alerts.engine.handle(message("stop notifying me", str(me["email"]), room=DM), surface)
    assert await alerts.db.alerts.subscriptions(DM) == []


async def test_a_webhook_brings_it_first_and_the_poll_does_not_repeat_it(
    tenant: Tenant, db: Database, sandbox: Sandbox
) -> None:
    from test_alert_webhooks import install, serving

    me = technicians(sandbox)[0]
    async with serving(tenant, db) as bot:
        words = {"assigned": "me"}
        ctx = bot.part.service.engine.context(actor_of(me))
        filters = await resolve_filters(ctx, words, since_id=await db.alerts.cursor())
        await db.alerts.subscribe(DM, filters.model_dump(mode="json"), created_by="x",
                                  now=datetime.now(UTC))  # fmt: skip
        await install(tenant, bot)
        mine = await open_ticket(tenant.client, sandbox, title="Mine by webhook",
                                 **assigned_to(sandbox, me))  # fmt: skip
        await bot.settle(sandbox)
        assert [c for c, _, _ in bot.surface.posts] == [DM], "delivered by the callout"
        report = await bot.part.service.poller.cycle()
        assert report.changed >= 1 and report.notices.alerts == 0 and len(bot.surface.posts) == 1
        number = sandbox.get_record("Tickets", mine)["ticketNumber"]  # type: ignore[index]
        assert [ticket_of(card) for card in alert_cards(bot.surface)] == [number]


NOTES = {"assigned": "me", "notify": "customer_note"}


@pytest.mark.parametrize(
    ("typed", "intent", "words"),
    [
        ("notify me when a ticket is assigned to me", "alerts_on", {"assigned": "me"}),
        ("Ping me when tickets get reassigned to me", "alerts_on", {"assigned": "me"}),
        ("tell me when customers reply on my tickets", "alerts_on", NOTES),
        ("notify me about customer notes", "alerts_on", NOTES),
        ("notify me when my tickets get a customer note", "alerts_on", NOTES),
        ("let me know when a client replies to my tickets", "alerts_on", NOTES),
        ("stop notifying me", "alerts_off", {"notify": "personal"}),
        ("notifications off", "alerts_off", {"notify": "personal"}),
        ("stop notifying me about customer notes", "alerts_off", {"notify": "customer_note"}),
        ("notifications", "alerts_list", None),
    ],
)
def test_the_phrasings_a_technician_types(typed: str, intent: str, words: object) -> None:
    command = parse_command(typed)
    assert (command.intent, command.alert_filters) == (intent, words)


@pytest.mark.parametrize(
    "typed",
    ["tell me the customer notes on T20261125.0042", "tell me the contact email of Contoso"],
)
def test_questions_about_one_record_are_not_subscriptions(typed: str) -> None:
    assert parse_command(typed).intent not in {"alerts_on", "alerts_off"}


async def test_stop_notifying_me_stops_only_my_own_notifications(
    make_alerts: Callable[..., Alerts], sandbox: Sandbox
) -> None:
    alerts = make_alerts()
    me, colleague = technicians(sandbox)[0], technicians(sandbox)[1]
    surface = RecordingSurface()
    for who, text in ((me, "notify me when a ticket is assigned to me"),
                      (me, "notify me about customer notes"),
                      (colleague, "notify me when a ticket is assigned to me"),
                      (colleague, "alerts on priority High")):  # fmt: skip
        await alerts.engine.handle(message(text, str(who["email"]), room=DM), surface)
    assert len(await alerts.db.alerts.subscriptions(DM)) == 4

    await alerts.engine.handle(message("stop notifying me", str(me["email"]), room=DM), surface)
    assert "Stopped 2 notifications" in (surface.last.text or "")
    left = await alerts.db.alerts.subscriptions(DM)
    assert {(s.created_by, s.filters.get("assigned_id")) for s in left} == {
        (colleague["email"], colleague["id"]),
        (colleague["email"], None),
    }


async def test_asked_in_a_channel_it_points_to_the_direct_chat(
    make_alerts: Callable[..., Alerts], sandbox: Sandbox
) -> None:
    alerts = make_alerts()
    me = technicians(sandbox)[0]
    surface = RecordingSurface()
    said = message("notify me when a ticket is assigned to me", str(me["email"]))
    await alerts.engine.handle(said.model_copy(update={"shared": True}), surface)
    assert "direct chat" in (surface.last.text or "")
    assert await alerts.db.alerts.subscriptions(said.conversation) == []
