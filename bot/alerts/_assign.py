""" "Assign to me" on an alert card: a stored plan that any mapped technician may apply, once.

At alert time a placeholder plan is stored for the card (the ticket as the card showed it, no
payload). On a click, the plan moves pending → applying atomically (a double click or a second
technician gets "already taken"), the ticket is read again, and only if nobody else took it in
the meantime is the real update planned for the clicker (``assignedResourceID``; the tool layer
adds the role Autotask requires) and applied through ``apply_change``. The card is updated in place.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from autotask import AutotaskError
from autotask.tools import (
    Actor,
    ApplyResult,
    ChangePlan,
    PlanArgs,
    ToolContext,
    ToolError,
    apply_change,
    plan_change,
)

from ..approvals import audit_event
from ..messages import ChatSurface, Click, Reply
from ..storage import PlanStatus, StoredPlan, Subscription
from ._cards import alert_card
from ._tickets import AlertTicket

if TYPE_CHECKING:
    from ..engine import Engine

__all__ = ["ALERT_REQUESTER", "ASSIGN_TTL", "is_alert_plan", "store_assign_plan", "take_ticket"]

logger = logging.getLogger(__name__)

ALERT_REQUESTER = "atbot:alerts"  # the requester of alert plans: no chat user has this id
ASSIGN_TTL = timedelta(days=7)


def is_alert_plan(stored: StoredPlan) -> bool:
    return stored.requester_user_id == ALERT_REQUESTER


async def store_assign_plan(
    engine: Engine, subscription: Subscription, ticket: AlertTicket, *, watching: str, now: datetime
) -> str:
    """The plan behind an alert card's "Assign to me" button; returns its id."""
    plan = ChangePlan(
        action="update",
        entity="Tickets",
        record_id=ticket.id,
        payload={},
        summary=f"Assign {ticket.number} to the technician who clicks",
        changes=[],
        snapshot={
            "assignedResourceID": ticket.assigned_id,
            "alert": ticket.model_dump(mode="json"),
            "watching": watching,
        },
        link=ticket.link,
    )
    stored = await engine.db.plans.create(
        plan,
        requester_user_id=ALERT_REQUESTER,
        requester_email=None,
        requester_resource_id=None,
        requester_name="New-ticket alert",
        conversation=subscription.conversation,
        ttl=ASSIGN_TTL,
        now=now,
    )
    return str(stored.id)


def _shown(stored: StoredPlan) -> tuple[AlertTicket, str | None] | None:
    snapshot = stored.plan.snapshot or {}
    if not isinstance(snapshot.get("alert"), dict):
        return None
    return AlertTicket.model_validate(snapshot["alert"]), snapshot.get("watching")


async def _tell(engine: Engine, click: Click, surface: ChatSurface, text: str) -> None:
    await surface.whisper(click.conversation, click.user_id, text)


async def _refuse(
    engine: Engine, click: Click, surface: ChatSurface, text: str, stored: StoredPlan
) -> None:
    event = audit_event(
        engine.clock(), "refused", stored, click.user_id, None, details={"why": text}
    )
    await engine.db.audit.record(event)
    await _tell(engine, click, surface, text)


async def take_ticket(
    engine: Engine, click: Click, surface: ChatSurface, stored: StoredPlan, actor: Actor
) -> None:
    """Handle a click on an alert card (the clicker is a mapped technician)."""
    shown = _shown(stored) if is_alert_plan(stored) else None
    if click.action != "assign_to_me" or shown is None:
        await _refuse(engine, click, surface, "That button is not one I know.", stored)
        return
    ticket = shown[0]
    now = engine.clock()
    if stored.status == "pending" and stored.expires_at <= now:
        text = f"This alert is too old to take from chat; open {ticket.number} in Autotask."
        await _refuse(engine, click, surface, text, stored)
        return
    applying = await engine.db.plans.transition(
        stored.id,
        from_statuses={"pending"},
        to_status="applying",
        now=now,
        decided_by_user_id=click.user_id,
        decided_by_resource_id=actor.resource_id,
    )
    if applying is None:
        await _already_taken(engine, click, surface, stored.id, ticket)
        return
    await engine.db.audit.record(
        audit_event(now, "approved", applying, click.user_id, actor.resource_id)
    )
    try:
        await _take(engine, click, surface, applying, actor)
    except BaseException:
        # nothing was written (the apply step settles its own outcomes): the button works again
        await _reopen(engine, applying)
        raise


async def _already_taken(
    engine: Engine, click: Click, surface: ChatSurface, plan_id: str, ticket: AlertTicket
) -> None:
    current = await engine.db.plans.get(plan_id)
    taker = (current.outcome or {}).get("taken_by") if current else None
    if taker:
        text = f"{taker} has already taken {ticket.number}."
    elif current is not None and current.status == "applying":
        text = f"Someone is taking {ticket.number} right now."
    else:
        status = current.status if current else "gone"
        text = f"This alert is {status}; check {ticket.number} in Autotask."
    await _tell(engine, click, surface, text)


