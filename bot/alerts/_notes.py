"""Customer notes on a technician's tickets: one notice per note, in the technician's chat.

A note comes from a customer when Autotask records the contact who wrote it
(``createdByContactID``: a client-portal reply, an e-mail the contact sent, a note an integration
added for them); a technician's note has ``creatorResourceID`` instead. "My tickets" are the
tickets assigned to me when the note arrives.

While someone listens, each cycle asks for the customer notes above a cursor (note ids, ascending,
a few fields, paged), then reads their tickets in one query and matches them in the bot. The first
run starts at the newest customer note: history is not replayed.
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict

from autotask import Filter, Query

from ..messages import Card, Fact, LinkButton, Reply
from ._cards import when_text
from ._dispatcher import DispatchReport
from ._matcher import Watched
from ._notices import Notice, NoticeSource
from ._paging import newest_id, read_pages
from ._tickets import ALERT_FIELDS, AlertTicket, alert_tickets, excerpt, moment_of

__all__ = [
    "CUSTOMER_NOTES",
    "NOTES_CURSOR",
    "CustomerNote",
    "CustomerNotes",
    "NoteSweep",
    "note_card",
]

logger = logging.getLogger(__name__)

Record = dict[str, Any]
NOTES_CURSOR = "ticket-notes"
CUSTOMER_NOTES = Filter.exist("createdByContactID")
NOTE_FIELDS = ("id", "ticketID", "title", "description", "createDateTime", "createdByContactID")
NOTE_EXCERPT = 200
_IDS_PER_QUERY = 200
_RECENT = timedelta(days=1)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class CustomerNote(BaseModel):
    """A note as the notice shows it. ``title`` and ``excerpt`` are customer-written text."""

    model_config = ConfigDict(frozen=True)

    id: int
    ticket_id: int
    title: str | None = None
    excerpt: str | None = None
    created: datetime | None = None
    contact: str | None = None


@dataclass
class NoteSweep:
    """One sweep of customer notes: notes read, the cursor, what was sent."""

    notes: int = 0
    cursor: int | None = None
    more: bool = False
    delivery: DispatchReport | None = None


def _clean(text: object, limit: int) -> str | None:
    return excerpt(_CONTROL.sub(" ", str(text or "")), limit)


def note_card(ticket: AlertTicket, note: CustomerNote, *, timezone: str, watching: str) -> Card:
    """Ticket number and title, the company, who wrote, the note's title and a short excerpt."""
    facts = [
        Fact(label="Company", value=ticket.company or "—"),
        Fact(label="From", value=note.contact or "a contact"),
        Fact(label="Note", value=note.title or "(no title)"),
        Fact(label="Added", value=when_text(note.created, timezone)),
    ]
    return Card(
        kind="alert",
        title=f"Customer note on {ticket.number}",
        subtitle=ticket.title,
        facts=tuple(facts),
        text=note.excerpt,
        untrusted=True,
        link=LinkButton(label="Open in Autotask", url=ticket.link) if ticket.link else None,
        footer=f"Notice: {watching}",
    )


class CustomerNotes(NoticeSource):
    async def newest_note_id(self) -> int:
        since = self.engine.clock() - _RECENT
        return await newest_id(
            self.client,
            "TicketNotes",
            created_field="createDateTime",
            since=since,
            where=(CUSTOMER_NOTES,),
        )

    async def sweep(self, watched: Sequence[Watched]) -> NoteSweep:
        """Read the customer notes above the cursor and notice those on watched tickets."""
        report = NoteSweep()
        db = self.engine.db
        cursor = await db.alerts.cursor(NOTES_CURSOR)
        if cursor is None:
            report.cursor = await self.newest_note_id()
            await db.alerts.set_cursor(report.cursor, NOTES_CURSOR)
            logger.info("customer-note notices start after note %s", report.cursor)
            return report
        query = Query(filter=(Filter.gt("id", cursor), CUSTOMER_NOTES), include_fields=NOTE_FIELDS)
        read = await read_pages(self.client, "TicketNotes", query, max_pages=self.max_pages)
        notes, report.more = read.records, read.more
        report.notes, report.cursor = len(notes), cursor
        if notes:
            report.delivery = await self.deliver(notes, watched)
            report.cursor = max(int(n["id"]) for n in notes)
            await db.alerts.set_cursor(report.cursor, NOTES_CURSOR)  # only after delivery
        return report

    async def deliver(self, notes: Sequence[Record], watched: Sequence[Watched]) -> DispatchReport:
        """Notice each customer note on a ticket assigned to a watching resource."""
        by_resource: dict[int, list[Watched]] = defaultdict(list)
        for item in watched:
            if item.filters.kind == "customer_note" and item.filters.assigned_id is not None:
                by_resource[item.filters.assigned_id].append(item)
        customer = [n for n in notes if n.get("createdByContactID") is not None]
        if not by_resource or not customer:
            return DispatchReport()
        tickets = await self._tickets(sorted({int(n["ticketID"]) for n in customer}), by_resource)
        views = {t.id: t for t in await alert_tickets(self.engine.context(None), tickets)}
        records = {int(t["id"]): t for t in tickets}
        contacts = await self.engine.context(None).names.names_for(
            "Contact", [n.get("createdByContactID") for n in customer]
        )
        timezone = str(self.engine.settings.timezone)
        notices: list[Notice] = []
        for note in sorted(customer, key=lambda n: int(n["id"])):
            ticket = records.get(int(note["ticketID"]))
            view = views.get(int(note["ticketID"]))
            if ticket is None or view is None or view.assigned_id not in by_resource:
                continue
            shown = CustomerNote(
                id=int(note["id"]),
                ticket_id=view.id,
                title=_clean(note.get("title"), 120),
                excerpt=_clean(note.get("description"), NOTE_EXCERPT),
                created=moment_of(note.get("createDateTime")),
                contact=contacts.get(int(note["createdByContactID"])),
            )
            for item in by_resource[view.assigned_id]:
                since = item.filters.since_note_id
                if not item.filters.matches(ticket) or (since is not None and shown.id <= since):
                    continue
                card = note_card(view, shown, timezone=timezone, watching=item.filters.describe())
                row = (view.number, f"Note: {shown.title or '(no title)'}", shown.contact or "—")
                reply = Reply(cards=(card,))
                notices.append(Notice(item, f"note:{shown.id}", view.id, reply, row, view.link))
        return await self.notices.send(notices)

    async def _tickets(self, ids: list[int], watching: Mapping[int, object]) -> list[Record]:
        """The tickets of these ids that are assigned to a watching resource."""
        people: list[Any] = list(watching)
        # Autotask allows 500 conditions in a query: with very many watchers, filter in the bot
        assigned = (Filter.in_("assignedResourceID", people),) if len(people) <= 250 else ()
        records: list[Record] = []
        for start in range(0, len(ids), _IDS_PER_QUERY):
            chunk: list[Any] = ids[start : start + _IDS_PER_QUERY]
            query = Query(filter=(Filter.in_("id", chunk), *assigned), include_fields=ALERT_FIELDS)
            records.extend(await self.client.query("Tickets", query))
        return records
