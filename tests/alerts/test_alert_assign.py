""" "Assign to me" on an alert card: assigned once (with the role Autotask needs), or told who has it."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from alert_support import ROOM, Alerts, alert_cards, click, open_ticket, technicians
from engine_support import RecordingSurface, say, technician_email

from autotask.sandbox import Sandbox
from autotask.tools import Tenant
from bot.alerts import resolve_filters
from bot.messages import Card, Click


def patches(box: Sandbox) -> list[Any]:
    return [r for r in box.requests if r.method == "PATCH" and r.path.endswith("/Tickets")]


async def alert_for_new_ticket(alerts: Alerts, box: Sandbox, tenant: Tenant) -> tuple[Card, int]:
    await alerts.service.poller.cycle()
    filters = await resolve_filters(alerts.engine.context(None), {"priority": "High"})
    await alerts.db.alerts.subscribe(
        ROOM, filters.model_dump(mode="json"), created_by="x", now=datetime.now(UTC)
    )
    ticket_id = await open_ticket(tenant.client, box, title="VPN down for the whole office")
    await alerts.service.poller.cycle()
    (card,) = alert_cards(alerts.surface)
    return card, ticket_id


def role_of(box: Sandbox, resource: dict[str, Any]) -> int:
    if resource.get("defaultServiceDeskRoleID"):
        return int(resource["defaultServiceDeskRoleID"])
    roles = [
        r for r in box.records("ResourceServiceDeskRoles") if r["resourceID"] == resource["id"]
    ]
    roles.sort(key=lambda r: (not r.get("isDefault"), not r.get("isActive", True)))
    return int(roles[0]["roleID"])


async def test_assign_to_me_assigns_once_and_the_card_says_who(
    make_alerts: Callable[..., Alerts], sandbox: Sandbox, tenant: Tenant
) -> None:
    alerts = make_alerts()
    card, ticket_id = await alert_for_new_ticket(alerts, sandbox, tenant)
    first, second = technicians(sandbox)[:2]
    sandbox.clear_requests()
    await alerts.engine.click(click(card, first["email"]), alerts.surface)
    (patch,) = patches(sandbox)
    assert patch.body == {
        "id": ticket_id,
        "assignedResourceID": first["id"],
        "assignedResourceRoleID": role_of(sandbox, first),
    }
    assert patch.impersonation_id == first["id"]  # attributed to the technician who clicked
    stored = sandbox.get_record("Tickets", ticket_id)
    assert stored is not None and stored["assignedResourceID"] == first["id"]
    ((message, reply),) = alerts.surface.updates
    assert message == alerts.surface.posts[-1][2]  # the alert card itself, updated in place
    taken = reply.cards[0]
    name = f"{first['firstName']} {first['lastName']}"
    assert f"Taken by {name}" in taken.notes and taken.actions == ()
    assert taken.link == card.link and taken.title == card.title
    await alerts.engine.click(click(card, second["email"]), alerts.surface)
    assert len(patches(sandbox)) == 1
    assert alerts.surface.whispers[-1] == (
        f"U-{second['email']}",
        f"{name} has already taken {card.title[11:]}.",
    )
    plan = await alerts.db.plans.get(card.actions[0].plan_id)
    assert (
        plan is not None
        and plan.status == "applied"
        and plan.decided_by_user_id == f"U-{first['email']}"
    )
    kinds = [e.kind for e in await alerts.db.audit.list(plan_id=plan.id)]
    assert kinds == ["applied", "approved"]


async def test_someone_who_took_it_in_autotask_meanwhile_is_named(
    make_alerts: Callable[..., Alerts], sandbox: Sandbox, tenant: Tenant
) -> None:
    alerts = make_alerts()
    card, ticket_id = await alert_for_new_ticket(alerts, sandbox, tenant)
    queue = (sandbox.get_record("Tickets", ticket_id) or {}).get("queueID")
    members = {
        m["resourceID"] for m in sandbox.records("ResourceRoleQueues") if m["queueID"] == queue
    }
    clicker = technicians(sandbox)[0]
    # Autotask takes an assignee only from the ticket's queue (where the tenant requires it).
    other = next(t for t in technicians(sandbox) if t != clicker and t["id"] in members)
    await tenant.client.update(
        "Tickets", ticket_id,
        {"assignedResourceID": other["id"], "assignedResourceRoleID": role_of(sandbox, other)},
        impersonate=other["id"],
    )  # fmt: skip
    sandbox.clear_requests()
    await alerts.engine.click(click(card, clicker["email"]), alerts.surface)
    assert patches(sandbox) == []
    name = f"{other['firstName']} {other['lastName']}"
    assert alerts.surface.whispers == [
        (f"U-{clicker['email']}", f"{name} has already taken {card.title[11:]}.")
    ]
    ((_, reply),) = alerts.surface.updates
    assert f"Taken by {name}" in reply.cards[0].notes and reply.cards[0].actions == ()
    stored = sandbox.get_record("Tickets", ticket_id)
    assert stored is not None and stored["assignedResourceID"] == other["id"]


async def test_two_technicians_clicking_at_once_assign_once(
    make_alerts: Callable[..., Alerts], sandbox: Sandbox, tenant: Tenant
) -> None:
    alerts = make_alerts()
    card, _ = await alert_for_new_ticket(alerts, sandbox, tenant)
    racers = technicians(sandbox)[:2]
    sandbox.clear_requests()
    await asyncio.gather(
        *(alerts.engine.click(click(card, r["email"]), alerts.surface) for r in racers)
    )
    (patch,) = patches(sandbox)
    winner = next(r for r in racers if r["id"] == patch.body["assignedResourceID"])
    loser = next(r for r in racers if r is not winner)
    (whisper,) = alerts.surface.whispers
    assert whisper[0] == f"U-{loser['email']}"
    assert "taking" in whisper[1] or f"{winner['firstName']}" in whisper[1]


async def test_alert_plans_only_answer_their_own_button(
    make_alerts: Callable[..., Alerts], sandbox: Sandbox, tenant: Tenant
) -> None:
    alerts = make_alerts()
    card, ticket_id = await alert_for_new_ticket(alerts, sandbox, tenant)
    email = technician_email(sandbox)
    sandbox.clear_requests()
    await alerts.engine.click(click(card, email, action="approve"), alerts.surface)
    assert alerts.surface.whispers[-1][1] == "That button is not one I know."
    # and "Assign to me" cannot be pointed at someone else's change plan
    surface = RecordingSurface()
    await alerts.engine.handle(
        say("set priority of " + card.title[11:] + " to low", email, conversation=ROOM),
        surface,
        command_mode=True,
    )
    change = surface.last.cards[0]
    forged = Click(conversation=ROOM, user_id=f"U-{email}", email=email, action="assign_to_me",
                   plan_id=change.actions[0].plan_id)  # fmt: skip
    await alerts.engine.click(forged, surface)
    assert surface.whispers[-1][1] == "That button is not one I know."
    assert patches(sandbox) == []
    assert ticket_id


async def test_a_refused_write_leaves_the_button_working(
    make_alerts: Callable[..., Alerts], sandbox: Sandbox, tenant: Tenant
) -> None:
    alerts = make_alerts()
    card, ticket_id = await alert_for_new_ticket(alerts, sandbox, tenant)
    tech = technicians(sandbox)[0]
    sandbox.inject_error("PATCH", r"^Tickets$", 500, {"errors": ["Ticket: Queue ID is required."]})
    await alerts.engine.click(click(card, tech["email"]), alerts.surface)
    (whisper,) = alerts.surface.whispers
    assert "Queue ID is required" in whisper[1] and "try again" in whisper[1]
    assert alerts.surface.updates == []  # the card still offers the button
    plan = await alerts.db.plans.get(card.actions[0].plan_id)
    assert plan is not None and plan.status == "pending"
    await alerts.engine.click(click(card, tech["email"]), alerts.surface)
    stored = sandbox.get_record("Tickets", ticket_id)
    assert stored is not None and stored["assignedResourceID"] == tech["id"]
    assert len(alerts.surface.updates) == 1
