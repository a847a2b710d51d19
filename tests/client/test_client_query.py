"""The client's queries against the sandbox: every operator, groups, paging, count."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from autotask import AutotaskClient, Filter, Query, all_of, any_of
from autotask.sandbox import Sandbox

Record = dict[str, Any]


def _ids(records: list[Record]) -> list[int]:
    return [int(record["id"]) for record in records]


def _expected(box: Sandbox, entity: str, keep: Callable[[Record], bool]) -> list[int]:
    return sorted(int(r["id"]) for r in box.records(entity) if keep(r))


def _when(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None


CUTOFF = datetime(2026, 10, 1, tzinfo=UTC)

OPERATOR_CASES: list[tuple[str, Filter, Callable[[Record], bool]]] = [
    ("eq", Filter.eq("priority", 1), lambda r: r["priority"] == 1),
    ("noteq", Filter.noteq("status", 5), lambda r: r["status"] != 5),
    ("gt", Filter.gt("createDate", CUTOFF), lambda r: _when(r["createDate"]) > CUTOFF),  # type: ignore[operator]
    ("gte", Filter.gte("priority", 3), lambda r: r["priority"] >= 3),
    ("lt", Filter.lt("createDate", CUTOFF), lambda r: _when(r["createDate"]) < CUTOFF),  # type: ignore[operator]
    ("lte", Filter.lte("priority", 2), lambda r: r["priority"] <= 2),
    (
        "beginsWith",
        Filter.begins_with("title", "new starter"),
        lambda r: (r["title"] or "").lower().startswith("new starter"),
    ),
    (
        "endsWith",
        Filter.ends_with("title", "password"),
        lambda r: (r["title"] or "").lower().endswith("password"),
    ),
    ("contains", Filter.contains("title", "vpn"), lambda r: "vpn" in (r["title"] or "").lower()),
    ("exist", Filter.exist("assignedResourceID"), lambda r: r["assignedResourceID"] is not None),
    ("notExist", Filter.not_exist("assignedResourceID"), lambda r: r["assignedResourceID"] is None),
    ("in", Filter.in_("status", [1, 8]), lambda r: r["status"] in (1, 8)),
    ("notIn", Filter.not_in("priority", [2, 3]), lambda r: r["priority"] not in (2, 3)),
]


@pytest.mark.parametrize(
    ("name", "condition", "keep"), OPERATOR_CASES, ids=[c[0] for c in OPERATOR_CASES]
)
async def test_every_operator_matches_what_the_records_hold(
    client: AutotaskClient,
    sandbox: Sandbox,
    name: str,
    condition: Filter,
    keep: Callable[[Record], bool],
) -> None:
    expected = _expected(sandbox, "Tickets", keep)
    assert expected, f"the demo data has no ticket for {name}; the case proves nothing"
    found = await client.query("Tickets", Query(filter=(condition,)))
    assert _ids(found) == expected


async def test_nested_and_or_groups(client: AutotaskClient, sandbox: Sandbox) -> None:
    query = Query(
        filter=(
            Filter.noteq("status", 5),
            any_of(
                Filter.eq("priority", 4),
                all_of(Filter.eq("priority", 1), Filter.exist("assignedResourceID")),
            ),
        )
    )
    expected = _expected(
        sandbox,
        "Tickets",
        lambda r: (
            r["status"] != 5
            and (r["priority"] == 4 or (r["priority"] == 1 and r["assignedResourceID"] is not None))
        ),
    )
    assert expected
    assert _ids(await client.query("Tickets", query)) == expected


async def test_udf_filter(client: AutotaskClient, sandbox: Sandbox) -> None:
    tickets = sandbox.records("Tickets")
    with_udf = [
        (udf["name"], udf["value"])
        for record in tickets
        for udf in record.get("userDefinedFields") or []
        if udf.get("value")
    ]
    assert with_udf, "the demo tickets carry no UDF values"
    name, value = with_udf[0]
    expected = _expected(
        sandbox,
        "Tickets",
        lambda r: any(
            u["name"] == name and u["value"] == value for u in r.get("userDefinedFields") or []
        ),
    )
    found = await client.query("Tickets", Query(filter=(Filter.eq(name, value, udf=True),)))
    assert _ids(found) == expected


def test_a_second_udf_filter_is_refused_before_sending() -> None:
    with pytest.raises(ValueError, match="one user-defined field"):
        Query(filter=(Filter.eq("A", "1", udf=True), Filter.eq("B", "2", udf=True)))


async def test_paging_follows_next_page_url_by_posting_the_same_body(
    client: AutotaskClient, sandbox: Sandbox
) -> None:
    total = len(sandbox.records("Tickets"))
    query = Query(include_fields=("ticketNumber", "status"), max_records=100)
    await client.zone()
    sandbox.clear_requests()

    pages = [page async for page in client.pages("Tickets", query)]

    assert len(pages) == math.ceil(total / 100) > 3
    ids = [int(item["id"]) for page in pages for item in page.items]
    assert ids == sorted(int(r["id"]) for r in sandbox.records("Tickets"))
    assert set(pages[0].items[0]) <= {"id", "ticketNumber", "status", "userDefinedFields"}
    queries = [r for r in sandbox.requests if "/query" in r.path.lower()]
    assert [r.method for r in queries] == ["POST"] * len(pages)
    assert all(r.path.lower().endswith("/query/next") for r in queries[1:])
    assert all(r.body == queries[0].body for r in queries[1:])


async def test_iterate_stops_at_the_limit_without_fetching_more_pages(
    client: AutotaskClient, sandbox: Sandbox
) -> None:
    await client.zone()
    sandbox.clear_requests()
    rows = [row async for row in client.iterate("Tickets", Query(max_records=50), limit=120)]
    assert len(rows) == 120
    assert len([r for r in sandbox.requests if "/query" in r.path.lower()]) == 3


async def test_count_is_one_call_and_agrees_with_the_rows(
    client: AutotaskClient, sandbox: Sandbox
) -> None:
    query = Query(filter=(Filter.noteq("status", 5),))
    await client.zone()
    sandbox.clear_requests()
    count = await client.count("Tickets", query)
    assert len(sandbox.requests) == 1
    assert sandbox.requests[0].path.lower().endswith("/tickets/query/count")
    assert count == len(await client.query("Tickets", query)) > 0


async def test_empty_filter_returns_no_rows_as_autotask_does(client: AutotaskClient) -> None:
    assert await client.query("Companies", Query(filter=())) == []
