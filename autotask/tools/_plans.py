"""The ``plan_change`` tool: a create, update or delete validated and previewed, never written.

A ``ChangePlan`` is a plain serialisable value: what will be sent, a field-by-field diff with
labels, who it will be attributed to, and a fingerprint of the record as previewed.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from .._errors import NotFoundError
from .._models import FieldInfo
from ._context import Tenant, ToolContext
from ._defaults import apply_defaults, take_special_fields
from ._errors import ToolError
from ._links import link
from ._names import display_name
from ._plan_context import TargetFact, plan_context
from ._rows import UNTRUSTED_FIELDS, Renderer
from ._schema import EntitySchema
from ._values import coerce, humanize

__all__ = [
    "Attribution",
    "ChangePlan",
    "FieldChange",
    "ParentRef",
    "PlanArgs",
    "fingerprint",
    "fingerprint_of",
    "plan_change",
    "writable_snapshot",
]

Record = dict[str, Any]
Action = Literal["create", "update", "delete"]


class PlanArgs(BaseModel):
    """Prepare a change for the technician to confirm. Nothing is written until they click."""

    model_config = ConfigDict(extra="forbid")

    action: Action
    entity: str = Field(description="Tickets, TicketNotes, TimeEntries, Contacts, Tasks, …")
    id: int | None = Field(default=None, description="Record to update or delete.")
    ticket_number: str | None = Field(
        default=None, description="Ticket to update, by number (T20241122.0004)."
    )
    fields: dict[str, Any] = Field(
        default_factory=dict,
        description="Values by field name; labels and names are fine (status: 'Complete', "
        "company: 'Contoso', assigned: 'me'). Time entries: ticket (number or id) or task, "
        "duration ('45m', '1.5h'), summaryNotes, start (when the work began, in the "
        "technician's time zone: 'yesterday 14:00', '9:15'; default: it ends now). "
        "Notes: ticket, title, description, customer_visible (default false: internal).",
    )


class FieldChange(BaseModel):
    field: str
    label: str
    before: Any = None
    after: Any = None


class Attribution(BaseModel):
    resource_id: int
    name: str
    impersonated: bool


class ParentRef(BaseModel):
    entity: str
    id: int
    child_path: str


class ChangePlan(BaseModel):
    """A validated change, ready to apply after a human confirms it."""

    version: int = 1
    action: Action
    entity: str
    record_id: int | None = None
    parent: ParentRef | None = None
    payload: Record = Field(description="Exactly the fields that will be sent.")
    summary: str
    changes: list[FieldChange]
    attributed_to: Attribution | None = None
    fingerprint: str | None = None
    snapshot: Record | None = None
    danger: bool = False
    notes: list[str] = Field(default_factory=list)
    link: str | None = None
    untrusted_fields: list[str] = Field(default_factory=list)
    target: list[TargetFact] = Field(
        default_factory=list, description="What the change is on: the ticket's title, company…"
    )
    warnings: list[str] = Field(
        default_factory=list, description="Tell the technician these before they confirm."
    )


def writable_snapshot(schema: EntitySchema, record: Record) -> Record:
    """The record's writable fields (what a stale check compares)."""
    keep = {f.name for f in schema.fields if not f.is_read_only and f.name != "id"}
    snapshot = {k: v for k, v in record.items() if k in keep}
    udfs = record.get("userDefinedFields") or []
    # lists, not tuples: a stored plan comes back from JSON with lists, and must compare equal
    pairs = sorted((str(u.get("name")), u.get("value")) for u in udfs)
    snapshot["userDefinedFields"] = [[name, value] for name, value in pairs]
    return snapshot


