"""The evaluation questions. Expected answers are computed from the sandbox's data at run time."""

from __future__ import annotations

from typing import Any

from autotask.sandbox import Sandbox
from autotask.tools import ToolContext

from .evaluation_checks import (
    EvalCase,
    company,
    count_is,
    count_tickets,
    got,
    in_range,
    is_open,
    my_open_ticket,
    plan_is,
    rows_are,
)

__all__ = ["CASES"]


def _count(entity: str, *filters: dict[str, Any]) -> Any:
    return lambda box, ctx: [
        ("search", {"entity": entity, "mode": "count", "filters": list(filters)})
    ]


def _list(entity: str, *filters: dict[str, Any], limit: int = 100) -> Any:
    return lambda box, ctx: [
        ("search", {"entity": entity, "filters": list(filters), "limit": limit})
    ]


def _f(field: str, value: Any, op: str = "=") -> dict[str, Any]:
    return {"field": field, "op": op, "value": value}


def _dated(entity: str, field: str, name: str, keep: Any = None, *, date_only: bool = False) -> Any:
    def expected(box: Sandbox, ctx: ToolContext) -> int:
        inside = in_range(name, field, date_only=date_only)
        return sum(1 for r in box.records(entity) if inside(r, ctx) and (keep is None or keep(r)))

    return count_is(expected)


def _mine(box: Sandbox, ctx: ToolContext) -> set[int]:
    assert ctx.actor is not None
    return {
        t["id"]
        for t in box.records("Tickets")
        if is_open(t) and t["assignedResourceID"] == ctx.actor.resource_id
    }


def _ticket_q(template: str) -> Any:
    return lambda box, ctx: template.format(number=my_open_ticket(box, ctx)["ticketNumber"])


def _plan(entity: str, action: str, fields: Any, **extra: Any) -> Any:
    def calls(box: Sandbox, ctx: ToolContext) -> list[tuple[str, dict[str, Any]]]:
        ticket = my_open_ticket(box, ctx)
        args = {"action": action, "entity": entity, "fields": fields(ticket), **extra}
        if action == "update":
            args["ticket"] = ticket["ticketNumber"]
        return [("plan_change", args)]

    return calls


def _is_my_ticket(value: Any, box: Sandbox) -> bool:
    return value is not None and any(
        t["id"] == value and is_open(t) for t in box.records("Tickets")
    )


def _company_count(entity: str, name: str, keep: Any = None) -> Any:
    return count_is(
        lambda box, ctx: sum(
            1
            for r in box.records(entity)
            if r.get("companyID") == company(box, name) and (keep is None or keep(r))
        )
    )


def _open_for(name: str) -> Any:
    return lambda box, ctx: len(
        [t for t in box.records("Tickets") if is_open(t) and t["companyID"] == company(box, name)]
    )


def _contracts_60(box: Sandbox, ctx: ToolContext) -> set[int]:
    inside = in_range("next 60 days", "endDate", date_only=True)
    return {c["id"] for c in box.records("Contracts") if inside(c, ctx)}


def _acme_tasks(box: Sandbox, ctx: ToolContext) -> set[int]:
    project = next(p for p in box.records("Projects") if p["projectName"] == "Acme migration")
    return {t["id"] for t in box.records("Tasks") if t["projectID"] == project["id"]}


def _open_high(name: str) -> Any:
    return lambda box, ctx: {
        t["id"]
        for t in box.records("Tickets")
        if is_open(t) and t["priority"] == 1 and t["companyID"] == company(box, name)
    }


def _invoices_this_year(name: str) -> Any:
    def expected(box: Sandbox, ctx: ToolContext) -> int:
        inside = in_range("this year", "invoiceDateTime")
        return sum(
            1
            for r in box.records("Invoices")
            if r["companyID"] == company(box, name) and inside(r, ctx)
        )

    return count_is(expected)


