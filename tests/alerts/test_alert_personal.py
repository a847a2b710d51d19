"""Personal notifications: "notify me when a ticket is assigned to me" said in the direct chat
subscribes it to new tickets assigned to that technician, delivered through the same poller
(and webhooks) as channel alerts, exactly once."""

from __future__ import annotations

from collections.abc import Callable

from alert_support import Alerts, alert_cards, message, open_ticket, technicians, ticket_of
from engine_support import RecordingSurface

from autotask.sandbox import Sandbox
from autotask.tools import Tenant
from bot.messages import Conversation

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

    role = next(r["roleID"] for r in sandbox.records("ResourceServiceDeskRoles")
                if r["resourceID"] == me["id"] and r["isActive"])  # fmt: skip
    mine = await open_ticket(tenant.client, sandbox, title="Mine",
                             assignedResourceID=me["id"], assignedResourceRoleID=role)  # fmt: skip
    other_role = next(r["roleID"] for r in sandbox.records("ResourceServiceDeskRoles")
                      if r["resourceID"] == other["id"] and r["isActive"])  # fmt: skip
    await open_ticket(tenant.client, sandbox, title="Theirs",
                      assignedResourceID=other["id"], assignedResourceRoleID=other_role)  # fmt: skip
    await open_ticket(tenant.client, sandbox, title="Nobody's")
    await alerts.service.poller.cycle()
    await alerts.service.poller.cycle()  # a second cycle delivers nothing again
    delivered = [(conversation, reply) for conversation, reply, _ in alerts.surface.posts]
    assert [c for c, _ in delivered] == [DM]
    number = sandbox.get_record("Tickets", mine)["ticketNumber"]  # type: ignore[index]
    assert [ticket_of(card) for card in alert_cards(alerts.surface)] == [number]

    await alerts.engine.handle(message("stop notifying me", str(me["email"]), room=DM), surface)
    assert await alerts.db.alerts.subscriptions(DM) == []
