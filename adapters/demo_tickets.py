"""New tickets for the demo: every minute or so a customer reports something plausible, and now
and then a customer answers on a ticket someone has taken.

The tickets and notes are made through the Autotask API (the sandbox's), as a PSA's e-mail parser
or monitoring would, so the alert poller sees them exactly as it sees real ones: a technician who
took a ticket and asked "tell me when customers reply on my tickets" hears of the reply.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from dataclasses import dataclass

from autotask import AutotaskClient, AutotaskError, FieldInfo, Filter, Query

__all__ = ["ISSUES", "REPLIES", "Issue", "TicketGenerator"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Issue:
    title: str
    description: str
    priority: str  # picklist labels; a label the tenant lacks falls back to its default
    queue: str
    source: str


ISSUES: tuple[Issue, ...] = (
    Issue("VPN drops every 10 minutes", "Since the update last night my VPN connection drops "
          "about every ten minutes and I have to log in again.", "High", "Service Desk", "Phone"),
    Issue("Outlook keeps asking for password", "Outlook prompts for my password again and again "
          "since this morning. Webmail works.", "Medium", "Service Desk", "Email"),
    Issue("Printer on 2nd floor shows offline", "The HP printer next to the kitchen is offline "
          "for everyone on the floor.", "Low", "Service Desk", "Client Portal"),
    Issue("Disk space below 10% on FS01", "Monitoring: volume D: on FS01 has 8% free space left "
          "and is growing about 2% a day.", "High", "Monitoring Alert", "Monitoring Alert"),
    Issue("Nightly backup job failed", "Monitoring: the nightly backup of the file server "
          "ended with errors (2 of 14 volumes skipped).", "High", "Monitoring Alert",
          "Monitoring Alert"),
    Issue("New starter on Monday: laptop and accounts", "Please prepare a laptop, an M365 "
          "account and access to the finance share for our new accountant.", "Medium",
          "Service Desk", "Email"),
    Issue("Cannot open the shared drive S:", "Mapped drive S: says access denied for me and "
          "two colleagues since this morning.", "Medium", "Service Desk", "Phone"),
    Issue("Suspicious e-mail reported by staff", "A colleague clicked a link in an e-mail "
          "pretending to be from our bank. Please check her mailbox and PC.", "Critical",
          "Service Desk", "Phone"),
    Issue("Wi-Fi very slow in the meeting room", "Video calls in the big meeting room freeze; "
          "the Wi-Fi there is much slower than elsewhere.", "Low", "Service Desk",
          "Client Portal"),
    Issue("Firewall CPU above 90% for 15 minutes", "Monitoring: firewall CPU has been above 90% "
          "for 15 minutes; internet is slow at the main office.", "Critical",
          "Monitoring Alert", "Monitoring Alert"),
    Issue("Teams calls drop after a few minutes", "Teams calls disconnect after 3 to 5 minutes, "
          "on the office network only.", "Medium", "Service Desk", "Email"),
    Issue("Please install Adobe Acrobat for accounting", "Two people in accounting need "
          "Acrobat Pro to sign PDFs.", "Low", "Service Desk", "Client Portal"),
)  # fmt: skip


REPLIES = (
    "Thanks — it happened again just now, at 10:40. Anything I can try in the meantime?",
    "Quick update: restarting did not help. I'm at my desk all afternoon if you need me.",
    "It works again on my machine, but my colleague still has the problem.",
    "Could you call me back on my mobile? I'm out of the office until 3 pm.",
)
REPLY_CHANCE = 0.5  # after each new ticket, a reply on a taken ticket this often


def _value(field: FieldInfo | None, label: str) -> int | None:
    """The picklist value with ``label``, else the default, else None."""
    if field is None:
        return None
    values = [v for v in field.picklist_values or () if v.is_active]
    chosen = next((v for v in values if v.label.lower() == label.lower()), None)
    chosen = chosen or next((v for v in values if v.is_default_value), None)
    return int(chosen.value) if chosen is not None else None


class TicketGenerator:
    """Opens one plausible ticket now (``open_one``) or one every ``every_seconds`` ± 25%."""

    def __init__(
        self,
        client: AutotaskClient,
        *,
        every_seconds: float = 60.0,
        rng: random.Random | None = None,
    ) -> None:
        self.client = client
        self.every_seconds = every_seconds
        self.rng = rng or random.Random()
        self.opened: list[int] = []
        self._companies: list[int] = []
        self._task: asyncio.Task[None] | None = None

    async def _customers(self) -> list[int]:
        if not self._companies:
            active = Query(filter=(Filter.eq("isActive", True), Filter.noteq("id", 0)))
            records = await self.client.query("Companies", active)
            self._companies = [int(r["id"]) for r in records]
        return self._companies

    async def _contact(self, company_id: int) -> int | None:
        query = Query(filter=(Filter.eq("companyID", company_id), Filter.eq("isActive", 1)))
        contacts = await self.client.query("Contacts", query)
        return int(self.rng.choice(contacts)["id"]) if contacts else None

    async def open_one(self) -> int:
        """Open one ticket for a random customer; returns its id."""
        issue = self.rng.choice(ISSUES)
        company_id = self.rng.choice(await self._customers())
        fields = {f.name: f for f in await self.client.fields("Tickets")}
        ticket: dict[str, object] = {
            "companyID": company_id,
            "title": issue.title,
            "description": issue.description,
            "status": _value(fields.get("status"), "New"),
            "priority": _value(fields.get("priority"), issue.priority),
            "queueID": _value(fields.get("queueID"), issue.queue),
            "source": _value(fields.get("source"), issue.source),
            "contactID": await self._contact(company_id),
        }
        ticket_id = await self.client.create(
            "Tickets", {k: v for k, v in ticket.items() if v is not None}
        )
        self.opened.append(ticket_id)
        logger.info("demo: a customer opened ticket %s", ticket_id)
        return ticket_id

    async def reply_one(self) -> int | None:
        """A customer answers on one of the tickets opened here that someone has taken (a note
        written by its contact); returns the note's id, or None when none is taken yet."""
        if not self.opened:
            return None
        taken = Query(
            filter=(Filter.in_("id", list(self.opened[-200:])), Filter.exist("assignedResourceID")),
            include_fields=("id", "companyID", "contactID", "title"),
        )
        tickets = await self.client.query("Tickets", taken)
        if not tickets:
            return None
        ticket = self.rng.choice(tickets)
        contact = ticket.get("contactID") or await self._contact(int(ticket["companyID"]))
        if contact is None:
            return None
        fields = {f.name: f for f in await self.client.fields("TicketNotes")}
        note = {
            "title": f"Re: {ticket['title']}"[:250],
            "description": self.rng.choice(REPLIES),
            "noteType": _value(fields.get("noteType"), "General"),
            "publish": _value(fields.get("publish"), "All Autotask Users"),
            "createdByContactID": int(contact),
        }
        note_id = await self.client.create(f"Tickets/{ticket['id']}/Notes", note)
        logger.info("demo: a customer replied on ticket %s", ticket["id"])
        return note_id

    def start(self) -> None:
        if self.every_seconds > 0 and self._task is None:
            self._task = asyncio.create_task(self._loop())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self.every_seconds * self.rng.uniform(0.75, 1.25))
            try:
                await self.open_one()
                if self.rng.random() < REPLY_CHANCE:
                    await self.reply_one()
            except AutotaskError as exc:
                logger.warning("demo: could not open a ticket or reply: %s", exc)
