"""What a change is made *on*, shown on its preview: the ticket's number, title, company, status
and assignee (for a ticket, or a note or time entry on one), the key fields of a record to
delete, and warnings to read before the click (the ticket is Complete, it is someone else's, it
belongs to another customer than the conversation was about)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from .._errors import NotFoundError
from ._context import ToolContext
from ._errors import ToolError
from ._rows import DEFAULT_FIELDS, Renderer
from ._schema import EntitySchema
from ._values import humanize

__all__ = ["PlanContext", "TargetFact", "plan_context"]

Record = dict[str, Any]

_TICKET_FACTS = (
    ("ticketNumber", "Ticket"),
    ("title", "Title"),
    ("companyID", "Company"),
    ("status", "Status"),
    ("assignedResourceID", "Assigned to"),
)
_COMPLETE = "Complete"


class TargetFact(BaseModel):
    label: str
    value: str


class PlanContext(BaseModel):
    facts: list[TargetFact] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    company: str | None = Field(default=None, description="The customer the change is for.")


async def _ticket_of(
    ctx: ToolContext, entity: str, payload: Record, record: Record | None
) -> Record | None:
    if entity == "Tickets":
        return record
    ticket_id = payload.get("ticketID") or (record or {}).get("ticketID")
    if ticket_id is None:
        return None
    try:
        return await ctx.client.get("Tickets", int(ticket_id))
    except NotFoundError:
        return None


def _is_complete(schema: EntitySchema, ticket: Record) -> bool:
    try:
        complete = schema.picklist_value("status", _COMPLETE).value
    except ToolError:  # a tenant without a "Complete" status
        return False
    return str(ticket.get("status")) == str(complete)


async def _ticket_context(ctx: ToolContext, ticket: Record) -> PlanContext:
    schema = await ctx.schemas.get("Tickets")
    names = tuple(name for name, _ in _TICKET_FACTS if schema.field(name))
    (row,) = await Renderer(ctx, schema, names).rows([ticket])
    facts = [TargetFact(label=label, value=str(row[n])) for n, label in _TICKET_FACTS
             if row.get(n) not in (None, "")]  # fmt: skip
    number = row.get("ticketNumber") or f"#{ticket.get('id')}"
    warnings = []
    if _is_complete(schema, ticket):
        warnings.append(f"{number} is Complete.")
    assignee = ticket.get("assignedResourceID")
    if ctx.actor is not None and assignee is not None and assignee != ctx.actor.resource_id:
        warnings.append(f"{number} is assigned to {row.get('assignedResourceID')}, not to you.")
    company = row.get("companyID")
    focus = await ctx.about_company()
    if focus and company and str(company).casefold() != focus.casefold():
        warnings.append(
            f"{number} belongs to {company}, not {focus} "
            "(the customer this conversation was about)."
        )
    return PlanContext(facts=facts, warnings=warnings, company=str(company) if company else None)


async def _record_context(ctx: ToolContext, schema: EntitySchema, record: Record) -> PlanContext:
    names = tuple(n for n in DEFAULT_FIELDS.get(schema.entity, ()) if schema.field(n))
    (row,) = await Renderer(ctx, schema, names).rows([record])
    facts = [TargetFact(label=humanize(n), value=str(row[n])) for n in names
             if row.get(n) not in (None, "")]  # fmt: skip
    return PlanContext(facts=facts)


async def plan_context(
    ctx: ToolContext, schema: EntitySchema, payload: Record, record: Record | None
) -> PlanContext:
    """The ticket a change is on (its own, or its parent's), else the record being changed."""
    ticket = await _ticket_of(ctx, schema.entity, payload, record)
    if ticket is None:
        return await _record_context(ctx, schema, record) if record else PlanContext()
    ticket_context = await _ticket_context(ctx, ticket)
    if schema.entity == "Tickets" or record is None:
        return ticket_context
    own = await _record_context(ctx, schema, record)  # e.g. the time entry to delete
    own.facts = [f for f in own.facts if f.label != "Ticket"]
    return PlanContext(
        facts=[*ticket_context.facts, *own.facts],
        warnings=ticket_context.warnings,
        company=ticket_context.company,
    )
