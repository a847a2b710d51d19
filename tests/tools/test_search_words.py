"""The words a search schema advertises work on every entity: created, due, expires, closed; a
sort on a spelling the entity lacks; display fields the entity lacks are left out with a note."""

from __future__ import annotations

from typing import Any

import pytest

from autotask.sandbox import Sandbox
from autotask.tools import SearchArgs, ToolContext, ToolError, resolve_range, search
from autotask.tools._conditions import DATE_ONLY_FIELDS


def _args(entity: str, **extra: Any) -> SearchArgs:
    return SearchArgs.model_validate({"entity": entity, **extra})


@pytest.mark.parametrize(
    ("entity", "word", "field"),
    [
        ("TimeEntries", "created", "createDateTime"),
        ("Invoices", "created", "createDateTime"),
        ("Tasks", "created", "createDateTime"),
        ("Contracts", "expires", "endDate"),
        ("Contracts", "due", "endDate"),
        ("Invoices", "due", "dueDate"),
        ("Tickets", "closed", "completedDate"),
        ("Tasks", "closed", "completedDateTime"),
        ("ConfigurationItems", "expires", "warrantyExpirationDate"),
    ],
)
async def test_date_words_work_on_every_entity(
    ctx: ToolContext, sandbox: Sandbox, entity: str, word: str, field: str
) -> None:
    when = "last 400 days" if word in {"created", "closed"} else "next 400 days"
    filters = [{"field": word, "op": "within", "value": when}]
    result = await search(ctx, _args(entity, mode="count", filters=filters))
    span = resolve_range(when, now=ctx.now(), tz=ctx.tz, date_only=field in DATE_ONLY_FIELDS)
    expected = 0
    for record in sandbox.records(entity):
        value = record.get(field)
        if value:
            from datetime import datetime

            moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
            expected += span.start <= moment < span.end
    assert result.total == expected and expected > 0


async def test_sorting_tasks_by_create_date(ctx: ToolContext, sandbox: Sandbox) -> None:
    result = await search(ctx, _args("Tasks", sort="-createDate", limit=5))
    newest = sorted((t["createDateTime"] for t in sandbox.records("Tasks")), reverse=True)[:5]
    created = {t["id"]: t["createDateTime"] for t in sandbox.records("Tasks")}
    assert [created[r["id"]] for r in result.rows] == newest


async def test_unknown_display_fields_are_ignored_with_a_note(ctx: ToolContext) -> None:
    result = await search(ctx, _args("Tickets", fields=["title", "colour"], limit=2))
    assert result.rows and set(result.rows[0]) >= {"title"} and "colour" not in result.rows[0]
    assert result.notes == ["Tickets has no field 'colour'; not shown."]
    only_unknown = await search(ctx, _args("Tickets", fields=["colour"], limit=2))
    assert "ticketNumber" in only_unknown.rows[0] and only_unknown.notes


async def test_a_priority_label_given_as_status_says_so(ctx: ToolContext) -> None:
    with pytest.raises(ToolError, match="'High' is a priority: use the field priority"):
        await search(ctx, _args("Tickets", filters=[{"field": "status", "value": "High"}]))
    with pytest.raises(ToolError, match="filter field 'open' with value true"):
        await search(ctx, _args("Tickets", filters=[{"field": "status", "value": "open"}]))
