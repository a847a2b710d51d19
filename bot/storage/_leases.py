"""Leases: one holder at a time for work only one replica may do (polling for alerts).

``acquire`` is one upsert whose update only happens when the lease is the caller's own or has
expired, so two replicas racing for a free lease cannot both get it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import case, delete, or_, select

from ._tables import leases

if TYPE_CHECKING:
    from ._database import Gateway

__all__ = ["LeaseStore"]


class LeaseStore:
    def __init__(self, gateway: Gateway) -> None:
        self._gateway = gateway

    async def acquire(self, name: str, holder: str, *, ttl: timedelta, now: datetime) -> bool:
        """Take the lease if it is free or expired, or renew it if ``holder`` has it."""
        if ttl <= timedelta(0):
            raise ValueError("a lease's ttl must be positive")
        stmt = self._gateway.insert(leases).values(
            name=name, holder=holder, acquired_at=now, expires_at=now + ttl
        )
        upsert = stmt.on_conflict_do_update(
            index_elements=[leases.c.name],
            set_={
                "holder": stmt.excluded.holder,
                "expires_at": stmt.excluded.expires_at,
                # a renewal keeps the time the lease was first taken
                "acquired_at": case(
                    (leases.c.holder == stmt.excluded.holder, leases.c.acquired_at),
                    else_=stmt.excluded.acquired_at,
                ),
            },
            where=or_(leases.c.holder == holder, leases.c.expires_at <= now),
        ).returning(leases.c.holder)
        async with self._gateway.write() as conn:
            won: str | None = (await conn.execute(upsert)).scalar_one_or_none()
        return won == holder

    async def release(self, name: str, holder: str) -> None:
        """Give the lease up, if ``holder`` still has it."""
        stmt = delete(leases).where(leases.c.name == name, leases.c.holder == holder)
        async with self._gateway.write() as conn:
            await conn.execute(stmt)

    async def holder(self, name: str, *, now: datetime) -> str | None:
        """Who has the lease now; ``None`` when it is free or expired."""
        stmt = select(leases.c.holder).where(leases.c.name == name, leases.c.expires_at > now)
        async with self._gateway.read() as conn:
            value: str | None = (await conn.execute(stmt)).scalar_one_or_none()
        return value
