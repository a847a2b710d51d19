"""My work in any chat: open tickets most urgent first (the tenant's priority sortOrder), due
today, time logged today with its total, and the running timer; no model involved."""

from __future__ import annotations

from collections.abc import Callable

from engine_support import RecordingSurface, say, technician_email
from support import ScriptedModel

from autotask.sandbox import Sandbox
from bot.engine import Engine


async def test_my_work_lists_my_open_tickets_most_urgent_first_and_the_timer(
    make_engine: Callable[..., Engine], surface: RecordingSurface, sandbox: Sandbox
) -> None:
    engine = make_engine(ScriptedModel())  # the model is never asked
    email = technician_email(sandbox)
    me = next(r["id"] for r in sandbox.records("Resources") if r["email"] == email)
    mine = [
        t for t in sandbox.records("Tickets") if t["assignedResourceID"] == me and t["status"] != 5
    ]
    await engine.handle(say(f"start timer on {mine[0]['id']} checking", email), surface)
    await engine.handle(say("my work", email), surface)
    reply = surface.last
    assert reply.text is not None and reply.text.startswith("Timer on ")
    tickets = reply.cards[0]
    assert tickets.title == "My open tickets"
    assert {row[0] for row in tickets.rows} == {str(t["ticketNumber"]) for t in mine[:15]}
    ranks = {v["label"]: v["sortOrder"]
             for v in sandbox.metadata.get("Tickets").picklist("priority")}  # fmt: skip
    shown = [ranks[row[3]] for row in tickets.rows]
    assert shown == sorted(shown), "most urgent first"
    assert tickets.row_links[0] is not None and "OpenTicketDetail" in tickets.row_links[0]
    logged = next(c for c in reply.cards if c.title == "Logged today")
    assert logged.footer is not None and logged.footer.endswith("h in all")
