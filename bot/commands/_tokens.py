"""Words of a command and the small things read from them: ticket references, durations, named
date ranges and free-text values.

Every pattern here is anchored and bounded, so reading never backtracks badly, whatever the input.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from autotask.tools import resolve_range

__all__ = [
    "ME_WORDS",
    "PRIORITIES",
    "TicketRef",
    "Token",
    "clean_value",
    "free_text",
    "read_duration",
    "read_range",
    "read_ticket",
    "read_value",
    "ref_arguments",
    "status_label",
    "tokenize",
]

TicketRef = str | int  # a ticket number ("T20241122.0004") or a ticket id (18420)

ME_WORDS = frozenset({"me", "myself", "i", "mine"})
PRIORITIES = {"critical": "Critical", "high": "High", "medium": "Medium", "low": "Low"}
_DONE = frozenset({"complete", "completed", "closed", "close", "done", "resolved"})

_TRAILING = ",;:!?.)]}'*…"
_LEADING = "([{'*¿¡"
_TOKEN = re.compile(r'"([^"]*)"?|(\S+)')
_QUOTES = str.maketrans({"\u201c": '"', "\u201d": '"', "\u201e": '"', "\u00ab": '"', "\u00bb": '"',
                         "\u2018": "'", "\u2019": "'"})  # fmt: skip
_TICKET_NUMBER = re.compile(r"T\d{8}\.\d{4}(?:\.\d{3})?", re.IGNORECASE)
_TICKET_ID = re.compile(r"(#?)(\d{1,12})")
_DURATION = re.compile(
    r"(?:(?P<h>\d{1,2}(?:[.,]\d{1,2})?) ?(?:h|hr|hrs|hour|hours))? ?"
    r"(?:(?P<m>\d{1,4}) ?(?:m|min|mins|minute|minutes))?",
    re.IGNORECASE,
)
_HOURS = re.compile(r"\d{1,2}(?:[.,]\d{1,2})?")
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_PREPOSITIONS = {"in", "within", "during", "on", "over", "from"}
_COMPARISONS = {"since": ">=", "after": ">", "before": "<", "until": "<="}
_PERIODS = {"week", "month", "quarter", "year"}
_UNITS = {"day": "days", "days": "days", "week": "weeks", "weeks": "weeks",
          "month": "months", "months": "months"}  # fmt: skip
_PROBE_NOW = datetime(2000, 1, 1, tzinfo=UTC)  # any moment: only the name is checked
_PROBE_ZONE = ZoneInfo("UTC")


@dataclass(frozen=True, slots=True)
class Token:
    """One word as typed, or one "quoted phrase"; ``start``/``end`` index the message."""

    text: str
    start: int
    end: int
    quoted: bool = False
    norm: str | None = None  # the canonical word when normalising replaced what was typed
    # The word for matching: lower case without surrounding punctuation; '' when quoted.
    key: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.quoted:
            key = ""
        elif self.norm is not None:
            key = self.norm
        else:
            key = self.text.lower().rstrip(_TRAILING).lstrip(_LEADING)
        object.__setattr__(self, "key", key)

    @property
    def colon(self) -> bool:
        return not self.quoted and self.text.endswith(":")


def tokenize(text: str) -> tuple[str, tuple[Token, ...]]:
    """The message with typographic quotes made plain, and its tokens."""
    source = text.translate(_QUOTES)
    tokens = tuple(
        Token(match.group(1), match.start(), match.end(), quoted=True)
        if match.group(2) is None
        else Token(match.group(2), match.start(), match.end())
        for match in _TOKEN.finditer(source)
    )
    return source, tokens


def keys(tokens: Sequence[Token]) -> list[str]:
    return [token.key for token in tokens]


def free_text(source: str, start: int) -> str:
    """The rest of the message from ``start``: a summary, a note, a title."""
    text = source[start:].strip().lstrip(":-\u2013\u2014").strip()
    if len(text) >= 2 and text[0] == text[-1] == '"' and text.count('"') == 2:
        text = text[1:-1].strip()
    return text


def clean_value(text: str) -> str:
    return text.strip().rstrip(",;:!?.").strip()


def status_label(text: str) -> str:
    """A status as typed, with the usual words for a finished ticket mapped onto 'Complete'."""
    return "Complete" if text.strip().lower() in _DONE else text.strip()


def _ticket(token: Token, *, bare_ids: bool) -> TicketRef | None:
    raw = token.text.rstrip(_TRAILING).lstrip(_LEADING)
    if _TICKET_NUMBER.fullmatch(raw):
        return raw.upper()
    match = _TICKET_ID.fullmatch(raw)
    if match and (bare_ids or match.group(1)) and not token.quoted:
        return int(match.group(2))
    return None


def read_ticket(tokens: Sequence[Token], i: int, *, bare_ids: bool) -> tuple[TicketRef, int] | None:
    """A ticket at ``i``: ``T20241122.0004``, ``#18420``, ``ticket 18420`` (or ``18420``)."""
    if i < len(tokens) and tokens[i].key == "ticket" and i + 1 < len(tokens):
        found = _ticket(tokens[i + 1], bare_ids=True)
        return (found, i + 2) if found is not None else None
    if i < len(tokens):
        found = _ticket(tokens[i], bare_ids=bare_ids)
        return (found, i + 1) if found is not None else None
    return None


