"""The ``get`` tool: one record by id or ticket number, with related items and a deep link."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from .._errors import NotFoundError
from .._filters import Filter, Query
from ._conditions import Condition, to_filters
from ._context import ToolContext
from ._errors import ToolError
from ._links import link
from ._rows import UNTRUSTED_FIELDS, Renderer, default_fields

__all__ = ["RELATED", "Contact", "GetArgs", "GetResult", "Related", "get"]

Record = dict[str, Any]
Include = Literal[
    "notes",
    "time_entries",
    "contacts",
    "open_tickets",
    "contracts",
    "configuration_items",
    "tasks",
    "phases",
]

# (entity, include) → (related entity, linking field, extra conditions)
RELATED: dict[tuple[str, str], tuple[str, str, tuple[Condition, ...]]] = {
    ("Tickets", "notes"): ("TicketNotes", "ticketID", ()),
    ("Tickets", "time_entries"): ("TimeEntries", "ticketID", ()),
    ("Companies", "contacts"): ("Contacts", "companyID", (Condition(field="isActive", value=1),)),
    ("Companies", "open_tickets"): ("Tickets", "companyID", (Condition(field="open", value=True),)),
    ("Companies", "contracts"): ("Contracts", "companyID", ()),
    ("Companies", "configuration_items"): ("ConfigurationItems", "companyID", ()),
    ("Projects", "tasks"): ("Tasks", "projectID", ()),
    ("Projects", "phases"): ("Phases", "projectID", ()),
    ("Tasks", "time_entries"): ("TimeEntries", "taskID", ()),
}
RELATED_LIMIT = 20
_BY_NUMBER = " To name a ticket by its number, use ticket_number (T20241122.0004)."
_NOISE = {"userDefinedFields"}


class GetArgs(BaseModel):
    """Fetch one record."""

    model_config = ConfigDict(extra="forbid")

    entity: str = Field(default="Tickets", description="Entity of the record (default Tickets).")
    id: int | None = Field(default=None, description="The record's id.")
    ticket_number: str | None = Field(
        default=None, description="A ticket number such as T20241122.0004 (Tickets only)."
    )
    include: list[Include] = Field(
        default_factory=list,
        description="Related items: a ticket's notes and time_entries; a company's contacts, "
        "open_tickets, contracts, configuration_items; a project's tasks and phases.",
    )
    full: bool = Field(
        default=False, description="Show every field (when asked for details); else key ones."
    )


class Related(BaseModel):
    entity: str
    scope: str
    rows: list[Record] = Field(description="Newest first where the items have a date.")
    total: int | None = None


class Contact(BaseModel):
    name: str
    phone: str | None = None
    email: str | None = None


class GetResult(BaseModel):
    entity: str
    id: int
    record: Record
    link: str | None = None
    contact: Contact | None = Field(default=None, description="The ticket's contact.")
    related: dict[str, Related] = Field(default_factory=dict)
    untrusted_fields: list[str] = Field(default_factory=list)
    full: bool = False


async def _record_id(ctx: ToolContext, entity: str, args: GetArgs) -> int:
    if args.ticket_number:
        if entity != "Tickets":
            raise ToolError("ticket_number applies to Tickets only.")
        return await ctx.names.resolve("Ticket", args.ticket_number)
    if args.id is None:
        raise ToolError("Give the record's id (or a ticket_number for tickets).")
    return args.id


# The date that orders related items, newest first (id breaks ties: later ids are newer).
_NEWEST_BY = {"TicketNotes": "createDateTime", "TimeEntries": "dateWorked", "Tickets": "createDate"}
RELATED_WINDOW = 500  # related items read at most to find the newest


def _newest_first(entity: str, records: list[Record]) -> list[Record]:
    when = _NEWEST_BY.get(entity)
    return sorted(records, key=lambda r: (str(r.get(when) or "") if when else "", r["id"]),
                  reverse=True)  # fmt: skip


async def _related(ctx: ToolContext, entity: str, record_id: int, include: str) -> Related:
    child, key, extra = RELATED[(entity, include)]
    schema = await ctx.schemas.get(child)
    compiled = await to_filters(ctx, schema, list(extra))
    query = Query(filter=(Filter.eq(key, record_id), *compiled.filters))
    renderer = Renderer(ctx, schema, tuple(n for n in default_fields(schema) if n != key))
    if child in _NEWEST_BY:
        found = await ctx.client.query(child, query, limit=RELATED_WINDOW)
        newest = _newest_first(child, found)[:RELATED_LIMIT]
        total = len(found) if len(found) < RELATED_WINDOW else await ctx.client.count(child, query)
    else:
        page = await ctx.client.query_page(
            child, query.model_copy(update={"max_records": RELATED_LIMIT})
        )
        newest = page.items[:RELATED_LIMIT]
        total = len(newest) if page.next_page_url is None else await ctx.client.count(child, query)
    rows = await renderer.rows(newest)
    scope = f"all {total}" if total <= len(rows) else f"{len(rows)} of {total:,} shown"
    return Related(entity=child, scope=scope, rows=rows, total=total)


async def _contact(ctx: ToolContext, record: Record) -> Contact | None:
    """A ticket's contact: who to call, and how."""
    contact_id = record.get("contactID")
    if contact_id is None:
        return None
    try:
        person = await ctx.client.get("Contacts", int(contact_id))
    except NotFoundError:
        return None
    name = " ".join(str(person.get(k)) for k in ("firstName", "lastName") if person.get(k))
    phone = person.get("phone") or person.get("mobilePhone")
    return Contact(name=name or f"#{contact_id}", phone=phone, email=person.get("emailAddress"))


async def get(ctx: ToolContext, args: GetArgs) -> GetResult:
    schema = await ctx.schemas.get(args.entity)
    unknown = [i for i in args.include if (schema.entity, i) not in RELATED]
    if unknown:
        known = sorted(name for (parent, name) in RELATED if parent == schema.entity)
        available = ", ".join(known) or "none"
        raise ToolError(f"{schema.entity} has no related '{unknown[0]}'. Available: {available}.")
    record_id = await _record_id(ctx, schema.entity, args)
    try:
        record = await ctx.client.get(schema.entity, record_id)
    except NotFoundError as exc:
        label = args.ticket_number or record_id
        hint = _BY_NUMBER if schema.entity == "Tickets" and not args.ticket_number else ""
        raise ToolError(
            f"No {schema.kind.singular.lower()} {label} was found in Autotask.{hint}"
        ) from exc
    names = tuple(k for k, v in record.items() if v not in (None, "", []) and k not in _NOISE)
    renderer = Renderer(ctx, schema, tuple(n for n in names if schema.field(n) and n != "id"))
    (row,) = await renderer.rows([record])
    udfs = {
        u["name"]: renderer.value(u["name"], u["value"], {})
        for u in record.get("userDefinedFields") or []
        if u.get("value") not in (None, "")
    }
    if udfs:
        row["userDefinedFields"] = udfs
    web = await ctx.client.web_url()
    result = GetResult(
        entity=schema.entity,
        id=record_id,
        record=row,
        link=link(web, schema.entity, record_id),
        untrusted_fields=[n for n in row if n in UNTRUSTED_FIELDS],
        full=args.full,
    )
    if schema.entity == "Tickets":
        result.contact = await _contact(ctx, record)
        if result.contact is not None:
            result.untrusted_fields.append("contact")  # a customer's own name and details
    for include in dict.fromkeys(args.include):
        result.related[include] = await _related(ctx, schema.entity, record_id, include)
    return result
