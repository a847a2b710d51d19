"""get, describe, list_entities and who_am_i against the sandbox."""

from __future__ import annotations

import pytest

from autotask.sandbox import Sandbox
from autotask.tools import (
    DescribeArgs,
    GetArgs,
    ListEntitiesArgs,
    ToolContext,
    ToolError,
    WhoAmIArgs,
    describe,
    get,
    list_entities,
    who_am_i,
)


async def test_get_by_ticket_number_with_notes_and_time(ctx: ToolContext, sandbox: Sandbox) -> None:
    with_time = {e["ticketID"] for e in sandbox.records("TimeEntries") if e["ticketID"]}
    with_notes = {n["ticketID"] for n in sandbox.records("TicketNotes")}
    ticket = next(t for t in sandbox.records("Tickets") if t["id"] in with_time & with_notes)
    result = await get(
        ctx,
        GetArgs(ticket_number=ticket["ticketNumber"].lower(), include=["notes", "time_entries"]),
    )
    assert result.id == ticket["id"] and result.record["ticketNumber"] == ticket["ticketNumber"]
    assert result.record["companyID"] and not str(result.record["companyID"]).startswith("#")
    notes = [n for n in sandbox.records("TicketNotes") if n["ticketID"] == ticket["id"]]
    newest = sorted(notes, key=lambda n: (n["createDateTime"], n["id"]), reverse=True)
    assert [r["id"] for r in result.related["notes"].rows] == [n["id"] for n in newest]
    assert result.related["notes"].total == len(notes)
    entries = [e for e in sandbox.records("TimeEntries") if e["ticketID"] == ticket["id"]]
    latest = max(entries, key=lambda e: (e["dateWorked"], e["id"]))
    assert result.related["time_entries"].rows[0]["id"] == latest["id"]
    person = sandbox.get_record("Contacts", ticket["contactID"]) if ticket["contactID"] else None
    if person is not None:
        assert result.contact is not None
        assert result.contact.name == f"{person['firstName']} {person['lastName']}"
        assert result.contact.email == person["emailAddress"]
        assert "contact" in result.untrusted_fields
    assert (
        result.link
        == f"{sandbox.web_url}Autotask/AutotaskExtend/ExecuteCommand.aspx?Code=OpenTicketDetail&TicketID={ticket['id']}"
    )
    assert "description" in result.untrusted_fields or "title" in result.untrusted_fields


async def test_company_with_open_tickets_and_contacts(ctx: ToolContext, sandbox: Sandbox) -> None:
    company = next(c for c in sandbox.records("Companies") if c["companyName"] == "Contoso")
    result = await get(
        ctx, GetArgs(entity="Companies", id=company["id"], include=["contacts", "open_tickets"])
    )
    open_tickets = sorted(
        (t for t in sandbox.records("Tickets")
         if t["companyID"] == company["id"] and t["status"] != 5),
        key=lambda t: (t["createDate"], t["id"]), reverse=True,
    )  # fmt: skip
    shown = [r["id"] for r in result.related["open_tickets"].rows]
    assert shown == [t["id"] for t in open_tickets][: len(shown)] and shown, "newest first"
    assert result.related["contacts"].rows


async def test_get_unknown_record_and_unknown_include(ctx: ToolContext) -> None:
    with pytest.raises(ToolError, match="No ticket 999999999 was found"):
        await get(ctx, GetArgs(id=999_999_999))
    with pytest.raises(ToolError, match=r"No ticket has the number T20990101\.0001"):
        await get(ctx, GetArgs(ticket_number="T20990101.0001"))
    with pytest.raises(ToolError, match="has no related 'tasks'"):
        await get(ctx, GetArgs(entity="Tickets", id=1, include=["tasks"]))


async def test_describe_tickets(ctx: ToolContext, sandbox: Sandbox) -> None:
    sandbox.clear_requests()
    result = await describe(ctx, DescribeArgs(entity="ticket"))
    cold = len(sandbox.requests)
    sandbox.clear_requests()
    await describe(ctx, DescribeArgs(entity="Tickets"))
    assert cold >= 2 and len(sandbox.requests) == 0, "warm describe makes no call"
    fields = {f.name: f for f in result.fields}
    assert fields["title"].required and fields["createDate"].read_only
    assert fields["companyID"].reference == "Company"
    assert fields["priority"].values and "High" in fields["priority"].values
    assert fields["subIssueType"].depends_on == "issueType"
    assert result.user_defined_fields
    assert "search" in result.can and "create" in result.can and "delete" not in result.can


async def test_describe_one_field_lists_every_value_with_its_parent(ctx: ToolContext) -> None:
    result = await describe(ctx, DescribeArgs(entity="Tickets", field="subIssueType"))
    (field,) = result.fields
    assert field.values and all("[under " in v for v in field.values)


async def test_list_entities_by_area(ctx: ToolContext) -> None:
    everything = await list_entities(ctx, ListEntitiesArgs())
    assert {"CRM", "Service Desk", "Contracts & Billing", "Projects"} <= set(everything.areas)
    desk = {e.name: e.can for e in everything.areas["Service Desk"]}
    assert "delete" not in desk["Tickets"] and "create" in desk["Tickets"]
    assert any("via Tickets/{id}/Notes" in c for c in desk["TicketNotes"])
    assert "Resources" not in {e.name for area in everything.areas.values() for e in area}
    admin = await list_entities(ctx, ListEntitiesArgs(area="people", include_admin=True))
    assert list(admin.areas) == ["People & Organisation"]


async def test_who_am_i(ctx: ToolContext, sandbox: Sandbox) -> None:
    result = await who_am_i(ctx, WhoAmIArgs())
    assert ctx.actor is not None and result.resource is not None
    assert result.resource.id == ctx.actor.resource_id and result.resource.active
    assert result.resource.default_role and result.resource.queues
    assert result.api_user.username == sandbox.config.username
    assert result.api_user.resource_id is not None
    nobody = await who_am_i(ctx, WhoAmIArgs(email="guest@elsewhere.example"))
    assert nobody.resource is None and nobody.note and "No Autotask resource" in nobody.note
