"""Alert cards (neutral ``Card(kind="alert")``) and the digest that folds a backlog into one post.

Ticket titles and descriptions are written by customers: the excerpt is marked untrusted, and
nothing in a card is ever read back as an instruction. Buttons carry an action and a plan id only.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from ..messages import Card, CardAction, Fact, LinkButton, Reply
from ._tickets import AlertTicket

__all__ = ["DIGEST_ROWS", "alert_card", "digest_reply", "when_text"]

DIGEST_ROWS = 25


def when_text(moment: datetime | None, timezone: str) -> str:
    """A time in the team's time zone: ``2026-11-25 04:30 EST``."""
    if moment is None:
        return "—"
    local = moment.astimezone(ZoneInfo(timezone))
    return f"{local:%Y-%m-%d %H:%M} {local.tzname() or timezone}"


def alert_card(
    ticket: AlertTicket,
    *,
    timezone: str,
    watching: str | None = None,
    plan_id: str | None = None,
    taken_by: str | None = None,
    note: str | None = None,
    heading: str | None = None,
) -> Card:
    """The card for one new ticket; "Assign to me" while ``plan_id`` is given and no one took it.
    ``heading`` replaces "New ticket T…" (a personal notice: "Assigned to you: T…")."""
    facts = [
        Fact(label="Company", value=ticket.company or "—"),
        Fact(label="Priority", value=ticket.priority or "—"),
        Fact(label="Queue", value=ticket.queue or "—"),
        Fact(label="Status", value=ticket.status or "—"),
        Fact(label="Created", value=when_text(ticket.created, timezone)),
    ]
    if ticket.assigned and not taken_by:
        facts.append(Fact(label="Assigned to", value=ticket.assigned))
    notes = [text for text in (f"Taken by {taken_by}" if taken_by else None, note) if text]
    actions: tuple[CardAction, ...] = ()
    if plan_id is not None and taken_by is None:
        actions = (
            CardAction(
                action="assign_to_me", plan_id=plan_id, label="Assign to me", style="primary"
            ),
        )
    return Card(
        kind="alert",
        title=heading or f"New ticket {ticket.number}",
        subtitle=ticket.title,
        facts=tuple(facts),
        text=ticket.excerpt,
        untrusted=True,
        notes=tuple(notes),
        link=LinkButton(label="Open in Autotask", url=ticket.link) if ticket.link else None,
        actions=actions,
        footer=f"Alert: {watching}" if watching else None,
    )


def digest_reply(tickets: Sequence[AlertTicket], *, watching: str, timezone: str) -> Reply:
    """One message for the tickets past the cap: "…and 57 more", with the first of them listed."""
    shown = tickets[:DIGEST_ROWS]
    rows = tuple(
        (
            t.number,
            t.title[:80],
            t.company or "—",
            t.priority or "—",
            when_text(t.created, timezone),
        )
        for t in shown
    )
    rest = len(tickets) - len(shown)
    footer = f"Alert: {watching}" + (f" · {rest} more not listed" if rest else "")
    card = Card(
        kind="list",
        title=f"…and {len(tickets)} more new tickets",
        columns=("Ticket", "Title", "Company", "Priority", "Created"),
        rows=rows,
        row_links=tuple(t.link for t in shown),
        untrusted=True,
        footer=footer,
    )
    return Reply(text=f"…and {len(tickets)} more new tickets ({watching}).", cards=(card,))
