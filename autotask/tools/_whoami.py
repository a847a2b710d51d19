"""The ``who_am_i`` tool, and the e-mail → Autotask resource lookup the bot's identity uses."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from .._filters import Filter, Query
from ._context import Actor, ToolContext
from ._errors import ToolError
from ._names import display_name

__all__ = [
    "ApiUser",
    "ResourceSummary",
    "WhoAmIArgs",
    "WhoAmIResult",
    "actor_of",
    "find_resource",
    "who_am_i",
]

Record = dict[str, Any]
_EMAILS = ("email", "email2", "email3")


class WhoAmIArgs(BaseModel):
    """Who the technician is in Autotask (or who another e-mail belongs to)."""

    model_config = ConfigDict(extra="forbid")

    email: str | None = Field(default=None, description="E-mail to look up; default: the asker.")


class ResourceSummary(BaseModel):
    id: int
    name: str
    email: str | None
    active: bool
    title: str | None = None
    default_role: str | None = None
    roles: list[str] = Field(default_factory=list)
    queues: list[str] = Field(default_factory=list)


class ApiUser(BaseModel):
    username: str
    resource_id: int | None = None
    name: str | None = None
    zone: str | None = None
    web_url: str | None = None


class WhoAmIResult(BaseModel):
    resource: ResourceSummary | None
    api_user: ApiUser
    note: str | None = None


async def find_resource(ctx: ToolContext, email: str) -> Record | None:
    """The resource whose e-mail (any of the three) is ``email``, preferring an active one."""
    wanted = email.strip().lower()
    matches = [
        record
        for record in await ctx.names.resources()
        if any(str(record.get(key) or "").lower() == wanted for key in _EMAILS)
    ]
    matches.sort(key=lambda record: not record.get("isActive"))
    return matches[0] if matches else None


def actor_of(record: Record) -> Actor:
    email = next((str(record[k]) for k in _EMAILS if record.get(k)), "")
    return Actor(resource_id=int(record["id"]), name=display_name("Resource", record), email=email)


async def _summary(ctx: ToolContext, record: Record) -> ResourceSummary:
    resource_id = int(record["id"])
    by_resource = Query(filter=(Filter.eq("resourceID", resource_id),))
    desk_roles = await ctx.client.query("ResourceServiceDeskRoles", by_resource)
    queues = await ctx.client.query("ResourceRoleQueues", by_resource)
    role_ids = {r.get("roleID") for r in desk_roles} | {record.get("defaultServiceDeskRoleID")}
    role_names = await ctx.names.names_for("Role", [i for i in role_ids if i is not None])
    tickets = await ctx.schemas.get("Tickets")
    queue_labels = {tickets.label("queueID", q.get("queueID")) for q in queues}
    default_role = record.get("defaultServiceDeskRoleID")
    return ResourceSummary(
        id=resource_id,
        name=display_name("Resource", record),
        email=record.get("email"),
        active=bool(record.get("isActive")),
        title=record.get("title"),
        default_role=role_names.get(int(default_role)) if default_role is not None else None,
        roles=sorted(
            {
                role_names[int(r["roleID"])]
                for r in desk_roles
                if r.get("isActive", True)
                and r.get("roleID") is not None
                and int(r["roleID"]) in role_names
            }
        ),
        queues=sorted(label for label in queue_labels if label),
    )


async def _api_user(ctx: ToolContext) -> ApiUser:
    username = ctx.client.credentials.username
    zone = await ctx.client.zone()
    record = next(
        (
            r
            for r in await ctx.names.resources()
            if str(r.get("userName") or "").lower() == username.lower()
            or str(r.get("email") or "").lower() == username.lower()
        ),
        None,
    )
    return ApiUser(
        username=username,
        resource_id=int(record["id"]) if record else None,
        name=display_name("Resource", record) if record else None,
        zone=zone.zone_name,
        web_url=zone.web_url,
    )


async def who_am_i(ctx: ToolContext, args: WhoAmIArgs) -> WhoAmIResult:
    email = args.email or (ctx.actor.email if ctx.actor else None)
    api_user = await _api_user(ctx)
    if not email:
        raise ToolError("Give an e-mail to look up; this conversation has no linked technician.")
    record = await find_resource(ctx, email)
    if record is None:
        missing = f"No Autotask resource has the e-mail {email}."
        return WhoAmIResult(resource=None, api_user=api_user, note=missing)
    summary = await _summary(ctx, record)
    note = None if summary.active else f"{summary.name} is inactive in Autotask."
    return WhoAmIResult(resource=summary, api_user=api_user, note=note)
