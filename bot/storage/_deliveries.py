"""Platform deliveries seen: Slack event ids and Teams activity ids, so that a redelivery — to
this replica, another one, or after a restart — is answered once.

``first_time`` is one upsert: a key not seen within the retention is (re)recorded and reported
fresh; a key seen within it is a duplicate. Old keys are dropped now and then by the same call.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import delete

from ._tables import platform_deliveries

if TYPE_CHECKING:
    from ._database import Gateway

__all__ = ["DEFAULT_DELIVERY_RETENTION", "DeliveryStore"]

# Slack retries an event three times within about five minutes; the Bot Framework resends an
# activity within minutes. An hour covers both with room; a key costs a few dozen bytes.
DEFAULT_DELIVERY_RETENTION = timedelta(hours=1)


class DeliveryStore:
    def __init__(
        self, gateway: Gateway, *, retention: timedelta = DEFAULT_DELIVERY_RETENTION
    ) -> None:
        if retention <= timedelta(0):
            raise ValueError("the delivery retention must be positive")
        self._gateway = gateway
        self.retention = retention
        self._pruned_at: datetime | None = None

    async def first_time(self, platform: str, delivery_id: str, *, now: datetime) -> bool:
        """``True`` the first time ``delivery_id`` arrives on ``platform`` within the retention."""
        key = f"{platform}:{delivery_id}"
        stale = now - self.retention
        stmt = self._gateway.insert(platform_deliveries).values(key=key, seen_at=now)
        upsert = stmt.on_conflict_do_update(
            index_elements=[platform_deliveries.c.key],
            set_={"seen_at": stmt.excluded.seen_at},
            where=platform_deliveries.c.seen_at <= stale,
        ).returning(platform_deliveries.c.key)
        async with self._gateway.write() as conn:
            fresh = (await conn.execute(upsert)).scalar_one_or_none() is not None
        if self._pruned_at is None or now - self._pruned_at >= self.retention / 10:
            self._pruned_at = now
            await self.forget(before=stale)
        return fresh

    async def forget(self, *, before: datetime) -> int:
        """Drop the keys seen before ``before``; returns how many."""
        stmt = delete(platform_deliveries).where(platform_deliveries.c.seen_at < before)
        async with self._gateway.write() as conn:
            result = await conn.execute(stmt)
        return int(result.rowcount)
