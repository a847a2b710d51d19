"""Autotask calls per tool operation (cold and warm caches); the large export is bench/export.py."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from tempfile import TemporaryDirectory

from autotask import AutotaskClient
from autotask.sandbox import Sandbox, SandboxConfig
from autotask.tools import (
    ChangePlan,
    DescribeArgs,
    PlanArgs,
    SearchArgs,
    Tenant,
    ToolContext,
    actor_of,
    apply_change,
    describe,
    plan_change,
    search,
)

from ._report import Figure

NOW = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)

OPEN_HIGH_CONTOSO = SearchArgs.model_validate(
    {"entity": "Tickets", "filters": [{"field": "open", "value": True},
     {"field": "priority", "value": "High"}, {"field": "company", "value": "Contoso"}]}
)  # fmt: skip
COMPLETED_LAST_WEEK = SearchArgs.model_validate(
    {"entity": "Tickets", "mode": "count", "filters": [{"field": "status", "value": "Complete"},
     {"field": "completed", "op": "within", "value": "last week"}]}
)  # fmt: skip


def _context(box: Sandbox, client: AutotaskClient, folder: Path) -> ToolContext:
    tech = next(
        r for r in box.records("Resources")
        if r["isActive"] and r["userName"] != box.config.username
        and any(t["assignedResourceID"] == r["id"] and t["status"] != 5 for t in box.records("Tickets"))
    )  # fmt: skip
    tenant = Tenant(client=client, export_dir=folder)
    return ToolContext(tenant=tenant, actor=actor_of(tech), timezone="America/New_York",
                       clock=lambda: NOW)  # fmt: skip


async def _calls(box: Sandbox, action: Callable[[], Awaitable[object]]) -> int:
    box.clear_requests()
    await action()
    return len(box.requests)


async def _time_entry(ctx: ToolContext, box: Sandbox) -> None:
    assert ctx.actor is not None
    ticket = next(t for t in box.records("Tickets")
                  if t["status"] != 5 and t["assignedResourceID"] == ctx.actor.resource_id)  # fmt: skip
    plan = await plan_change(ctx, PlanArgs.model_validate({
        "action": "create", "entity": "TimeEntries",
        "fields": {"ticket": ticket["ticketNumber"], "duration": "45m", "summaryNotes": "VPN"}}))  # fmt: skip
    result = await apply_change(ctx, ChangePlan.model_validate(plan.model_dump()), ctx.actor)
    assert result.status == "applied", result.message


CASES = (
    "open high-priority tickets for Contoso",
    "how many tickets were completed last week",
    "describe Tickets",
    "plan + apply a 45m time entry",
)


def _cases(ctx: ToolContext, box: Sandbox) -> dict[str, Callable[[], Awaitable[object]]]:
    return {
        "open high-priority tickets for Contoso": lambda: search(ctx, OPEN_HIGH_CONTOSO),
        "how many tickets were completed last week": lambda: search(ctx, COMPLETED_LAST_WEEK),
        "describe Tickets": lambda: describe(ctx, DescribeArgs(entity="Tickets")),
        "plan + apply a 45m time entry": lambda: _time_entry(ctx, box),
    }


async def _call_budgets() -> list[Figure]:
    """Each case on a fresh client (cold caches), then once more on the same one (warm)."""
    config = SandboxConfig(tickets=1500, now=NOW)
    figures: list[Figure] = []
    with TemporaryDirectory() as folder:
        async with Sandbox(config) as box:
            for name in CASES:
                async with AutotaskClient(config.credentials(), zone_url=box.api_url) as client:
                    action = _cases(_context(box, client, Path(folder)), box)[name]
                    cold, warm = await _calls(box, action), await _calls(box, action)
                figures.append(
                    Figure(name, "Autotask calls (cold / warm cache)", f"{cold} / {warm}")
                )
    return figures


async def run() -> list[Figure]:
    return await _call_budgets()
