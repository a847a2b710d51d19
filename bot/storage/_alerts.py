"""Alert subscriptions, the poll cursor, exactly-once deliveries and webhook dedupe.

A delivery is claimed with ``INSERT … ON CONFLICT DO NOTHING`` on the unique (subscription,
ticket) key before it is posted: whoever inserts the row delivers, on any replica, after any
restart. The cursor only moves forward, whatever order replicas write it in.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pydantic import AwareDatetime, BaseModel, ConfigDict
from sqlalchemy import RowMapping, delete, select, update

from ..messages import Conversation, MessageRef
from ._tables import alert_cursors, alert_deliveries, alert_subscriptions, webhook_events

if TYPE_CHECKING:
    from sqlalchemy import ColumnElement

    from ._database import Gateway

__all__ = ["AlertStore", "Subscription"]

_subs = alert_subscriptions
_deliveries = alert_deliveries
_BATCH = 500  # rows per multi-row statement (well inside every driver's parameter limit)


class Subscription(BaseModel):
    """A conversation's wish to hear about new tickets that match ``filters``."""

    model_config = ConfigDict(frozen=True)

    id: int
    platform: str
    conversation_id: str
    thread_id: str | None
    filters: dict[str, Any]
    created_by: str
    created_at: AwareDatetime
    active: bool
    created_by_user_id: str | None = None

    @property
    def conversation(self) -> Conversation:
        return Conversation(
            platform=self.platform, conversation_id=self.conversation_id, thread_id=self.thread_id
        )


def _in(conversation: Conversation) -> ColumnElement[bool]:
    """Every subscription of the conversation (channel), whichever thread it was made in."""
    return (_subs.c.platform == conversation.platform) & (
        _subs.c.conversation_id == conversation.conversation_id
    )


def _delivery(row: RowMapping) -> dict[str, Any]:
    message = row["message"]
    return {
        "subscription_id": int(row["subscription_id"]),
        "ticket_id": int(row["ticket_id"]),
        "claimed_at": row["claimed_at"],
        "delivered_at": row["delivered_at"],
        "message": MessageRef.model_validate(message) if message is not None else None,
    }