async def _take(
    engine: Engine, click: Click, surface: ChatSurface, stored: StoredPlan, actor: Actor
) -> None:
    ticket = AlertTicket.model_validate((stored.plan.snapshot or {})["alert"])
    ctx = engine.context(actor)
    try:
        record = await ctx.client.get("Tickets", ticket.id)
    except AutotaskError as exc:
        await _reopen(engine, stored)
        await _tell(engine, click, surface, f"{exc} Nothing was changed; try again.")
        return
    current = record.get("assignedResourceID")
    current_id = int(current) if current is not None else None
    if current_id == actor.resource_id:
        await _finish(engine, surface, stored, actor, click, status="applied", taken_by=actor.name)
        await _tell(engine, click, surface, f"{ticket.number} is already assigned to you.")
        return
    if current_id is not None and current_id != ticket.assigned_id:
        taker = await _name_of(ctx, current_id)
        await _finish(engine, surface, stored, actor, click, status="stale", taken_by=taker)
        await _tell(engine, click, surface, f"{taker} has already taken {ticket.number}.")
        return
    result = await _assign(ctx, stored, ticket, actor)
    await _settle(engine, click, surface, stored, actor, result)


async def _name_of(ctx: ToolContext, resource_id: int) -> str:
    try:
        names = await ctx.names.names_for("Resource", [resource_id])
    except AutotaskError:
        names = {}
    return names.get(resource_id, f"resource {resource_id}")


async def _assign(
    ctx: ToolContext, stored: StoredPlan, ticket: AlertTicket, actor: Actor
) -> ApplyResult:
    """Plan the assignment for the clicker (the tool layer adds the role), then apply it."""
    args = PlanArgs(
        action="update",
        entity="Tickets",
        id=ticket.id,
        fields={"assignedResourceID": actor.resource_id},
    )
    try:
        plan = await plan_change(ctx, args)
    except (ToolError, AutotaskError) as exc:
        return ApplyResult(status="failed", message=str(exc), link=ticket.link)
    try:
        return await apply_change(ctx, plan, actor)
    except ToolError as exc:
        return ApplyResult(status="failed", message=str(exc), link=ticket.link)
    except Exception:
        logger.exception(
            "assigning ticket %s (plan %s) ended without an answer", ticket.id, stored.id
        )
        return ApplyResult(
            status="unknown",
            message="The assignment may or may not have been made; check Autotask.",
            link=ticket.link,
        )


async def _settle(
    engine: Engine,
    click: Click,
    surface: ChatSurface,
    stored: StoredPlan,
    actor: Actor,
    result: ApplyResult,
) -> None:
    if result.status == "applied":
        await _finish(
            engine,
            surface,
            stored,
            actor,
            click,
            status="applied",
            taken_by=actor.name,
            result=result,
        )
        return
    if result.status == "unknown":
        await _finish(engine, surface, stored, actor, click, status="unknown", result=result)
        await _tell(engine, click, surface, result.message)
        return
    await _reopen(engine, stored)  # failed or stale: nothing was written; the button still works
    await engine.db.audit.record(
        audit_event(
            engine.clock(),
            result.status,
            stored,
            click.user_id,
            actor.resource_id,
            answer=result.message,
        )
    )
    await _tell(engine, click, surface, f"{result.message} You can try again.")


async def _reopen(engine: Engine, stored: StoredPlan) -> None:
    await engine.db.plans.transition(
        stored.id, from_statuses={"applying"}, to_status="pending", now=engine.clock()
    )


async def _finish(
    engine: Engine,
    surface: ChatSurface,
    stored: StoredPlan,
    actor: Actor,
    click: Click,
    *,
    status: PlanStatus,
    taken_by: str | None = None,
    result: ApplyResult | None = None,
) -> None:
    outcome: dict[str, Any] = {"taken_by": taken_by}
    if result is not None:
        outcome.update(result.model_dump(mode="json"))
    now = engine.clock()
    await engine.db.plans.transition(
        stored.id, from_statuses={"applying"}, to_status=status, now=now, outcome=outcome
    )
    answer = result.message if result else None
    await engine.db.audit.record(
        audit_event(
            now, status, stored, click.user_id, actor.resource_id, answer=answer, details=outcome
        )
    )
    if stored.message is None:
        return
    ticket, watching = _shown(stored) or (None, None)
    if ticket is None:
        return
    note = "Assignment outcome unknown: check Autotask." if status == "unknown" else None
    card = alert_card(
        ticket, timezone=engine.settings.timezone, watching=watching, taken_by=taken_by, note=note
    )
    await surface.update(stored.message, Reply(cards=(card,)))
