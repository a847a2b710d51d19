"""Queries that bound ``id`` read only that window of rows, and answer exactly what testing every
row would (API-NOTES §3.1: top-level filters are ANDed)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from autotask.sandbox import Sandbox
from autotask.sandbox._query import id_range


@pytest.mark.parametrize(
    ("filters", "window"),
    [
        ([{"op": "gte", "field": "id", "value": 0}], (-1, None)),
        ([{"op": "gt", "field": "id", "value": 10}, {"op": "lte", "field": "ID", "value": 20}], (10, 20)),
        ([{"op": "gte", "field": "id", "value": "10"}, {"op": "lt", "field": "id", "value": 20}], (9, 19)),
        ([{"op": "eq", "field": "id", "value": 7}], (6, 7)),
        ([{"op": "in", "field": "id", "value": [9, 3, 5]}], (2, 9)),
        ([{"op": "and", "items": [{"op": "gt", "field": "id", "value": 4}]},
          {"op": "lt", "field": "id", "value": 9}], (4, 8)),
        ([{"op": "or", "items": [{"op": "gt", "field": "id", "value": 4}]}], (4, None)),
        ([{"op": "or", "items": [  # the union of id windows, as one request asks for several
            {"op": "and", "items": [{"op": "gt", "field": "id", "value": 4},
                                    {"op": "lte", "field": "id", "value": 9}]},
            {"op": "and", "items": [{"op": "gt", "field": "id", "value": 20},
                                    {"op": "lte", "field": "id", "value": 30}]}]}], (4, 30)),
        ([{"op": "or", "items": [{"op": "gt", "field": "id", "value": 4},
                                 {"op": "eq", "field": "status", "value": 1}]}], (-1, None)),
        ([{"op": "or", "items": [{"op": "lte", "field": "id", "value": 4},
                                 {"op": "gt", "field": "id", "value": 20}]}], (-1, None)),
        ([{"op": "gt", "field": "id", "value": 4.5}], (-1, None)),
        ([{"op": "gt", "field": "id", "value": 4, "udf": True}], (-1, None)),
    ],
)  # fmt: skip
def test_the_window_of_ids_a_filter_allows(
    filters: list[dict[str, Any]], window: tuple[int, int | None]
) -> None:
    assert id_range(filters) == window


async def test_windowed_queries_answer_what_a_full_scan_would(
    box: Sandbox, api: httpx.AsyncClient
) -> None:
    ids = sorted(int(t["id"]) for t in box.records("Tickets"))
    low, high = ids[5], ids[30]
    cases = [
        [{"op": "gt", "field": "id", "value": low}, {"op": "lte", "field": "id", "value": high}],
        [{"op": "gt", "field": "id", "value": low}, {"op": "eq", "field": "status", "value": 1}],
        [{"op": "in", "field": "id", "value": [ids[3], ids[9], ids[-1]]}],
        [{"op": "or", "items": [{"op": "lt", "field": "id", "value": ids[2]},
                                {"op": "gt", "field": "id", "value": ids[-3]}]}],
        [{"op": "or", "items": [
            {"op": "and", "items": [{"op": "gt", "field": "id", "value": ids[3]},
                                    {"op": "lte", "field": "id", "value": ids[8]}]},
            {"op": "and", "items": [{"op": "gt", "field": "id", "value": ids[20]},
                                    {"op": "lte", "field": "id", "value": ids[24]}]}]},
         {"op": "eq", "field": "status", "value": 1}],
    ]  # fmt: skip
    for filters in cases:
        body = {"filter": filters, "includeFields": ["id", "status"]}
        page = (await api.post("Tickets/query", json=body)).json()["items"]
        count = (await api.post("Tickets/query/count", json={"filter": filters})).json()
        expected = [t["id"] for t in box.records("Tickets") if _matches(t, filters)]
        assert [r["id"] for r in page] == sorted(expected), filters
        assert count["queryCount"] == len(expected)


def _matches(record: dict[str, Any], filters: list[dict[str, Any]]) -> bool:
    def one(item: dict[str, Any]) -> bool:
        if item["op"] == "or":
            return any(one(i) for i in item["items"])
        if item["op"] == "and":
            return all(one(i) for i in item["items"])
        value, wanted = record[item["field"]], item["value"]
        return {
            "gt": lambda: value > wanted, "lt": lambda: value < wanted,
            "lte": lambda: value <= wanted, "eq": lambda: value == wanted,
            "in": lambda: value in wanted,
        }[item["op"]]()  # fmt: skip

    return all(one(item) for item in filters)
