"""Platform deliveries seen: Slack event ids and Teams activity ids, so that a redelivery — to
this replica, another one, or after a restart — is answered once.

``first_time`` is one upsert: a key not seen within the retention is (re)recorded and reported
fresh; a key seen within it is a duplicate. Old keys are dropped now and then by the same call.
While the database cannot be reached (a restart, a fail-over) the answer comes from the keys
this process saw recently, so that a platform's delivery is still acknowledged and answered
once per replica rather than refused until the database is back.
"""

from __future__ import annotations

import contextlib
import logging
from collections import OrderedDict
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import delete
from sqlalchemy.exc import SQLAlchemyError

from ._tables import platform_deliveries

if TYPE_CHECKING:
    from ._database import Gateway

__all__ = ["DEFAULT_DELIVERY_RETENTION", "DeliveryStore"]

logger = logging.getLogger(__name__)

# Keys this process remembers for the time the database is away: enough for minutes of traffic.
_RECENT_KEYS = 20_000

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
        self._recent: OrderedDict[str, datetime] = OrderedDict()

    async def first_time(self, platform: str, delivery_id: str, *, now: datetime) -> bool:
        """``True`` the first time ``delivery_id`` arrives on ``platform`` within the retention."""
        key = f"{platform}:{delivery_id}"
        seen_here = self._remember(key, now)
        try:
            fresh = await self._first_time_shared(key, now)
        except (OSError, SQLAlchemyError) as exc:
            logger.warning(
                "delivery de-duplication falls back to this process's memory: the database "
                "cannot be reached (%s)",
                type(getattr(exc, "orig", None) or exc).__name__,
            )
            return not seen_here
        if self._pruned_at is None or now - self._pruned_at >= self.retention / 10:
            self._pruned_at = now
            with contextlib.suppress(OSError, SQLAlchemyError):
                await self.forget(before=now - self.retention)
        return fresh

    def _remember(self, key: str, now: datetime) -> bool:
        """Note ``key`` in this process's memory; ``True`` if it was there within the retention."""
        seen_at = self._recent.pop(key, None)
        self._recent[key] = now
        while len(self._recent) > _RECENT_KEYS:
            self._recent.popitem(last=False)
        return seen_at is not None and now - seen_at < self.retention

    async def _first_time_shared(self, key: str, now: datetime) -> bool:
        stale = now - self.retention
        stmt = self._gateway.insert(platform_deliveries).values(key=key, seen_at=now)
        upsert = stmt.on_conflict_do_update(
            index_elements=[platform_deliveries.c.key],
            set_={"seen_at": stmt.excluded.seen_at},
            where=platform_deliveries.c.seen_at <= stale,
        ).returning(platform_deliveries.c.key)
        async with self._gateway.write() as conn:
            return (await conn.execute(upsert)).scalar_one_or_none() is not None

    async def forget(self, *, before: datetime) -> int:
        """Drop the keys seen before ``before``; returns how many."""
        stmt = delete(platform_deliveries).where(platform_deliveries.c.seen_at < before)
        async with self._gateway.write() as conn:
            result = await conn.execute(stmt)
        return int(result.rowcount)
