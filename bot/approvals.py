"""One click: who may approve, pending → applying exactly once, apply, record, update the card.

Button payloads carry only an action and a plan id; everything else comes from the stored plan.
"""

from __future__ import annotations

import logging
import re
import secrets
from datetime import datetime
from typing import TYPE_CHECKING, Any

from autotask import AutotaskError
from autotask.tools import (
    Actor,
    ApplyResult,
    PlanArgs,
    ToolError,
    apply_change,
    plan_change,
)

from .cards import change_card
from .identity import IdentityError
from .messages import ChatSurface, Click, IncomingMessage, Reply

if TYPE_CHECKING:
    from .engine import Engine

__all__ = ["Approvals", "audit_event"]

logger = logging.getLogger(__name__)

_PLAN_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


def audit_event(
    at: datetime,
    kind: str,
    stored: Any,
    user_id: str | None,
    resource_id: int | None,
    *,
    answer: str | None = None,
    details: dict[str, Any] | None = None,
) -> Any:
    from .storage import AuditEvent

    plan = stored.plan if stored is not None else None
    return AuditEvent(
        at=at,
        plan_id=stored.id if stored is not None else None,
        kind=kind,
        actor_user_id=user_id,
        actor_resource_id=resource_id,
        summary=plan.summary if plan else "",
        changes=[c.model_dump(mode="json") for c in plan.changes] if plan else [],
        autotask_answer=answer,
        details=details or {},
    )


