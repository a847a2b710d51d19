"""Conditions in a technician's terms ("priority = High", "company = Contoso", "created within last
week", "assigned = me") translated into Autotask filters with ids."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from .._filters import Filter, Op, Query, Scalar, any_of
from .._models import FieldInfo
from ._context import ToolContext
from ._dates import resolve_range
from ._errors import ToolError
from ._schema import EntitySchema
from ._values import humanize

__all__ = ["DATE_ONLY_FIELDS", "Condition", "describe", "to_filters"]

Operator = Literal[
    "=",
    "!=",
    ">",
    ">=",
    "<",
    "<=",
    "contains",
    "begins with",
    "ends with",
    "in",
    "not in",
    "is set",
    "is not set",
    "within",
]
Value = str | int | float | bool | list[str | int | float] | None

_OPS: dict[str, Op] = {
    "=": Op.EQ,
    "!=": Op.NOTEQ,
    ">": Op.GT,
    ">=": Op.GTE,
    "<": Op.LT,
    "<=": Op.LTE,
    "contains": Op.CONTAINS,
    "begins with": Op.BEGINS_WITH,
    "ends with": Op.ENDS_WITH,
    "in": Op.IN,
    "not in": Op.NOT_IN,
    "is set": Op.EXIST,
    "is not set": Op.NOT_EXIST,
}

# Fields that hold a calendar day stored as midnight UTC rather than a moment.
DATE_ONLY_FIELDS = frozenset(
    {
        "dateWorked",
        "startDate",
        "endDate",
        "dueDate",
        "installDate",
        "warrantyExpirationDate",
        "paidDate",
        "fromDate",
        "toDate",
        "hireDate",
    }
)

_COMPLETE_LABEL = "Complete"
_PROJECT_WORDS = frozenset({"project", "projectid", "project name", "projectname"})
IN_CHUNK = 500  # values per ``in`` condition (Autotask's limit on one condition's list)


class Condition(BaseModel):
    """One filter condition."""

    model_config = ConfigDict(extra="forbid")

    field: str = Field(
        description="Field name (see describe), a plain word such as company, assigned, queue, "
        "status, priority, created, due, or a user-defined field's name. 'open' (true/false) "
        "means status is not Complete."
    )
    op: Operator = Field(default="=", description="Comparison; 'within' takes a named range.")
    value: Value = Field(
        default=None,
        description="Labels and names, not ids: 'High', 'In Progress', 'Contoso', 'me'. Dates: "
        "YYYY-MM-DD, or with op 'within' a named range: today, yesterday, this week, last week, "
        "this month, last month, this quarter, last quarter, this year, last N days, next N days.",
    )


def _as_list(value: Value) -> list[str | int | float | bool]:
    if isinstance(value, list):
        return list(value)
    return [] if value is None else [value]


async def _ids(ctx: ToolContext, schema: EntitySchema, info: FieldInfo, value: Value) -> list[int]:
    resolved: list[int] = []
    for item in _as_list(value):
        if info.is_pick_list:
            resolved.append(int(schema.picklist_value(info.name, item).value))
        elif str(item).strip().lower() in {"me", "myself", "i"}:
            resolved.append(ctx.require_actor().resource_id)
        else:
            target = info.reference_entity_type or ""
            resolved.append(await ctx.names.resolve(target, item))
    return resolved


def _moment(text: str, ctx: ToolContext, *, date_only: bool) -> tuple[datetime, datetime]:
    """A typed date or date-time as the [start, end) it covers."""
    raw = text.strip()
    try:
        if len(raw) == 10:
            day = date.fromisoformat(raw)
            zone = UTC if date_only else ctx.tz
            start = datetime.combine(day, time.min, tzinfo=zone).astimezone(UTC)
            return start, start + timedelta(days=1)
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        named = resolve_range(raw, now=ctx.now(), tz=ctx.tz, date_only=date_only)
        return named.start, named.end
    moment = moment if moment.tzinfo else moment.replace(tzinfo=ctx.tz)
    return moment.astimezone(UTC), moment.astimezone(UTC)


def _date_filters(condition: Condition, info: FieldInfo, ctx: ToolContext) -> list[Filter]:
    if condition.op in {"is set", "is not set"}:
        return [Filter(op=_OPS[condition.op], field=info.name)]
    if not isinstance(condition.value, str):
        raise ToolError(
            f"{info.name} needs a date (YYYY-MM-DD) or a named range such as 'last week'."
        )
    start, end = _moment(condition.value, ctx, date_only=info.name in DATE_ONLY_FIELDS)
    name = info.name
    if condition.op in {"=", "within"}:
        return (
            [Filter.gte(name, start), Filter.lt(name, end)]
            if end > start
            else [Filter.eq(name, start)]
        )
    bounds = {
        ">": Filter.gte(name, end),
        ">=": Filter.gte(name, start),
        "<": Filter.lt(name, start),
        "<=": Filter.lt(name, end),
        "!=": None,
    }
    chosen = bounds.get(condition.op)
    if chosen is None:
        raise ToolError(f"'{condition.op}' does not apply to the date field {name}.")
    return [chosen]


async def _project_tasks(ctx: ToolContext, condition: Condition) -> list[Filter]:
    """Time entries of a project: Autotask links time to tickets and tasks, never to a project,
    so the project's tasks are looked up and their time entries matched (``in``, batched)."""
    if condition.op not in {"=", "in"} or not isinstance(condition.value, str | int):
        raise ToolError("Time entries can be matched to one project by its name.")
    project_id = await ctx.names.resolve("Project", condition.value)
    query = Query(filter=(Filter.eq("projectID", project_id),), include_fields=("id",))
    ids: list[Scalar] = [int(row["id"]) for row in await ctx.client.query("Tasks", query)]
    if not ids:
        raise ToolError(
            f"The project '{condition.value}' has no tasks, and Autotask links time entries only "
            "to tickets and project tasks."
        )
    chunks = [Filter.in_("taskID", ids[i : i + IN_CHUNK]) for i in range(0, len(ids), IN_CHUNK)]
    return [chunks[0] if len(chunks) == 1 else any_of(*chunks)]


