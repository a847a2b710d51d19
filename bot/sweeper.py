"""While the processes run: plans stuck in "applying" are settled by the holder of a lease.

``recover_interrupted`` at start covers a process that died and stayed down; a process that died
mid-apply and came back (or another replica) finds the plan still "applying" and would answer
every click "already applying" for good. The sweeper settles such plans every ``every`` seconds
once they have been applying for longer than ``older_than`` (the same read-back rules as at
start: applied, nothing written, or outcome unknown; never re-applied). With several replicas
only the holder of the ``plan-sweeper`` lease sweeps.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta

from autotask.tools import Tenant

from .messages import ChatSurface
from .recovery import recover_interrupted
from .storage import Database, StoredPlan

__all__ = ["LEASE_NAME", "PlanSweeper"]

logger = logging.getLogger(__name__)

LEASE_NAME = "plan-sweeper"


class PlanSweeper:
    def __init__(
        self,
        tenant: Tenant,
        db: Database,
        surfaces: Mapping[str, ChatSurface],
        *,
        older_than: timedelta,
        every: float | None = None,
        holder: str | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.tenant = tenant
        self.db = db
        self.surfaces = surfaces
        self.older_than = older_than
        self.every = every if every is not None else min(60.0, older_than.total_seconds() / 2)
        self.holder = holder or f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"
        self.clock = clock

    @property
    def lease_ttl(self) -> timedelta:
        return timedelta(seconds=max(3 * self.every, 1.0))

    async def sweep(self) -> list[StoredPlan]:
        """Settle what is stuck now, if this process holds the lease; the plans settled."""
        now = self.clock()
        if not await self.db.leases.acquire(LEASE_NAME, self.holder, ttl=self.lease_ttl, now=now):
            return []
        settled = await recover_interrupted(
            self.tenant, self.db, self.surfaces, now=now, older_than=self.older_than
        )
        if settled:
            logger.warning("the sweeper settled %d plans left applying", len(settled))
        return settled

    async def run(self, stopping: asyncio.Event) -> None:
        """Sweep every ``every`` seconds until ``stopping`` is set; a failed sweep is logged and
        the next one tries again."""
        while not stopping.is_set():
            try:
                await self.sweep()
            except Exception:
                logger.exception("sweeping plans left applying failed; trying again later")
            try:
                await asyncio.wait_for(stopping.wait(), timeout=self.every)
            except TimeoutError:
                continue

    async def release(self) -> None:
        await self.db.leases.release(LEASE_NAME, self.holder)
