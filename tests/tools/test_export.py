"""Export streams every page into a CSV file with labels and names."""

from __future__ import annotations

import csv
from pathlib import Path

from autotask.sandbox import Sandbox
from autotask.tools import SearchArgs, ToolContext, search


async def test_export_rows_equal_the_count(ctx: ToolContext, sandbox: Sandbox) -> None:
    filters = [{"field": "open", "value": False}]
    exported = await search(
        ctx, SearchArgs.model_validate({"entity": "Tickets", "mode": "export", "filters": filters})
    )
    counted = await search(
        ctx, SearchArgs.model_validate({"entity": "Tickets", "mode": "count", "filters": filters})
    )
    assert exported.export is not None
    assert (
        exported.export.rows
        == counted.total
        == sum(1 for t in sandbox.records("Tickets") if t["status"] == 5)
    )
    with Path(exported.export.path).open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == exported.export.rows > 500, "more than one page"
    assert {r["status"] for r in rows} == {"Complete"}
    assert all(not r["companyID"].startswith("#") for r in rows)


async def test_time_entries_for_the_acme_migration_this_quarter(
    ctx: ToolContext, sandbox: Sandbox
) -> None:
    project = next(p for p in sandbox.records("Projects") if p["projectName"] == "Acme migration")
    task_ids = {t["id"] for t in sandbox.records("Tasks") if t["projectID"] == project["id"]}
    tasks = await search(
        ctx,
        SearchArgs.model_validate(
            {
                "entity": "Tasks",
                "filters": [{"field": "project", "value": "Acme migration"}],
                "limit": 200,
            }
        ),
    )
    assert {r["id"] for r in tasks.rows} == task_ids
    result = await search(
        ctx,
        SearchArgs.model_validate(
            {
                "entity": "TimeEntries",
                "mode": "export",
                "filters": [
                    {"field": "taskID", "op": "in", "value": sorted(task_ids)},
                    {"field": "dateWorked", "op": "within", "value": "this quarter"},
                ],
            }
        ),
    )
    assert result.export is not None and result.export.rows > 0
    expected = [
        e
        for e in sandbox.records("TimeEntries")
        if e["taskID"] in task_ids and "2026-10-01" <= e["dateWorked"][:10] < "2027-01-01"
    ]
    assert result.export.rows == len(expected)


async def test_customer_text_cannot_become_a_spreadsheet_formula(
    ctx: ToolContext, sandbox: Sandbox
) -> None:
    ticket = dict(sandbox.records("Tickets")[0])
    ticket["title"] = '=HYPERLINK("http://evil.example")'
    sandbox.put_record("Tickets", ticket)
    result = await search(
        ctx,
        SearchArgs.model_validate(
            {
                "entity": "Tickets",
                "mode": "export",
                "filters": [{"field": "id", "value": ticket["id"]}],
            }
        ),
    )
    assert result.export is not None
    text = Path(result.export.path).read_text(encoding="utf-8")
    assert "'=HYPERLINK" in text
