"""A compact trace of one turn's tool calls, kept in the conversation history.

A later turn's model sees what was looked up and found (and that a change is only prepared), so
it keeps calling tools instead of answering from earlier answers, and a follow-up ("set the first
one to Complete") can name a ticket that an earlier turn found.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from autotask.tools import ChangePlan, GetResult, SearchResult

from .calls import ToolCall

__all__ = ["TRACE_ROWS", "history_text", "one_line"]

TRACE_ROWS = 5
_NAMES = ("ticketNumber", "title", "companyName", "contractName", "projectName", "taskName",
          "firstName", "lastName", "name", "referenceTitle", "status")  # fmt: skip


def _row(row: dict[str, Any]) -> str:
    parts = [str(row[k]) for k in _NAMES if row.get(k) not in (None, "")][:3]
    return f"{row.get('id')} " + " / ".join(parts)


def _conditions(result: SearchResult) -> str:
    return f" [{'; '.join(result.conditions)}]" if result.conditions else ""


def one_line(call: ToolCall, result: BaseModel) -> str:
    """What a call did, in one line: 'search Tickets [open] → 108 (count)'."""
    if isinstance(result, SearchResult):
        head = f"search {result.entity}{_conditions(result)}"
        if result.mode == "count":
            return f"{head} → {result.total} (count)"
        if result.mode == "export":
            return f"{head} → {result.total} rows exported to a file"
        rows = "; ".join(_row(r) for r in result.rows[:TRACE_ROWS])
        more = f"; … {result.shown - TRACE_ROWS} more shown" if result.shown > TRACE_ROWS else ""
        return f"{head} → {result.total} found: {rows}{more}"
    if isinstance(result, GetResult):
        return f"get {result.entity} {_row(result.record)}"
    if isinstance(result, ChangePlan):
        target = f" {result.record_id}" if result.record_id else ""
        return (
            f"plan_change {result.action} {result.entity}{target}: {result.summary} → a card "
            "waits for the technician's Approve (nothing written yet)"
        )
    return f"{call.name} → done"


def history_text(trace: list[str], answer: str) -> str:
    """The assistant's history entry: the turn's tool trace, then its answer."""
    if not trace:
        return answer
    lines = "\n".join(f"- {line}" for line in trace)
    return f"[tools used this turn]\n{lines}\n[answer]\n{answer}"
