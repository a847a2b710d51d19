"""What the command grammar makes of a message: an intent and, for tools, the calls to run."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from ..calls import ToolCall

__all__ = [
    "Command",
    "Intent",
    "ParseFailure",
    "TimerRequest",
    "condition",
    "search_call",
    "tools",
]

Intent = Literal[
    "tools",
    "help",
    "alerts_on",
    "alerts_off",
    "alerts_list",
    "timer_start",
    "timer_stop",
    "timer_status",
    "timer_cancel",
    "unknown",
]


@dataclass(frozen=True, slots=True)
class TimerRequest:
    """A timer command's words: the ticket (number or id) to time, what the work was."""

    ticket: str | int | None = None
    summary: str | None = None


@dataclass(frozen=True, slots=True)
class Command:
    """The parsed message. ``calls`` run in order; each validates against its tool's arguments."""

    intent: Intent
    calls: tuple[ToolCall, ...] = ()
    alert_filters: dict[str, Any] | None = None
    timer: TimerRequest | None = None
    text: str | None = None


class ParseFailure(Exception):
    """A recognised command that is incomplete or impossible; ``hint`` says how to phrase it."""

    def __init__(self, hint: str) -> None:
        super().__init__(hint)
        self.hint = hint


def tools(name: str, arguments: dict[str, Any]) -> Command:
    """A command that runs one tool."""
    return Command(intent="tools", calls=(ToolCall(name=name, arguments=arguments),))


def condition(field: str, value: Any = None, op: str = "=") -> dict[str, Any]:
    """One search filter in the ``Condition`` shape (value left out for 'is set'/'is not set')."""
    if op in {"is set", "is not set"}:
        return {"field": field, "op": op}
    return {"field": field, "op": op, "value": value}


def search_call(
    entity: str,
    filters: list[dict[str, Any]],
    *,
    mode: str = "list",
    limit: int | None = None,
    sort: str | None = None,
) -> Command:
    """A ``search`` command; only the options that differ from the tool's defaults are sent."""
    arguments: dict[str, Any] = {"entity": entity, "filters": filters}
    if mode != "list":
        arguments["mode"] = mode
    if limit is not None:
        arguments["limit"] = limit
    if sort is not None:
        arguments["sort"] = sort
    return tools("search", arguments)
