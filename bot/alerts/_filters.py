"""A subscription's filters: typed words resolved against the tenant's own Tickets picklists.

Picklists are tenant-specific, so every label is looked up in ``entityInformation/fields`` when the
subscription is made, and the subscription stores ids. "priority High" means High *or above*,
and "above" follows the picklist's order, never the numeric ids (one tenant has 1 High and
4 Critical, another 1 Critical and 5 High).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from autotask.tools import ToolContext, ToolError, priority_ladder

__all__ = [
    "FILTER_WORDS",
    "NOTICE_KINDS",
    "AlertFilters",
    "Kind",
    "priority_ladder",
    "resolve_filters",
]

Record = dict[str, Any]
Kind = Literal["new_ticket", "assigned", "customer_note"]
NOTICE_KINDS: tuple[Kind, ...] = ("assigned", "customer_note")

# The words the command grammar produces, and the Tickets field each one filters.
FILTER_WORDS = {
    "queue": "queueID",
    "priority": "priority",
    "company": "companyID",
    "ticket_type": "ticketType",
    "status": "status",
    "assigned": "assignedResourceID",
}
_NOTIFY_WORD = "notify"  # not a filter: what a personal subscription hears of


class AlertFilters(BaseModel):
    """What a subscription asks for, as ids of this tenant (labels kept for display)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: Literal[1] = 1
    queue_id: int | None = None
    queue: str | None = None
    priority_ids: tuple[int, ...] | None = None
    priority: str | None = None
    company_id: int | None = None
    company: str | None = None
    ticket_type_id: int | None = None
    ticket_type: str | None = None
    status_id: int | None = None
    status: str | None = None
    assigned_id: int | None = None  # a personal subscription: tickets assigned to this resource
    assigned: str | None = None
    notify: Literal["customer_note"] | None = None  # customer notes on those tickets instead
    since_id: int | None = None  # only tickets after this id: nothing older than the subscription
    since_note_id: int | None = None  # customer notes: only notes after this id

    @property
    def kind(self) -> Kind:
        """What the subscription hears of: new tickets, tickets (re)assigned to a resource, or
        customer notes on tickets assigned to a resource."""
        if self.notify == "customer_note":
            return "customer_note"
        return "new_ticket" if self.assigned_id is None else "assigned"

    def matches(self, ticket: Mapping[str, Any]) -> bool:
        """Whether a ticket record (Autotask's field names) passes every filter."""
        new_only = self.kind == "new_ticket" and self.since_id is not None
        if new_only and _int(ticket.get("id")) <= int(self.since_id or 0):
            return False
        checks = (
            (self.queue_id, "queueID"),
            (self.company_id, "companyID"),
            (self.ticket_type_id, "ticketType"),
            (self.status_id, "status"),
            (self.assigned_id, "assignedResourceID"),
        )
        if any(wanted is not None and _int(ticket.get(f)) != wanted for wanted, f in checks):
            return False
        return self.priority_ids is None or _int(ticket.get("priority")) in self.priority_ids

    def describe(self) -> str:
        """The filters in words: "queue Service Desk, priority High or above"."""
        parts = [
            f"queue {self.queue}" if self.queue else "",
            f"priority {self.priority} or above" if self.priority else "",
            f"company {self.company}" if self.company else "",
            f"type {self.ticket_type}" if self.ticket_type else "",
            f"status {self.status}" if self.status else "",
            f"assigned to {self.assigned}" if self.assigned else "",
        ]
        shown = ", ".join(p for p in parts if p)
        if self.kind == "customer_note":
            return "customer notes on tickets " + shown
        if self.kind == "assigned":
            return "tickets " + shown
        return shown or "every new ticket"

    def same_as(self, other: AlertFilters) -> bool:
        """The same filters, whenever each was made."""
        since = {"since_id": None, "since_note_id": None}
        return self.model_copy(update=since) == other.model_copy(update=since)


def _int(value: object) -> int:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return -(2**62)  # matches no id


async def _picklist(ctx: ToolContext, field: str, text: str) -> tuple[int, str]:
    schema = await ctx.schemas.get("Tickets")
    entry = schema.picklist_value(field, text)
    return int(entry.value), entry.label


async def _priorities(ctx: ToolContext, text: str) -> tuple[tuple[int, ...], str]:
    schema = await ctx.schemas.get("Tickets")
    chosen = schema.picklist_value("priority", text)
    info = schema.require("priority")
    ladder = priority_ladder(info.picklist_values or ())
    position = next(i for i, v in enumerate(ladder) if v.value == chosen.value)
    return tuple(int(v.value) for v in ladder[: position + 1]), chosen.label


async def _assignee(ctx: ToolContext, text: str) -> tuple[int, str]:
    """The resource a subscription follows: "me" is the technician who asked."""
    if text.lower() in {"me", "myself", "i"}:
        actor = ctx.require_actor()
        return actor.resource_id, actor.name
    resource_id = await ctx.names.resolve("Resource", text)
    return resource_id, (await ctx.names.names_for("Resource", [resource_id])).get(
        resource_id, text
    )


async def resolve_filters(
    ctx: ToolContext,
    words: Mapping[str, Any],
    *,
    since_id: int | None = None,
    since_note_id: int | None = None,
) -> AlertFilters:
    """Filters from the grammar's words (``{"queue": "Service Desk", "priority": "High"}``;
    ``{"assigned": "me", "notify": "customer_note"}`` for customer notes on my tickets).

    Raises ToolError, saying which values are valid, when a label or company is not found.
    """
    words = dict(words)
    notify = words.pop(_NOTIFY_WORD, None)
    if notify is not None and (notify != "customer_note" or "assigned" not in words):
        raise ToolError("Customer-note notices follow the tickets assigned to someone.")
    unknown = sorted(set(words) - set(FILTER_WORDS))
    if unknown:
        raise ToolError(
            f"Alerts cannot filter on {', '.join(unknown)}; they filter on queue, priority, "
            "company, type, status and who it is assigned to."
        )
    values: dict[str, Any] = {"since_id": since_id}
    if notify is not None:
        values.update(notify=notify, since_note_id=since_note_id)
    for word, raw in words.items():
        text = str(raw).strip()
        if not text:
            raise ToolError(f"Give a value for {word.replace('_', ' ')}.")
        if word == "priority":
            values["priority_ids"], values["priority"] = await _priorities(ctx, text)
        elif word == "assigned":
            values["assigned_id"], values["assigned"] = await _assignee(ctx, text)
        elif word == "company":
            company_id = await ctx.names.resolve("Company", text)
            names = await ctx.names.names_for("Company", [company_id])
            values["company_id"], values["company"] = company_id, names.get(company_id, text)
        else:
            field = FILTER_WORDS[word]
            values[f"{word}_id"], values[word] = await _picklist(ctx, field, text)
    return AlertFilters.model_validate(values)
