"""Conditions in a technician's terms ("priority = High", "company = Contoso", "created within last
week", "assigned = me") translated into Autotask filters with ids."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from .._filters import Filter, Op, Query, Scalar, any_of
from .._models import FieldInfo
from ._context import ToolContext
from ._dates import resolve_range
from ._errors import ToolError
from ._picklist_order import ascending
from ._schema import TICKET_COMPLETE, EntitySchema
from ._udf_match import udf_predicate
from ._values import humanize

__all__ = ["DATE_ONLY_FIELDS", "Compiled", "Condition", "describe", "to_filters"]

logger = logging.getLogger(__name__)

Record = dict[str, Any]

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

_PROJECT_WORDS = frozenset({"project", "projectid", "project name", "projectname"})
IN_CHUNK = 500  # values per ``in`` condition (Autotask's limit on one condition's list)
_NO = {"false", "no", "0", "off"}
_ORDERED = {Op.GT, Op.GTE, Op.LT, Op.LTE}


class Condition(BaseModel):
    """One filter condition."""

    model_config = ConfigDict(extra="forbid")

    field: str = Field(
        description="Field name (see describe), a plain word such as company, assigned, queue, "
        "status, priority, created, due, or a user-defined field's name. 'open' (true/false): "
        "the ticket is not completed (this tenant's closed statuses); 'overdue' (true): open "
        "and due before now. Ordered comparisons on picklists (priority >= High) follow the "
        "tenant's picklist order."
    )
    op: Operator = Field(default="=", description="Comparison; 'within' takes a named range.")
    value: Value = Field(
        default=None,
        description="Labels and names, not ids: 'High', 'In Progress', 'Contoso', 'me'. Dates: "
        "YYYY-MM-DD, now, or with op 'within' a named range: today, yesterday, this week, "
        "last week, this month, last month, this quarter, last quarter, this year, "
        "last N days, next N days.",
    )


def _as_list(value: Value) -> list[str | int | float | bool]:
    if isinstance(value, list):
        return list(value)
    return [] if value is None else [value]


def _wants(value: Value) -> bool:
    return str(value).strip().lower() not in _NO


@dataclass
class Compiled:
    """Conditions as Autotask filters, plus the checks Autotask cannot make in the same query
    (a second user-defined-field condition: Autotask allows one per query), applied to the
    rows it returns."""

    filters: list[Filter] = field(default_factory=list)
    local: list[Callable[[Record], bool]] = field(default_factory=list)
    words: list[str] = field(default_factory=list)

    def matches(self, record: Record) -> bool:
        return all(check(record) for check in self.local)


async def _references(ctx: ToolContext, info: FieldInfo, value: Value) -> list[int]:
    resolved: list[int] = []
    for item in _as_list(value):
        if str(item).strip().lower() in {"me", "myself", "i"}:
            resolved.append(ctx.require_actor().resource_id)
        else:
            resolved.append(await ctx.names.resolve(info.reference_entity_type or "", item))
    return resolved


def _picklist_values(schema: EntitySchema, info: FieldInfo, value: Value) -> list[str]:
    """Stored values the labels name; a label the tenant repeats names every value carrying it."""
    found: list[str] = []
    for item in _as_list(value):
        found.extend(v.value for v in schema.picklist_entries(info.name, item))
    return list(dict.fromkeys(found))


def _ordered(schema: EntitySchema, info: FieldInfo, op: Op, value: Value) -> list[str]:
    """``priority >= High``: the values on that side of the label in the picklist's order."""
    if isinstance(value, list):
        raise ToolError(f"Compare {info.name} with one value.")
    order = [v.value for v in ascending(info)]
    positions = [order.index(v) for v in _picklist_values(schema, info, value) if v in order]
    low, high = min(positions), max(positions)
    keep: dict[Op, Callable[[int], bool]] = {
        Op.GT: lambda i: i > high,
        Op.GTE: lambda i: i >= low,
        Op.LT: lambda i: i < low,
        Op.LTE: lambda i: i <= high,
    }
    chosen = [v for i, v in enumerate(order) if keep[op](i)]
    if not chosen:
        raise ToolError(f"No {info.name} of {schema.entity} lies {op.value} '{value}'.")
    return chosen


def _wire_values(info: FieldInfo, values: list[str]) -> list[str | int]:
    return [int(v) if v.lstrip("-").isdigit() and info.data_type != "string" else v for v in values]


def _set_filter(name: str, op: Op, values: list[Any], *, udf: bool) -> Filter:
    negative = op in {Op.NOTEQ, Op.NOT_IN}
    if len(values) == 1:
        return Filter(op=Op.NOTEQ if negative else Op.EQ, field=name, value=values[0], udf=udf)
    return Filter(op=Op.NOT_IN if negative else Op.IN, field=name, value=values, udf=udf)


