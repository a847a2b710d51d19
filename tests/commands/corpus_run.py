"""Scoring the phrasing corpus: each phrasing parsed, compared with its expected calls, and those
calls run against a sandbox. Shared by the tests and by ``make bench``."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from corpus import CORPUS, ID, MENTIONS, NUMBER, VERBATIM, Expected

from autotask.sandbox import Sandbox
from autotask.tools import ToolContext, ToolError, call
from bot.commands import Command, parse_command

__all__ = ["CORPUS", "VERBATIM", "Score", "as_expected", "score"]


def as_expected(command: Command) -> Expected:
    """A parsed command in the corpus's terms."""
    if command.intent == "tools":
        return [(c.name, c.arguments) for c in command.calls]
    if command.intent == "ask":
        return (
            "ask",
            [[(c.name, c.arguments) for c in choice.calls] for choice in command.choices],
        )
    return command.intent


def _swap(value: Any, number: str, ticket_id: int) -> Any:
    """``value`` with the corpus's ticket number and id replaced by real ones."""
    if isinstance(value, str):
        value = value.replace(NUMBER, number).replace(NUMBER.lower(), number.lower())
        return value.replace(str(ID), str(ticket_id))
    if isinstance(value, int) and not isinstance(value, bool) and value == ID:
        return ticket_id
    if isinstance(value, list):
        return [_swap(v, number, ticket_id) for v in value]
    if isinstance(value, tuple):
        return tuple(_swap(v, number, ticket_id) for v in value)
    if isinstance(value, dict):
        return {k: _swap(v, number, ticket_id) for k, v in value.items()}
    return value


@dataclass
class Score:
    right: int = 0
    total: int = 0
    verbatim_right: int = 0
    verbatim_total: int = 0
    misses: list[str] = field(default_factory=list)
    parse_seconds: list[float] = field(default_factory=list)

    @property
    def share(self) -> float:
        return self.right / self.total if self.total else 0.0


async def _runs(command: Command, ctx: ToolContext) -> str | None:
    """Why the command's calls fail against the sandbox, or None when all of them run."""
    calls = [c for choice in command.choices for c in choice.calls] or list(command.calls)
    for tool_call in calls:
        try:
            await call(tool_call.name, tool_call.arguments, ctx)
        except ToolError as exc:
            return str(exc)
    return None


async def ticket_for(box: Sandbox, ctx: ToolContext) -> dict[str, Any]:
    """An open ticket that every change phrasing changes: New, Medium priority, in no
    Level II queue, assigned to nobody the phrasings name."""
    assert ctx.actor is not None
    schema = await ctx.schemas.get("Tickets")

    def value(field: str, label: str) -> int:
        return int(schema.picklist_value(field, label).value)

    named = {
        r["id"]
        for r in box.records("Resources")
        if r["firstName"] in {"Priya", "Emma", "Daniel"} or r["id"] == ctx.actor.resource_id
    }
    return next(
        t for t in box.records("Tickets")
        if t["status"] == value("status", "New")
        and t["priority"] == value("priority", "Medium")
        and t.get("queueID") != value("queueID", "Level II Support")
        and t.get("assignedResourceID") not in named
    )  # fmt: skip


async def score(ctx: ToolContext, box: Sandbox) -> Score:
    """Each phrasing: parsed as expected, and its calls run against the sandbox."""
    ticket = await ticket_for(box, ctx)
    number, ticket_id = str(ticket["ticketNumber"]), int(ticket["id"])
    result = Score()
    for text, expected in CORPUS:
        real = _swap(text, number, ticket_id)
        started = time.perf_counter()
        command = parse_command(real, mentions=MENTIONS)
        result.parse_seconds.append(time.perf_counter() - started)
        problem = None
        if as_expected(command) != _swap(expected, number, ticket_id):
            problem = f"parsed as {as_expected(command)!r}"
        else:
            problem = await _runs(command, ctx)
        ok = problem is None
        result.total += 1
        result.right += ok
        if text in VERBATIM:
            result.verbatim_total += 1
            result.verbatim_right += ok
        if not ok:
            result.misses.append(f"{text!r}: {problem}")
    return result
