"""Checks that keep a model's turn honest: plans grounded in what was said or read, no claimed
changes that only wait for a click, no data answers made up without a tool call."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from .model_tools import TICKET_NUMBER

__all__ = [
    "READY_TEXT",
    "claims_change",
    "is_data_question",
    "plan_references",
    "ungrounded",
]

READY_TEXT = "The change is ready for your confirmation: check the card and click Approve."

_REFERENCE_KEY = re.compile(r"(^id$|id$|^ticket$|^task$|^project$|^contract$|^contact$)", re.I)
_CHANGE_VERB = (
    r"(set|updated|changed|created|logged|added|closed|completed|assigned|reassigned|deleted|"
    r"removed|opened|moved|marked|resolved|saved|applied|recorded|posted)"
)
# "were created", "have been closed" also describe data ("17 tickets were created this quarter"):
# in the passive and plural only a verb that no count reads as history is a claim.
_STATE_VERB = (
    r"(set|updated|changed|assigned|reassigned|deleted|removed|moved|marked|saved|applied)"
)
_FILLER = r"((?![\w]*\d)\w+\s+){0,3}"  # up to three words, none a number ("I see 12 tickets")
_CLAIMS = (
    re.compile(rf"\b(i have|i've|i)\s+{_FILLER}{_CHANGE_VERB}\b", re.IGNORECASE),
    re.compile(rf"\b(has been|is now|successfully)\s+{_FILLER}{_CHANGE_VERB}\b", re.IGNORECASE),
    re.compile(rf"\b(have been|was|were|are now)\s+{_FILLER}{_STATE_VERB}\b", re.IGNORECASE),
)
_DONE = re.compile(r"\s*(all\s+)?done\b", re.IGNORECASE)
_PENDING = re.compile(
    r"\b(ready|confirm|approv|once you|when you|click|pending|prepared|preview)", re.IGNORECASE
)
_DATA_WORDS = frozenset(
    """ticket tickets company companies contact contacts contract contracts project projects task
    tasks invoice invoices note notes time entries entry hours queue queues priority status open
    closed complete completed assigned unassigned created due expire expires expiring overdue
    count export configuration devices device assets logged resource resources""".split()
)


def plan_references(arguments: dict[str, Any]) -> set[str]:
    """The ids and ticket numbers a plan_change call names (top level and in its fields)."""
    found: set[str] = set()

    def take(key: str, value: Any) -> None:
        if isinstance(value, bool) or value is None:
            return
        if isinstance(value, int) and _REFERENCE_KEY.search(key):
            found.add(str(value))
        elif isinstance(value, str):
            found.update(m.upper() for m in TICKET_NUMBER.findall(value))
            if value.strip().lstrip("#").isdigit() and _REFERENCE_KEY.search(key):
                found.add(value.strip().lstrip("#"))

    for key, value in arguments.items():
        if key == "fields" and isinstance(value, dict):
            for name, inner in value.items():
                take(str(name), inner)
        else:
            take(key, value)
    return found


def ungrounded(references: Iterable[str], sources: Iterable[str]) -> list[str]:
    """The references that appear in none of ``sources`` (the user's words, the tool results)."""
    corpus = "\n".join(sources).upper()
    return [
        ref
        for ref in sorted(references)
        if not re.search(rf"(?<![\w.]){re.escape(ref.upper())}(?![\w]|\.\d)", corpus)
    ]


def claims_change(text: str) -> bool:
    """Whether an answer says a change was made (and not that one waits to be confirmed)."""
    for sentence in re.split(r"(?<=[.!?])\s+|\n", text):
        claimed = any(c.search(sentence) for c in _CLAIMS) or _DONE.match(sentence)
        if claimed and not _PENDING.search(sentence):
            if re.search(r"\b(i can|i could|would you|shall i|do you want)\b", sentence, re.I):
                continue
            return True
    return False


def is_data_question(text: str) -> bool:
    """Whether a message asks about Autotask's records (so its answer needs a tool call)."""
    if TICKET_NUMBER.search(text) or re.search(r"#?\b\d{3,}\b", text):
        return True
    if re.search(r"\bhow many\b", text, re.IGNORECASE):
        return True
    words = set(re.findall(r"[a-z']+", text.lower()))
    return len(words & _DATA_WORDS) >= 1 and not words <= {"help", "hi", "hello", "thanks"}
