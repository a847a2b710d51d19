"""After a crash: plans left "applying" get the truest outcome the record can tell, never a retry.

An update whose planned values are all in the record was applied; a record still exactly as it
was previewed was not written; anything else, and every create, is "outcome unknown" with a link.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Literal

from autotask import AutotaskError, NotFoundError
from autotask.tools import ChangePlan, Tenant, fingerprint_of

from .cards import change_card
from .messages import ChatSurface, Reply
from .storage import AuditEvent, Database, StoredPlan

__all__ = ["recover_interrupted"]

logger = logging.getLogger(__name__)

Verdict = tuple[Literal["applied", "failed", "unknown"], str]
_UNKNOWN: Verdict = (
    "unknown",
    "Interrupted while applying; the outcome is unknown. Check the record in Autotask before "
    "asking again.",
)
_NOT_SENT: Verdict = (
    "failed",
    "Interrupted before the change reached Autotask; nothing was "
    "written. Ask again if it is still needed.",
)


async def _verdict(tenant: Tenant, plan: ChangePlan) -> Verdict:
    if plan.action == "create" or plan.record_id is None:
        return _UNKNOWN
    try:
        record = await tenant.client.get(plan.entity, plan.record_id)
    except NotFoundError:
        return (
            ("applied", "The record was deleted before the interruption.")
            if plan.action == "delete"
            else _UNKNOWN
        )
    except AutotaskError:
        return _UNKNOWN
    if plan.fingerprint and await fingerprint_of(tenant, plan.entity, record) == plan.fingerprint:
        return _NOT_SENT
    planned = {k: v for k, v in plan.payload.items() if k != "userDefinedFields"}
    if plan.action == "update" and planned and all(record.get(k) == v for k, v in planned.items()):
        return "applied", "The change was applied before the interruption."
    return _UNKNOWN


async def recover_interrupted(
    tenant: Tenant,
    db: Database,
    surfaces: Mapping[str, ChatSurface],
    *,
    now: datetime,
    older_than: timedelta = timedelta(minutes=5),
) -> list[StoredPlan]:
    """Settle every plan stuck in "applying" for longer than ``older_than``; update its card."""
    settled = []
    for stored in await db.plans.stuck_applying(now - older_than):
        status, message = await _verdict(tenant, stored.plan)
        done = await db.plans.transition(
            stored.id,
            from_statuses={"applying"},
            to_status=status,
            now=now,
            outcome={"status": status, "message": message},
        )
        if done is None:
            continue  # another replica settled it first
        settled.append(done)
        await db.audit.record(
            AuditEvent(
                at=now,
                plan_id=done.id,
                kind=status,
                actor_user_id=None,
                actor_resource_id=None,
                summary=done.plan.summary,
                changes=[c.model_dump(mode="json") for c in done.plan.changes],
                autotask_answer=message,
                details={"recovered": True},
            )
        )
        surface = surfaces.get(done.conversation.platform)
        if surface is not None and done.message is not None:
            card = change_card(done.plan, plan_id=done.id, status=status, outcome=message)
            try:
                await surface.update(done.message, Reply(cards=(card,)))
            except Exception:
                logger.exception("could not update the card of recovered plan %s", done.id)
        logger.warning("recovered interrupted plan %s as %s", done.id, status)
    return settled
