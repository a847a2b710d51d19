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
            args["id"] = ticket["id"]
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


CASES: tuple[EvalCase, ...] = (
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
             lambda box, ctx: [("get", {"ticket_number": my_open_ticket(box, ctx)["ticketNumber"]})],
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
             _plan("TicketNotes", "create", lambda t: {"ticket": t["id"], "description": "Called the customer, no answer"}),
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
