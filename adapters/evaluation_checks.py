"""Checks for the evaluation questions: each compares tool results with the sandbox's own data."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from autotask.sandbox import Sandbox
from autotask.tools import ChangePlan, GetResult, SearchResult, ToolContext, resolve_range
from bot.calls import ToolCall

Record = dict[str, Any]
Results = list[tuple[ToolCall, BaseModel]]
Check = Callable[[Results, Sandbox, ToolContext], bool]


Calls = list[tuple[str, dict[str, Any]]]
Text = Callable[[Sandbox, ToolContext], str]


@dataclass(frozen=True)
class EvalCase:
    """A question (text, or text made from the data), the ideal tool calls, and the check."""

    question: str | Text
    ideal: Callable[[Sandbox, ToolContext], Calls]
    check: Check

    def text(self, box: Sandbox, ctx: ToolContext) -> str:
        return self.question if isinstance(self.question, str) else self.question(box, ctx)


def my_open_ticket(box: Sandbox, ctx: ToolContext) -> Record:
    """The first open ticket assigned to the asking technician (stable for one data set)."""
    assert ctx.actor is not None
    return next(
        t
        for t in box.records("Tickets")
        if t["status"] != 5 and t["assignedResourceID"] == ctx.actor.resource_id
    )


def company(box: Sandbox, name: str) -> int:
    return next(int(c["id"]) for c in box.records("Companies") if c["companyName"] == name)


def when(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None


def counts(results: Results) -> list[int]:
    return [r.total for _, r in results if isinstance(r, SearchResult) and r.total is not None]


def count_is(expected: Callable[[Sandbox, ToolContext], int]) -> Check:
    return lambda results, box, ctx: expected(box, ctx) in counts(results)


def rows_are(entity: str, expected: Callable[[Sandbox, ToolContext], set[int]]) -> Check:
    def check(results: Results, box: Sandbox, ctx: ToolContext) -> bool:
        wanted = expected(box, ctx)
        for _, result in results:
            if isinstance(result, SearchResult) and result.entity == entity:
                if result.total == len(wanted) and {r["id"] for r in result.rows} <= wanted:
                    return True
        return False

    return check


def tickets(box: Sandbox, keep: Callable[[Record], bool]) -> list[Record]:
    return [t for t in box.records("Tickets") if keep(t)]


def in_range(
    name: str, field_name: str, *, date_only: bool = False
) -> Callable[[Record, ToolContext], bool]:
    def keep(record: Record, ctx: ToolContext) -> bool:
        span = resolve_range(name, now=ctx.now(), tz=ctx.tz, date_only=date_only)
        moment = when(record.get(field_name))
        return moment is not None and span.start <= moment < span.end

    return keep


def plan_is(entity: str, action: str, **fields: Callable[[Any, Sandbox], bool]) -> Check:
    def check(results: Results, box: Sandbox, ctx: ToolContext) -> bool:
        for _, result in results:
            if (
                isinstance(result, ChangePlan)
                and result.entity == entity
                and result.action == action
            ):
                if all(test(result.payload.get(name), box) for name, test in fields.items()):
                    return True
        return False

    return check


def got(entity: str, predicate: Callable[[GetResult, Sandbox], bool]) -> Check:
    return lambda results, box, ctx: any(
        isinstance(r, GetResult) and r.entity == entity and predicate(r, box) for _, r in results
    )


def is_open(t: Record) -> bool:
    return bool(t["status"] != 5)


def count_tickets(keep: Callable[[Record], bool]) -> Callable[[Sandbox, ToolContext], int]:
    return lambda box, ctx: len(tickets(box, keep))