def fingerprint(snapshot: Record) -> str:
    canonical = json.dumps(snapshot, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


async def fingerprint_of(tenant: Tenant, entity: str, record: Record) -> str:
    """The fingerprint a plan would carry for ``record`` as it is now."""
    schema = await tenant.schemas.get(entity)
    return fingerprint(writable_snapshot(schema, record))


def _check_allowed(schema: EntitySchema, action: Action) -> None:
    kind = schema.kind
    if kind.administrative:
        raise ToolError(
            f"{kind.name} is tenant-wide administrative configuration; this bot never creates, "
            "changes or deletes it. Ask an Autotask administrator."
        )
    verbs = kind.root_verbs | kind.child_verbs
    if action not in verbs:
        raise ToolError(f"Autotask does not allow {action} on {kind.name}.")


async def _target(ctx: ToolContext, schema: EntitySchema, args: PlanArgs) -> tuple[int, Record]:
    record_id = args.id
    if args.ticket_number and schema.entity == "Tickets":
        record_id = await ctx.names.resolve("Ticket", args.ticket_number)
    if record_id is None:
        raise ToolError(f"Say which {schema.kind.singular.lower()} to {args.action} (its id).")
    try:
        return record_id, await ctx.client.get(schema.entity, record_id)
    except NotFoundError as exc:
        hint = ""
        if schema.entity == "Tickets" and not args.ticket_number:
            hint = " To name a ticket by its number, use ticket_number (T20241122.0004)."
        raise ToolError(
            f"No {schema.kind.singular.lower()} with id {record_id} exists in Autotask.{hint}"
        ) from exc


def _given(schema: EntitySchema, fields: Record, name: str) -> tuple[str | None, Any]:
    """The key and value the technician gave for field ``name`` (any spelling or alias)."""
    for key, value in fields.items():
        info = schema.field(key)
        if info is not None and info.name.lower() == name.lower():
            return key, value
    return None, None


async def _picklist_parent(
    ctx: ToolContext, schema: EntitySchema, info: FieldInfo, fields: Record, record: Record | None
) -> object:
    """The parent value a dependent picklist is read within (the tenant spells the parent
    field as it likes: ``IssueType``): the one given now, else the record's current one."""
    parent_info = schema.field(info.picklist_parent_value_field or "")
    if not info.is_pick_list or parent_info is None:
        return None
    key, given = _given(schema, fields, parent_info.name)
    if key is not None and given is not None:
        return await coerce(ctx, schema, parent_info, given)
    return (record or {}).get(parent_info.name)


async def _payload(
    ctx: ToolContext, schema: EntitySchema, fields: Record, record: Record | None = None
) -> Record:
    payload: Record = {}
    udfs: list[dict[str, Any]] = []
    for key, value in fields.items():
        info = schema.require(key)
        if info.is_read_only:
            raise ToolError(f"{info.name} is read-only on {schema.entity}; Autotask sets it.")
        parent = await _picklist_parent(ctx, schema, info, fields, record)
        wire = await coerce(ctx, schema, info, value, parent=parent)
        if schema.field(key) is None:
            udfs.append({"name": info.name, "value": None if wire is None else str(wire)})
        else:
            payload[info.name] = wire
    if udfs:
        payload["userDefinedFields"] = udfs
    return payload


def _missing_required(schema: EntitySchema, payload: Record, parent_field: str | None) -> list[str]:
    return [
        f.name
        for f in schema.fields
        if f.is_required
        and not f.is_read_only
        and f.name != parent_field
        and payload.get(f.name) in (None, "")
    ]


async def _changes(
    ctx: ToolContext, schema: EntitySchema, payload: Record, before: Record | None
) -> list[FieldChange]:
    names = [k for k in payload if k != "userDefinedFields" and schema.field(k)]
    renderer = Renderer(ctx, schema, tuple(names))
    shown_after = (await renderer.rows([payload], trim=False))[0]
    shown_before = (await renderer.rows([before], trim=False))[0] if before else {}
    changes = [
        FieldChange(
            field=n, label=humanize(n), before=shown_before.get(n), after=shown_after.get(n)
        )
        for n in names
    ]
    for udf in payload.get("userDefinedFields") or []:
        old = next(
            (
                u.get("value")
                for u in (before or {}).get("userDefinedFields") or []
                if u.get("name") == udf["name"]
            ),
            None,
        )
        changes.append(
            FieldChange(field=udf["name"], label=udf["name"], before=old, after=udf["value"])
        )
    return changes


def _attribution(ctx: ToolContext) -> Attribution | None:
    if ctx.actor is None:
        return None
    return Attribution(
        resource_id=ctx.actor.resource_id, name=ctx.actor.name, impersonated=ctx.tenant.impersonate
    )


def _written_through_parent(
    schema: EntitySchema, action: Action, record: Record
) -> ParentRef | None:
    """A child entity that Autotask updates or deletes only under its parent
    (``PATCH Tickets/{parentId}/Notes``, ``DELETE Companies/{parentId}/Contacts/{id}``)."""
    kind = schema.kind
    if action in kind.root_verbs or not (kind.parent and kind.child_path and kind.parent_field):
        return None
    parent_id = record.get(kind.parent_field)
    if parent_id is None:
        raise ToolError(f"This {kind.singular.lower()} has no {kind.parent_field}; Autotask "
                        f"{action}s it only through its {kind.parent} record.")  # fmt: skip
    return ParentRef(entity=kind.parent, id=int(parent_id), child_path=kind.child_path)


async def plan_change(ctx: ToolContext, args: PlanArgs) -> ChangePlan:
    schema = await ctx.schemas.get(args.entity)
    _check_allowed(schema, args.action)
    web = await ctx.client.web_url()
    if args.action == "create":
        return await _plan_create(ctx, schema, args, web)
    record_id, record = await _target(ctx, schema, args)
    snapshot = writable_snapshot(schema, record)
    what = f"{schema.kind.singular} {display_name(schema.kind.singular, record)}"
    if args.action == "delete":
        about = await plan_context(ctx, schema, {}, record)
        return ChangePlan(
            target=about.facts,
            warnings=about.warnings,
            action="delete",
            entity=schema.entity,
            record_id=record_id,
            parent=_written_through_parent(schema, "delete", record),
            payload={},
            summary=f"Delete {what}",
            changes=[],
            attributed_to=_attribution(ctx),
            fingerprint=fingerprint(snapshot),
            snapshot=snapshot,
            danger=True,
            notes=["Deleting cannot be undone."],
            link=link(web, schema.entity, record_id) or _create_link(web, record),
        )
    special, plain = take_special_fields(schema, args.fields)
    payload = await _payload(ctx, schema, plain, record)
    await apply_defaults(ctx, schema, "update", payload, special, record)
    changed = {k: v for k, v in payload.items() if k == "userDefinedFields" or record.get(k) != v}
    if not changed:
        raise ToolError(f"Nothing to change: {what} already has those values.")
    changes = await _changes(ctx, schema, changed, record)
    about = await plan_context(ctx, schema, changed, record)
    return ChangePlan(
        target=about.facts,
        warnings=about.warnings,
        action="update",
        entity=schema.entity,
        record_id=record_id,
        parent=_written_through_parent(schema, "update", record),
        payload=changed,
        summary=f"Update {what}: " + ", ".join(c.label.lower() for c in changes),
        changes=changes,
        attributed_to=_attribution(ctx),
        fingerprint=fingerprint(snapshot),
        snapshot=snapshot,
        link=link(web, schema.entity, record_id) or _create_link(web, record),
        untrusted_fields=_others_text(changes),
    )


def _others_text(changes: list[FieldChange]) -> list[str]:
    """Fields whose shown value someone else wrote: the record's old text. The technician's own
    new values (a note, a time entry's summary) are theirs, not a customer's."""
    return [c.field for c in changes if c.field in UNTRUSTED_FIELDS and c.before not in (None, "")]


# For a create with no parent collection: the record a technician would open to check on it.
_CREATE_TARGETS = (("ticketID", "Tickets"), ("taskID", "Tasks"), ("projectID", "Projects"),
                   ("companyID", "Companies"))  # fmt: skip


def _create_link(web: str | None, payload: Record) -> str | None:
    for field, entity in _CREATE_TARGETS:
        if payload.get(field) is not None:
            return link(web, entity, int(payload[field]))
    return None


async def _plan_create(
    ctx: ToolContext, schema: EntitySchema, args: PlanArgs, web: str | None
) -> ChangePlan:
    special, plain = take_special_fields(schema, args.fields)
    payload = await _payload(ctx, schema, plain)
    outcome = await apply_defaults(ctx, schema, "create", payload, special, None)
    kind = schema.kind
    parent_field = kind.parent_field if kind.parent else None
    parent: ParentRef | None = None
    if kind.parent and kind.child_path and "create" not in kind.root_verbs:
        parent_id = payload.get(parent_field or "")
        if parent_id is None:
            raise ToolError(f"Say which {kind.parent} record the new {kind.singular} belongs to.")
        parent = ParentRef(entity=kind.parent, id=int(parent_id), child_path=kind.child_path)
    missing = _missing_required(schema, payload, parent_field if parent else None)
    if missing:
        raise ToolError(f"A new {kind.singular} also needs: {', '.join(missing)}.")
    changes = await _changes(ctx, schema, payload, None)
    about = await plan_context(ctx, schema, payload, None)
    return ChangePlan(
        target=about.facts,
        warnings=about.warnings,
        action="create",
        entity=schema.entity,
        parent=parent,
        payload=payload,
        summary=outcome.summary or f"Create {kind.singular}",
        changes=changes,
        attributed_to=_attribution(ctx),
        notes=outcome.notes,
        link=link(web, parent.entity, parent.id) if parent else _create_link(web, payload),
        untrusted_fields=_others_text(changes),
    )
