"""Personal notices: who each watched ticket is assigned to, and exactly-once notices by key.

``ticket_assignees`` remembers the assignee of every ticket the bot watches, with the ticket's
``lastTrackedModificationDateTime`` (milliseconds) as its version. ``observe`` moves a row to a
newer (or equally new) reading in one statement and says whether *this* call changed the
assignee: the poll, a webhook and a second replica seeing the same reassignment get one "yes"
between them, and a reading older than the stored one changes nothing.

``alert_notices`` is the claim of one notice (an assignment, a customer note) for one
subscription, keyed by text: whoever inserts the row posts the notice, on any replica.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, case, or_, select, update

from ..messages import MessageRef
from ._tables import alert_notices, ticket_assignees

if TYPE_CHECKING:
    from ._database import Gateway

__all__ = ["Assignee", "NoticeStore"]

_rows = ticket_assignees
_BATCH = 500

Assignee = tuple[int, int | None, int]
"""(ticket id, resource id or None, modified in epoch milliseconds)."""


class NoticeStore:
    def __init__(self, gateway: Gateway) -> None:
        self._gateway = gateway

    async def claim(self, subscription_id: int, key: str, ticket_id: int, *, now: datetime) -> bool:
        """``True`` for exactly one caller, ever, per (subscription, key)."""
        stmt = (
            self._gateway.insert(alert_notices)
            .values(subscription_id=subscription_id, key=key, ticket_id=ticket_id, claimed_at=now)
            .on_conflict_do_nothing(
                index_elements=[alert_notices.c.subscription_id, alert_notices.c.key]
            )
            .returning(alert_notices.c.key)
        )
        async with self._gateway.write() as conn:
            return (await conn.execute(stmt)).scalar_one_or_none() is not None

    async def mark_delivered(
        self, subscription_id: int, key: str, message: MessageRef | None, *, now: datetime
    ) -> None:
        """Record that a claimed notice was posted (and where)."""
        posted = message.model_dump(mode="json") if message is not None else None
        stmt = (
            update(alert_notices)
            .where(alert_notices.c.subscription_id == subscription_id)
            .where(alert_notices.c.key == key)
            .values(delivered_at=now, message=posted)
        )
        async with self._gateway.write() as conn:
            await conn.execute(stmt)

    async def notice(self, subscription_id: int, key: str) -> dict[str, Any] | None:
        """The claim row of one notice: ``ticket_id``, ``claimed_at``, ``delivered_at``."""
        stmt = select(alert_notices).where(
            alert_notices.c.subscription_id == subscription_id, alert_notices.c.key == key
        )
        async with self._gateway.read() as conn:
            row = (await conn.execute(stmt)).mappings().one_or_none()
        return dict(row) if row is not None else None

    async def assignees(self, ticket_ids: Sequence[int]) -> dict[int, int | None]:
        """The stored assignee of each ticket that has a row (None: nobody)."""
        found: dict[int, int | None] = {}
        for start in range(0, len(ticket_ids), _BATCH):
            chunk = list(ticket_ids[start : start + _BATCH])
            stmt = select(_rows.c.ticket_id, _rows.c.resource_id).where(
                _rows.c.ticket_id.in_(chunk)
            )
            async with self._gateway.read() as conn:
                for ticket_id, resource_id in (await conn.execute(stmt)).all():
                    found[int(ticket_id)] = int(resource_id) if resource_id is not None else None
        return found

    def _upsert(self, reading: Assignee, token: str | None) -> Any:
        ticket_id, resource_id, modified_ms = reading
        stmt = self._gateway.insert(_rows).values(
            ticket_id=ticket_id,
            resource_id=resource_id,
            modified_ms=modified_ms,
            changes=1,
            flip_token=token,
        )
        new = stmt.excluded
        moved = _rows.c.resource_id.is_distinct_from(new.resource_id)
        return stmt.on_conflict_do_update(
            index_elements=[_rows.c.ticket_id],
            set_={
                "resource_id": new.resource_id,
                "modified_ms": new.modified_ms,
                "changes": case((moved, _rows.c.changes + 1), else_=_rows.c.changes),
                "flip_token": case((moved, new.flip_token), else_=_rows.c.flip_token),
            },
            where=or_(
                _rows.c.modified_ms < new.modified_ms,
                and_(_rows.c.modified_ms == new.modified_ms, moved),
            ),
        )

    async def observe(self, reading: Assignee) -> int | None:
        """Store a reading of a ticket's assignee; the assignment's number (1, 2, …) when this
        call is the one that saw the assignee change (or the first to see the ticket), else None.
        """
        token = secrets.token_hex(8)
        stmt = self._upsert(reading, token).returning(_rows.c.changes, _rows.c.flip_token)
        async with self._gateway.write() as conn:
            row = (await conn.execute(stmt)).one_or_none()
        if row is None or row.flip_token != token:
            return None
        return int(row.changes)

    async def settle(self, readings: Sequence[Assignee]) -> None:
        """Store readings without a notice (what was already so when watching began), one
        transaction per 500."""
        for start in range(0, len(readings), _BATCH):
            async with self._gateway.write() as conn:
                for reading in readings[start : start + _BATCH]:
                    await conn.execute(self._upsert(reading, None))
