"""Questions back: when a request is ambiguous ("which Contoso?", "escalate how?") the bot asks
once, with numbered choices, and remembers them so that the next message in the thread ("2",
"the second", "Litware") picks one. A change picked this way is still only previewed."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from autotask.tools import ToolError

from .calls import ToolCall
from .commands import Choice, Command

__all__ = [
    "MAX_CHOICES",
    "MY_OPEN_TICKETS",
    "choices_for",
    "command_of",
    "question_text",
    "stored",
    "ticket_choices",
]

MAX_CHOICES = 6
# The technician's open tickets, the most recently active first: the likely answers to "which
# ticket?".
MY_OPEN_TICKETS = ToolCall("search", {
    "entity": "Tickets", "limit": 5, "sort": "-lastActivityDate",
    "filters": [{"field": "assigned", "value": "me"}, {"field": "open", "value": True}],
})  # fmt: skip
_ID_SUFFIX = " (#"


def _swap(value: Any, typed: str, chosen: str | int) -> tuple[Any, bool]:
    """``value`` with every string equal to ``typed`` replaced by ``chosen``."""
    if isinstance(value, str):
        hit = value.strip().lower() == typed.strip().lower()
        return (chosen if hit else value), hit
    if isinstance(value, list):
        pairs = [_swap(v, typed, chosen) for v in value]
        return [p[0] for p in pairs], any(p[1] for p in pairs)
    if isinstance(value, dict):
        found = False
        swapped: dict[str, Any] = {}
        for key, item in value.items():
            swapped[key], hit = _swap(item, typed, chosen)
            found = found or hit
        return swapped, found
    return value, False


def _value(label: str) -> str | int:
    """What to put in place of the typed text: the record's id when the label carries one
    ("Cutover weekend (#29689007)": names repeat), else the label."""
    head, sep, tail = label.rpartition(_ID_SUFFIX)
    if sep and head and tail.endswith(")") and tail[:-1].isdigit():
        return int(tail[:-1])
    return label


def choices_for(error: ToolError, calls: Sequence[ToolCall]) -> tuple[Choice, ...]:
    """One choice per candidate the tool named, each the same calls with the ambiguous words
    replaced; none when the error named no candidates or the words are not in the calls."""
    if not error.candidates or not error.typed:
        return ()
    choices: list[Choice] = []
    for label in error.candidates[:MAX_CHOICES]:
        value = _value(label)
        swapped = [(_swap(c.arguments, error.typed, value), c.name) for c in calls]
        if not any(hit for (_, hit), _ in swapped):
            return ()
        choices.append(Choice(label, tuple(ToolCall(n, args) for (args, _), n in swapped)))
    return tuple(choices)


def ticket_choices(template: ToolCall, rows: Sequence[dict[str, Any]]) -> tuple[Choice, ...]:
    """One choice per ticket: ``template`` with that ticket, labelled number, title, company."""
    choices: list[Choice] = []
    for row in rows[:MAX_CHOICES]:
        number = row.get("ticketNumber")
        if not number:
            continue
        arguments = dict(template.arguments)
        arguments["fields"] = {**arguments.get("fields", {}), "ticket": number}
        title = str(row.get("title") or "")[:60]
        company = row.get("companyID")
        label = f"{number} {title}" + (f" ({company})" if company else "")
        choices.append(Choice(label, (ToolCall(template.name, arguments),)))
    return tuple(choices)


def question_text(lead: str, choices: Sequence[Choice]) -> str:
    lines = [lead, *(f"{n}. {choice.label}" for n, choice in enumerate(choices, 1))]
    lines.append("Reply with the number (or the name).")
    return "\n".join(lines)


def stored(text: str, choices: Sequence[Choice]) -> dict[str, Any]:
    """The question as the thread keeps it until the next message."""

    def calls(choice: Choice) -> list[dict[str, Any]]:
        return [{"name": t.name, "arguments": t.arguments} for t in choice.calls]

    def choice(c: Choice) -> dict[str, Any]:
        kept: dict[str, Any] = {"label": c.label, "calls": calls(c)}
        if c.intent != "tools":
            kept["intent"] = c.intent
        return kept

    return {"question": text, "choices": [choice(c) for c in choices]}


def command_of(question: dict[str, Any], index: int) -> Command:
    """The command of the choice picked from a stored question: its calls, or (for a channel's
    company) the company picked."""
    picked = question["choices"][index]
    if picked.get("intent") == "channel_link":
        return Command(intent="channel_link", company=str(picked["label"]))
    calls = picked["calls"]
    return Command(
        intent="tools", calls=tuple(ToolCall(c["name"], dict(c["arguments"])) for c in calls)
    )
