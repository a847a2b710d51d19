"""Running timers: at most one per technician (their Autotask resource), kept across restarts.

``start`` inserts only when the technician has none running; ``take`` removes and returns the
running timer in one statement, so two replicas stopping it at once give it to one of them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import delete, select

from ._tables import timers

if TYPE_CHECKING:
    from ._database import Gateway

__all__ = ["RunningTimer", "TimerStore"]


@dataclass(frozen=True, slots=True)
class RunningTimer:
    resource_id: int
    ticket_id: int
    ticket_label: str
    summary: str | None
    platform: str
    user_id: str
    started_at: datetime


class TimerStore:
    def __init__(self, gateway: Gateway) -> None:
        self._gateway = gateway

    async def start(self, timer: RunningTimer) -> RunningTimer:
        """Start ``timer``; returns the one already running instead when there is one."""
        stmt = (
            self._gateway.insert(timers)
            .values(**asdict(timer))
            .on_conflict_do_nothing(index_elements=[timers.c.resource_id])
        )
        async with self._gateway.write() as conn:
            inserted = (await conn.execute(stmt)).rowcount
            if inserted:
                return timer
            row = (
                await conn.execute(select(timers).where(timers.c.resource_id == timer.resource_id))
            ).one()
        return RunningTimer(**row._asdict())

    async def get(self, resource_id: int) -> RunningTimer | None:
        stmt = select(timers).where(timers.c.resource_id == resource_id)
        async with self._gateway.read() as conn:
            row = (await conn.execute(stmt)).one_or_none()
        return RunningTimer(**row._asdict()) if row else None

    async def take(self, resource_id: int) -> RunningTimer | None:
        """Stop the technician's timer: remove it and return it (None when none was running)."""
        stmt = delete(timers).where(timers.c.resource_id == resource_id).returning(*timers.c)
        async with self._gateway.write() as conn:
            row = (await conn.execute(stmt)).one_or_none()
        return RunningTimer(**row._asdict()) if row else None
