"""The search tool against the sandbox: labels and names both ways, dates, count, call budgets."""

from __future__ import annotations

import itertools
from datetime import datetime
from typing import Any

import pytest

from autotask.sandbox import Sandbox
from autotask.tools import SearchArgs, ToolContext, ToolError, resolve_range, search

Record = dict[str, Any]


def _company_id(box: Sandbox, name: str) -> int:
    return next(int(c["id"]) for c in box.records("Companies") if c["companyName"] == name)


def _open_high_for(box: Sandbox, company: str) -> list[int]:
    cid = _company_id(box, company)
    return sorted(
        t["id"]
        for t in box.records("Tickets")
        if t["companyID"] == cid and t["status"] != 5 and t["priority"] == 1
    )


OPEN_HIGH_CONTOSO = SearchArgs.model_validate(
    {
        "entity": "Tickets",
        "filters": [
            {"field": "open", "value": True},
            {"field": "priority", "value": "high"},
            {"field": "company", "value": "contoso"},
        ],
    }
)


async def test_open_high_priority_tickets_for_a_company(ctx: ToolContext, sandbox: Sandbox) -> None:
    expected = _open_high_for(sandbox, "Contoso")
    assert expected, "the demo MSP must have open high-priority Contoso tickets"
    result = await search(ctx, OPEN_HIGH_CONTOSO)
    assert [row["id"] for row in result.rows] == expected
    assert result.total == len(expected) and result.scope == f"all {len(expected)} shown"
    row = result.rows[0]
    assert row["priority"] == "High" and row["companyID"] == "Contoso"
    assert row["status"] != "Complete" and not str(row["status"]).isdigit()
    assert result.link_template and "{id}" in result.link_template
    assert "title" in result.untrusted_fields
    assigned = next((r for r in result.rows if r["assignedResourceID"]), None)
    if assigned is not None:
        assert not str(assigned["assignedResourceID"]).startswith("#"), "names, not ids"


async def test_open_high_priority_call_budget_cold_and_warm(
    ctx: ToolContext, sandbox: Sandbox
) -> None:
    sandbox.clear_requests()
    await search(ctx, OPEN_HIGH_CONTOSO)
    cold = len(sandbox.requests)
    sandbox.clear_requests()
    await search(ctx, OPEN_HIGH_CONTOSO)
    warm = [r.path.rsplit("/V1.0/", 1)[-1] for r in sandbox.requests]
    # company + tickets, plus at most one batched name lookup per referenced entity
    assert warm[:2] == ["Companies/query", "Tickets/query"]
    assert len(warm) <= 3 and all(p.endswith("/query") for p in warm)
    assert cold > len(warm)


async def test_how_many_completed_last_week_is_one_call(ctx: ToolContext, sandbox: Sandbox) -> None:
    args = SearchArgs.model_validate(
        {
            "entity": "Tickets",
            "mode": "count",
            "filters": [
                {"field": "status", "value": "Complete"},
                {"field": "completed", "op": "within", "value": "last week"},
            ],
        }
    )
    await search(ctx, args)  # warm the metadata cache
    sandbox.clear_requests()
    result = await search(ctx, args)
    assert len(sandbox.requests) == 1 and sandbox.requests[0].path.endswith("/query/count")
    week = resolve_range("last week", now=ctx.now(), tz=ctx.tz)

    def done_last_week(t: Record) -> bool:
        when = t["completedDate"]
        if t["status"] != 5 or not when:
            return False
        moment = datetime.fromisoformat(when.replace("Z", "+00:00"))
        return week.start <= moment < week.end

    expected = sum(1 for t in sandbox.records("Tickets") if done_last_week(t))
    assert result.total == expected > 0
    assert "Completed date within last week (2026-11-16 to 2026-11-22)" in result.conditions


async def test_contracts_expiring_in_the_next_60_days(ctx: ToolContext, sandbox: Sandbox) -> None:
    args = SearchArgs.model_validate(
        {
            "entity": "Contracts",
            "filters": [{"field": "endDate", "op": "within", "value": "next 60 days"}],
        }
    )
    result = await search(ctx, args)
    window = resolve_range("next 60 days", now=ctx.now(), tz=ctx.tz, date_only=True)
    expected = sorted(
        c["id"]
        for c in sandbox.records("Contracts")
        if window.start <= datetime.fromisoformat(c["endDate"].replace("Z", "+00:00")) < window.end
    )
    assert [r["id"] for r in result.rows] == expected and len(expected) >= 3
    assert all(len(r["endDate"]) == 10 for r in result.rows), "date-only fields show the day"


async def test_assigned_to_me(ctx: ToolContext, sandbox: Sandbox) -> None:
    args = SearchArgs.model_validate(
        {"entity": "Tickets", "filters": [{"field": "assigned", "value": "me"}], "limit": 200}
    )
    result = await search(ctx, args)
    assert ctx.actor is not None
    mine = [
        t["id"]
        for t in sandbox.records("Tickets")
        if t["assignedResourceID"] == ctx.actor.resource_id
    ]
    assert result.total == len(mine) > 0
    assert {r["assignedResourceID"] for r in result.rows} == {ctx.actor.name}


async def test_scope_says_how_many_were_not_shown(ctx: ToolContext, sandbox: Sandbox) -> None:
    result = await search(ctx, SearchArgs(entity="Tickets", limit=5))
    total = len(sandbox.records("Tickets"))
    assert result.shown == 5 and result.total == total
    assert result.scope == f"5 of {total:,} shown"