class AlertStore:
    def __init__(self, gateway: Gateway) -> None:
        self._gateway = gateway

    async def subscribe(
        self,
        conversation: Conversation,
        filters: dict[str, Any],
        *,
        created_by: str,
        now: datetime,
        created_by_user_id: str | None = None,
    ) -> int:
        """Add an active subscription; returns its id. ``created_by`` is the subscriber's e-mail,
        ``created_by_user_id`` their id on the platform (to reach them personally later)."""
        stmt = (
            _subs.insert()
            .values(
                platform=conversation.platform,
                conversation_id=conversation.conversation_id,
                thread_id=conversation.thread_id,
                filters=filters,
                created_by=created_by,
                created_by_user_id=created_by_user_id,
                created_at=now,
                active=True,
            )
            .returning(_subs.c.id)
        )
        async with self._gateway.write() as conn:
            return int((await conn.execute(stmt)).scalar_one())

    async def unsubscribe(
        self, conversation: Conversation, *, only: Sequence[int] | None = None
    ) -> int:
        """Deactivate every subscription of the conversation (or only those of ``only``, by id);
        returns how many there were."""
        return len(await self.deactivate(conversation, only=only))

    async def deactivate(
        self, conversation: Conversation, *, only: Sequence[int] | None = None
    ) -> list[Subscription]:
        """Deactivate every subscription of the conversation (or only those of ``only``);
        returns those this call turned off (of two replicas doing it at once, each subscription
        is returned to one)."""
        stmt = (
            update(_subs)
            .where(_in(conversation), _subs.c.active)
            .values(active=False)
            .returning(*_subs.c)
        )
        if only is not None:
            stmt = stmt.where(_subs.c.id.in_(list(only)))
        async with self._gateway.write() as conn:
            rows = (await conn.execute(stmt)).mappings().all()
        return sorted((Subscription.model_validate(dict(row)) for row in rows), key=lambda s: s.id)

    async def subscriptions(self, conversation: Conversation | None = None) -> list[Subscription]:
        """Active subscriptions, oldest first; only the conversation's when one is given."""
        stmt = select(_subs).where(_subs.c.active).order_by(_subs.c.id)
        if conversation is not None:
            stmt = stmt.where(_in(conversation))
        async with self._gateway.read() as conn:
            rows = (await conn.execute(stmt)).mappings().all()
        return [Subscription.model_validate(dict(row)) for row in rows]

    async def cursor(self, name: str = "tickets") -> int | None:
        stmt = select(alert_cursors.c.value).where(alert_cursors.c.name == name)
        async with self._gateway.read() as conn:
            value = (await conn.execute(stmt)).scalar_one_or_none()
        return int(value) if value is not None else None

    async def set_cursor(self, value: int, name: str = "tickets") -> None:
        """Move the cursor to ``value``; a value behind the stored one changes nothing."""
        stmt = self._gateway.insert(alert_cursors).values(name=name, value=value)
        stmt = stmt.on_conflict_do_update(
            index_elements=[alert_cursors.c.name],
            set_={"value": stmt.excluded.value},
            where=alert_cursors.c.value < stmt.excluded.value,
        )
        async with self._gateway.write() as conn:
            await conn.execute(stmt)

    async def claim_delivery(self, subscription_id: int, ticket_id: int, *, now: datetime) -> bool:
        """``True`` for exactly one caller, ever, per (subscription, ticket)."""
        key = [_deliveries.c.subscription_id, _deliveries.c.ticket_id]
        stmt = (
            self._gateway.insert(_deliveries)
            .values(subscription_id=subscription_id, ticket_id=ticket_id, claimed_at=now)
            .on_conflict_do_nothing(index_elements=key)
            .returning(_deliveries.c.ticket_id)
        )
        async with self._gateway.write() as conn:
            return (await conn.execute(stmt)).scalar_one_or_none() is not None

    async def claim_deliveries(
        self, subscription_id: int, ticket_ids: Sequence[int], *, now: datetime
    ) -> set[int]:
        """``claim_delivery`` for many tickets in one statement per 500: the ids this call won."""
        won: set[int] = set()
        key = [_deliveries.c.subscription_id, _deliveries.c.ticket_id]
        for start in range(0, len(ticket_ids), _BATCH):
            rows = [
                {"subscription_id": subscription_id, "ticket_id": ticket_id, "claimed_at": now}
                for ticket_id in ticket_ids[start : start + _BATCH]
            ]
            stmt = (
                self._gateway.insert(_deliveries)
                .values(rows)
                .on_conflict_do_nothing(index_elements=key)
                .returning(_deliveries.c.ticket_id)
            )
            async with self._gateway.write() as conn:
                won.update(int(i) for i in (await conn.execute(stmt)).scalars())
        return won

    async def mark_delivered_many(
        self,
        subscription_id: int,
        ticket_ids: Sequence[int],
        message: MessageRef | None,
        *,
        now: datetime,
    ) -> None:
        """``mark_delivered`` for tickets this process claimed, in one statement per 500."""
        posted = message.model_dump(mode="json") if message is not None else None
        for start in range(0, len(ticket_ids), _BATCH):
            chunk = list(ticket_ids[start : start + _BATCH])
            stmt = (
                update(_deliveries)
                .where(_deliveries.c.subscription_id == subscription_id)
                .where(_deliveries.c.ticket_id.in_(chunk))
                .values(delivered_at=now, message=posted)
            )
            async with self._gateway.write() as conn:
                await conn.execute(stmt)

    async def mark_delivered(
        self, subscription_id: int, ticket_id: int, message: MessageRef | None, *, now: datetime
    ) -> None:
        """Record that the alert was posted (and where, so that it can be updated)."""
        posted = message.model_dump(mode="json") if message is not None else None
        stmt = self._gateway.insert(_deliveries).values(
            subscription_id=subscription_id,
            ticket_id=ticket_id,
            claimed_at=now,
            delivered_at=now,
            message=posted,
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=[_deliveries.c.subscription_id, _deliveries.c.ticket_id],
            set_={"delivered_at": stmt.excluded.delivered_at, "message": stmt.excluded.message},
        )
        async with self._gateway.write() as conn:
            await conn.execute(stmt)

    async def delivery(self, subscription_id: int, ticket_id: int) -> dict[str, Any] | None:
        """``subscription_id``, ``ticket_id``, ``claimed_at``, ``delivered_at``, ``message``."""
        stmt = select(_deliveries).where(
            _deliveries.c.subscription_id == subscription_id, _deliveries.c.ticket_id == ticket_id
        )
        async with self._gateway.read() as conn:
            row = (await conn.execute(stmt)).mappings().one_or_none()
        return _delivery(row) if row is not None else None

    async def seen_webhook_event(self, key: str, *, now: datetime) -> bool:
        """``True`` if ``key`` was seen before; otherwise records it and returns ``False``."""
        stmt = (
            self._gateway.insert(webhook_events)
            .values(key=key, seen_at=now)
            .on_conflict_do_nothing(index_elements=[webhook_events.c.key])
            .returning(webhook_events.c.key)
        )
        async with self._gateway.write() as conn:
            return (await conn.execute(stmt)).scalar_one_or_none() is None

    async def forget_webhook_events(self, *, before: datetime) -> int:
        """Drop dedupe keys seen before ``before`` (Autotask does not resend old events)."""
        stmt = delete(webhook_events).where(webhook_events.c.seen_at < before)
        async with self._gateway.write() as conn:
            result = await conn.execute(stmt)
        return int(result.rowcount)
