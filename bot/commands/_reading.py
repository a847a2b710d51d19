"""Questions about one ticket or one person: notes, history, status, who is, phone, e-mail.

These read; none of them changes anything.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from ..calls import ToolCall
from ._command import Choice, Command, condition, search_call, tools
from ._tokens import Token, keys, read_ticket, ref_arguments

__all__ = ["contact_conditions", "escalation", "find_reading"]

_PHONE = re.compile(r"\+?[\d][\d ()./-]{4,24}\d")
_EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]{1,255}")
_NAME_NOISE = frozenset({"the", "a", "contact", "customer", "user", "person", "mr", "mrs", "ms",
                         "dr", "at", "from", "in"})  # fmt: skip
_NOT_A_NAME = frozenset({"about", "their", "his", "her", "my", "our", "on", "of", "to", "with",
                         "an", "for", "is", "it", "this", "that", "ring", "call"})  # fmt: skip
_PERSON_FIELDS = frozenset({"phone", "email", "number", "address", "details", "info", "contact"})
_INCLUDES = {
    "notes": ["notes"],
    "history": ["notes", "time_entries"],
    "status": [],
}


def _ticket_get(ref: Any, include: list[str]) -> Command:
    arguments: dict[str, Any] = {"entity": "Tickets", **ref_arguments(ref)}
    if include:
        arguments["include"] = include
    return tools("get", arguments)


def _about_ticket(tokens: Sequence[Token]) -> Command | None:
    """``notes for T…`` / ``history for 18420`` / ``status for T…`` / ``T… status?``."""
    words = keys(tokens)
    if len(words) >= 3 and words[0] in _INCLUDES and words[1] in {"for", "on", "of", "in"}:
        ticket = read_ticket(tokens, 2, bare_ids=True)
        if ticket is not None and ticket[1] == len(tokens):
            return _ticket_get(ticket[0], _INCLUDES[words[0]])
    if len(words) >= 2 and words[-1] in _INCLUDES:  # "T… status?" / "18420 notes"
        ticket = read_ticket(tokens, 0, bare_ids=False)
        if ticket is not None and ticket[1] == len(tokens) - 1:
            return _ticket_get(ticket[0], _INCLUDES[words[-1]])
    return None


def contact_conditions(text: str) -> list[dict[str, Any]]:
    """A contact as typed: an e-mail, a phone number, a last name, or first and last names."""
    text = text.strip().strip("?!.,'\"")
    if _EMAIL.fullmatch(text):
        return [condition("emailAddress", text)]
    if _PHONE.fullmatch(text):
        return [condition("phone", text, "contains")]
    words = [w for w in text.replace("'s", "").split() if w.lower() not in _NAME_NOISE]
    if not words:
        return []
    if len(words) == 1:
        return [condition("lastName", words[0], "contains")]
    return [
        condition("firstName", words[0], "contains"),
        condition("lastName", " ".join(words[1:]), "contains"),
    ]


def _person(tokens: Sequence[Token]) -> Command | None:
    """``who is Julia Evans`` / ``phone for David Dias`` / ``email for …`` / ``Evans phone``."""
    words = keys(tokens)
    if len(words) >= 3 and words[:2] in (["who", "is"], ["phone", "for"], ["email", "for"]):
        rest = tokens[2:]
    elif len(words) >= 2 and words[-1] in _PERSON_FIELDS and words[0] not in {"my", "ticket"}:
        end = len(words) - 1
        while end > 1 and words[end - 1] in _PERSON_FIELDS:
            end -= 1
        rest = tokens[:end]
    else:
        return None
    if any(t.quoted for t in rest) and len(rest) == 1:
        text = rest[0].text
    else:
        text = " ".join(t.text for t in rest)
    if "@" in text and words[:2] == ["who", "is"]:
        return None  # "who is priya@…": a colleague, answered by who_am_i
    found = contact_conditions(text)
    names = [t.key for t in rest]
    if not found or len(rest) > 5 or (
        "@" not in text and not _PHONE.fullmatch(text.strip()) and (
            len(rest) > 3 or any(word in _NOT_A_NAME for word in names))
    ):  # fmt: skip
        return None
    return search_call("Contacts", found)


def escalation(tokens: Sequence[Token]) -> Command | None:
    """``escalate T…``: raising the priority or handing it on are both escalations, so ask."""
    if not tokens or tokens[0].key not in {"escalate", "escalation"}:
        return None
    i = 2 if len(tokens) > 1 and tokens[1].key == "ticket" else 1
    ticket = read_ticket(tokens, i, bare_ids=True)
    if ticket is None or ticket[1] != len(tokens):
        return None
    target = ref_arguments(ticket[0])
    label = ticket[0] if isinstance(ticket[0], str) else f"#{ticket[0]}"

    def priority(value: str) -> ToolCall:
        arguments = {"action": "update", "entity": "Tickets", **target,
                     "fields": {"priority": value}}  # fmt: skip
        return ToolCall(name="plan_change", arguments=arguments)

    return Command(
        intent="ask",
        text=f"How should I escalate {label}? Reply with a number, or say "
        f"`assign {label} to <name>` or `set queue of {label} to <queue>`.",
        choices=(
            Choice("Raise the priority to High", (priority("High"),)),
            Choice("Raise the priority to Critical", (priority("Critical"),)),
        ),
    )


def find_reading(tokens: Sequence[Token]) -> Command | None:
    """A question about one ticket or one person, or None."""
    return _about_ticket(tokens) or _person(tokens) or escalation(tokens)