def _moment(text: str, ctx: ToolContext, *, date_only: bool) -> tuple[datetime, datetime]:
    """A typed date or date-time as the [start, end) it covers; "now" is the moment itself."""
    raw = text.strip()
    if raw.lower() == "now":
        return ctx.now(), ctx.now()
    try:
        if len(raw) == 10:
            day = date.fromisoformat(raw)
            zone = UTC if date_only else ctx.tz
            start = datetime.combine(day, time.min, tzinfo=zone).astimezone(UTC)
            return start, start + timedelta(days=1)
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        try:
            named = resolve_range(raw, now=ctx.now(), tz=ctx.tz, date_only=date_only)
        except ValueError as exc:
            raise ToolError(str(exc)) from exc
        return named.start, named.end
    moment = moment if moment.tzinfo else moment.replace(tzinfo=ctx.tz)
    return moment.astimezone(UTC), moment.astimezone(UTC)


def _date_filters(
    condition: Condition, info: FieldInfo, ctx: ToolContext, *, udf: bool
) -> list[Filter]:
    if condition.op in {"is set", "is not set"}:
        return [Filter(op=_OPS[condition.op], field=info.name, udf=udf)]
    if not isinstance(condition.value, str):
        raise ToolError(
            f"{info.name} needs a date (YYYY-MM-DD) or a named range such as 'last week'."
        )
    date_only = udf or info.name in DATE_ONLY_FIELDS
    start, end = _moment(condition.value, ctx, date_only=date_only)
    name = info.name
    if condition.op in {"=", "within"}:
        if end > start:
            return [Filter.gte(name, start, udf=udf), Filter.lt(name, end, udf=udf)]
        return [Filter.eq(name, start, udf=udf)]
    bounds = {
        ">": Filter.gte(name, end, udf=udf),
        ">=": Filter.gte(name, start, udf=udf),
        "<": Filter.lt(name, start, udf=udf),
        "<=": Filter.lt(name, end, udf=udf),
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


async def closed_statuses(ctx: ToolContext, schema: EntitySchema) -> list[int]:
    """The status values that count as closed: the system value Complete (5), whatever the
    tenant calls it, and the tenant's ``closed_statuses`` setting (labels or ids)."""
    info = schema.field("status")
    if info is None or not info.is_pick_list:
        raise ToolError(f"{schema.entity} has no status, so 'open' does not apply.")
    closed = [TICKET_COMPLETE] if info.picklist_label(TICKET_COMPLETE) is not None else []
    for label in ctx.tenant.ticket_defaults.closed_statuses:
        closed.extend(v.value for v in schema.picklist_entries("status", label))
    if not closed:
        raise ToolError(
            f"This tenant's {schema.entity} statuses have no Complete value; set the closed "
            "statuses (ATBOT_TICKET_DEFAULTS__CLOSED_STATUSES)."
        )
    return [int(v) for v in dict.fromkeys(closed)]


async def _open(ctx: ToolContext, schema: EntitySchema, wanted_open: bool) -> list[Filter]:
    closed: list[Any] = list(await closed_statuses(ctx, schema))
    return [_set_filter("status", Op.NOT_IN if wanted_open else Op.IN, closed, udf=False)]


async def _overdue(ctx: ToolContext, schema: EntitySchema, wanted: bool) -> list[Filter]:
    due = schema.field("due")
    if due is None or due.data_type != "datetime":
        raise ToolError(f"{schema.entity} has no due date, so 'overdue' does not apply.")
    if not wanted:
        raise ToolError("Ask for overdue records, or for due dates after now ('due > now').")
    return [*await _open(ctx, schema, True), Filter.lt(due.name, ctx.now())]


async def _one(ctx: ToolContext, schema: EntitySchema, condition: Condition) -> list[Filter]:
    word = condition.field.strip().lower()
    if schema.entity == "TimeEntries" and word in _PROJECT_WORDS:
        return await _project_tasks(ctx, condition)
    if word == "open":
        return await _open(ctx, schema, _wants(condition.value))
    if word == "overdue" and schema.field("overdue") is None:
        return await _overdue(ctx, schema, _wants(condition.value))
    udf = schema.field(condition.field) is None and schema.udf(condition.field) is not None
    info = schema.require(condition.field)
    if info.data_type in {"datetime", "date"}:
        return _date_filters(condition, info, ctx, udf=udf)
    op = _OPS.get(condition.op)
    if op is None:
        raise ToolError(f"'within' applies to date fields; {info.name} is not one.")
    if op in {Op.EXIST, Op.NOT_EXIST}:
        return [Filter(op=op, field=info.name, udf=udf)]
    if condition.value is None:
        raise ToolError(f"The condition on {info.name} needs a value.")
    if info.is_pick_list and op in _ORDERED:
        values = _wire_values(info, _ordered(schema, info, op, condition.value))
        return [_set_filter(info.name, Op.IN, list(values), udf=udf)]
    if info.is_pick_list and op in {Op.EQ, Op.NOTEQ, Op.IN, Op.NOT_IN}:
        values = _wire_values(info, _picklist_values(schema, info, condition.value))
        return [_set_filter(info.name, op, list(values), udf=udf)]
    if info.is_reference and not udf and op in {Op.EQ, Op.NOTEQ, Op.IN, Op.NOT_IN}:
        ids = await _references(ctx, info, condition.value)
        return [_set_filter(info.name, op, list(ids), udf=False)]
    value = condition.value
    if op in {Op.IN, Op.NOT_IN}:
        return [Filter(op=op, field=info.name, value=_as_list(value), udf=udf)]
    if isinstance(value, list):
        raise ToolError(f"Use 'in' to compare {info.name} with several values.")
    return [Filter(op=op, field=info.name, value=value, udf=udf)]


def describe(condition: Condition, schema: EntitySchema, ctx: ToolContext) -> str:
    """The condition in words, with a named range spelled out as dates."""
    word = condition.field.strip().lower()
    if schema.entity == "TimeEntries" and word in _PROJECT_WORDS:
        return (
            f"project = {condition.value} (time logged on the project's tasks: Autotask links "
            "time to tickets and tasks, not to projects)"
        )
    if word == "open":
        return "open" if _wants(condition.value) else "closed"
    if word == "overdue" and schema.field("overdue") is None:
        return "overdue (open, due before now)"
    info = schema.field(condition.field) or schema.udf(condition.field)
    name = info.name if info else condition.field
    label = humanize(name) if schema.field(name) else name
    if condition.op in {"is set", "is not set"}:
        return f"{label} {condition.op}"
    value = condition.value
    shown = ", ".join(_shown(v, info, ctx) for v in (value if isinstance(value, list) else [value]))
    if info is not None and info.data_type == "datetime" and isinstance(value, str):
        try:
            named = resolve_range(
                value, now=ctx.now(), tz=ctx.tz, date_only=name in DATE_ONLY_FIELDS
            )
            shown = named.describe(ctx.tz)
        except ValueError:
            pass
    return f"{label} {condition.op} {shown}"


def _record_id(value: object) -> int | None:
    """``value`` as a record id (``174``, ``"174"``), else None."""
    text = str(value).strip()
    return int(text) if isinstance(value, int | str) and text.isdigit() else None


def _shown(value: object, info: FieldInfo | None, ctx: ToolContext) -> str:
    """One condition value in words: a referenced record given by its id shows its name, where
    the name is known (``company = Contoso``, not ``company = 174``)."""
    record_id = _record_id(value)
    if record_id is None or info is None or not info.reference_entity_type:
        return str(value)
    return ctx.names.cached(info.reference_entity_type, record_id) or str(value)


async def _learn_referenced_names(
    ctx: ToolContext, schema: EntitySchema, conditions: list[Condition]
) -> None:
    """Names for the records conditions give by id, in one batched lookup per entity, so that
    the conditions read in words; a failed lookup leaves the ids as they are."""
    wanted: dict[str, set[int]] = {}
    for condition in conditions:
        info = schema.field(condition.field)
        if info is None or not info.reference_entity_type:
            continue
        values = condition.value if isinstance(condition.value, list) else [condition.value]
        ids = {i for v in values if (i := _record_id(v)) is not None}
        if ids:
            wanted.setdefault(info.reference_entity_type, set()).update(ids)
    for singular, ids in wanted.items():
        try:
            await ctx.names.names_for(singular, ids)
        except Exception as exc:  # only words are at stake: the query itself goes on
            logger.info("names for %s conditions not found (%s)", singular, type(exc).__name__)


async def to_filters(
    ctx: ToolContext, schema: EntitySchema, conditions: list[Condition]
) -> Compiled:
    """Every condition as Autotask filters (ANDed), and each in words.

    Autotask takes one user-defined-field condition per query: the first goes to Autotask,
    any further one (the upper bound of a date range on a UDF, a second UDF) is checked on
    the rows it returns.
    """
    await _learn_referenced_names(ctx, schema, conditions)
    compiled = Compiled(words=[describe(c, schema, ctx) for c in conditions])
    udf_sent = False
    for condition in conditions:
        for item in await _one(ctx, schema, condition):
            if item.udf_count() and udf_sent:
                info = schema.require(str(item.field))
                compiled.local.append(udf_predicate(item, info))
                continue
            udf_sent = udf_sent or bool(item.udf_count())
            compiled.filters.append(item)
    return compiled
