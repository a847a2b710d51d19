"""Newest first without reading from the oldest: right however creation dates are spread, in few
requests (Autotask returns rows in id order and cannot sort)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from autotask.sandbox import Sandbox
from autotask.tools import SearchArgs, ToolContext, search

Record = dict[str, Any]


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _redate(box: Sandbox, when: list[datetime]) -> None:
    """Give the tickets, in id order, these creation moments (ids follow creation)."""
    for ticket, moment in zip(box.records("Tickets"), sorted(when), strict=False):
        box.put_record("Tickets", dict(ticket, createDate=_stamp(moment)))


def _expected(box: Sandbox, count: int) -> list[int]:
    ordered = sorted(box.records("Tickets"), key=lambda t: (t["createDate"], t["id"]))
    return [t["id"] for t in reversed(ordered[-count:])]


async def _newest(ctx: ToolContext, box: Sandbox, limit: int) -> tuple[list[int], int]:
    box.clear_requests()
    result = await search(ctx, SearchArgs(entity="Tickets", sort="-createDate", limit=limit))
    tickets = [r for r in box.requests if "/Tickets/query" in r.path]  # not the metadata
    return [row["id"] for row in result.rows], len(tickets)


@pytest.mark.parametrize("shape", ["burst in the last hour", "quiet for two months", "even"])
async def test_newest_is_right_however_creation_is_spread(
    ctx: ToolContext, sandbox: Sandbox, shape: str
) -> None:
    now = ctx.now()
    count = len(sandbox.records("Tickets"))
    if shape == "burst in the last hour":  # most tickets long ago, 300 in the last hour
        when = [now - timedelta(days=400 - i / 2) for i in range(count - 300)]
        when += [now - timedelta(minutes=60 - i / 5) for i in range(300)]
    elif shape == "quiet for two months":
        when = [now - timedelta(days=60, hours=i) for i in range(count)]
    else:
        when = [now - timedelta(hours=i * 3) for i in range(count)]
    _redate(sandbox, when)
    ids, requests = await _newest(ctx, sandbox, 25)
    assert ids == _expected(sandbox, 25)
    assert requests <= 6, "count, the oldest row and a few windows; never every page"
