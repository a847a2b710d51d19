"""Change plans waiting for a click, and their way through approval.

Every status change is one ``UPDATE … WHERE id = :id AND status IN (…) RETURNING …``: a
compare-and-set the database makes atomic. Of two clicks (tasks, replicas) that move the same
plan out of ``pending``, exactly one gets the row back; the other gets ``None``.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from pydantic import AwareDatetime, BaseModel, ConfigDict
from sqlalchemy import RowMapping, and_, or_, select, update

from autotask.tools import ChangePlan

from ..messages import ChangeStatus, Conversation, MessageRef
from ._tables import plans

if TYPE_CHECKING:
    from ._database import Gateway

__all__ = ["PlanStatus", "PlanStore", "StoredPlan"]

PlanStatus = ChangeStatus


class StoredPlan(BaseModel):
    """A plan as stored: the change itself, who asked, where, and how far it has come."""

    model_config = ConfigDict(frozen=True)

    id: str
    status: PlanStatus
    plan: ChangePlan
    requester_user_id: str
    requester_email: str | None
    requester_resource_id: int | None
    requester_name: str | None
    conversation: Conversation
    message: MessageRef | None
    created_at: AwareDatetime
    expires_at: AwareDatetime
    updated_at: AwareDatetime
    decided_by_user_id: str | None
    decided_by_resource_id: int | None
    outcome: dict[str, Any] | None


def _stored(row: RowMapping) -> StoredPlan:
    message = row["message"]
    return StoredPlan(
        id=row["id"],
        status=row["status"],
        plan=ChangePlan.model_validate(row["plan"]),
        requester_user_id=row["requester_user_id"],
        requester_email=row["requester_email"],
        requester_resource_id=row["requester_resource_id"],
        requester_name=row["requester_name"],
        conversation=Conversation(
            platform=row["platform"],
            conversation_id=row["conversation_id"],
            thread_id=row["thread_id"],
        ),
        message=MessageRef.model_validate(message) if message is not None else None,
        created_at=row["created_at"],
        expires_at=row["expires_at"],
        updated_at=row["updated_at"],
        decided_by_user_id=row["decided_by_user_id"],
        decided_by_resource_id=row["decided_by_resource_id"],
        outcome=row["outcome"],
    )


class PlanStore:
    def __init__(self, gateway: Gateway) -> None:
        self._gateway = gateway

    async def create(
        self,
        plan: ChangePlan,
        *,
        requester_user_id: str,
        requester_email: str | None,
        requester_resource_id: int | None,
        requester_name: str | None,
        conversation: Conversation,
        ttl: timedelta,
        now: datetime,
    ) -> StoredPlan:
        """Store ``plan`` as pending under a new unguessable id, valid for ``ttl``."""
        if ttl <= timedelta(0):
            raise ValueError("a plan's ttl must be positive")
        values: dict[str, Any] = {
            "id": secrets.token_urlsafe(16),
            "status": "pending",
            "plan": plan.model_dump(mode="json"),
            "requester_user_id": requester_user_id,
            "requester_email": requester_email,
            "requester_resource_id": requester_resource_id,
            "requester_name": requester_name,
            "platform": conversation.platform,
            "conversation_id": conversation.conversation_id,
            "thread_id": conversation.thread_id,
            "created_at": now,
            "expires_at": now + ttl,
            "updated_at": now,
        }
        async with self._gateway.write() as conn:
            row = (await conn.execute(plans.insert().values(values).returning(plans))).mappings()
            return _stored(row.one())

    async def get(self, plan_id: str) -> StoredPlan | None:
        async with self._gateway.read() as conn:
            result = await conn.execute(select(plans).where(plans.c.id == plan_id))
            row = result.mappings().one_or_none()
        return _stored(row) if row is not None else None

    async def set_message(self, plan_id: str, message: MessageRef) -> None:
        """Remember the posted card, so that it can be updated in place."""
        stmt = (
            update(plans)
            .where(plans.c.id == plan_id)
            .values(message=message.model_dump(mode="json"))
        )
        async with self._gateway.write() as conn:
            await conn.execute(stmt)

    async def transition(
        self,
        plan_id: str,
        *,
        from_statuses: Iterable[PlanStatus],
        to_status: PlanStatus,
        now: datetime,
        decided_by_user_id: str | None = None,
        decided_by_resource_id: int | None = None,
        outcome: dict[str, Any] | None = None,
    ) -> StoredPlan | None:
        """Move the plan to ``to_status`` if it is in one of ``from_statuses``; else ``None``.

        Moving a pending plan to ``applying`` also requires it not to have expired. Decider and
        outcome are written only when given, so a later step keeps what an earlier one set.
        """
        allowed = sorted(set(from_statuses))
        if not allowed:
            raise ValueError("from_statuses must name at least one status")
        condition = and_(plans.c.id == plan_id, plans.c.status.in_(allowed))
        if to_status == "applying":
            condition = and_(condition, or_(plans.c.status != "pending", plans.c.expires_at > now))
        values: dict[str, Any] = {"status": to_status, "updated_at": now}
        if decided_by_user_id is not None:
            values["decided_by_user_id"] = decided_by_user_id
        if decided_by_resource_id is not None:
            values["decided_by_resource_id"] = decided_by_resource_id
        if outcome is not None:
            values["outcome"] = outcome
        stmt = update(plans).where(condition).values(values).returning(plans)
        async with self._gateway.write() as conn:
            row = (await conn.execute(stmt)).mappings().one_or_none()
        return _stored(row) if row is not None else None

    async def expire_due(self, now: datetime) -> list[StoredPlan]:
        """Pending plans whose time is up become ``expired``; returns them."""
        stmt = (
            update(plans)
            .where(plans.c.status == "pending", plans.c.expires_at <= now)
            .values(status="expired", updated_at=now)
            .returning(plans)
        )
        async with self._gateway.write() as conn:
            rows = (await conn.execute(stmt)).mappings().all()
        return sorted((_stored(row) for row in rows), key=lambda p: (p.expires_at, p.id))

    async def stuck_applying(self, older_than: datetime) -> list[StoredPlan]:
        """Plans still ``applying`` since before ``older_than``: the process likely died."""
        stmt = (
            select(plans)
            .where(plans.c.status == "applying", plans.c.updated_at < older_than)
            .order_by(plans.c.updated_at, plans.c.id)
        )
        async with self._gateway.read() as conn:
            rows = (await conn.execute(stmt)).mappings().all()
        return [_stored(row) for row in rows]
