"""Named date ranges ("last week", "next 60 days"), resolved by code in the technician's time zone.

A range is half-open, ``[start, end)``, and is returned in UTC because Autotask stores and
compares every date-time in UTC (API-NOTES §0).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

__all__ = ["NAMED_RANGES", "DateRange", "resolve_range"]

NAMED_RANGES = (
    "today",
    "yesterday",
    "tomorrow",
    "this week",
    "last week",
    "next week",
    "this month",
    "last month",
    "next month",
    "this quarter",
    "last quarter",
    "next quarter",
    "this year",
    "last year",
    "last N days",
    "next N days",
    "last N weeks",
    "last N months",
)

_RELATIVE = re.compile(r"^(last|past|next)\s+(\d{1,4})\s+(day|week|month)s?$")


@dataclass(frozen=True, slots=True)
class DateRange:
    """``[start, end)`` in UTC, with the words it came from."""

    name: str
    start: datetime
    end: datetime

    def describe(self, tz: ZoneInfo) -> str:
        first = self.start.astimezone(tz).date()
        last = (self.end.astimezone(tz) - timedelta(microseconds=1)).date()
        if first == last:
            return f"{self.name} ({first.isoformat()})"
        return f"{self.name} ({first.isoformat()} to {last.isoformat()})"


def _month_start(day: date, shift: int = 0) -> date:
    index = day.year * 12 + (day.month - 1) + shift
    return date(index // 12, index % 12 + 1, 1)


def _shift_months(day: date, months: int) -> date:
    """The same day of the month ``months`` away, clamped to that month's length."""
    first = _month_start(day, months)
    length = (_month_start(first, 1) - first).days
    return first.replace(day=min(day.day, length))


def _quarter_start(day: date, shift: int = 0) -> date:
    first_month = _month_start(day).replace(month=(day.month - 1) // 3 * 3 + 1)
    return _month_start(first_month, 3 * shift)


def _days(name: str, today: date) -> tuple[date, date] | None:
    """The local calendar days [first, after_last) a name covers."""
    week = today - timedelta(days=today.weekday())  # weeks start on Monday (ISO 8601)
    fixed = {
        "today": (today, today + timedelta(days=1)),
        "yesterday": (today - timedelta(days=1), today),
        "tomorrow": (today + timedelta(days=1), today + timedelta(days=2)),
        "this week": (week, week + timedelta(days=7)),
        "last week": (week - timedelta(days=7), week),
        "next week": (week + timedelta(days=7), week + timedelta(days=14)),
        "this month": (_month_start(today), _month_start(today, 1)),
        "last month": (_month_start(today, -1), _month_start(today)),
        "next month": (_month_start(today, 1), _month_start(today, 2)),
        "this quarter": (_quarter_start(today), _quarter_start(today, 1)),
        "last quarter": (_quarter_start(today, -1), _quarter_start(today)),
        "next quarter": (_quarter_start(today, 1), _quarter_start(today, 2)),
        "this year": (date(today.year, 1, 1), date(today.year + 1, 1, 1)),
        "last year": (date(today.year - 1, 1, 1), date(today.year, 1, 1)),
    }
    if name in fixed:
        return fixed[name]
    match = _RELATIVE.match(name)
    if not match:
        return None
    direction, count, unit = match.group(1), int(match.group(2)), match.group(3)
    if unit == "month":
        if direction == "next":
            return today, _shift_months(today, count) + timedelta(days=1)
        return _shift_months(today, -count) + timedelta(days=1), today + timedelta(days=1)
    span = timedelta(days=count * (7 if unit == "week" else 1))
    if direction == "next":  # today and the N days after it ("expires in the next 60 days")
        return today, today + span + timedelta(days=1)
    return today + timedelta(days=1) - span, today + timedelta(days=1)  # the N days up to today


def resolve_range(name: str, *, now: datetime, tz: ZoneInfo, date_only: bool = False) -> DateRange:
    """Resolve a named range relative to ``now`` in ``tz``; ValueError names the accepted forms.

    ``date_only`` is for fields that hold a calendar day stored as midnight UTC (a contract's
    ``endDate``, a time entry's ``dateWorked``): their bounds are the days themselves, unshifted.
    """
    words = " ".join(name.lower().replace("_", " ").split())
    words = {"this calendar month": "this month", "past week": "last 7 days"}.get(words, words)
    local_today = now.astimezone(tz).date()
    days = _days(words, local_today)
    if days is None:
        raise ValueError(
            f"Unknown date range '{name}'. Use one of: {', '.join(NAMED_RANGES)} "
            "(N a number), or explicit dates."
        )
    zone = UTC if date_only else tz
    start, end = (datetime.combine(day, time.min, tzinfo=zone).astimezone(UTC) for day in days)
    return DateRange(name=words, start=start, end=end)
