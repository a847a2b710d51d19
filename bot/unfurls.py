"""Compact ticket cards for links and ticket numbers pasted in a conversation (link unfurling) and
for the ticket search of a compose box.

A ticket is named by an Autotask ticket URL (``ExecuteCommand.aspx?Code=OpenTicketDetail&
TicketID=…`` or ``…&TicketNumber=…``) or a ticket number (``T20241122.0004``). The card is read
as the person who pasted it, through the ``get`` tool: someone without an Autotask resource gets
no preview at all.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

from autotask import AutotaskError
from autotask.tools import Actor, GetResult, SearchResult, ToolError, call

from .messages import Card, Fact, LinkButton

if TYPE_CHECKING:
    from .engine import Engine

__all__ = ["MAX_UNFURLS", "TicketCards", "compact_card", "ticket_ref", "ticket_refs"]

MAX_UNFURLS = 5  # previews per message: more is noise, and each is an Autotask read
_NUMBER = re.compile(r"\bT\d{8}\.\d{4}\b", re.IGNORECASE)
_FACTS = (("companyID", "Company"), ("status", "Status"), ("priority", "Priority"),
          ("assignedResourceID", "Assigned to"), ("dueDateTime", "Due"))  # fmt: skip


def ticket_ref(url: str) -> int | str | None:
    """The ticket an Autotask URL opens (its id or number), or None for any other URL."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if "executecommand.aspx" not in parts.path.lower():
        return None
    query = {k.lower(): v for k, v in parse_qs(parts.query).items()}
    if (query.get("code") or [""])[0].lower() != "openticketdetail":
        return None
    ticket_id = (query.get("ticketid") or [""])[0]
    if ticket_id.isdigit() and len(ticket_id) <= 12:
        return int(ticket_id)
    number = (query.get("ticketnumber") or [""])[0]
    return number.upper() if _NUMBER.fullmatch(number) else None


def ticket_refs(text: str) -> list[str]:
    """The ticket numbers in a text, in order, once each."""
    seen: dict[str, None] = {}
    for match in _NUMBER.finditer(text[:10_000]):
        seen.setdefault(match.group(0).upper(), None)
    return list(seen)[:MAX_UNFURLS]


def compact_card(record: dict[str, object], url: str | None) -> Card:
    """A ticket (its labelled row) as a short card: number and title, five facts, a link."""
    title = f"{record.get('ticketNumber') or record.get('id')} · {record.get('title') or ''}"
    facts = tuple(
        Fact(label=label, value=str(record[name]))
        for name, label in _FACTS
        if record.get(name) not in (None, "")
    )
    link = LinkButton(label="Open in Autotask", url=url) if url else None
    return Card(kind="record", title=title.strip(" ·")[:200], facts=facts, link=link)


class TicketCards:
    """Compact ticket cards, read as one technician."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    async def card(self, actor: Actor, ref: int | str) -> Card | None:
        """The ticket's compact card; None when it cannot be read (gone, not allowed, Autotask
        down): an unfurl simply does not happen then."""
        arguments = {"entity": "Tickets", **({"id": ref} if isinstance(ref, int) else
                                             {"ticket_number": ref})}  # fmt: skip
        try:
            result = await call("get", arguments, self.engine.context(actor))
        except (ToolError, AutotaskError):
            return None
        if not isinstance(result, GetResult):
            return None
        return compact_card({"id": result.id, **result.record}, result.link)

    async def search(self, actor: Actor, words: str, *, limit: int = 10) -> list[Card]:
        """Tickets for a compose box's search: by number when one is typed, else open tickets
        whose title has the words (all of them when none are typed), newest first."""
        numbers = ticket_refs(words)
        if numbers:
            found = [await self.card(actor, n) for n in numbers]
            return [c for c in found if c is not None]
        filters: list[dict[str, object]] = [{"field": "open", "op": "=", "value": True}]
        if words.strip():
            filters.append({"field": "title", "op": "contains", "value": words.strip()[:100]})
        arguments = {"entity": "Tickets", "filters": filters, "limit": limit, "sort": "-createDate"}
        try:
            result = await call("search", arguments, self.engine.context(actor))
        except (ToolError, AutotaskError):
            return []
        assert isinstance(result, SearchResult)
        template = result.link_template or ""
        return [
            compact_card(row, template.replace("{id}", str(row["id"])) if template else None)
            for row in result.rows
        ]
