"""Checks for the evaluation questions: each compares tool results with the sandbox's own data."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel

from autotask.sandbox import Sandbox
from autotask.tools import ChangePlan, GetResult, SearchResult, ToolContext, resolve_range
from bot.calls import ToolCall
from bot.honesty import claims_change

Record = dict[str, Any]
Results = list[tuple[ToolCall, BaseModel]]
Check = Callable[[Results, Sandbox, ToolContext], bool]


Calls = list[tuple[str, dict[str, Any]]]
Text = Callable[[Sandbox, ToolContext], str]
Kind = Literal["reading", "counting", "changes", "follow-ups"]


@dataclass(frozen=True)
class EvalCase:
    """A question (text, or text made from the data), the ideal tool calls, and the check of the
    turn's tool results. ``before`` holds earlier messages of the same conversation (follow-ups);
    their answers are not scored."""

    question: str | Text
    ideal: Callable[[Sandbox, ToolContext], Calls]
    check: Check
    kind: Kind = "counting"
    before: tuple[str | Text, ...] = ()

    def text(self, box: Sandbox, ctx: ToolContext) -> str:
        return _text(self.question, box, ctx)

    def earlier(self, box: Sandbox, ctx: ToolContext) -> list[str]:
        return [_text(question, box, ctx) for question in self.before]


def _text(question: str | Text, box: Sandbox, ctx: ToolContext) -> str:
    return question if isinstance(question, str) else question(box, ctx)


def my_open_ticket(box: Sandbox, ctx: ToolContext, index: int = 0) -> Record:
    """The ``index``-th open ticket assigned to the asking technician (stable for one data set)."""
    assert ctx.actor is not None
    return [
        t
        for t in box.records("Tickets")
        if t["status"] != 5 and t["assignedResourceID"] == ctx.actor.resource_id
    ][index]


def company(box: Sandbox, name: str) -> int:
    return next(int(c["id"]) for c in box.records("Companies") if c["companyName"] == name)


def when(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None


def counts(results: Results) -> list[int]:
    return [r.total for _, r in results if isinstance(r, SearchResult) and r.total is not None]


class CountIs:
    """A count question: some search found ``expected`` records, and the answer says the number."""

    def __init__(self, expected: Callable[[Sandbox, ToolContext], int]) -> None:
        self.expected = expected

    def __call__(self, results: Results, box: Sandbox, ctx: ToolContext) -> bool:
        return self.expected(box, ctx) in counts(results)


def count_is(expected: Callable[[Sandbox, ToolContext], int]) -> Check:
    return CountIs(expected)


def says_number(text: str, number: int) -> bool:
    """Whether an answer states ``number`` (as 1204 or 1,204), not as part of another number."""
    plain = re.sub(r"(?<=\d),(?=\d{3})", "", text)
    return re.search(rf"(?<![\d.]){number}(?![\d]|\.\d)", plain) is not None


_NOT_COUNTS = re.compile(
    r"\d{4}-\d{2}-\d{2}|\d{1,2}:\d{2}|\bT\d{8}\.\d{4}\b|\b(last|next)\s+\d+\s+days\b", re.IGNORECASE
)


def stated_numbers(text: str) -> list[int]:
    """Whole numbers an answer states as amounts (dates, times, ticket numbers and named ranges
    such as "last 7 days" left out)."""
    plain = _NOT_COUNTS.sub(" ", re.sub(r"(?<=\d),(?=\d{3})", "", text))
    return [int(n) for n in re.findall(r"(?<![\d.])\d+(?![\d]|\.\d)", plain)]


def answer_problems(case: EvalCase, text: str, box: Sandbox, ctx: ToolContext) -> list[str]:
    """What is wrong with the answer text itself: the number a count question asked for missing,
    a change claimed that only waits for a click, tool JSON shown to the technician."""
    problems = []
    if isinstance(case.check, CountIs):
        expected = case.check.expected(box, ctx)
        if not says_number(text, expected):
            problems.append(f"answer does not say {expected}")
        others = sorted(set(stated_numbers(text)) - {expected})
        if others:
            problems.append(f"answer also states {', '.join(map(str, others))}")
    if claims_change(text):
        problems.append("answer claims a change was made")
    if re.search(r'"(name|arguments)"\s*:', text):
        problems.append("answer shows tool JSON")
    return problems


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


def plan_is(
    entity: str,
    action: str,
    *,
    target: Callable[[Sandbox, ToolContext], int] | None = None,
    **fields: Callable[[Any, Sandbox], bool],
) -> Check:
    """Exactly one plan of this entity and action, on ``target``'s record, with these fields."""

    def check(results: Results, box: Sandbox, ctx: ToolContext) -> bool:
        plans = [
            r
            for _, r in results
            if isinstance(r, ChangePlan) and r.entity == entity and r.action == action
        ]
        if len(plans) != 1:
            return False
        (plan,) = plans
        if target is not None and plan.record_id != target(box, ctx):
            return False
        return all(test(plan.payload.get(name), box) for name, test in fields.items())

    return check


def got(entity: str, predicate: Callable[[GetResult, Sandbox], bool]) -> Check:
    return lambda results, box, ctx: any(
        isinstance(r, GetResult) and r.entity == entity and predicate(r, box) for _, r in results
    )


def is_open(t: Record) -> bool:
    return bool(t["status"] != 5)


def count_tickets(keep: Callable[[Record], bool]) -> Callable[[Sandbox, ToolContext], int]:
    return lambda box, ctx: len(tickets(box, keep))
