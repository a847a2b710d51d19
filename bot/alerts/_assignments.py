"""Tickets assigned to a technician, new or reassigned: one notice per assignment.

Autotask has no "assigned at" field, so the bot keeps the assignee of each ticket it watches
(``db.notices``, versioned by ``lastTrackedModificationDateTime``) and notices when it changes to
a watched resource. What a technician already had when their subscription began is recorded
first, without notices (the baseline: every ticket assigned to them).

Every cycle, the poll asks for the tickets changed since its cursor (a time, read back a little
to cover writes still in flight), three fields only, paged; only the tickets newly assigned to a
watched resource are then read in full (one query for all of them). A ticket webhook (a new
ticket, or an update whose ``Fields`` carry ``AssignedResourceID``) goes through ``observe`` as
well: whichever of them stores the change first posts the notice, the other finds it stored.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from autotask import Filter, Query

from ..messages import Reply
from ..storage import Assignee
from ._cards import alert_card
from ._dispatcher import DispatchReport
from ._matcher import Watched
from ._notices import Notice, NoticeSource
from ._paging import read_pages
from ._tickets import ALERT_FIELDS, AlertTicket, alert_tickets, moment_of

__all__ = ["CHANGES_CURSOR", "MODIFIED", "Assignments", "SweepReport", "modified_ms"]

logger = logging.getLogger(__name__)

Record = dict[str, Any]
MODIFIED = "lastTrackedModificationDateTime"
CHANGES_CURSOR = "ticket-changes"  # epoch milliseconds of the newest change read
BASELINE_CURSOR = "assignees-of-{}"  # set once a resource's baseline is stored
READ_BACK = timedelta(minutes=2)
CHANGED_BY = "lastActivityResourceID"  # who made the ticket's latest change
_FIELDS = ("id", "assignedResourceID", MODIFIED, CHANGED_BY)
_IDS_PER_QUERY = 200  # ids in one ``in`` filter: well inside Autotask's 500 conditions


def modified_ms(record: Record) -> int | None:
    """A ticket's ``lastTrackedModificationDateTime`` in epoch milliseconds."""
    moment = moment_of(record.get(MODIFIED))
    return int(moment.timestamp() * 1000) if moment is not None else None


def _id(value: object) -> int | None:
    text = str(value) if value is not None else ""
    return int(text) if text.lstrip("-").isdigit() else None


def _assignee(record: Record) -> int | None:
    return _id(record.get("assignedResourceID"))


def _reading(record: Record) -> Assignee:
    return (int(record["id"]), _assignee(record), modified_ms(record) or 0)


def _watchers(watched: Sequence[Watched]) -> dict[int, list[Watched]]:
    by_resource: dict[int, list[Watched]] = defaultdict(list)
    for item in watched:
        if item.filters.kind == "assigned" and item.filters.assigned_id is not None:
            by_resource[item.filters.assigned_id].append(item)
    return by_resource


@dataclass
class SweepReport:
    """One sweep of changed tickets: pages and tickets read, where the cursor is, what was sent."""

    pages: int = 0
    tickets: int = 0
    cursor: int | None = None
    more: bool = False
    delivery: DispatchReport | None = None


