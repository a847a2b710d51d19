"""The poll: one Tickets query per cycle for every subscription, by the holder of a lease.

Each cycle asks Autotask for tickets with ``id > cursor`` (ascending, ``ALERT_FIELDS`` only,
paged), matches them against every subscription in the bot, delivers, and only then stores the
new cursor. On the very first start the cursor is set to the newest ticket, so history is not
replayed. With several replicas, only the holder of the ``alerts-poller`` lease polls; it renews
the lease every cycle (and between pages), and another replica takes over once it expires.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from autotask import AutotaskClient, AutotaskError, Filter, Query

from ..storage import Database
from ._assignments import Assignments
from ._dispatcher import Dispatcher, DispatchReport
from ._matcher import Watched, load_subscriptions
from ._notes import CustomerNotes
from ._notices import Notices
from ._paging import newest_id, read_pages
from ._tickets import ALERT_FIELDS

if TYPE_CHECKING:
    from ..engine import Engine

__all__ = ["LEASE_NAME", "CycleReport", "Poller", "default_holder", "lease_ttl_for"]

logger = logging.getLogger(__name__)

LEASE_NAME = "alerts-poller"
MAX_PAGES_PER_CYCLE = 20  # 10,000 tickets; a longer backlog continues in the next cycle at once
RECENT = timedelta(days=1)  # where the first start looks for the newest ticket first
BUDGET_SLOWDOWN = 2.5  # poll interval factor over the budget's soft limit (below the lease's 3x)
_FORGET_EVERY = 3600.0
_FORGET_AFTER = timedelta(days=7)


def default_holder() -> str:
    """A lease holder id unique to this process."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


def lease_ttl_for(poll_seconds: float) -> timedelta:
    """Long enough to survive a slow cycle, short enough for a quick takeover."""
    return timedelta(seconds=max(3.0 * poll_seconds, 1.0))


@dataclass
class CycleReport:
    """One cycle: did this process poll, what it fetched, where the cursor is, what it delivered
    (alerts, and personal notices apart), and how long the whole cycle and its dispatch took."""

    leader: bool = False
    first_start: bool = False
    pages: int = 0
    tickets: int = 0
    cursor: int | None = None
    more: bool = False
    delivery: DispatchReport = field(default_factory=DispatchReport)
    changed: int = 0  # tickets changed since the last cycle (while assignments are watched)
    notes: int = 0  # customer notes read (while someone listens for them)
    notices: DispatchReport = field(default_factory=DispatchReport)
    seconds: float = 0.0
    seconds_dispatching: float = 0.0


