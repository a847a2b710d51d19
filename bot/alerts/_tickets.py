"""New tickets as an alert shows them: labels for picklists, names for references, an excerpt.

The poll asks Autotask only for ``ALERT_FIELDS``. Names are looked up for the tickets that match a
subscription only, in one batched query per referenced entity (and cached).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from autotask.tools import ToolContext, link

__all__ = [
    "ALERT_FIELDS",
    "EXCERPT_CHARS",
    "AlertTicket",
    "alert_tickets",
    "excerpt",
    "moment_of",
]

Record = dict[str, Any]

ALERT_FIELDS = (
    "id",
    "ticketNumber",
    "title",
    "description",
    "companyID",
    "priority",
    "queueID",
    "status",
    "ticketType",
    "createDate",
    "assignedResourceID",
)
EXCERPT_CHARS = 280
_SPACE = re.compile(r"\s+")


class AlertTicket(BaseModel):
    """One new ticket, ready for a card. ``title`` and ``excerpt`` are customer-written text."""

    model_config = ConfigDict(frozen=True)

    id: int
    number: str
    title: str
    company: str | None = None
    priority: str | None = None
    queue: str | None = None
    status: str | None = None
    ticket_type: str | None = None
    created: datetime | None = None
    excerpt: str | None = None
    assigned_id: int | None = None
    assigned: str | None = None
    link: str | None = None


def excerpt(text: object, limit: int = EXCERPT_CHARS) -> str | None:
    """The start of a description on one line, cut at a word and marked with … when cut."""
    flat = _SPACE.sub(" ", str(text or "")).strip()
    if not flat:
        return None
    if len(flat) <= limit:
        return flat
    cut = flat[:limit].rsplit(" ", 1)[0] if " " in flat[:limit] else flat[:limit]
    return cut.rstrip(" ,.;:") + "…"


def moment_of(value: object) -> datetime | None:
    """An Autotask date-time (``2026-11-25T09:30:00.000Z``) as an aware datetime, or None."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _id(value: object) -> int | None:
    text = str(value) if value is not None else ""
    return int(text) if text.lstrip("-").isdigit() else None


async def alert_tickets(ctx: ToolContext, records: Sequence[Record]) -> list[AlertTicket]:
    """The alert view of each ticket record, in the same order."""
    if not records:
        return []
    schema = await ctx.schemas.get("Tickets")
    web = await ctx.client.web_url()
    companies = await ctx.names.names_for("Company", [r.get("companyID") for r in records])
    people = await ctx.names.names_for("Resource", [r.get("assignedResourceID") for r in records])
    views = []
    for record in records:
        ticket_id = int(record["id"])
        company, assigned = _id(record.get("companyID")), _id(record.get("assignedResourceID"))
        views.append(
            AlertTicket(
                id=ticket_id,
                number=str(record.get("ticketNumber") or f"#{ticket_id}"),
                title=str(record.get("title") or "(no title)"),
                company=companies.get(company) if company is not None else None,
                priority=schema.label("priority", record.get("priority")),
                queue=schema.label("queueID", record.get("queueID")),
                status=schema.label("status", record.get("status")),
                ticket_type=schema.label("ticketType", record.get("ticketType")),
                created=moment_of(record.get("createDate")),
                excerpt=excerpt(record.get("description")),
                assigned_id=assigned,
                assigned=people.get(assigned) if assigned is not None else None,
                link=link(web, "Tickets", ticket_id),
            )
        )
    return views
