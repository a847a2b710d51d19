"""Time in the past: "yesterday 14:00", "9:15" read in the technician's zone, and the time entry
Autotask gets from it (date, start, end; never a span over midnight UTC)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from autotask.sandbox import Sandbox
from autotask.tools import ChangePlan, PlanArgs, ToolContext, ToolError, apply_change, plan_change
from autotask.tools._worked import parse_start, worked_span

NY = ZoneInfo("America/New_York")
SYDNEY = ZoneInfo("Australia/Sydney")
# Wednesday 25 November 2026, 16:30 UTC = 11:30 in New York.
NOW = datetime(2026, 11, 25, 16, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "local"),
    [
        ("yesterday 14:00", "2026-11-24 14:00"),
        ("Yesterday at 2pm", "2026-11-24 14:00"),
        ("9:15", "2026-11-25 09:15"),
        ("at 9.15", "2026-11-25 09:15"),
        ("today 8:30 am", "2026-11-25 08:30"),
        ("monday 8:30am", "2026-11-23 08:30"),
        ("wednesday 10:00", "2026-11-25 10:00"),  # today is a Wednesday
        ("on 2026-11-20 at 16:45", "2026-11-20 16:45"),
        ("2026-11-20 16:45", "2026-11-20 16:45"),
        ("12am", "2026-11-25 00:00"),
    ],
)
def test_starts_are_read_in_the_technicians_zone(text: str, local: str) -> None:
    expected = datetime.fromisoformat(local).replace(tzinfo=NY)
    assert parse_start(text, now=NOW, zone=NY) == expected


def test_an_iso_moment_keeps_its_own_offset() -> None:
    moment = parse_start("2026-11-25T14:05:00+00:00", now=NOW, zone=NY)
    assert moment == datetime(2026, 11, 25, 14, 5, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("12:30pm", "still to come"),
        ("tomorrow 9:00", "not a start time"),
        ("25:00", "not a start time"),
        ("13pm", "not a start time"),
        ("9", "not a start time"),
        ("last tuesday 9:00", "not a start time"),
        ("", "not a start time"),
    ],
)
def test_bad_or_future_starts_say_what_to_write(text: str, message: str) -> None:
    with pytest.raises(ToolError, match=message):
        parse_start(text, now=NOW, zone=NY)


def test_a_span_within_one_utc_day_gets_start_and_end() -> None:
    span = worked_span(datetime(2026, 11, 24, 14, 0, tzinfo=NY), 1.0, zone=NY)
    assert span.note is None
    assert span.fields == {
        "dateWorked": "2026-11-24T00:00:00.000Z",
        "startDateTime": "2026-11-24T19:00:00.000Z",
        "endDateTime": "2026-11-24T20:00:00.000Z",
    }


def test_a_span_over_midnight_utc_keeps_its_local_day_and_says_why() -> None:
    # 10:30 in Sydney is 23:30 UTC the day before; 1h ends after midnight UTC.
    span = worked_span(datetime(2026, 11, 25, 10, 30, tzinfo=SYDNEY), 1.0, zone=SYDNEY)
    assert span.fields == {"dateWorked": "2026-11-25T00:00:00.000Z"}
    assert span.note is not None and "midnight UTC" in span.note


def _ctx(ctx: ToolContext) -> ToolContext:
    return ToolContext(tenant=ctx.tenant, actor=ctx.actor, timezone="America/New_York",
                       clock=lambda: NOW)  # fmt: skip


def _open_ticket(box: Sandbox, ctx: ToolContext) -> dict[str, Any]:
    assert ctx.actor is not None
    return next(
        t
        for t in box.records("Tickets")
        if t["status"] != 5 and t["assignedResourceID"] == ctx.actor.resource_id
    )


async def test_yesterdays_time_is_planned_and_written_with_its_start(
    ctx: ToolContext, sandbox: Sandbox
) -> None:
    tech = _ctx(ctx)
    ticket = _open_ticket(sandbox, tech)
    fields = {"ticket": ticket["ticketNumber"], "duration": "1h", "start": "yesterday 14:00",
              "summaryNotes": "Onsite visit"}  # fmt: skip
    plan = await plan_change(tech, PlanArgs(action="create", entity="TimeEntries", fields=fields))
    assert plan.payload["dateWorked"] == "2026-11-24T00:00:00.000Z"
    assert plan.payload["startDateTime"] == "2026-11-24T19:00:00.000Z"
    assert plan.payload["endDateTime"] == "2026-11-24T20:00:00.000Z"
    assert plan.summary.endswith("Tue 24 Nov 14:00")
    assert tech.actor is not None
    result = await apply_change(tech, ChangePlan.model_validate(plan.model_dump()), tech.actor)
    assert result.status == "applied", result.message
    entry = sandbox.get_record("TimeEntries", result.record_id or 0)
    assert entry is not None
    assert entry["startDateTime"].startswith("2026-11-24T19:00")
    assert entry["hoursWorked"] == 1.0 and entry["dateWorked"].startswith("2026-11-24")


async def test_a_start_still_to_come_is_refused_before_anything_is_planned(
    ctx: ToolContext, sandbox: Sandbox
) -> None:
    tech = _ctx(ctx)
    ticket = _open_ticket(sandbox, tech)
    later = (NOW + timedelta(hours=2)).astimezone(NY).strftime("%H:%M")
    fields = {"ticket": ticket["id"], "duration": "30m", "start": later, "summaryNotes": "x"}
    with pytest.raises(ToolError, match="still to come"):
        await plan_change(tech, PlanArgs(action="create", entity="TimeEntries", fields=fields))
