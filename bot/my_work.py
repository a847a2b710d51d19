"""A technician's work at a glance ("My work"): open tickets, most urgent first (the tenant's
priority ``sortOrder``), what is due today, the time logged today with its total, and the running
timer. Read with the same tools as every answer, three queries in all; nothing is written."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from autotask.tools import Actor, SearchResult, call

from .messages import Card, Reply
from .storage import RunningTimer

if TYPE_CHECKING:
    from .engine import Engine

__all__ = ["MyWork", "my_work", "work_reply"]

MAX_TICKETS = 15
_MINE = {"field": "assigned", "op": "=", "value": "me"}
_OPEN = {"field": "open", "op": "=", "value": True}


class MyWork(BaseModel):
    name: str
    open_tickets: list[dict[str, Any]]
    open_total: int | None
    due_today: list[dict[str, Any]]
    time_today: list[dict[str, Any]]
    hours_today: float
    ticket_link: str | None = None
    timer: RunningTimer | None = None
    timer_elapsed: str | None = None


async def _search(engine: Engine, actor: Actor, arguments: dict[str, Any]) -> SearchResult:
    result = await call("search", arguments, engine.context(actor))
    assert isinstance(result, SearchResult)
    return result


async def my_work(engine: Engine, actor: Actor) -> MyWork:
    """The technician's work now; Autotask errors propagate (the caller says so)."""
    from .timers import elapsed_text

    tickets = await _search(engine, actor, {"entity": "Tickets", "filters": [_MINE, _OPEN],
                                            "sort": "priority", "limit": MAX_TICKETS})  # fmt: skip
    due = await _search(engine, actor, {
        "entity": "Tickets", "sort": "due", "limit": MAX_TICKETS,
        "filters": [_MINE, _OPEN, {"field": "due", "op": "within", "value": "today"}],
    })  # fmt: skip
    time = await _search(engine, actor, {
        "entity": "TimeEntries", "totals": ["hoursWorked"], "limit": MAX_TICKETS,
        "filters": [{"field": "resource", "op": "=", "value": "me"},
                    {"field": "dateWorked", "op": "within", "value": "today"}],
    })  # fmt: skip
    timer = await engine.db.timers.get(actor.resource_id)
    return MyWork(
        name=actor.name,
        open_tickets=tickets.rows,
        open_total=tickets.total,
        due_today=due.rows,
        time_today=time.rows,
        hours_today=time.totals.get("hoursWorked", 0.0),
        ticket_link=tickets.link_template,
        timer=timer,
        timer_elapsed=elapsed_text(engine.clock() - timer.started_at) if timer else None,
    )


_TICKET_COLUMNS = (
    ("ticketNumber", "Ticket"),
    ("title", "Title"),
    ("companyID", "Company"),
    ("priority", "Priority"),
    ("status", "Status"),
    ("dueDateTime", "Due"),
)


def _tickets_card(title: str, rows: list[dict[str, Any]], link: str | None, footer: str) -> Card:
    return Card(
        kind="list",
        title=title,
        columns=tuple(label for _, label in _TICKET_COLUMNS),
        rows=tuple(tuple(str(r.get(k) or "—") for k, _ in _TICKET_COLUMNS) for r in rows),
        row_links=tuple(link.replace("{id}", str(r["id"])) if link else None for r in rows),
        narrow=(0, 1, 4),
        footer=footer,
    )


def work_reply(work: MyWork) -> Reply:
    """My work as cards, for chats without a Home tab (Teams, the web chat) and for Slack too."""
    shown, total = len(work.open_tickets), work.open_total
    more = f"; {total - shown:,} more with `my tickets`" if total and total > shown else ""
    cards = [
        _tickets_card(
            "My open tickets",
            work.open_tickets,
            work.ticket_link,
            f"{total if total is not None else shown:,} open, most urgent first{more}",
        )
    ]
    if work.due_today:
        cards.append(
            _tickets_card(
                "Due today", work.due_today, work.ticket_link, f"{len(work.due_today)} due today"
            )
        )
    entries = tuple(
        (
            str(e.get("ticketID") or "—"),
            f"{e.get('hoursWorked')}h",
            str(e.get("summaryNotes") or "")[:120],
        )
        for e in work.time_today
    )
    cards.append(
        Card(
            kind="list",
            title="Logged today",
            columns=("Ticket", "Hours", "Summary"),
            rows=entries,
            footer=f"{work.hours_today:g}h in all",
        )
    )
    text = (
        f"Timer on {work.timer.ticket_label}: {work.timer_elapsed}. Say `stop timer …` to log it."
        if work.timer
        else None
    )
    return Reply(text=text, cards=tuple(cards))
