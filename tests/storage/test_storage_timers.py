"""Timers: one per technician, taken exactly once, times kept in UTC."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta, timezone

from bot.storage import Database, RunningTimer

START = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)


def _timer(resource_id: int = 7, **changes: object) -> RunningTimer:
    values: dict[str, object] = {
        "resource_id": resource_id, "ticket_id": 42, "ticket_label": "T20261125.0001",
        "summary": "VPN", "platform": "slack", "user_id": "U1", "started_at": START,
    }  # fmt: skip
    values.update(changes)
    return RunningTimer(**values)  # type: ignore[arg-type]


async def test_a_second_start_returns_the_running_timer(db: Database) -> None:
    assert await db.timers.start(_timer()) == _timer()
    later = _timer(ticket_id=43, started_at=START + timedelta(hours=1), summary=None)
    assert await db.timers.start(later) == _timer()
    assert await db.timers.start(_timer(8)) == _timer(8), "another technician has their own"


async def test_take_gives_the_timer_to_one_caller(db: Database) -> None:
    await db.timers.start(_timer())
    taken = await asyncio.gather(*(db.timers.take(7) for _ in range(4)))
    assert [t for t in taken if t is not None] == [_timer()]
    assert await db.timers.get(7) is None


async def test_times_come_back_in_utc(db: Database) -> None:
    tokyo = timezone(timedelta(hours=9))
    await db.timers.start(_timer(started_at=START.astimezone(tokyo)))
    running = await db.timers.get(7)
    assert running is not None and running.started_at == START
    assert running.started_at.utcoffset() == timedelta(0)
