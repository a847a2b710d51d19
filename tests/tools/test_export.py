"""Export streams every page into an XLSX (default) or CSV file with labelled headers, names,
and in XLSX typed dates and numbers."""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest

from autotask import BusyError
from autotask.sandbox import Sandbox
from autotask.tools import SearchArgs, ToolContext, search
from autotask.tools import _search as search_module


async def test_export_rows_equal_the_count(ctx: ToolContext, sandbox: Sandbox) -> None:
    filters = [{"field": "open", "value": False}]
    exported = await search(
        ctx,
        SearchArgs.model_validate(
            {"entity": "Tickets", "mode": "export", "filters": filters, "format": "csv"}
        ),
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
    raw = Path(exported.export.path).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "a UTF-8 BOM, so Excel reads accents right"
    with Path(exported.export.path).open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == exported.export.rows > 500, "more than one page"
    assert {r["Status"] for r in rows} == {"Complete"}
    assert all(not r["Company"].startswith("#") for r in rows)
    assert list(rows[0])[:4] == ["ID", "Ticket number", "Title", "Company"]
    assert f"Create date ({ctx.timezone})" in rows[0]


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
                "format": "csv",
            }
        ),
    )
    assert result.export is not None
    text = Path(result.export.path).read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK" in text
    xlsx = await search(
        ctx,
        SearchArgs.model_validate(
            {"entity": "Tickets", "mode": "export",
             "filters": [{"field": "id", "value": ticket["id"]}]}
        ),
    )  # fmt: skip
    assert xlsx.export is not None
    sheet = openpyxl.load_workbook(xlsx.export.path).active
    assert sheet is not None
    (title,) = [c for c in sheet[2] if c.column == 3]
    assert title.value == ticket["title"] and title.data_type == "s", "text, never a formula"


async def test_xlsx_is_the_default_with_typed_dates_and_numbers(
    ctx: ToolContext, sandbox: Sandbox
) -> None:
    result = await search(
        ctx,
        SearchArgs.model_validate(
            {"entity": "TimeEntries", "mode": "export",
             "filters": [{"field": "dateWorked", "op": "within", "value": "this quarter"}]}
        ),
    )  # fmt: skip
    assert result.export is not None and result.export.format == "xlsx"
    assert result.export.file_name.endswith(".xlsx") and result.export.mime.endswith(".sheet")
    sheet = openpyxl.load_workbook(result.export.path).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    header, body = rows[0], rows[1:]
    assert header[:5] == ("ID", "Date worked", "Resource", "Ticket", "Task")
    assert len(body) == result.export.rows > 0
    by_id = {e["id"]: e for e in sandbox.records("TimeEntries")}
    hours = header.index("Hours worked")
    for row in body:
        entry = by_id[row[0]]
        assert (
            isinstance(row[1], datetime) and row[1].date().isoformat() == entry["dateWorked"][:10]
        )
        assert isinstance(row[hours], int | float) and row[hours] == entry["hoursWorked"]
        assert isinstance(row[2], str) and not row[2].startswith("#")


async def test_an_export_refused_by_the_hourly_budget_leaves_no_file(
    ctx: ToolContext, sandbox: Sandbox
) -> None:
    sandbox.set_hourly_count(int(sandbox.config.hourly_threshold * 0.9))
    sandbox.clear_requests()
    args = SearchArgs.model_validate({"entity": "Tickets", "mode": "export", "format": "csv"})
    with pytest.raises(BusyError, match="hourly API budget is 90% used"):
        await search(ctx, args)
    assert not any(ctx.tenant.export_dir.iterdir()), "the file begun is removed"
    reads = [r.path.rsplit("/V1.0/", 1)[1] for r in sandbox.requests]
    assert "ThresholdInformation" in reads
    # the check runs alongside the first page and the count, never further
    tickets = [path for path in reads if path.startswith("Tickets/")]
    assert sorted(tickets) <= ["Tickets/query", "Tickets/query/count"]


@pytest.mark.parametrize(
    "sort",
    [None, "-createDate", "priority,-createDate"],
    ids=["first rows", "newest first", "sorted on a field"],
)
async def test_an_export_after_a_list_of_the_same_tickets_starts_at_once(
    ctx: ToolContext, sandbox: Sandbox, sort: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A list shows a few of many and says "export for all": its rows and its count tell where
    the matches lie, so the export asks no count and no first page before the rest."""
    monkeypatch.setattr(search_module, "SORT_WINDOW", 300)  # sorted within the first 300
    filters = [{"field": "open", "value": False}]
    listed = await search(
        ctx,
        SearchArgs.model_validate(
            {"entity": "Tickets", "filters": filters, "limit": 10, "sort": sort}
        ),
    )
    assert listed.total is not None and listed.total > 500
    sandbox.clear_requests()
    exported = await search(
        ctx,
        SearchArgs.model_validate(
            {"entity": "Tickets", "mode": "export", "filters": filters, "format": "csv"}
        ),
    )
    reads = [r.path.rsplit("/V1.0/", 1)[1] for r in sandbox.requests]
    assert "Tickets/query/count" not in reads
    assert exported.export is not None and exported.export.rows == listed.total
    with Path(exported.export.path).open(encoding="utf-8-sig") as handle:
        ids = [int(row["ID"]) for row in csv.DictReader(handle)]
    closed = sorted(int(t["id"]) for t in sandbox.records("Tickets") if t["status"] == 5)
    assert ids == closed
    assert reads.count("Tickets/query") <= listed.total // 500 + 4