def ref_arguments(ref: TicketRef) -> dict[str, str | int]:
    """The get/plan_change arguments that name a ticket."""
    return {"ticket_number": ref} if isinstance(ref, str) else {"id": ref}


def _is_duration(text: str) -> bool:
    if _HOURS.fullmatch(text):
        return True
    match = _DURATION.fullmatch(text)
    return bool(match and (match.group("h") or match.group("m")))


def read_duration(tokens: Sequence[Token], i: int) -> tuple[str, int] | None:
    """The longest duration (at most four words) at ``i``: ``45m``, ``1.5h``, ``1 hour 30 min``."""
    found: tuple[str, int] | None = None
    for end in range(i + 1, min(i + 4, len(tokens)) + 1):
        text = " ".join(token.key for token in tokens[i:end])
        if all(not token.quoted for token in tokens[i:end]) and _is_duration(text):
            found = (text, end)
    return found


def _valid_range(name: str) -> bool:
    try:
        resolve_range(name, now=_PROBE_NOW, tz=_PROBE_ZONE)
    except ValueError:
        return False
    return True


def _named(words: list[str], *, future: bool, bare_count: bool) -> tuple[str, int] | None:
    """A range name from the first words, and how many words it took."""
    first = words[0] if words else ""
    second = words[1] if len(words) > 1 else ""
    third = words[2] if len(words) > 2 else ""
    direction = {"past": "last", "coming": "next"}.get(first, first)
    if first in {"today", "yesterday", "tomorrow"}:
        return first, 1
    if first in {"this", "last", "past", "next"} and second in _PERIODS:
        name = f"{direction} {second}"
        return (name, 2) if _valid_range(name) else None
    if direction in {"last", "next"} and second.isdigit() and len(second) <= 4 and third in _UNITS:
        return f"{direction} {int(second)} {_UNITS[third]}", 3
    if bare_count and first.isdigit() and len(first) <= 4 and second in _UNITS:
        return f"{'next' if future else 'last'} {int(first)} {_UNITS[second]}", 2
    return None


def read_range(
    tokens: Sequence[Token], i: int, *, future: bool = False
) -> tuple[str, str, int] | None:
    """A named range or a day at ``i`` as (value, condition op, next index).

    ``in 30 days`` means the coming days when ``future`` (due, expiring), else the past ones.
    ``since``/``after``/``before``/``until`` compare with the range instead of lying within it.
    """
    words = keys(tokens[i : i + 6])  # a quoted phrase has no key, so it never reads as a range
    skip, op = 0, "within"
    if words and words[0] in _COMPARISONS:
        skip, op = 1, _COMPARISONS[words[0]]
    elif words and words[0] in _PREPOSITIONS:
        skip = 1
    if len(words) > skip and words[skip] == "the":
        skip += 1
    rest = words[skip:]
    if rest and _ISO_DAY.fullmatch(rest[0]):
        return rest[0], ("=" if op == "within" else op), i + skip + 1
    named = _named(rest, future=future, bare_count=skip > 0)
    if named is None:
        return None
    return named[0], op, i + skip + named[1]


def read_value(
    tokens: Sequence[Token], i: int, stop: Callable[[int], bool]
) -> tuple[str, int] | None:
    """A quoted phrase, or the words from ``i`` up to a quoted phrase or where ``stop`` says."""
    if i >= len(tokens):
        return None
    if tokens[i].quoted:
        text = tokens[i].text.strip()
        return (text, i + 1) if text else None
    end = i
    while end < len(tokens) and not tokens[end].quoted and (end == i or not stop(end)):
        if tokens[end].colon:
            end += 1
            break
        end += 1
    text = clean_value(" ".join(token.text for token in tokens[i:end]))
    return (text, end) if text else None