_FIRST: tuple[EvalCase, ...] = (
    EvalCase("How many open tickets do we have?", _count("Tickets", _f("open", True)),
             count_is(count_tickets(is_open))),
    EvalCase("How many critical tickets are still open?",
             _count("Tickets", _f("open", True), _f("priority", "Critical")),
             count_is(count_tickets(lambda t: is_open(t) and t["priority"] == 4))),
    EvalCase("Show me open high-priority tickets for Contoso",
             _list("Tickets", _f("open", True), _f("priority", "High"), _f("company", "Contoso")),
             rows_are("Tickets", _open_high("Contoso"))),
    EvalCase("How many tickets did we close last week?",
             _count("Tickets", _f("status", "Complete"), _f("completed", "last week", "within")),
             _dated("Tickets", "completedDate", "last week", lambda t: t["status"] == 5)),
    EvalCase("How many tickets were created yesterday?",
             _count("Tickets", _f("created", "yesterday", "within")), _dated("Tickets", "createDate", "yesterday")),
    EvalCase("How many tickets have been opened this month?",
             _count("Tickets", _f("created", "this month", "within")), _dated("Tickets", "createDate", "this month")),
    EvalCase("Which contracts expire in the next 60 days?",
             _list("Contracts", _f("endDate", "next 60 days", "within")), rows_are("Contracts", _contracts_60)),
    EvalCase("How many tickets are waiting on the customer?",
             _count("Tickets", _f("status", "Waiting Customer")),
             count_is(count_tickets(lambda t: t["status"] == 7))),
    EvalCase("How many open tickets are unassigned?",
             _count("Tickets", _f("open", True), _f("assigned", None, "is not set")),
             count_is(count_tickets(lambda t: is_open(t) and t["assignedResourceID"] is None))),
    EvalCase("How many open tickets does Northwind Traders have?",
             _count("Tickets", _f("open", True), _f("company", "Northwind Traders")),
             count_is(_open_for("Northwind Traders"))),
    EvalCase("Show my open tickets", _list("Tickets", _f("assigned", "me"), _f("open", True)),
             rows_are("Tickets", _mine)),
    EvalCase("How many tickets are in progress right now?", _count("Tickets", _f("status", "In Progress")),
             count_is(count_tickets(lambda t: t["status"] == 8))),
    EvalCase("How many critical tickets were created this quarter?",
             _count("Tickets", _f("priority", "Critical"), _f("created", "this quarter", "within")),
             _dated("Tickets", "createDate", "this quarter", lambda t: t["priority"] == 4)),
    EvalCase(_ticket_q("Show me ticket {number}"),
             lambda box, ctx: [("get", {"ticket": my_open_ticket(box, ctx)["ticketNumber"]})],
             got("Tickets", lambda r, box: r.record.get("ticketNumber") in {t["ticketNumber"] for t in box.records("Tickets")})),
    EvalCase("How many contacts does Fabrikam have?", _count("Contacts", _f("company", "Fabrikam")),
             _company_count("Contacts", "Fabrikam")),
    EvalCase("How many configuration items does Contoso have?",
             _count("ConfigurationItems", _f("company", "Contoso")), _company_count("ConfigurationItems", "Contoso")),
    EvalCase("How many time entries were logged this week?",
             _count("TimeEntries", _f("dateWorked", "this week", "within")),
             _dated("TimeEntries", "dateWorked", "this week", date_only=True)),
    EvalCase("List the tasks of the Acme migration project",
             _list("Tasks", _f("project", "Acme migration")), rows_are("Tasks", _acme_tasks)),
    EvalCase("How many invoices did Contoso receive this year?",
             _count("Invoices", _f("company", "Contoso"), _f("invoiceDateTime", "this year", "within")),
             _invoices_this_year("Contoso")),
    EvalCase("How many open tickets does Acme Corporation have?",
             _count("Tickets", _f("open", True), _f("company", "Acme Corporation")),
             count_is(_open_for("Acme Corporation"))),
    EvalCase(_ticket_q("Log 45 minutes on {number} for VPN troubleshooting"),
             _plan("TimeEntries", "create", lambda t: {"ticket": t["ticketNumber"], "duration": "45m",
                                                       "summaryNotes": "VPN troubleshooting"}),
             plan_is("TimeEntries", "create", ticketID=_is_my_ticket, hoursWorked=lambda v, box: v == 0.75)),
    EvalCase("Open a new high priority ticket for Northwind Traders: printer outage",
             lambda box, ctx: [("plan_change", {"action": "create", "entity": "Tickets", "fields": {
                 "company": "Northwind Traders", "title": "Printer outage", "priority": "High"}})],
             plan_is("Tickets", "create", companyID=lambda v, box: v == company(box, "Northwind Traders"),
                     priority=lambda v, box: v == 1, title=lambda v, box: "printer" in str(v).lower())),
    EvalCase(_ticket_q("Add an internal note to {number}: called the customer, no answer"),
             _plan("TicketNotes", "create", lambda t: {"ticket": t["ticketNumber"], "description": "Called the customer, no answer"}),
             plan_is("TicketNotes", "create", ticketID=_is_my_ticket)),
    EvalCase(_ticket_q("Set {number} to Complete"), _plan("Tickets", "update", lambda t: {"status": "Complete"}),
             plan_is("Tickets", "update", status=lambda v, box: v == 5)),
    EvalCase(_ticket_q("Change the priority of {number} to Critical"),
             _plan("Tickets", "update", lambda t: {"priority": "Critical"}),
             plan_is("Tickets", "update", priority=lambda v, box: v == 4)),
    EvalCase("How many tickets were completed this month?",
             _count("Tickets", _f("status", "Complete"), _f("completed", "this month", "within")),
             _dated("Tickets", "completedDate", "this month", lambda t: t["status"] == 5)),
)  # fmt: skip


