"""Time as technicians say it: when work started ("yesterday 14:00", "at 9:15") and the timer
commands ("start timer on T…", "stop timer", "timer", "cancel timer").

Pure like the rest of the grammar: a start is passed on as typed and read in the technician's time
zone by the tool layer; a timer command names the ticket and the summary, the engine does the rest.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from ._command import Command, ParseFailure, TimerRequest
from ._tokens import Token, free_text, read_ticket

__all__ = ["TIMER_EXAMPLE", "find_timer", "read_when"]

TIMER_EXAMPLE = "`start timer on T20241122.0004 VPN troubleshooting`"
_CLOCK = re.compile(r"\d{1,2}(?:[:.]\d{2})?(?:am|pm)?", re.IGNORECASE)
_AMPM = {"am", "pm", "a.m.", "p.m."}
_WEEKDAYS = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_TIMER = {"timer", "timers", "stopwatch"}
_ARTICLES = {"a", "the", "my"}
_STARTS = {"start", "begin", "run"}
_STOPS = {"stop", "end", "finish", "pause"}
_CANCELS = {"cancel", "discard", "reset", "clear", "drop"}


def _is_clock(tokens: Sequence[Token], i: int) -> int:
    """How many tokens a time of day at ``i`` takes (0 when there is none): 9:15, 2pm, 2 pm."""
    if i >= len(tokens) or tokens[i].quoted:
        return 0
    text = tokens[i].key
    if not _CLOCK.fullmatch(text):
        return 0
    if i + 1 < len(tokens) and tokens[i + 1].key in _AMPM and text[-2:] not in {"am", "pm"}:
        return 2
    return 1 if (":" in text or "." in text or text[-2:] in {"am", "pm"}) else 0


def _is_day(key: str) -> bool:
    return key in {"today", "yesterday"} | _WEEKDAYS or bool(_DAY.fullmatch(key))


def read_when(tokens: Sequence[Token], i: int) -> tuple[dict[str, Any], int] | None:
    """When work was done, at ``i``: ``yesterday 14:00``, ``at 9:15``, ``on monday at 8:30``,
    ``yesterday`` — as plan fields (``start``, or a ``date`` for a day without a time)."""
    j = i
    if j < len(tokens) and tokens[j].key in {"on", "at", "from", "started", "starting"}:
        j += 1
    day = tokens[j].key if j < len(tokens) and _is_day(tokens[j].key) else None
    if day is not None:
        j += 1
        if j < len(tokens) and tokens[j].key == "at":
            j += 1
    width = _is_clock(tokens, j)
    if width:
        words = [day] if day else []
        words += [t.key for t in tokens[j : j + width]]
        return {"start": " ".join(words)}, j + width
    if day is None:
        return None
    if day in _WEEKDAYS:
        raise ParseFailure(f"Say the time too, for example `log 1h {day} 14:00 on 18420 …`.")
    return {"date": day}, j


def _summary(source: str, tokens: Sequence[Token], i: int) -> str | None:
    if i >= len(tokens):
        return None
    return free_text(source, tokens[i - 1].end) or None


def _start(source: str, tokens: Sequence[Token], i: int) -> Command:
    if i < len(tokens) and tokens[i].key in {"on", "for", "against", "to"}:
        i += 1
    ticket = read_ticket(tokens, i, bare_ids=True)
    if ticket is None:
        raise ParseFailure(f"Say which ticket the timer is for, for example {TIMER_EXAMPLE}.")
    request = TimerRequest(ticket=ticket[0], summary=_summary(source, tokens, ticket[1]))
    return Command(intent="timer_start", timer=request)


def _verb(tokens: Sequence[Token]) -> tuple[str, int] | None:
    """The timer verb and where the rest starts: "start (a) timer", "timer start", "timer"."""
    words = [t.key for t in tokens[:4]]
    k = 1 if words and words[0] in _ARTICLES else 0
    if k < len(words) and words[k] in _TIMER:  # "timer", "timer stop", "my timer"
        rest = words[k + 1] if k + 1 < len(words) else ""
        for verb, group in (("start", _STARTS), ("stop", _STOPS), ("cancel", _CANCELS)):
            if rest in group:
                return verb, k + 2
        return ("status", k + 1) if rest in {"", "status", "running"} else None
    if not words:
        return None
    k = 2 if len(words) > 2 and words[1] in _ARTICLES else 1
    if k >= len(words) or words[k] not in _TIMER:
        return None
    for verb, group in (("start", _STARTS), ("stop", _STOPS), ("cancel", _CANCELS)):
        if words[0] in group:
            return verb, k + 1
    return None


def find_timer(source: str, tokens: Sequence[Token]) -> Command | None:
    """A timer command, or None when the message is not one."""
    found = _verb(tokens)
    if found is None:
        return None
    verb, i = found
    if verb == "start":
        return _start(source, tokens, i)
    if verb == "stop":
        request = TimerRequest(summary=_summary(source, tokens, i))
        return Command(intent="timer_stop", timer=request)
    if i < len(tokens):
        return None
    return Command(intent="timer_cancel" if verb == "cancel" else "timer_status")
