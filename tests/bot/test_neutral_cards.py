"""Neutral cards built from real tool results: what a list covers, in what order, what is left out."""

from __future__ import annotations

from collections import Counter
from typing import Any

from autotask.sandbox import Sandbox
from autotask.tools import GetArgs, SearchArgs, ToolContext, get, search
from bot.cards import list_card, reply_as_text
from bot.messages import Reply
from bot.record_cards import MAX_ITEMS, record_card


def _open(sort: str | None = None, limit: int = 25) -> SearchArgs:
    return SearchArgs.model_validate(
        {"entity": "Tickets", "filters": [{"field": "open", "value": True}], "sort": sort,
         "limit": limit}
    )  # fmt: skip


async def test_a_cut_list_says_how_many_in_what_order_and_how_to_get_all(
    ctx: ToolContext, sandbox: Sandbox
) -> None:
    open_count = sum(1 for t in sandbox.records("Tickets") if t["status"] != 5)
    card = list_card(await search(ctx, _open("-createDate", limit=5)))
    assert card.footer == (
        f"5 of {open_count:,} open tickets (closed ones left out), newest first; "
        "say `export …` for all"
    )
    assert card.total == open_count and card.order == "newest first"
    assert [card.columns[i] for i in card.narrow] == ["Ticket number", "Title", "Status"]


async def test_a_whole_list_says_so(ctx: ToolContext, sandbox: Sandbox) -> None:
    contracts = len(sandbox.records("Contracts"))
    card = list_card(await search(ctx, SearchArgs(entity="Contracts", sort="endDate", limit=200)))
    assert card.footer == f"All {contracts} contracts, by end date, soonest first"
    assert [card.columns[i] for i in card.narrow] == ["Contract name", "Status"]


async def test_an_empty_list_says_nothing_matched(ctx: ToolContext) -> None:
    args = SearchArgs.model_validate(
        {"entity": "Tickets", "filters": [{"field": "title", "op": "contains", "value": "zzqx"}]}
    )
    card = list_card(await search(ctx, args))
    assert card.rows == () and card.footer == "No tickets match."


def _busy_ticket(box: Sandbox) -> dict[str, Any]:
    """A ticket with a contact, time entries and more notes than a card shows (the newest of
    them added now, with the highest id but not the latest time: time decides, not id)."""
    notes = Counter(n["ticketID"] for n in box.records("TicketNotes"))
    timed = {e["ticketID"] for e in box.records("TimeEntries")}
    ticket = next(
        t for t in box.records("Tickets")
        if notes[t["id"]] == MAX_ITEMS and t["id"] in timed and t["contactID"]
    )  # fmt: skip
    own = [n for n in box.records("TicketNotes") if n["ticketID"] == ticket["id"]]
    oldest = min(own, key=lambda n: n["createDateTime"])
    next_id = max(n["id"] for n in box.records("TicketNotes")) + 1
    box.put_record("TicketNotes", {**oldest, "id": next_id, "title": "Older than the rest",
                                   "createDateTime": "2020-01-01T00:00:00Z"})  # fmt: skip
    return ticket


async def test_a_ticket_card_leads_with_what_a_technician_needs(
    ctx: ToolContext, sandbox: Sandbox
) -> None:
    ticket = _busy_ticket(sandbox)
    args = GetArgs(ticket_number=ticket["ticketNumber"], include=["notes", "time_entries"])
    card = record_card(await get(ctx, args))
    person = sandbox.get_record("Contacts", ticket["contactID"]) or {}
    labels = [f.label for f in card.facts]
    assert labels[:6] == ["Company", "Contact", "Phone", "E-mail", "Status", "Priority"]
    facts = {f.label: f.value for f in card.facts}
    assert facts["Contact"] == f"{person['firstName']} {person['lastName']}"
    assert facts["E-mail"] == person["emailAddress"]
    assert "Creator type" not in facts and "Is visible to comanaged" not in facts
    assert card.notes and card.notes[0].endswith("more fields: ask for details to see them all")
    notes_part, time_part = card.sections
    assert notes_part.title == "Latest notes" and len(notes_part.items) == MAX_ITEMS
    newest = max(
        (n for n in sandbox.records("TicketNotes") if n["ticketID"] == ticket["id"]),
        key=lambda n: (n["createDateTime"], n["id"]),
    )
    assert newest["title"][:40] in (notes_part.items[0].text or "")
    assert all("Older than the rest" not in (item.text or "") for item in notes_part.items)
    assert (
        " · internal" in notes_part.items[0].heading or " · public" in notes_part.items[0].heading
    )
    assert notes_part.footer == (
        f"{MAX_ITEMS} of {MAX_ITEMS + 1} notes, newest first — open it in Autotask for the rest"
    )
    assert time_part.title == "Time entries" and " h · " in time_part.items[0].heading
    text = reply_as_text(Reply(cards=(card,)))
    assert "Latest notes:" in text and "time_entries" not in text


async def test_details_show_every_field(ctx: ToolContext, sandbox: Sandbox) -> None:
    ticket = _busy_ticket(sandbox)
    short = record_card(await get(ctx, GetArgs(id=ticket["id"])))
    full = record_card(await get(ctx, GetArgs(id=ticket["id"], full=True)))
    assert len(full.facts) > len(short.facts) and not full.notes
    assert [f.label for f in full.facts][:4] == ["Company", "Contact", "Phone", "E-mail"]