def _q(template: str, index: int = 0) -> Any:
    return lambda box, ctx: template.format(number=my_open_ticket(box, ctx, index)["ticketNumber"])


def _update(index: int, **fields: Any) -> Any:
    return lambda box, ctx: [("plan_change", {"action": "update", "entity": "Tickets",
        "ticket": my_open_ticket(box, ctx, index)["ticketNumber"], "fields": fields})]  # fmt: skip


def _child(entity: str, index: int, **fields: Any) -> Any:
    return lambda box, ctx: [("plan_change", {"action": "create", "entity": entity,
        "ticket": my_open_ticket(box, ctx, index)["ticketNumber"], "fields": fields})]  # fmt: skip


def _id_of(index: int) -> Any:
    return lambda box, ctx: int(my_open_ticket(box, ctx, index)["id"])


def _rows(entity: str, keep: Any) -> Any:
    return rows_are(
        entity, lambda box, ctx: {r["id"] for r in box.records(entity) if keep(r, box, ctx)}
    )


def _of(name: str) -> Any:
    return lambda r, box, ctx: r.get("companyID") == company(box, name)


def _mine_and(keep: Any) -> Any:
    def check(t: Any, box: Sandbox, ctx: ToolContext) -> bool:
        assert ctx.actor is not None
        return bool(is_open(t) and t["assignedResourceID"] == ctx.actor.resource_id and keep(t))

    return check


def _got_ticket(index: int) -> Any:
    def check(results: Any, box: Sandbox, ctx: ToolContext) -> bool:
        wanted = my_open_ticket(box, ctx, index)["id"]
        return any(getattr(r, "id", None) == wanted and getattr(r, "entity", "") == "Tickets"
                   for _, r in results)  # fmt: skip

    return check


def _colleagues_ticket(box: Sandbox, ctx: ToolContext) -> Any:
    """An open ticket assigned to someone else than the asking technician."""
    me = ctx.actor.resource_id if ctx.actor else None
    return next(
        t
        for t in box.records("Tickets")
        if is_open(t) and t["assignedResourceID"] not in {None, me}
    )


def _assigned_to_me(results: Any, box: Sandbox, ctx: ToolContext) -> bool:
    me = ctx.actor.resource_id if ctx.actor else None
    check = plan_is(
        "Tickets",
        "update",
        target=lambda box, ctx: int(_colleagues_ticket(box, ctx)["id"]),
        assignedResourceID=lambda v, b: v == me,
    )
    return check(results, box, ctx)


def _contracts_60_count(box: Sandbox, ctx: ToolContext) -> int:
    return len(_contracts_60(box, ctx))


def _mine_count(box: Sandbox, ctx: ToolContext) -> int:
    return len(_mine(box, ctx))