class Assignments(NoticeSource):
    # (cursor, last id read, newest change read) of a sweep cut short by the page cap
    _resume: tuple[int, int, int] | None = None

    async def baseline(self, resource_id: int) -> int:
        """Record what ``resource_id`` already has, without notices; returns how many tickets.
        Every ticket assigned to them, closed ones too (a reopened ticket is not news): ids and
        two fields, 500 a page, once per technician."""
        query = Query(
            filter=(Filter.eq("assignedResourceID", resource_id),), include_fields=_FIELDS
        )
        records = await self.client.query("Tickets", query)
        readings = [_reading(r) for r in records]
        await self.engine.db.notices.settle(readings)
        await self.engine.db.alerts.set_cursor(1, BASELINE_CURSOR.format(resource_id))
        logger.info("assignment notices for resource %s start after %d tickets", resource_id,
                    len(readings))  # fmt: skip
        return len(readings)

    async def ensure_baselines(self, watched: Sequence[Watched]) -> None:
        """The baseline of every watched resource that has none yet (made before it existed)."""
        for resource_id in _watchers(watched):
            if await self.engine.db.alerts.cursor(BASELINE_CURSOR.format(resource_id)) is None:
                await self.baseline(resource_id)

    async def idle(self) -> None:
        """Nobody watches assignments: keep the cursor at now, so that a first subscription does
        not start with a long read of old changes."""
        now_ms = int(self.engine.clock().timestamp() * 1000)
        await self.engine.db.alerts.set_cursor(now_ms, CHANGES_CURSOR)

    async def sweep(self, watched: Sequence[Watched]) -> SweepReport:
        """Read the tickets changed since the cursor and notice the new assignments."""
        report = SweepReport()
        db = self.engine.db
        cursor = await db.alerts.cursor(CHANGES_CURSOR)
        if cursor is None:
            report.cursor = int(self.engine.clock().timestamp() * 1000)
            await db.alerts.set_cursor(report.cursor, CHANGES_CURSOR)
            return report
        await self.ensure_baselines(watched)
        since = datetime.fromtimestamp(cursor / 1000, UTC) - READ_BACK
        resume = self._resume if self._resume and self._resume[0] == cursor else None
        after_id = (Filter.gt("id", resume[1]),) if resume else ()
        query = Query(filter=(Filter.gte(MODIFIED, since), *after_id), include_fields=_FIELDS)
        read = await read_pages(self.client, "Tickets", query, max_pages=self.max_pages)
        records, report.pages, report.more = read.records, read.pages, read.more
        report.tickets, report.cursor = len(records), cursor
        report.delivery = await self.observe(records, watched)
        stamps = [m for m in (modified_ms(r) for r in records) if m is not None]
        newest = max([cursor, *stamps, resume[2] if resume else cursor])
        if report.more:  # rows come in id order: the next cycle goes on after the last one read
            self._resume = (cursor, max(int(r["id"]) for r in records), newest)
            return report
        self._resume = None
        if newest > cursor:
            report.cursor = newest
            await db.alerts.set_cursor(newest, CHANGES_CURSOR)  # only after delivery
        return report

    async def observe(
        self,
        records: Sequence[Record],
        watched: Sequence[Watched],
        *,
        full: bool = False,
        changed_by: int | None = None,
    ) -> DispatchReport:
        """Store what these ticket readings say about assignees; post a notice for each ticket
        that this call saw assigned to a watched resource. ``full``: the records carry
        ``ALERT_FIELDS`` already (a webhook's fetched ticket); ``changed_by``: who made the
        change, for a record without ``lastActivityResourceID`` (a webhook's ``PersonID``). A
        technician who assigns a ticket to themselves is not told about it."""
        watchers = _watchers(watched)
        stored = await self.engine.db.notices.assignees([int(r["id"]) for r in records])
        changed = [r for r in records if stored.get(int(r["id"]), -1) != _assignee(r)]
        away = [r for r in changed if int(r["id"]) in stored and _assignee(r) not in watchers]
        await self.engine.db.notices.settle([_reading(r) for r in away])
        fresh = [r for r in changed if _assignee(r) in watchers]
        if not fresh:
            return DispatchReport()
        if not full:
            fresh = await self._read_full([int(r["id"]) for r in fresh])
        views = await alert_tickets(self.engine.context(None), fresh)  # names in one lookup
        notices: list[Notice] = []
        for record, view in zip(fresh, views, strict=True):
            by = _id(record.get(CHANGED_BY))  # who made the change this reading shows
            by = changed_by if by is None else by
            notices.extend(await self._noticed(record, view, watchers, by=by))
        return await self.notices.send(notices)

    async def _read_full(self, ids: list[int]) -> list[Record]:
        records: list[Record] = []
        for start in range(0, len(ids), _IDS_PER_QUERY):
            chunk: list[Any] = ids[start : start + _IDS_PER_QUERY]
            query = Query(
                filter=(Filter.in_("id", chunk),),
                include_fields=(*ALERT_FIELDS, MODIFIED, CHANGED_BY),
            )
            records.extend(await self.client.query("Tickets", query))
        return records

    async def _noticed(
        self,
        record: Record,
        ticket: AlertTicket,
        watchers: dict[int, list[Watched]],
        *,
        by: int | None,
    ) -> list[Notice]:
        """Store the reading; the notices to post when this call saw the assignment change."""
        resource = _assignee(record)
        reading = _reading(record)
        if resource not in watchers:
            await self.engine.db.notices.settle([reading])
            return []
        number = await self.engine.db.notices.observe(reading)
        wanting = [w for w in watchers[resource] if w.filters.matches(record)]
        if number is None or not wanting or by == resource:  # stored; one's own doing is not news
            return []
        timezone = str(self.engine.settings.timezone)
        notices = []
        for item in wanting:
            who = item.filters.assigned or ticket.assigned or "you"
            card = alert_card(ticket, timezone=timezone, watching=item.filters.describe(),
                              heading=f"Assigned to {who}: {ticket.number}")  # fmt: skip
            key = f"assigned:{ticket.id}:{number}"
            row = (ticket.number, ticket.title[:80], ticket.company or "—")
            notices.append(Notice(item, key, ticket.id, Reply(cards=(card,)), row, ticket.link))
        return notices
