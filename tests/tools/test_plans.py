"""plan_change and apply_change against the sandbox: validation, defaults, stale check, apply."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from autotask.sandbox import Sandbox
from autotask.tools import (
    ChangePlan,
    PlanArgs,
    ToolContext,
    ToolError,
    apply_change,
    plan_change,
)

Record = dict[str, Any]


def _open_ticket(box: Sandbox, ctx: ToolContext) -> Record:
    assert ctx.actor is not None
    return next(
        t
        for t in box.records("Tickets")
        if t["status"] != 5 and t["assignedResourceID"] == ctx.actor.resource_id
    )


def _plan(**values: Any) -> PlanArgs:
    return PlanArgs.model_validate(values)


async def test_time_entry_gets_the_technician_role_and_hours(
    ctx: ToolContext, sandbox: Sandbox
) -> None:
    ticket = _open_ticket(sandbox, ctx)
    plan = await plan_change(
        ctx,
        _plan(
            action="create",
            entity="TimeEntries",
            fields={"ticket": ticket["ticketNumber"], "duration": "45m", "summaryNotes": "VPN fix"},
        ),
    )
    assert ctx.actor is not None
    assert plan.payload["resourceID"] == ctx.actor.resource_id
    assert plan.payload["roleID"] == ticket["assignedResourceRoleID"]
    assert plan.payload["hoursWorked"] == 0.75
    assert plan.payload["ticketID"] == ticket["id"]
    assert plan.payload["dateWorked"].startswith("2026-11-25")
    assert plan.summary == f"Log 45m on {ticket['ticketNumber']} for {ctx.actor.name}"
    labels = {c.label: c.after for c in plan.changes}
    assert labels["Resource"] == ctx.actor.name and labels["Ticket"] == ticket["ticketNumber"]
    assert (
        plan.attributed_to is not None and plan.attributed_to.resource_id == ctx.actor.resource_id
    )


async def test_plan_and_apply_a_time_entry(ctx: ToolContext, sandbox: Sandbox) -> None:
    ticket = _open_ticket(sandbox, ctx)
    plan = await plan_change(
        ctx,
        _plan(action="create", entity="TimeEntries",
              fields={"ticket": ticket["id"], "duration": "1.5h", "summaryNotes": "Rebuilt profile"}),
    )  # fmt: skip
    before = len(sandbox.records("TimeEntries"))
    assert len(sandbox.records("TimeEntries")) == before, "planning never writes"
    assert ctx.actor is not None
    result = await apply_change(
        ctx, ChangePlan.model_validate_json(plan.model_dump_json()), ctx.actor
    )
    assert result.status == "applied", result.message
    entry = sandbox.get_record("TimeEntries", result.record_id or 0)
    assert entry is not None and entry["hoursWorked"] == 1.5
    assert entry["impersonatorCreatorResourceID"] == ctx.actor.resource_id


async def test_new_ticket_gets_defaults_and_a_ticket_number(
    ctx: ToolContext, sandbox: Sandbox
) -> None:
    plan = await plan_change(
        ctx,
        _plan(action="create", entity="Tickets",
              fields={"company": "Northwind", "title": "Printer outage", "priority": "High"}),
    )  # fmt: skip
    schema = await ctx.schemas.get("Tickets")
    assert plan.payload["priority"] == int(schema.picklist_value("priority", "High").value)
    assert plan.payload["status"] == 1  # the picklist default, New
    assert "queueID" in plan.payload
    assert plan.summary.startswith("Open a ticket for Northwind")
    assert ctx.actor is not None
    result = await apply_change(ctx, plan, ctx.actor)
    assert result.status == "applied"
    assert str(result.read_back["ticketNumber"]).startswith("T20261125.")
    assert result.link and "OpenTicketDetail" in result.link


async def test_note_is_internal_unless_asked(ctx: ToolContext, sandbox: Sandbox) -> None:
    ticket = _open_ticket(sandbox, ctx)
    internal = await plan_change(
        ctx, _plan(action="create", entity="TicketNotes",
                   fields={"ticket": ticket["id"], "description": "Called, left voicemail"}),
    )  # fmt: skip
    assert any("not visible to the customer" in n for n in internal.notes)
    assert internal.parent is not None and internal.parent.child_path == "Notes"
    visible = await plan_change(
        ctx, _plan(action="create", entity="TicketNotes",
                   fields={"ticket": ticket["id"], "description": "Fixed", "customer_visible": True}),
    )  # fmt: skip
    assert visible.payload["publish"] != internal.payload["publish"]
    assert any(n.startswith("Customer-visible") for n in visible.notes)
    assert ctx.actor is not None
    result = await apply_change(ctx, internal, ctx.actor)
    assert result.status == "applied"
    sent = [r for r in sandbox.requests if r.method == "POST" and r.path.endswith("/Notes")]
    assert sent and sent[-1].path.lower().endswith(f"/tickets/{ticket['id']}/notes")


async def test_update_sends_only_the_planned_fields(ctx: ToolContext, sandbox: Sandbox) -> None:
    ticket = _open_ticket(sandbox, ctx)
    plan = await plan_change(
        ctx,
        _plan(action="update", entity="Tickets", id=ticket["id"], fields={"status": "Complete"}),
    )
    assert [c.label for c in plan.changes] == ["Status"]
    assert plan.changes[0].after == "Complete" and plan.changes[0].before != "Complete"
    assert ctx.actor is not None
    sandbox.clear_requests()
    result = await apply_change(ctx, plan, ctx.actor)
    assert result.status == "applied"
    (patch,) = [r for r in sandbox.requests if r.method == "PATCH"]
    assert patch.body == {"id": ticket["id"], "status": 5}
    assert sandbox.get_record("Tickets", ticket["id"])["completedDate"]  # type: ignore[index]


async def test_a_record_changed_after_the_preview_is_not_written(
    ctx: ToolContext, sandbox: Sandbox
) -> None:
    ticket = _open_ticket(sandbox, ctx)
    plan = await plan_change(
        ctx, _plan(action="update", entity="Tickets", id=ticket["id"], fields={"priority": "Low"})
    )
    changed = dict(sandbox.get_record("Tickets", ticket["id"]) or {})
    changed["title"] = "Changed by someone else"
    sandbox.put_record("Tickets", changed)
    sandbox.clear_requests()
    assert ctx.actor is not None
    result = await apply_change(ctx, plan, ctx.actor)
    assert result.status == "stale"
    assert [m.field for m in result.moved] == ["title"]
    assert not [r for r in sandbox.requests if r.method in {"PATCH", "POST", "PUT", "DELETE"}
                and "/query" not in r.path]  # fmt: skip
    assert sandbox.get_record("Tickets", ticket["id"])["priority"] == ticket["priority"]  # type: ignore[index]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"action": "update", "entity": "Resources", "id": 1, "fields": {"title": "x"}},
         "administrative"),
        ({"action": "create", "entity": "Roles", "fields": {"name": "x"}}, "administrative"),
        ({"action": "delete", "entity": "Tickets", "id": 1}, "does not allow delete"),
        ({"action": "create", "entity": "Tickets", "fields": {"company": "Contoso",
          "title": "x", "createDate": "2026-01-01"}}, "read-only"),
        ({"action": "create", "entity": "Tickets", "fields": {"company": "Contoso",
          "title": "x", "priority": "Whenever"}}, "Valid values"),
        ({"action": "create", "entity": "Tickets", "fields": {"title": "no company"}},
         "also needs: companyID"),
        ({"action": "create", "entity": "TimeEntries", "fields": {"duration": "45m",
          "summaryNotes": "x"}}, "which ticket"),
        ({"action": "create", "entity": "TimeEntries", "fields": {"ticket": 1,
          "duration": "30h", "summaryNotes": "x"}}, "at most 24 hours"),
    ],
)  # fmt: skip
async def test_plans_are_validated_before_anyone_sees_a_card(
    ctx: ToolContext, sandbox: Sandbox, args: dict[str, Any], message: str
) -> None:
    sandbox.clear_requests()
    with pytest.raises(ToolError, match=message):
        await plan_change(ctx, PlanArgs.model_validate(args))
    assert all(r.method in {"GET", "POST"} for r in sandbox.requests)
    assert not [r for r in sandbox.requests if r.method == "POST" and "/query" not in r.path]


async def test_delete_where_allowed_is_marked_dangerous(ctx: ToolContext, sandbox: Sandbox) -> None:
    entry = sandbox.records("TimeEntries")[0]
    plan = await plan_change(ctx, _plan(action="delete", entity="TimeEntries", id=entry["id"]))
    assert plan.danger and plan.action == "delete"
    assert ctx.actor is not None
    result = await apply_change(ctx, plan, ctx.actor)
    assert result.status == "applied"
    assert sandbox.get_record("TimeEntries", entry["id"]) is None


async def test_autotask_validation_text_comes_through(ctx: ToolContext, sandbox: Sandbox) -> None:
    ticket = _open_ticket(sandbox, ctx)
    plan = await plan_change(
        ctx,
        _plan(action="update", entity="Tickets", id=ticket["id"], fields={"title": "New title"}),
    )
    sandbox.inject_error(
        "PATCH", r"^Tickets$", 500, {"errors": ["Ticket: Queue ID is required."]}, times=1
    )
    assert ctx.actor is not None
    result = await apply_change(ctx, plan, ctx.actor)
    assert result.status == "failed"
    assert result.message == "Autotask refused the change: Ticket: Queue ID is required."


async def test_a_create_links_to_what_a_technician_would_open(
    ctx: ToolContext, sandbox: Sandbox
) -> None:
    ticket = _open_ticket(sandbox, ctx)
    entry = await plan_change(
        ctx,
        _plan(
            action="create",
            entity="TimeEntries",
            fields={"ticket": ticket["id"], "duration": "15m", "summaryNotes": "x"},
        ),
    )
    assert entry.link and entry.link.endswith(f"OpenTicketDetail&TicketID={ticket['id']}")
    new = await plan_change(
        ctx,
        _plan(
            action="create",
            entity="Tickets",
            fields={"company": "Fabrikam", "title": "Scanner offline"},
        ),
    )
    fabrikam = next(c["id"] for c in sandbox.records("Companies") if c["companyName"] == "Fabrikam")
    assert new.link and new.link.endswith(f"OpenAccount&AccountID={fabrikam}")


async def test_a_stored_plan_names_only_the_fields_that_moved(
    ctx: ToolContext, sandbox: Sandbox
) -> None:
    ticket = _open_ticket(sandbox, ctx)
    plan = await plan_change(
        ctx, _plan(action="update", entity="Tickets", id=ticket["id"], fields={"priority": "Low"})
    )
    stored = ChangePlan.model_validate_json(plan.model_dump_json())  # as the plans table holds it
    changed = dict(sandbox.get_record("Tickets", ticket["id"]) or {})
    changed["title"] = "Changed by someone else"
    sandbox.put_record("Tickets", changed)
    assert ctx.actor is not None
    result = await apply_change(ctx, stored, ctx.actor)
    assert result.status == "stale"
    assert [m.field for m in result.moved] == ["title"]
    assert "user defined" not in result.message.lower()


async def test_the_technicians_own_words_are_not_flagged_as_customer_text(
    ctx: ToolContext, sandbox: Sandbox
) -> None:
    ticket = _open_ticket(sandbox, ctx)
    entry = await plan_change(
        ctx,
        _plan(action="create", entity="TimeEntries",
              fields={"ticket": ticket["id"], "duration": "1h", "summaryNotes": "Rebuilt profile"}),
    )  # fmt: skip
    note = await plan_change(
        ctx,
        _plan(action="create", entity="TicketNotes",
              fields={"ticket": ticket["id"], "title": "Call", "description": "Rang the user"}),
    )  # fmt: skip
    retitle = await plan_change(
        ctx, _plan(action="update", entity="Tickets", id=ticket["id"], fields={"title": "VPN"})
    )
    assert entry.untrusted_fields == [] and note.untrusted_fields == []
    assert retitle.untrusted_fields == ["title"], "the old title was written by someone else"


def _someone_elses_complete_ticket(box: Sandbox, ctx: ToolContext) -> Record:
    assert ctx.actor is not None
    return next(
        t for t in box.records("Tickets")
        if t["status"] == 5 and t["assignedResourceID"] not in (None, ctx.actor.resource_id)
    )  # fmt: skip


def _company_name(box: Sandbox, company_id: int) -> str:
    return str((box.get_record("Companies", company_id) or {})["companyName"])


async def test_a_preview_shows_the_ticket_it_is_on_and_warns(
    ctx: ToolContext, sandbox: Sandbox
) -> None:
    ticket = _someone_elses_complete_ticket(sandbox, ctx)
    owner = sandbox.get_record("Resources", ticket["assignedResourceID"]) or {}
    company = _company_name(sandbox, ticket["companyID"])
    other = next(c["companyName"] for c in sandbox.records("Companies") if c["id"] != ticket["companyID"])  # fmt: skip
    ctx.focus_company = other
    plan = await plan_change(
        ctx,
        _plan(action="create", entity="TimeEntries",
              fields={"ticket": ticket["ticketNumber"], "duration": "45m", "summaryNotes": "x"}),
    )  # fmt: skip
    facts = {f.label: f.value for f in plan.target}
    number = ticket["ticketNumber"]
    assert facts["Ticket"] == number and facts["Title"] == ticket["title"]
    assert facts["Company"] == company and facts["Status"] == "Complete"
    assert facts["Assigned to"] == f"{owner['firstName']} {owner['lastName']}"
    assert plan.warnings == [
        f"{number} is Complete.",
        f"{number} is assigned to {owner['firstName']} {owner['lastName']}, not to you.",
        f"{number} belongs to {company}, not {other} (the customer this conversation was about).",
    ]


async def test_no_warning_on_my_own_open_ticket_of_the_customer_at_hand(
    ctx: ToolContext, sandbox: Sandbox
) -> None:
    ticket = _open_ticket(sandbox, ctx)
    ctx.focus_company = _company_name(sandbox, ticket["companyID"]).upper()
    plan = await plan_change(
        ctx, _plan(action="update", entity="Tickets", id=ticket["id"], fields={"priority": "Low"})
    )
    assert plan.warnings == [] and {f.label for f in plan.target} >= {"Title", "Company", "Status"}


async def test_a_delete_preview_lists_what_would_be_deleted(
    ctx: ToolContext, sandbox: Sandbox
) -> None:
    entry = next(e for e in sandbox.records("TimeEntries") if e["ticketID"])
    ticket = sandbox.get_record("Tickets", entry["ticketID"]) or {}
    plan = await plan_change(ctx, _plan(action="delete", entity="TimeEntries", id=entry["id"]))
    facts = {f.label: f.value for f in plan.target}
    assert facts["Ticket"] == ticket["ticketNumber"] and facts["Hours worked"] == str(
        entry["hoursWorked"]
    )
    assert facts["Date worked"] == entry["dateWorked"][:10]
    assert plan.link and plan.link.endswith(f"TicketID={ticket['id']}"), "the ticket it is on"


async def test_time_logged_late_in_the_evening_stays_on_the_local_day(
    ctx: ToolContext, sandbox: Sandbox
) -> None:
    # 22:40 in New York is 03:40 UTC the next day: the day worked is the technician's day,
    # so no UTC start/end that would fall on another day is sent.
    late = ToolContext(
        tenant=ctx.tenant,
        actor=ctx.actor,
        timezone=ctx.timezone,
        clock=lambda: datetime(2026, 11, 25, 3, 40, tzinfo=UTC),
    )
    ticket = _open_ticket(sandbox, ctx)
    fields = {"ticket": ticket["id"], "duration": "1h", "summaryNotes": "Patching"}
    plan = await plan_change(late, _plan(action="create", entity="TimeEntries", fields=fields))
    assert plan.payload["dateWorked"] == "2026-11-24T00:00:00.000Z"
    assert "startDateTime" not in plan.payload and "endDateTime" not in plan.payload
    daytime = ToolContext(
        tenant=ctx.tenant,
        actor=ctx.actor,
        timezone=ctx.timezone,
        clock=lambda: datetime(2026, 11, 25, 15, 0, tzinfo=UTC),
    )
    plan = await plan_change(daytime, _plan(action="create", entity="TimeEntries", fields=fields))
    assert plan.payload["startDateTime"] == "2026-11-25T14:00:00.000Z"
    assert plan.payload["dateWorked"] == "2026-11-25T00:00:00.000Z"


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "says"),
    [
        ("PATCH", r"^Tickets$", {"errors": ["Ticket: Queue ID is required."]}, "failed",
         "Queue ID is required"),
        ("PATCH", r"^Tickets$", {}, "applied", "Updated"),
        ("POST", r"^Tickets$", {"id": 1}, "unknown", "did not say which record"),
    ],
)  # fmt: skip
async def test_a_write_answered_without_an_item_id(
    ctx: ToolContext, sandbox: Sandbox, method: str, path: str, body: Record, status: str, says: str
) -> None:
    """A 2xx without ``itemId`` keeps Autotask's words and never crashes the apply."""
    ticket = _open_ticket(sandbox, ctx)
    if method == "PATCH":
        args = _plan(action="update", entity="Tickets", id=ticket["id"], fields={"title": "New"})
    else:
        args = _plan(
            action="create", entity="Tickets", fields={"company": "Fabrikam", "title": "Fax"}
        )
    plan = await plan_change(ctx, args)
    sandbox.inject_error(method, path, 200, body, times=1)
    assert ctx.actor is not None
    result = await apply_change(ctx, plan, ctx.actor)
    assert result.status == status
    assert says in result.message
