"""When time was worked: "yesterday 14:00", "9:15", "monday 8:30am", "2026-11-24 14:00" or an ISO
moment, read in the technician's time zone, and the start/end a time entry gets from it.

A time entry may not span midnight UTC (API-NOTES §7.3): such work keeps its date and hours, and the
preview says why it has no start and end.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from ._errors import ToolError
from ._values import wire_datetime

__all__ = ["WorkedSpan", "parse_start", "worked_span"]

_EXAMPLE = "'yesterday 14:00', '9:15' or '2026-11-24 14:00'"
_CLOCK = re.compile(r"(?P<h>\d{1,2})(?:[:.h](?P<m>\d{2}))?\s*(?P<ampm>am|pm|a\.m\.|p\.m\.)?")
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_AMPM = re.compile(r"\s+(am|pm|a\.m\.|p\.m\.)$")
_SPLIT = re.compile(r"\s+(?:at\s+)?|\s*,\s*")


@dataclass(frozen=True, slots=True)
class WorkedSpan:
    """The wire fields of a time entry that starts at ``start`` and lasts ``hours``."""

    fields: dict[str, str]
    note: str | None = None


def _clock(text: str) -> time | None:
    match = _CLOCK.fullmatch(text.strip().lower())
    if match is None:
        return None
    hour, minute = int(match.group("h")), int(match.group("m") or 0)
    ampm = (match.group("ampm") or "").replace(".", "")
    if ampm and not 1 <= hour <= 12:
        return None
    if ampm:
        hour = hour % 12 + (12 if ampm == "pm" else 0)
    if hour > 23 or minute > 59:
        return None
    if not ampm and match.group("m") is None:
        return None  # a bare number is not a time of day
    return time(hour, minute)


def _day(word: str, today: date) -> date | None:
    word = word.lower()
    if word == "today":
        return today
    if word == "yesterday":
        return today - timedelta(days=1)
    if word in _WEEKDAYS:  # the latest such day: "monday" said on a Monday is today
        return today - timedelta(days=(today.weekday() - _WEEKDAYS.index(word)) % 7)
    try:
        return date.fromisoformat(word)
    except ValueError:
        return None


def _iso(text: str, zone: tzinfo) -> datetime | None:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}.*", text):
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


def parse_start(text: str, *, now: datetime, zone: tzinfo) -> datetime:
    """The moment ``text`` names, in ``zone``; a time alone is today. Never in the future."""
    moment = _iso(str(text).strip(), zone)
    raw = " ".join(str(text).split()).lower().removeprefix("on ").removeprefix("at ")
    raw = _AMPM.sub(r"\1", raw)
    if moment is None:
        today = now.astimezone(zone).date()
        words = [w for w in _SPLIT.split(raw) if w]
        if not words or len(words) > 2:
            raise ToolError(f"'{text}' is not a start time; use forms like {_EXAMPLE}.")
        day = _day(words[0], today) if len(words) == 2 else today
        clock = _clock(words[-1])
        if day is None or clock is None:
            raise ToolError(f"'{text}' is not a start time; use forms like {_EXAMPLE}.")
        moment = datetime.combine(day, clock, tzinfo=zone)
    if moment > now + timedelta(minutes=1):
        shown = moment.astimezone(zone).strftime("%a %d %b %H:%M")
        raise ToolError(
            f"{shown} is still to come; time is logged for work done. "
            "Say the day too, for example 'yesterday 9:15'."
        )
    return moment


def worked_span(start: datetime, hours: float, *, zone: tzinfo) -> WorkedSpan:
    """dateWorked (the local day, as Autotask dates are: midnight UTC), start/end when allowed."""
    local = start.astimezone(zone)
    day = datetime.combine(local.date(), time.min, tzinfo=UTC)
    fields = {"dateWorked": wire_datetime(day)}
    begin = start.astimezone(UTC).replace(second=0, microsecond=0)
    end = begin + timedelta(minutes=round(hours * 60))
    at_midnight = end.time() == time.min and end - begin <= timedelta(days=1)
    if begin.date() == end.date() or at_midnight:
        fields["startDateTime"], fields["endDateTime"] = wire_datetime(begin), wire_datetime(end)
        return WorkedSpan(fields)
    return WorkedSpan(
        fields,
        note=f"Logged on {local:%a %d %b} without a start and end time: the work spans "
        "midnight UTC, which Autotask does not accept for a time entry.",
    )
