"""The defaults a technician expects when planning a change.

Time entries get the technician as resource, their role for the ticket (Autotask rejects ticket
time without a roleID), today's date, and hours or start/end from "45m"/"1.5h" (ending now, or
starting when ``start`` says: "yesterday 14:00"). New tickets get
status/priority/queue from settings or the picklist defaults. Notes are internal unless asked to be
customer-visible, and the preview says which.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any, Literal

from .._catalogue import entity_type
from .._filters import Filter, Query
from ._context import ToolContext
from ._errors import ToolError
from ._names import display_name
from ._schema import EntitySchema
from ._values import parse_duration, wire_datetime
from ._worked import parse_start, worked_span

__all__ = ["DefaultsOutcome", "apply_defaults", "take_special_fields"]

Record = dict[str, Any]
NOTE_ENTITIES = {"TicketNotes", "TaskNotes", "ProjectNotes", "CompanyNotes"}
_SPECIAL = {
    "TimeEntries": {"duration", "start"},
    **{entity: {"customer_visible", "internal"} for entity in NOTE_ENTITIES},
}
_TICKET_DEFAULTS = (
    ("status", "status"),
    ("priority", "priority"),
    ("queueID", "queue"),
    ("ticketType", "ticket_type"),
    ("source", "source"),
)


@dataclass
class DefaultsOutcome:
    summary: str | None = None
    notes: list[str] = field(default_factory=list)


def take_special_fields(schema: EntitySchema, fields: Record) -> tuple[Record, Record]:
    """Split words that are not Autotask fields (duration, customer_visible) from real fields."""
    words = _SPECIAL.get(schema.entity, set())
    special = {k.lower(): v for k, v in fields.items() if k.lower() in words}
    plain = {k: v for k, v in fields.items() if k.lower() not in words}
    return special, plain


async def default_role(ctx: ToolContext, resource_id: int) -> int:
    """A resource's default service desk role (Autotask needs one with every assignment)."""
    resource = next((r for r in await ctx.names.resources() if r["id"] == resource_id), None)
    if resource and resource.get("defaultServiceDeskRoleID"):
        return int(resource["defaultServiceDeskRoleID"])
    roles = await ctx.client.query(
        "ResourceServiceDeskRoles", Query(filter=(Filter.eq("resourceID", resource_id),))
    )
    roles.sort(key=lambda r: (not r.get("isDefault"), not r.get("isActive", True)))
    if not roles:
        raise ToolError("That resource has no service desk role; an admin must give them one.")
    return int(roles[0]["roleID"])


def _hours_text(hours: float) -> str:
    whole, minutes = int(hours), round((hours - int(hours)) * 60)
    return (
        f"{whole}h {minutes}m" if whole and minutes else (f"{whole}h" if whole else f"{minutes}m")
    )


def _when_worked(ctx: ToolContext, payload: Record, special: Record) -> tuple[str, list[str]]:
    """dateWorked and start/end: from ``start`` ("yesterday 14:00") or ending now; the words
    the preview's summary gets, and its notes."""
    hours = float(payload["hoursWorked"])
    if special.get("start") and "startDateTime" not in payload:
        start = parse_start(str(special["start"]), now=ctx.now(), zone=ctx.tz)
        span = worked_span(start, hours, zone=ctx.tz)
        payload.update(span.fields)
        return f", {start.astimezone(ctx.tz):%a %d %b %H:%M}", [span.note] if span.note else []
    local_now = ctx.now().astimezone(ctx.tz)
    today = datetime.combine(local_now.date(), time.min, tzinfo=UTC)
    payload.setdefault("dateWorked", wire_datetime(today))
    if "startDateTime" not in payload and payload["dateWorked"] == wire_datetime(today):
        end = local_now.replace(second=0, microsecond=0).astimezone(UTC)
        start = end - timedelta(hours=hours)
        # Times only when they fall on the day worked (the technician's local day) and do not
        # span UTC midnight (API-NOTES §7.3); otherwise the day and the hours say it all.
        if start.date() == end.date() == local_now.date():
            payload["startDateTime"], payload["endDateTime"] = (
                wire_datetime(start),
                wire_datetime(end),
            )
    return "", []


async def _time_entry(ctx: ToolContext, payload: Record, special: Record) -> DefaultsOutcome:
    actor = ctx.require_actor()
    payload.setdefault("resourceID", actor.resource_id)
    if "duration" in special and payload.get("hoursWorked") is None:
        payload["hoursWorked"] = parse_duration(special["duration"])
    if payload.get("hoursWorked") is None:
        raise ToolError("Say how long the work took (for example 45m or 1.5h).")
    when, notes = _when_worked(ctx, payload, special)
    parent = "Tickets" if payload.get("ticketID") else "Tasks" if payload.get("taskID") else None
    if parent is None:
        raise ToolError("Say which ticket (or project task) the time is for.")
    work = await ctx.client.get(
        parent, int(payload["ticketID" if parent == "Tickets" else "taskID"])
    )
    if payload.get("roleID") is None:
        same = work.get("assignedResourceID") == payload["resourceID"]
        role = work.get("assignedResourceRoleID") if same else None
        payload["roleID"] = (
            int(role) if role else await default_role(ctx, int(payload["resourceID"]))
        )
    if not payload.get("summaryNotes"):
        raise ToolError("Add a short summary of the work done (summaryNotes).")
    label = work.get("ticketNumber") or work.get("title") or f"#{work['id']}"
    who = (
        actor.name
        if payload["resourceID"] == actor.resource_id
        else f"resource {payload['resourceID']}"
    )
    return DefaultsOutcome(
        summary=f"Log {_hours_text(float(payload['hoursWorked']))} on {label} for {who}{when}",
        notes=notes,
    )