_MORE: tuple[EvalCase, ...] = (
    # counting
    EvalCase("How many new tickets are there?", _count("Tickets", _f("status", "New")),
             count_is(count_tickets(lambda t: t["status"] == 1))),
    EvalCase("How many high priority tickets are open?",
             _count("Tickets", _f("open", True), _f("priority", "High")),
             count_is(count_tickets(lambda t: is_open(t) and t["priority"] == 1))),
    EvalCase("How many tickets does Contoso have in total?", _count("Tickets", _f("company", "Contoso")),
             _company_count("Tickets", "Contoso")),
    EvalCase("How many medium priority tickets were created last week?",
             _count("Tickets", _f("priority", "Medium"), _f("created", "last week", "within")),
             _dated("Tickets", "createDate", "last week", lambda t: t["priority"] == 2)),
    EvalCase("How many tickets were closed yesterday?",
             _count("Tickets", _f("status", "Complete"), _f("completed", "yesterday", "within")),
             _dated("Tickets", "completedDate", "yesterday", lambda t: t["status"] == 5)),
    EvalCase("How many tickets were created in the last 7 days?",
             _count("Tickets", _f("created", "last 7 days", "within")), _dated("Tickets", "createDate", "last 7 days")),
    EvalCase("How many contracts does Contoso have?", _count("Contracts", _f("company", "Contoso")),
             _company_count("Contracts", "Contoso")),
    EvalCase("How many time entries were logged last week?",
             _count("TimeEntries", _f("dateWorked", "last week", "within")),
             _dated("TimeEntries", "dateWorked", "last week", date_only=True)),
    EvalCase("How many projects do we have?", _count("Projects"),
             count_is(lambda box, ctx: len(box.records("Projects")))),
    EvalCase("How many tasks does the Acme migration project have?",
             _count("Tasks", _f("project", "Acme migration")), count_is(lambda box, ctx: len(_acme_tasks(box, ctx)))),
    EvalCase("How many low priority tickets are still open?",
             _count("Tickets", _f("open", True), _f("priority", "Low")),
             count_is(count_tickets(lambda t: is_open(t) and t["priority"] == 3))),
    EvalCase("How many open tickets are assigned to me?",
             _count("Tickets", _f("open", True), _f("assigned", "me")), count_is(_mine_count)),
    EvalCase("How many critical tickets does Fabrikam have open?",
             _count("Tickets", _f("open", True), _f("priority", "Critical"), _f("company", "Fabrikam")),
             count_is(lambda box, ctx: sum(1 for t in box.records("Tickets") if is_open(t)
                      and t["priority"] == 4 and t["companyID"] == company(box, "Fabrikam")))),
    EvalCase("How many configuration items does Fabrikam have?",
             _count("ConfigurationItems", _f("company", "Fabrikam")), _company_count("ConfigurationItems", "Fabrikam")),
    EvalCase("How many invoices did we send last month?",
             _count("Invoices", _f("invoiceDateTime", "last month", "within")),
             _dated("Invoices", "invoiceDateTime", "last month")),
    EvalCase("How many contacts does Northwind Traders have?", _count("Contacts", _f("company", "Northwind Traders")),
             _company_count("Contacts", "Northwind Traders")),
    # reading
    EvalCase("List Fabrikam's contacts", _list("Contacts", _f("company", "Fabrikam")),
             _rows("Contacts", _of("Fabrikam")), kind="reading"),
    EvalCase("Show the contracts of Northwind Traders", _list("Contracts", _f("company", "Northwind Traders")),
             _rows("Contracts", _of("Northwind Traders")), kind="reading"),
    EvalCase("Show me the open critical tickets", _list("Tickets", _f("open", True), _f("priority", "Critical")),
             _rows("Tickets", lambda t, box, ctx: is_open(t) and t["priority"] == 4), kind="reading"),
    EvalCase("What projects do we have?", _list("Projects"), _rows("Projects", lambda r, box, ctx: True),
             kind="reading"),
    EvalCase(_q("Show the notes on ticket {number}", 2),
             lambda box, ctx: [("get", {"ticket": my_open_ticket(box, ctx, 2)["ticketNumber"], "include": ["notes"]})],
             _got_ticket(2), kind="reading"),
    EvalCase("Which tickets are waiting on the customer?", _list("Tickets", _f("status", "Waiting Customer")),
             _rows("Tickets", lambda t, box, ctx: t["status"] == 7), kind="reading"),
    EvalCase("List the configuration items of Contoso", _list("ConfigurationItems", _f("company", "Contoso")),
             _rows("ConfigurationItems", _of("Contoso")), kind="reading"),
    EvalCase("Show my tickets that are in progress",
             _list("Tickets", _f("assigned", "me"), _f("status", "In Progress")),
             _rows("Tickets", _mine_and(lambda t: t["status"] == 8)), kind="reading"),
    EvalCase("Open tickets for Wide World Importers",
             _list("Tickets", _f("open", True), _f("company", "Wide World Importers")),
             _rows("Tickets", lambda t, box, ctx: is_open(t) and t["companyID"] == company(box, "Wide World Importers")),
             kind="reading"),
    EvalCase(_q("What is the status of {number}?", 3),
             lambda box, ctx: [("get", {"ticket": my_open_ticket(box, ctx, 3)["ticketNumber"]})],
             _got_ticket(3), kind="reading"),
    # changes
    EvalCase(lambda box, ctx: f"Assign {_colleagues_ticket(box, ctx)['ticketNumber']} to me",
             lambda box, ctx: [("plan_change", {"action": "update", "entity": "Tickets",
                 "ticket": _colleagues_ticket(box, ctx)["ticketNumber"], "fields": {"assigned": "me"}})],
             _assigned_to_me, kind="changes"),
    EvalCase(_q("Set the priority of {number} to High", 1), _update(1, priority="High"),
             plan_is("Tickets", "update", target=_id_of(1), priority=lambda v, box: v == 1), kind="changes"),
    EvalCase(_q("Put {number} on Waiting Customer", 2), _update(2, status="Waiting Customer"),
             plan_is("Tickets", "update", target=_id_of(2), status=lambda v, box: v == 7), kind="changes"),
    EvalCase(_q("Log 1.5 hours on {number}: replaced the switch", 2),
             _child("TimeEntries", 2, duration="1.5h", summaryNotes="Replaced the switch"),
             plan_is("TimeEntries", "create", hoursWorked=lambda v, box: v == 1.5), kind="changes"),
    EvalCase("Create a ticket for Contoso: email not syncing on phones",
             lambda box, ctx: [("plan_change", {"action": "create", "entity": "Tickets", "fields": {
                 "company": "Contoso", "title": "Email not syncing on phones"}})],
             plan_is("Tickets", "create", companyID=lambda v, box: v == company(box, "Contoso"),
                     title=lambda v, box: "email" in str(v).lower()), kind="changes"),
    EvalCase(_q("Add a note to {number}: waiting for the replacement part", 3),
             _child("TicketNotes", 3, description="Waiting for the replacement part"),
             plan_is("TicketNotes", "create", description=lambda v, box: "replacement" in str(v).lower()),
             kind="changes"),
    EvalCase(_q("Log 30m on {number} for the printer driver", 3),
             _child("TimeEntries", 3, duration="30m", summaryNotes="Printer driver"),
             plan_is("TimeEntries", "create", hoursWorked=lambda v, box: v == 0.5), kind="changes"),
    # follow-ups
    EvalCase("And Fabrikam?", _count("Tickets", _f("open", True), _f("company", "Fabrikam")),
             count_is(_open_for("Fabrikam")), kind="follow-ups",
             before=("How many open tickets does Contoso have?",)),
    EvalCase("Add a note to it: customer called back",
             _child("TicketNotes", 1, description="Customer called back"),
             plan_is("TicketNotes", "create", ticketID=lambda v, box: v is not None), kind="follow-ups",
             before=(_q("Show me ticket {number}", 1),)),
    EvalCase("Set it to Complete", _update(2, status="Complete"),
             plan_is("Tickets", "update", target=_id_of(2), status=lambda v, box: v == 5), kind="follow-ups",
             before=(_q("Show me ticket {number}", 2),)),
    EvalCase("Show them", _list("Tickets", _f("open", True), _f("priority", "Critical")),
             _rows("Tickets", lambda t, box, ctx: is_open(t) and t["priority"] == 4), kind="follow-ups",
             before=("How many critical tickets are open?",)),
    EvalCase("Log 15 minutes on it for the phone call",
             _child("TimeEntries", 3, duration="15m", summaryNotes="Phone call"),
             plan_is("TimeEntries", "create", hoursWorked=lambda v, box: v == 0.25), kind="follow-ups",
             before=(_q("Show me ticket {number}", 3),)),
    EvalCase("What about this week?", _count("Tickets", _f("created", "this week", "within")),
             _dated("Tickets", "createDate", "this week"), kind="follow-ups",
             before=("How many tickets were created yesterday?",)),
    EvalCase("How many is that?", _count("Tickets", _f("assigned", "me"), _f("open", True)),
             count_is(_mine_count), kind="follow-ups", before=("Show my open tickets",)),
    EvalCase("How many are there?", _count("Contracts", _f("endDate", "next 60 days", "within")),
             count_is(_contracts_60_count), kind="follow-ups",
             before=("Which contracts expire in the next 60 days?",)),
)  # fmt: skip


CASES: tuple[EvalCase, ...] = (*_FIRST, *_MORE)
