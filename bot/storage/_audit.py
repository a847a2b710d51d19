"""The audit log: what was planned, approved, applied or refused, by whom, what Autotask said."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from sqlalchemy import RowMapping, select

from ._tables import audit_events

if TYPE_CHECKING:
    from ._database import Gateway

__all__ = ["AUDIT_KINDS", "AuditEvent", "AuditLog"]

AUDIT_KINDS = frozenset(
    {
        "planned",
        "approved",
        "applied",
        "stale",
        "failed",
        "unknown",
        "cancelled",
        "expired",
        "refused",
        "superseded",
        "channel_linked",
        "channel_unlinked",
    }
)


class AuditEvent(BaseModel):
    """One line of the audit log. ``kind`` is one of ``AUDIT_KINDS``."""

    model_config = ConfigDict(frozen=True)

    at: AwareDatetime
    plan_id: str | None = None
    kind: str
    actor_user_id: str | None = None
    actor_resource_id: int | None = None
    summary: str = ""
    changes: list[dict[str, Any]] = Field(default_factory=list)
    autotask_answer: str | None = None
    details: dict[str, Any] = Field(default_factory=dict)


def _event(row: RowMapping) -> AuditEvent:
    return AuditEvent(
        at=row["at"],
        plan_id=row["plan_id"],
        kind=row["kind"],
        actor_user_id=row["actor_user_id"],
        actor_resource_id=row["actor_resource_id"],
        summary=row["summary"],
        changes=row["changes"],
        autotask_answer=row["autotask_answer"],
        details=row["details"],
    )


_Events = list[AuditEvent]


class AuditLog:
    def __init__(self, gateway: Gateway) -> None:
        self._gateway = gateway

    async def record(self, event: AuditEvent) -> None:
        values = event.model_dump(mode="json")
        values["at"] = event.at
        async with self._gateway.write() as conn:
            await conn.execute(audit_events.insert().values(values))

    async def list(self, *, plan_id: str | None = None, limit: int = 100) -> _Events:
        """The newest ``limit`` events, newest first; only one plan's with ``plan_id``."""
        stmt = select(audit_events).order_by(audit_events.c.at.desc(), audit_events.c.id.desc())
        if plan_id is not None:
            stmt = stmt.where(audit_events.c.plan_id == plan_id)
        async with self._gateway.read() as conn:
            rows = (await conn.execute(stmt.limit(max(limit, 0)))).mappings().all()
        return [_event(row) for row in rows]