async def _ticket(
    ctx: ToolContext, schema: EntitySchema, payload: Record, action: str
) -> DefaultsOutcome:
    if action == "create":
        settings = ctx.tenant.ticket_defaults
        for name, setting in _TICKET_DEFAULTS:
            if payload.get(name) is not None or schema.field(name) is None:
                continue
            label = getattr(settings, setting)
            value = (
                schema.picklist_value(name, label, for_write=True).value
                if label
                else _default(schema, name)
            )
            if value is not None:
                payload[name] = int(value)
    if payload.get("assignedResourceID") and not payload.get("assignedResourceRoleID"):
        payload["assignedResourceRoleID"] = await default_role(
            ctx, int(payload["assignedResourceID"])
        )
    if action != "create":
        return DefaultsOutcome()
    company = await ctx.names.names_for("Company", [payload.get("companyID")])
    where = (
        company.get(int(payload["companyID"]), "") if payload.get("companyID") is not None else ""
    )
    return DefaultsOutcome(
        summary=f"Open a ticket for {where}: {payload.get('title') or ''}".strip()
    )


def _default(schema: EntitySchema, name: str) -> str | None:
    info = schema.field(name)
    values = info.picklist_values or () if info else ()
    entry = next((v for v in values if v.is_default_value and v.is_active), None)
    return entry.value if entry else None


def _first_active(schema: EntitySchema, name: str) -> str | None:
    info = schema.field(name)
    values = [v for v in (info.picklist_values or ()) if v.is_active] if info else []
    values.sort(key=lambda v: v.sort_order if v.sort_order is not None else 1 << 30)
    return values[0].value if values else None


def _publish_value(schema: EntitySchema, visible: bool, setting: str | None) -> int | None:
    info = schema.field("publish")
    if info is None or not info.picklist_values:
        return None
    if setting and not visible:
        return int(schema.picklist_value("publish", setting, for_write=True).value)
    values = [v for v in info.picklist_values if v.is_active]
    wanted = (
        (lambda label: label.startswith("all")) if visible else (lambda label: "internal" in label)
    )
    entry = next((v for v in values if wanted(v.label.lower())), None)
    if entry is None:
        raise ToolError(
            "This tenant's note visibility options are not recognised; set 'publish' (or the "
            "ATBOT_NOTE_DEFAULTS__PUBLISH setting)."
        )
    return int(entry.value)


def _note_type(ctx: ToolContext, schema: EntitySchema) -> tuple[int | None, str | None]:
    """The note type from the setting, the picklist default, or the first active type."""
    setting = ctx.tenant.note_defaults.note_type
    if setting:
        return int(schema.picklist_value("noteType", setting, for_write=True).value), None
    if _default(schema, "noteType") is not None:
        return int(_default(schema, "noteType") or 0), None
    first = _first_active(schema, "noteType")
    if first is None:
        return None, None
    shown = schema.label("noteType", first) or first
    return int(first), (
        f"Note type {shown}: this Autotask has no default note type (the first is used; set "
        "ATBOT_NOTE_DEFAULTS__NOTE_TYPE to choose)."
    )


async def _note(
    ctx: ToolContext, schema: EntitySchema, payload: Record, special: Record
) -> DefaultsOutcome:
    asked = special.get("customer_visible", not special.get("internal", True))
    visible = str(asked).lower() in {"true", "yes", "1"}
    notes: list[str] = []
    if payload.get("publish") is None:
        payload["publish"] = _publish_value(schema, visible, ctx.tenant.note_defaults.publish)
    if payload.get("noteType") is None and schema.field("noteType") is not None:
        payload["noteType"], said = _note_type(ctx, schema)
        notes.extend([said] if said else [])
    title_info = schema.field("title")
    if not payload.get("title") and title_info is not None and title_info.is_required:
        first_line = str(payload.get("description") or "Note").strip().splitlines()[0]
        payload["title"] = first_line[:80]
    shown = schema.label("publish", payload["publish"]) or str(payload["publish"])
    note = (
        "Customer-visible note" if visible else "Internal note — not visible to the customer"
    ) + f" ({shown})"
    parent_field = schema.kind.parent_field or ""
    label = ""
    if payload.get(parent_field) and schema.kind.parent:
        parent = await ctx.client.get(schema.kind.parent, int(payload[parent_field]))
        singular = entity_type(schema.kind.parent).singular
        label = parent.get("ticketNumber") or display_name(singular, parent)
    return DefaultsOutcome(summary=f"Add a note to {label}".strip(), notes=[note, *notes])


async def apply_defaults(
    ctx: ToolContext,
    schema: EntitySchema,
    action: Literal["create", "update"],
    payload: Record,
    special: Record,
    record: Record | None,
) -> DefaultsOutcome:
    """Fill in what the technician left out; returns a summary line and notes for the preview."""
    if schema.entity == "TimeEntries" and action == "create":
        return await _time_entry(ctx, payload, special)
    if schema.entity == "Tickets":
        return await _ticket(ctx, schema, payload, action)
    if schema.entity in NOTE_ENTITIES and action == "create":
        return await _note(ctx, schema, payload, special)
    return DefaultsOutcome()
