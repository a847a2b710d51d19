"""The tools as a small model sees them: compact schemas, and their arguments turned into the
tool layer's.

The tool layer's pydantic schemas are exact but long (titles, ``anyOf`` with null, defaults); a
1.5B model reads them poorly and they cost about 2,000 tokens on every call. These schemas say the
same in about half, and name a ticket one way everywhere: ``ticket`` (a number such as
T20241122.0004, or an id), which ``tool_arguments`` maps onto ``ticket_number``/``id``/``fields``.
"""

from __future__ import annotations

import copy
import re
from typing import Any

__all__ = ["PLANNER_TOOLS", "TICKET_NUMBER", "model_tool_specs", "tool_arguments"]

TICKET_NUMBER = re.compile(r"\bT\d{8}\.\d{4}\b", re.IGNORECASE)
_TICKET_CHILDREN = {"TicketNotes": "notes", "TimeEntries": "time_entries"}
_TICKET = {"type": ["string", "integer"], "description": "Ticket number (T20241122.0004) or id."}
_INCLUDE = ["notes", "time_entries", "contacts", "open_tickets", "contracts",
            "configuration_items", "tasks", "phases"]  # fmt: skip
_OPS = ["=", "!=", ">", ">=", "<", "<=", "contains", "begins with", "in", "not in", "is set",
        "is not set", "within"]  # fmt: skip

_SPECS: tuple[tuple[str, str, dict[str, Any], list[str]], ...] = (
    (
        "search",
        "Find, count or export records. Filters take labels and names, not ids.",
        {
            "entity": {
                "type": "string",
                "description": "Tickets, Companies, Contacts, Contracts, TimeEntries, Projects, "
                "Tasks, ConfigurationItems, Invoices, TicketNotes",
            },
            "filters": {
                "type": "array",
                "description": "All must match.",
                "items": {
                    "type": "object",
                    "properties": {
                        "field": {
                            "type": "string",
                            "description": "open, status, priority, company, assigned, queue, "
                            "created, due, closed, expires, or a field name",
                        },
                        "op": {"type": "string", "enum": _OPS},
                        "value": {
                            "description": "A label or name ('High', 'Contoso', 'me', true); "
                            "with op within: today, yesterday, this/last week, this/last month, "
                            "this quarter, this year, last N days, next N days"
                        },
                    },
                    "required": ["field", "op"],
                },
            },
            "mode": {
                "type": "string",
                "enum": ["list", "count", "export"],
                "description": "count for 'how many'; export for a CSV file. Default list.",
            },
            "sort": {"type": "string", "description": "A field; '-created' is newest first."},
            "limit": {"type": "integer", "description": "Rows to show (default 25)."},
        },
        ["entity"],
    ),
    (
        "get",
        "One record with a link into Autotask; a ticket with its notes or time entries.",
        {
            "ticket": _TICKET,
            "entity": {"type": "string", "description": "Only for other records than tickets."},
            "id": {"type": "integer", "description": "The record's id (other entities)."},
            "include": {"type": "array", "items": {"type": "string", "enum": _INCLUDE}},
        },
        [],
    ),
    (
        "plan_change",
        "Prepare a change for the technician to approve (nothing is written without a click).",
        {
            "action": {"type": "string", "enum": ["create", "update", "delete"]},
            "entity": {
                "type": "string",
                "description": "Tickets, TicketNotes (a note), TimeEntries (time), Contacts, Tasks",
            },
            "ticket": {
                "type": ["string", "integer"],
                "description": "The ticket to update, or that a note or time entry is for.",
            },
            "id": {"type": "integer", "description": "Another record to update or delete."},
            "fields": {
                "type": "object",
                "description": "Labels and names are fine: status 'Complete', priority 'High', "
                "company 'Contoso', assigned 'me', title. Time: duration '45m', summaryNotes. "
                "Note: title, description.",
            },
        },
        ["action", "entity"],
    ),
    (
        "describe",
        "An entity's fields and picklist labels.",
        {
            "entity": {"type": "string"},
            "field": {"type": "string", "description": "Only this field, with every label."},
        },
        ["entity"],
    ),
    (
        "who_am_i",
        "The technician's Autotask resource (or whom an e-mail belongs to).",
        {"email": {"type": "string"}},
        [],
    ),
    (
        "list_entities",
        "The record types Autotask has, by area.",
        {"area": {"type": "string"}},
        [],
    ),
)

PLANNER_TOOLS = tuple(name for name, *_ in _SPECS)


def model_tool_specs() -> list[dict[str, Any]]:
    """The tool list offered to the model, in a fixed order (so a server can cache the prefix)."""
    return copy.deepcopy(_BUILT)


_BUILT = [
    {
        "type": "function",
        "function": {
            "name": name,
            "description": description,
            "parameters": {"type": "object", "properties": properties, "required": required},
        },
    }
    for name, description, properties, required in _SPECS
]


def _ticket_ref(value: Any) -> dict[str, Any]:
    """``ticket`` as the tool layer names it: ``ticket_number`` or ``id``."""
    if isinstance(value, int) and not isinstance(value, bool):
        return {"id": value}
    text = str(value).strip().lstrip("#")
    if text.isdigit():
        return {"id": int(text)}
    return {"ticket_number": text}


def tool_arguments(name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    """The model's arguments in the tool layer's shape (``ticket`` mapped, empty values dropped)."""
    args = {k: v for k, v in arguments.items() if v is not None and v != ""}
    ticket = args.pop("ticket", None)
    if name == "get":
        entity = args.get("entity") or "Tickets"
        if ticket is not None and entity in _TICKET_CHILDREN:
            # "the notes of ticket X": the ticket, with those related items
            args["include"] = sorted({*args.get("include", ()), _TICKET_CHILDREN[entity]})
            entity = "Tickets"
        args["entity"] = entity
        if ticket is not None:
            args.update(_ticket_ref(ticket))
    elif name == "plan_change" and ticket is not None:
        entity = args.get("entity")
        fields = dict(args.get("fields") or {})
        if entity in _TICKET_CHILDREN:
            if args.get("action") == "update" and args.get("id") is None:
                args["action"] = "create"  # "add a note to T…" is a new note on that ticket
            fields.setdefault("ticket", ticket)
            args["fields"] = fields
        else:
            args.update(_ticket_ref(ticket))
    if name == "search":
        args["filters"] = [_condition(c) for c in args.get("filters") or [] if isinstance(c, dict)]
    return args


def _condition(condition: dict[str, Any]) -> dict[str, Any]:
    """A filter without the empty keys small models add (``"value": null`` beside 'is set')."""
    kept = {k: v for k, v in condition.items() if k in {"field", "op", "value"}}
    if kept.get("op") in {"is set", "is not set"}:
        kept.pop("value", None)
    return kept