async def test_sort_descending_by_created(ctx: ToolContext, sandbox: Sandbox) -> None:
    result = await search(ctx, SearchArgs(entity="Tickets", sort="-createDate", limit=3))
    newest = sorted(sandbox.records("Tickets"), key=lambda t: t["createDate"], reverse=True)[:3]
    assert [r["id"] for r in result.rows] == [t["id"] for t in newest]


async def test_a_close_misspelling_resolves_when_unique(ctx: ToolContext, sandbox: Sandbox) -> None:
    args = SearchArgs.model_validate(
        {
            "entity": "Tickets",
            "mode": "count",
            "filters": [{"field": "company", "value": "Contosso"}],
        }
    )
    result = await search(ctx, args)
    cid = _company_id(sandbox, "Contoso")
    assert result.total == sum(1 for t in sandbox.records("Tickets") if t["companyID"] == cid)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("priority", "Super urgent", "Valid values: Critical, High, Low, Medium"),
        ("status", "Waiting", "ambiguous"),
        ("company", "Zzyzx Holdings", "No company matches"),
        ("colour", "red", "has no field 'colour'"),
    ],
)
async def test_unknown_and_ambiguous_values_say_what_would_work(
    ctx: ToolContext, field: str, value: str, message: str
) -> None:
    args = SearchArgs.model_validate(
        {"entity": "Tickets", "filters": [{"field": field, "value": value}]}
    )
    with pytest.raises(ToolError, match=message):
        await search(ctx, args)


async def test_dependent_picklist_labels(ctx: ToolContext, sandbox: Sandbox) -> None:
    schema = await ctx.schemas.get("Tickets")
    sub = schema.require("subIssueType")
    child = next(v for v in sub.picklist_values or () if v.parent_value and v.is_active)
    parent_label = schema.label("issueType", child.parent_value)
    args = SearchArgs.model_validate(
        {
            "entity": "Tickets",
            "fields": ["issueType", "subIssueType"],
            "filters": [{"field": "subIssueType", "value": child.label}],
        }
    )
    result = await search(ctx, args)
    assert all(r["subIssueType"] == child.label for r in result.rows)
    assert all(r["issueType"] == parent_label for r in result.rows)


async def test_udf_filter_by_label(ctx: ToolContext, sandbox: Sandbox) -> None:
    schema = await ctx.schemas.get("Tickets")
    udf = next(u for u in schema.udfs)
    values = [
        v["value"]
        for t in sandbox.records("Tickets")
        for v in t.get("userDefinedFields") or []
        if v["name"] == udf.name and v["value"]
    ]
    assert values
    args = SearchArgs.model_validate(
        {"entity": "Tickets", "mode": "count", "filters": [{"field": udf.name, "value": values[0]}]}
    )
    assert (await search(ctx, args)).total == values.count(values[0])


async def test_the_order_is_said_in_words(ctx: ToolContext) -> None:
    newest = await search(ctx, SearchArgs(entity="Tickets", sort="-createDate", limit=3))
    oldest = await search(ctx, SearchArgs(entity="Tickets", limit=3))
    due = await search(ctx, SearchArgs(entity="Tickets", sort="dueDateTime", limit=3))
    contracts = await search(ctx, SearchArgs(entity="Contracts", sort="endDate", limit=3))
    assert (newest.order, oldest.order) == ("newest first", "oldest first")
    assert due.order == "by due date, soonest first"
    assert contracts.order == "by end date, soonest first"


async def test_urgency_then_newest(ctx: ToolContext, sandbox: Sandbox) -> None:
    args = SearchArgs.model_validate(
        {"entity": "Tickets", "filters": [{"field": "open", "value": True}],
         "sort": "priority,-createDate", "limit": 200}
    )  # fmt: skip
    result = await search(ctx, args)
    assert result.order == "by priority, most urgent first, then newest first"
    picklist = sandbox.metadata.get("Tickets").picklist("priority")
    ranks = {int(v["value"]): v.get("sortOrder") or 0 for v in picklist}
    by_id = {t["id"]: t for t in sandbox.records("Tickets")}
    keys = [(ranks[by_id[r["id"]]["priority"]], by_id[r["id"]]["createDate"]) for r in result.rows]
    assert len({k[0] for k in keys}) > 1, "the demo MSP has open tickets of several priorities"
    for (rank, created), (next_rank, next_created) in itertools.pairwise(keys):
        assert rank < next_rank or (rank == next_rank and created >= next_created)


async def test_a_company_given_by_id_reads_as_its_name(ctx: ToolContext, sandbox: Sandbox) -> None:
    """A channel's company (or a model) filters by id; the answer says which company in words."""
    cid = _company_id(sandbox, "Contoso")
    args = SearchArgs.model_validate(
        {"entity": "Tickets", "mode": "count",
         "filters": [{"field": "open", "value": True}, {"field": "company", "value": cid}]}
    )  # fmt: skip
    sandbox.clear_requests()
    result = await search(ctx, args)
    assert "Company = Contoso" in result.conditions
    names = [r for r in sandbox.requests if "/Companies/" in r.path]
    assert len(names) == 1, "one batched name lookup"
    sandbox.clear_requests()
    again = await search(ctx, args)
    assert "Company = Contoso" in again.conditions
    assert not [r for r in sandbox.requests if "/Companies/" in r.path], "the name is cached"


async def test_an_unknown_company_id_stays_an_id(ctx: ToolContext) -> None:
    args = SearchArgs.model_validate(
        {"entity": "Tickets", "mode": "count", "filters": [{"field": "company", "value": 987654}]}
    )
    result = await search(ctx, args)
    assert result.total == 0 and "Company = 987654" in result.conditions
