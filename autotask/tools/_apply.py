"""The ``apply_change`` tool: applies a confirmed ChangePlan, refusing if the record moved.

Only a human click may lead here (the bot's approvals decide that); the model never gets this tool.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from .._errors import (
    AutotaskError,
    BusyError,
    InvalidRequestError,
    NotFoundError,
    OutcomeUnknownError,
    PermissionDeniedError,
    UnreachableError,
)
from ._context import Actor, ToolContext
from ._errors import ToolError
from ._links import link
from ._names import display_name
from ._plans import ChangePlan, FieldChange, fingerprint, writable_snapshot
from ._values import humanize

__all__ = ["ApplyArgs", "ApplyResult", "apply_change"]

Record = dict[str, Any]
Status = Literal["applied", "stale", "failed", "unknown"]


class ApplyArgs(BaseModel):
    plan: ChangePlan


class ApplyResult(BaseModel):
    status: Status = Field(
        description="applied; stale (the record changed since the preview, nothing written); "
        "failed (nothing written); unknown (sent, but no answer: check Autotask)."
    )
    message: str
    record_id: int | None = None
    read_back: Record = Field(default_factory=dict)
    link: str | None = None
    moved: list[FieldChange] = Field(default_factory=list)


def _moved(plan: ChangePlan, now: Record) -> list[FieldChange]:
    before = plan.snapshot or {}
    keys = sorted(set(before) | set(now))
    return [
        FieldChange(field=k, label=humanize(k), before=before.get(k), after=now.get(k))
        for k in keys
        if before.get(k) != now.get(k)
    ]


async def _stale_check(ctx: ToolContext, plan: ChangePlan) -> ApplyResult | None:
    if plan.action == "create" or plan.record_id is None:
        return None
    schema = await ctx.schemas.get(plan.entity)
    try:
        record = await ctx.client.get(plan.entity, plan.record_id)
    except NotFoundError:
        return ApplyResult(
            status="stale", message=f"{plan.entity} {plan.record_id} no longer exists in Autotask."
        )
    snapshot = writable_snapshot(schema, record)
    if fingerprint(snapshot) == plan.fingerprint:
        return None
    moved = _moved(plan, snapshot)
    names = ", ".join(change.label.lower() for change in moved) or "some fields"
    return ApplyResult(
        status="stale",
        message=f"Not applied: the record changed since the preview ({names}). Review it again.",
        record_id=plan.record_id,
        moved=moved,
        link=plan.link,
    )


def _path(plan: ChangePlan) -> str:
    if plan.parent is not None:
        return f"{plan.parent.entity}/{plan.parent.id}/{plan.parent.child_path}"
    return plan.entity


async def _send(ctx: ToolContext, plan: ChangePlan, acting: Actor) -> int:
    impersonate = acting.resource_id if ctx.tenant.impersonate else None
    if plan.action == "create":
        return await ctx.client.create(_path(plan), plan.payload, impersonate=impersonate)
    assert plan.record_id is not None
    if plan.action == "update":
        return await ctx.client.update(
            _path(plan), plan.record_id, plan.payload, impersonate=impersonate
        )
    return await ctx.client.delete(_path(plan), plan.record_id, impersonate=impersonate)


async def _read_back(ctx: ToolContext, plan: ChangePlan, record_id: int) -> tuple[Record, str]:
    if plan.action == "delete":
        return {}, f"Deleted {plan.entity} {record_id}."
    schema = await ctx.schemas.get(plan.entity)
    try:
        record = await ctx.client.get(plan.entity, record_id)
    except AutotaskError:
        return {}, f"Done ({plan.entity} {record_id}); it could not be read back yet."
    shown = {
        k: record.get(k)
        for k in ("id", "ticketNumber", "title", "status", "hoursWorked")
        if record.get(k) is not None
    }
    if "status" in shown:
        shown["status"] = schema.label("status", shown["status"]) or shown["status"]
    name = display_name(schema.kind.singular, record)
    if name.startswith("#"):  # no name worth showing (a time entry, a note): say what was done
        return shown, f"Done: {plan.summary[:1].lower()}{plan.summary[1:]}."
    verb = "Created" if plan.action == "create" else "Updated"
    return shown, f"{verb} {schema.kind.singular} {name}."


def _failure(exc: AutotaskError, plan: ChangePlan) -> ApplyResult:
    if isinstance(exc, OutcomeUnknownError):
        return ApplyResult(
            status="unknown",
            message=str(exc)
            if exc.errors  # Autotask answered, but not with the record it made: its words
            else "Autotask did not answer after the change was sent; it may or may not have "
            "been applied. Check in Autotask before trying again.",
            link=plan.link,
            record_id=plan.record_id,
        )
    prefix = {
        InvalidRequestError: "Autotask refused the change",
        PermissionDeniedError: "Autotask does not allow this for you or the API user",
        BusyError: "Autotask is busy; nothing was written. Try again shortly",
        UnreachableError: "Autotask could not be reached; nothing was written",
    }.get(type(exc), "The change failed; nothing was written")
    detail = "; ".join(exc.errors) if exc.errors else ""
    message = f"{prefix}: {detail}" if detail else f"{prefix}."
    return ApplyResult(status="failed", message=message, link=plan.link, record_id=plan.record_id)


async def apply_change(ctx: ToolContext, plan: ChangePlan, acting: Actor) -> ApplyResult:
    """Re-check and apply ``plan`` on behalf of ``acting`` (the technician who clicked)."""
    schema = await ctx.schemas.get(plan.entity)
    if schema.kind.administrative:
        raise ToolError(f"{schema.entity} is administrative configuration; it is never changed.")
    try:
        stale = await _stale_check(ctx, plan)
        if stale is not None:
            return stale
        record_id = await _send(ctx, plan, acting)
    except AutotaskError as exc:
        return _failure(exc, plan)
    read_back, message = await _read_back(ctx, plan, record_id)
    web = await ctx.client.web_url()
    target = link(web, plan.entity, record_id) if plan.action != "delete" else None
    return ApplyResult(
        status="applied",
        message=message,
        record_id=record_id,
        read_back=read_back,
        link=target or plan.link,
    )