async def _one(ctx: ToolContext, schema: EntitySchema, condition: Condition) -> list[Filter]:
    if schema.entity == "TimeEntries" and condition.field.strip().lower() in _PROJECT_WORDS:
        return await _project_tasks(ctx, condition)
    if condition.field.strip().lower() == "open":
        complete = schema.picklist_value("status", _COMPLETE_LABEL).value
        wanted_open = str(condition.value).lower() not in {"false", "no", "0"}
        return [Filter(op=Op.NOTEQ if wanted_open else Op.EQ, field="status", value=int(complete))]
    udf = schema.field(condition.field) is None and schema.udf(condition.field) is not None
    info = schema.require(condition.field)
    if info.data_type == "datetime":
        return _date_filters(condition, info, ctx)
    op = _OPS.get(condition.op)
    if op is None:
        raise ToolError(f"'within' applies to date fields; {info.name} is not one.")
    if op in {Op.EXIST, Op.NOT_EXIST}:
        return [Filter(op=op, field=info.name, udf=udf)]
    if condition.value is None:
        raise ToolError(f"The condition on {info.name} needs a value.")
    if (info.is_pick_list or info.is_reference) and not udf:
        ids = await _ids(ctx, schema, info, condition.value)
        if op in {Op.EQ, Op.IN} and len(ids) != 1:
            return [Filter.in_(info.name, list(ids))]
        if op in {Op.NOTEQ, Op.NOT_IN} and len(ids) != 1:
            return [Filter.not_in(info.name, list(ids))]
        op = {Op.IN: Op.EQ, Op.NOT_IN: Op.NOTEQ}.get(op, op)
        return [Filter(op=op, field=info.name, value=ids[0])]
    value = condition.value
    if op in {Op.IN, Op.NOT_IN}:
        return [Filter(op=op, field=info.name, value=_as_list(value), udf=udf)]
    if isinstance(value, list):
        raise ToolError(f"Use 'in' to compare {info.name} with several values.")
    return [Filter(op=op, field=info.name, value=value, udf=udf)]


def describe(condition: Condition, schema: EntitySchema, ctx: ToolContext) -> str:
    """The condition in words, with a named range spelled out as dates."""
    if schema.entity == "TimeEntries" and condition.field.strip().lower() in _PROJECT_WORDS:
        return (
            f"project = {condition.value} (time logged on the project's tasks: Autotask links "
            "time to tickets and tasks, not to projects)"
        )
    if condition.field.strip().lower() == "open":
        return "open" if str(condition.value).lower() not in {"false", "no", "0"} else "closed"
    info = schema.field(condition.field) or schema.udf(condition.field)
    name = info.name if info else condition.field
    label = humanize(name) if schema.field(name) else name
    if condition.op in {"is set", "is not set"}:
        return f"{label} {condition.op}"
    value = condition.value
    shown = ", ".join(str(v) for v in value) if isinstance(value, list) else str(value)
    if info is not None and info.data_type == "datetime" and isinstance(value, str):
        try:
            named = resolve_range(
                value, now=ctx.now(), tz=ctx.tz, date_only=name in DATE_ONLY_FIELDS
            )
            shown = named.describe(ctx.tz)
        except ValueError:
            pass
    return f"{label} {condition.op} {shown}"


async def to_filters(
    ctx: ToolContext, schema: EntitySchema, conditions: list[Condition]
) -> tuple[list[Filter], list[str]]:
    """Every condition as Autotask filters (ANDed), and each in words."""
    filters: list[Filter] = []
    for condition in conditions:
        filters.extend(await _one(ctx, schema, condition))
    return filters, [describe(c, schema, ctx) for c in conditions]
