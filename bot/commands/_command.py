"""What the command grammar makes of a message: an intent and, for tools, the calls to run."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from ..calls import ToolCall

__all__ = [
    "Choice",
    "Command",
    "Intent",
    "ParseFailure",
    "Reading",
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
    "my_work",
    "channel_link",
    "channel_unlink",
    "channel_show",
    "ask",
    "unknown",
]
Reading = Literal["complete", "ambiguous", "partial", "unknown"]


@dataclass(frozen=True, slots=True)
class TimerRequest:
    """A timer command's words: the ticket (number or id) to time, what the work was."""

    ticket: str | int | None = None
    summary: str | None = None


@dataclass(frozen=True, slots=True)
class Choice:
    """One answer to a question the grammar asks back: its label and the calls it stands for."""

    label: str
    calls: tuple[ToolCall, ...]
    intent: Intent = "tools"  # "channel_link": the company picked for the channel


@dataclass(frozen=True, slots=True)
class Command:
    """The parsed message. ``calls`` run in order; each validates against its tool's arguments.

    ``intent`` "ask" is a short question back (``text``) with ``choices``; "unknown" is a message
    the grammar could not read (``partial`` when it recognised the request but something is
    missing), with a hint and the nearest commands in ``text``.
    """

    intent: Intent
    calls: tuple[ToolCall, ...] = ()
    alert_filters: dict[str, Any] | None = None
    timer: TimerRequest | None = None
    text: str | None = None
    choices: tuple[Choice, ...] = ()
    partial: bool = False
    # A change that lacks only its ticket ("log 45m VPN fix"): with intent "ask", the caller
    # offers the technician's open tickets as the choices, each this call with its ticket.
    needs_ticket: ToolCall | None = None
    # A new ticket that lacks only its company ("new ticket: printer down"): in a channel linked
    # to a company, the caller makes it for that company; elsewhere ``text`` asks for one.
    needs_company: ToolCall | None = None
    company: str | None = None  # the company a "link this channel to …" names
    note: str | None = None  # said first on the answer (the channel's company was used)

    @property
    def reading(self) -> Reading:
        """How completely the grammar read the message: "complete" (safe to run as it is,
        without a model), "ambiguous" (a question back), "partial" or "unknown"."""
        if self.intent == "ask":
            return "ambiguous"
        if self.intent == "unknown":
            return "partial" if self.partial else "unknown"
        return "complete"


class ParseFailure(Exception):
    """A recognised command that is incomplete or impossible; ``hint`` says how to phrase it.
    ``needs_company``: the call it would be, had the company been named."""

    def __init__(self, hint: str, *, needs_company: ToolCall | None = None) -> None:
        super().__init__(hint)
        self.hint = hint
        self.needs_company = needs_company


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
    totals: list[str] | None = None,
) -> Command:
    """A ``search`` command; only the options that differ from the tool's defaults are sent."""
    arguments: dict[str, Any] = {"entity": entity, "filters": filters}
    if mode != "list":
        arguments["mode"] = mode
    if limit is not None:
        arguments["limit"] = limit
    if sort is not None:
        arguments["sort"] = sort
    if totals:
        arguments["totals"] = totals
    return tools("search", arguments)
