"""Helpers for the alert tests (importable as ``alert_support``): new tickets, settings, clicks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine_support import RecordingSurface
from notice_support import technicians

from autotask import AutotaskClient
from autotask.sandbox import Sandbox
from bot.alerts import AlertService
from bot.engine import Engine
from bot.messages import Card, ChatSurface, Click, Conversation, IncomingMessage, Reply
from bot.settings import Settings
from bot.storage import Database

SECRET = "a-shared-webhook-secret-0123456789"
ROOM = Conversation(platform="test", conversation_id="C-ALERTS")
OTHER_ROOM = Conversation(platform="test", conversation_id="C-OTHER")


@dataclass
class Alerts:
    """One bot process, as far as alerts go."""

    engine: Engine
    service: AlertService
    surface: RecordingSurface
    surfaces: dict[str, ChatSurface]
    db: Database


def alert_settings(**alerts: Any) -> Settings:
    values: dict[str, Any] = {"digest_after": 3, "poll_seconds": 3600.0, "webhook_secret": SECRET}
    values.update(alerts)
    return Settings(timezone="America/New_York", alerts=values)


def pick(box: Sandbox, field: str, label: str) -> int:
    """The tenant's id of a Tickets picklist label."""
    meta = box.metadata.get("Tickets")
    assert meta is not None
    return next(int(v["value"]) for v in meta.picklist(field) if v["label"] == label)


def company_id(box: Sandbox, name: str) -> int:
    return next(int(c["id"]) for c in box.records("Companies") if c["companyName"] == name)


async def open_ticket(
    client: AutotaskClient,
    box: Sandbox,
    *,
    title: str = "Printer on fire",
    company: str = "Contoso",
    priority: str = "High",
    queue: str = "Service Desk",
    as_api_user: bool = False,
    **fields: Any,
) -> int:
    """A new ticket made through the API: as a technician (impersonated), or as the API user."""
    body = {
        "companyID": company_id(box, company),
        "title": title,
        "description": fields.pop("description", "The printer on floor 2 is smoking."),
        "priority": pick(box, "priority", priority),
        "queueID": pick(box, "queueID", queue),
        "status": pick(box, "status", "New"),
        "ticketType": pick(box, "ticketType", "Incident"),
        **fields,
    }
    works = [m["queueID"] for m in box.records("ResourceRoleQueues")
             if m["resourceID"] == fields.get("assignedResourceID")]  # fmt: skip
    if works and body["queueID"] not in works:  # Autotask: an assignee works the ticket's queue
        body["queueID"] = works[0]
    actor = None if as_api_user else int(technicians(box)[-1]["id"])
    return await client.create("Tickets", body, impersonate=actor)


def message(
    text: str, email: str, room: Conversation = ROOM, thread: str | None = None
) -> IncomingMessage:
    return IncomingMessage(
        conversation=room.model_copy(update={"thread_id": thread}),
        user_id=f"U-{email}",
        email=email,
        text=text,
    )


def alert_cards(posted: RecordingSurface | list[Reply]) -> list[Card]:
    """The alert cards a surface was sent (or that some replies hold), in order."""
    replies = [r for _, r, _ in posted.posts] if isinstance(posted, RecordingSurface) else posted
    return [card for reply in replies for card in reply.cards if card.kind == "alert"]


def ticket_of(card: Card) -> str:
    """The ticket number an alert card is about ("New ticket T…", "Assigned to …: T…",
    "Customer note on T…")."""
    return card.title.split()[-1]


def click(card: Card, email: str, room: Conversation = ROOM, action: str = "assign_to_me") -> Click:
    (button,) = card.actions
    return Click(
        conversation=room,
        user_id=f"U-{email}",
        email=email,
        action=action,
        plan_id=button.plan_id,
    )