class Poller:
    def __init__(
        self,
        engine: Engine,
        dispatcher: Dispatcher,
        *,
        holder: str | None = None,
        lease_ttl: timedelta = timedelta(seconds=90),
        max_pages: int = MAX_PAGES_PER_CYCLE,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        notices: Notices | None = None,
        assignments: Assignments | None = None,
        notes: CustomerNotes | None = None,
    ) -> None:
        self.engine = engine
        self.db: Database = engine.db
        self.dispatcher = dispatcher
        self.notices = notices
        self.assignments = assignments
        self.notes = notes
        self.holder = holder or default_holder()
        self.lease_ttl = lease_ttl
        self.max_pages = max(1, max_pages)
        self.clock = clock  # wall time for the lease, whatever clock the engine runs on
        self.leading = False
        self._forgot_at = float("-inf")

    @property
    def client(self) -> AutotaskClient:
        return self.engine.tenant.client

    async def _lease(self) -> bool:
        won: bool = await self.db.leases.acquire(
            LEASE_NAME, self.holder, ttl=self.lease_ttl, now=self.clock()
        )
        if won != self.leading:
            logger.info("%s %s the alert poll", self.holder, "took" if won else "lost")
        self.leading = won
        return won

    async def release(self) -> None:
        """Give the lease up (on shutdown), so that another replica takes over at once."""
        if self.leading:
            await self.db.leases.release(LEASE_NAME, self.holder)
            self.leading = False

    async def cycle(self) -> CycleReport:
        """One poll; without the lease it only retries this process's failed posts."""
        started = time.perf_counter()
        report = await self._cycle()
        report.seconds = time.perf_counter() - started
        return report

    async def _cycle(self) -> CycleReport:
        report = CycleReport()
        report.delivery.add(await self.dispatcher.retry_failed())
        if self.notices is not None:
            report.notices.add(await self.notices.retry_failed())
        if not await self._lease():
            return report
        report.leader = True
        watched = await load_subscriptions(self.db.alerts)
        async with self._renewing():
            await self._new_tickets(watched, report)
            await self._personal(watched, report)
        await self._housekeeping()
        return report

    async def _new_tickets(self, watched: list[Watched], report: CycleReport) -> None:
        cursor = await self.db.alerts.cursor()
        if cursor is None:
            report.first_start = True
            report.cursor = await self.newest_ticket_id()
            await self.db.alerts.set_cursor(report.cursor)
            logger.info("alerts start after ticket %s (first start: no history)", report.cursor)
            return
        listening = any(w.filters.kind == "new_ticket" for w in watched)
        fields = ALERT_FIELDS if listening else ("id",)  # nobody listens: only move the cursor
        records = await self._fetch(cursor, fields, report)
        report.tickets, report.cursor = len(records), cursor
        if records:
            started = time.perf_counter()
            report.delivery.add(await self.dispatcher.deliver(records, watched))
            report.seconds_dispatching = time.perf_counter() - started
            report.cursor = max(int(r["id"]) for r in records)
            await self.db.alerts.set_cursor(report.cursor)  # only after delivery

    async def _personal(self, watched: list[Watched], report: CycleReport) -> None:
        """Assignments and customer notes, each read only while someone listens for them."""
        kinds = {w.filters.kind for w in watched}
        if self.assignments is not None:
            if "assigned" in kinds:
                sweep = await self.assignments.sweep(watched)
                report.changed, report.more = sweep.tickets, report.more or sweep.more
                report.notices.add(sweep.delivery or DispatchReport())
            else:
                await self.assignments.idle()
        if self.notes is not None and "customer_note" in kinds:
            notes = await self.notes.sweep(watched)
            report.notes, report.more = notes.notes, report.more or notes.more
            report.notices.add(notes.delivery or DispatchReport())

    @asynccontextmanager
    async def _renewing(self) -> AsyncIterator[None]:
        """Keep the lease through a long dispatch (a catch-up can take longer than its ttl)."""

        async def renew() -> None:
            while True:
                await asyncio.sleep(self.lease_ttl.total_seconds() / 3)
                await self._lease()

        task = asyncio.get_running_loop().create_task(renew())
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _fetch(
        self, cursor: int, fields: tuple[str, ...], report: CycleReport
    ) -> list[dict[str, Any]]:
        query = Query(filter=(Filter.gt("id", cursor),), include_fields=fields)
        read = await read_pages(self.client, "Tickets", query, max_pages=self.max_pages)
        report.pages, report.more = read.pages, read.more
        return read.records

    async def newest_ticket_id(self) -> int:
        """The highest ticket id: from the last day's tickets, confirmed (or found) by counts."""
        since = self.engine.clock() - RECENT
        return await newest_id(self.client, "Tickets", created_field="createDate", since=since)

    async def _housekeeping(self) -> None:
        if time.monotonic() - self._forgot_at < _FORGET_EVERY:
            return
        self._forgot_at = time.monotonic()
        await self.db.alerts.forget_webhook_events(before=self.clock() - _FORGET_AFTER)

    async def run(self, interval: float, stop: asyncio.Event | None = None) -> None:
        """Poll every ``interval`` seconds until ``stop`` is set (a cycle under way finishes
        first) or the task is cancelled. A failed cycle is logged and tried again next time."""
        stop = stop or asyncio.Event()
        while not stop.is_set():
            more = False
            try:
                report = await self.cycle()
                more = report.more
                self.engine.metrics.observe("alert_poll", report.seconds)
            except AutotaskError as exc:
                logger.warning("alert poll failed: %s", exc)
            except Exception:
                logger.exception("alert poll failed")
            pause = await self.pause_after(interval, more=more)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=pause)

    async def pause_after(self, interval: float, *, more: bool) -> float:
        """The wait before the next cycle: none while catching up, longer while Autotask's hourly
        budget runs high (alerts a little later beat technicians refused for the rest of the hour).
        """
        try:
            over = await self.engine.tenant.budget.over()
        except Exception:
            logger.exception("hourly budget check failed")
            over = False
        if over:
            return interval * BUDGET_SLOWDOWN
        return 0.0 if more else interval
