"""Named date ranges, resolved in the technician's time zone with a fixed clock."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from autotask.tools import resolve_range

NY = ZoneInfo("America/New_York")
# Wednesday 25 November 2026, 09:30 UTC = 04:30 in New York.
NOW = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)


def _local(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(tzinfo=NY).astimezone(UTC)


@pytest.mark.parametrize(
    ("name", "first", "after_last"),
    [
        ("today", "2026-11-25", "2026-11-26"),
        ("yesterday", "2026-11-24", "2026-11-25"),
        ("tomorrow", "2026-11-26", "2026-11-27"),
        ("this week", "2026-11-23", "2026-11-30"),
        ("last week", "2026-11-16", "2026-11-23"),
        ("next week", "2026-11-30", "2026-12-07"),
        ("this month", "2026-11-01", "2026-12-01"),
        ("last month", "2026-10-01", "2026-11-01"),
        ("next month", "2026-12-01", "2027-01-01"),
        ("this quarter", "2026-10-01", "2027-01-01"),
        ("last quarter", "2026-07-01", "2026-10-01"),
        ("next quarter", "2027-01-01", "2027-04-01"),
        ("this year", "2026-01-01", "2027-01-01"),
        ("last year", "2025-01-01", "2026-01-01"),
        ("last 7 days", "2026-11-19", "2026-11-26"),
        ("Past 30 Days", "2026-10-27", "2026-11-26"),
        ("next 60 days", "2026-11-25", "2027-01-25"),
        ("last 2 weeks", "2026-11-12", "2026-11-26"),
        ("last 3 months", "2026-08-26", "2026-11-26"),
    ],
)
def test_named_range_in_the_technicians_zone(name: str, first: str, after_last: str) -> None:
    resolved = resolve_range(name, now=NOW, tz=NY)
    assert (resolved.start, resolved.end) == (_local(first), _local(after_last))


def test_the_local_day_decides_not_the_utc_day() -> None:
    # 02:00 UTC on the 26th is still the 25th in New York.
    late = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)
    assert resolve_range("today", now=late, tz=NY).start == _local("2026-11-25")


def test_daylight_saving_change_inside_a_range() -> None:
    march = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
    last_week = resolve_range("last week", now=march, tz=NY)  # 2-8 March; clocks moved on the 8th
    assert last_week.start == datetime(2026, 3, 2, 5, tzinfo=UTC)  # midnight EST
    assert last_week.end == datetime(2026, 3, 9, 4, tzinfo=UTC)  # midnight EDT


def test_date_only_fields_use_calendar_days() -> None:
    resolved = resolve_range("next 60 days", now=NOW, tz=NY, date_only=True)
    assert resolved.start == datetime(2026, 11, 25, tzinfo=UTC)
    assert resolved.end == datetime(2027, 1, 25, tzinfo=UTC)


def test_unknown_range_lists_the_accepted_forms() -> None:
    with pytest.raises(ValueError, match="last week"):
        resolve_range("fortnight ago", now=NOW, tz=NY)


def test_describe_spells_out_the_dates() -> None:
    assert resolve_range("last week", now=NOW, tz=NY).describe(NY) == (
        "last week (2026-11-16 to 2026-11-22)"
    )