class Approvals:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @property
    def db(self) -> Any:
        return self.engine.db

    def _now(self) -> datetime:
        return self.engine.clock()

    async def _refuse(
        self, click: Click, surface: ChatSurface, text: str, stored: Any = None
    ) -> None:
        await self.db.audit.record(
            audit_event(self._now(), "refused", stored, click.user_id, None, details={"why": text})
        )
        await surface.whisper(click.conversation, click.user_id, text)

    def may_approve(self, stored: Any, user_id: str, actor: Actor) -> bool:
        """The requester themselves, or an approver named in the settings."""
        if (
            stored.requester_user_id == user_id
            and stored.requester_resource_id == actor.resource_id
        ):
            return True
        approvers = {a.lower() for a in self.engine.settings.bot.approvers}
        return actor.email.lower() in approvers

    async def click(self, click: Click, surface: ChatSurface) -> None:
        """Handle Approve/Cancel on a change card. Never raises into the adapter."""
        try:
            await self._click(click, surface)
        except AutotaskError as exc:  # before the plan was touched (who clicked, a fresh preview)
            logger.warning("click on plan %s: %s (%s)", click.plan_id[:8], exc.where, exc.status)
            await surface.whisper(
                click.conversation, click.user_id, f"{exc} Nothing was changed by this click."
            )
        except Exception:
            reference = secrets.token_hex(4)
            logger.exception("click failed (reference %s)", reference)
            await surface.whisper(
                click.conversation,
                click.user_id,
                f"Sorry, that click could not be handled (reference {reference}).",
            )

    async def _click(self, click: Click, surface: ChatSurface) -> None:
        stored = await self.db.plans.get(click.plan_id) if _PLAN_ID.match(click.plan_id) else None
        if (
            stored is None
            or stored.conversation.conversation_id != click.conversation.conversation_id
        ):
            await self._refuse(
                click, surface, "I don't know that change; it may have been removed."
            )
            return
        try:
            actor = await self.engine.identity.resolve(
                click.conversation.platform, click.user_id, click.email
            )
        except IdentityError as exc:
            await self._refuse(click, surface, exc.for_audience(shared=click.shared), stored)
            return
        from .alerts import is_alert_plan, take_ticket  # alerts build on this module

        if click.action == "assign_to_me" or is_alert_plan(stored):
            # an alert's "Assign to me": any mapped technician may take the ticket, once
            await take_ticket(self.engine, click, surface, stored, actor)
            return
        if not self.may_approve(stored, click.user_id, actor):
            who = stored.requester_name or "the person who asked"
            await self._refuse(
                click, surface, f"Only {who} (or an approver) can confirm this change.", stored
            )
            return
        if click.action == "cancel":
            await self._cancel(click, surface, stored, actor)
        elif click.action == "approve":
            await self._approve(click, surface, stored, actor)
        else:
            await self._refuse(click, surface, "That button is not one I know.", stored)

    async def _settled(self, click: Click, surface: ChatSurface, plan_id: str) -> None:
        current = await self.db.plans.get(plan_id)
        status = current.status if current else "gone"
        await surface.whisper(
            click.conversation, click.user_id, f"This change is already {status}."
        )

    async def _cancel(self, click: Click, surface: ChatSurface, stored: Any, actor: Actor) -> None:
        done = await self.db.plans.transition(
            stored.id,
            from_statuses={"pending"},
            to_status="cancelled",
            now=self._now(),
            decided_by_user_id=click.user_id,
            decided_by_resource_id=actor.resource_id,
        )
        if done is None:
            await self._settled(click, surface, stored.id)
            return
        self.engine.metrics.count("plans_cancelled")
        await self.db.audit.record(
            audit_event(self._now(), "cancelled", done, click.user_id, actor.resource_id)
        )
        await self._update_card(
            surface,
            done,
            change_card(
                done.plan,
                plan_id=done.id,
                status="cancelled",
                outcome=f"Cancelled by {actor.name}.",
            ),
            click,
        )

    async def _approve(self, click: Click, surface: ChatSurface, stored: Any, actor: Actor) -> None:
        now = self._now()
        if stored.status == "pending" and stored.expires_at <= now:
            expired = await self.db.plans.transition(
                stored.id, from_statuses={"pending"}, to_status="expired", now=now
            )
            if expired is not None:
                self.engine.metrics.count("plans_expired")
                await self.db.audit.record(
                    audit_event(now, "expired", expired, click.user_id, actor.resource_id)
                )
                card = change_card(
                    expired.plan,
                    plan_id=expired.id,
                    status="expired",
                    outcome="This preview expired; ask again for a fresh one.",
                )
                await self._update_card(surface, expired, card, click)
                return
        applying = await self.db.plans.transition(
            stored.id,
            from_statuses={"pending"},
            to_status="applying",
            now=now,
            decided_by_user_id=click.user_id,
            decided_by_resource_id=actor.resource_id,
        )
        if applying is None:
            await self._settled(click, surface, stored.id)
            return
        await self.db.audit.record(
            audit_event(now, "approved", applying, click.user_id, actor.resource_id)
        )
        result = await self._apply(applying, actor)
        finished = await self.db.plans.transition(
            applying.id,
            from_statuses={"applying"},
            to_status=result.status,
            now=self._now(),
            outcome=result.model_dump(mode="json"),
        )
        self.engine.metrics.count(f"plans_{result.status}")
        await self.db.audit.record(
            audit_event(
                self._now(),
                result.status,
                applying,
                click.user_id,
                actor.resource_id,
                answer=result.message,
                details=result.model_dump(mode="json"),
            )
        )
        card = change_card(
            applying.plan,
            plan_id=applying.id,
            status=result.status,
            outcome=_outcome_line(result, actor),
            link=result.link,
        )
        await self._update_card(surface, finished or applying, card, click)
        if result.status == "stale":
            await self._fresh_preview(click, surface, applying, actor)

    async def _apply(self, stored: Any, actor: Actor) -> ApplyResult:
        try:
            return await apply_change(self.engine.context(actor), stored.plan, actor)
        except ToolError as exc:
            return ApplyResult(status="failed", message=str(exc), link=stored.plan.link)
        except Exception:
            logger.exception("apply of plan %s ended without an answer", stored.id)
            return ApplyResult(
                status="unknown",
                message="The change may or may not have been applied; check Autotask before "
                "trying again.",
                link=stored.plan.link,
            )

    async def _update_card(
        self, surface: ChatSurface, stored: Any, card: Any, click: Click
    ) -> None:
        """Update the card where it was posted; the clicked message stands in for a reference a
        crash kept from being stored (only within the plan's own conversation). When the
        platform refuses the update (after its own retries), the outcome is posted as a new
        message: what was done must never be left unsaid."""
        message = stored.message or click.message
        if (
            message is None
            or message.conversation.conversation_id != stored.conversation.conversation_id
        ):
            return
        try:
            await surface.update(message, Reply(cards=(card,)))
        except Exception as exc:
            self.engine.metrics.count("card_updates_failed")
            logger.warning(
                "updating the card of plan %s failed (%s); posting the outcome instead",
                stored.id[:8],
                type(exc).__name__,
            )
            note = "I could not update the card above, so here is where it stands:"
            await surface.post(message.conversation, Reply(text=note, cards=(card,)))

    async def _fresh_preview(
        self, click: Click, surface: ChatSurface, stale: Any, actor: Actor
    ) -> None:
        plan = stale.plan
        args = PlanArgs(
            action=plan.action,
            entity=plan.entity,
            id=plan.record_id,
            fields={k: v for k, v in plan.payload.items() if k != "userDefinedFields"},
        )
        try:
            fresh = await plan_change(self.engine.context(actor, timezone=click.timezone), args)
        except ToolError as exc:
            await surface.post(click.conversation, Reply(text=f"The record changed: {exc}"))
            return
        message = IncomingMessage(
            conversation=click.conversation,
            user_id=stale.requester_user_id,
            email=stale.requester_email,
            text="",
        )
        plan_id = await self.engine.store_plan(fresh, message, actor)
        card = change_card(fresh, plan_id=plan_id)
        posted = await surface.post(
            click.conversation, Reply(text="Here is a fresh preview:", cards=(card,))
        )
        await self.db.plans.set_message(plan_id, posted)


def _outcome_line(result: ApplyResult, actor: Actor) -> str:
    if result.status == "applied":
        return f"{result.message} Approved by {actor.name}."
    return result.message
