"""Query and count: operators, groups, UDF filters, edge cases (API-NOTES §3.1 to §3.3, §3.5)."""

from __future__ import annotations

import json
import urllib.parse
from typing import Any

import httpx
import pytest

from autotask.sandbox import Sandbox

BASE = 900_000
# Companies added behind the API's back; every query below is limited to them (id > BASE).
ROWS: list[dict[str, Any]] = [
    {"companyName": "Alpha Dental", "isActive": True, "classification": 1,
     "createDate": "2024-10-31T23:59:59.000Z", "webAddress": "https://alpha.example",
     "udf": {"Backup Product": "Datto BCDR", "Number of Seats": "12"}},
    {"companyName": "alpha labs", "isActive": False, "classification": 2,
     "createDate": "2024-11-01T00:00:00.000Z", "webAddress": None,
     "udf": {"Backup Product": "Veeam", "Number of Seats": "40"}},
    {"companyName": "Beta Bakery", "isActive": True, "classification": 3,
     "createDate": "2024-11-15T08:30:00.000Z", "webAddress": "",
     "udf": {"Backup Product": None, "Number of Seats": "5"}},
    {"companyName": "Gamma Dental Group", "isActive": True, "classification": None,
     "createDate": "2025-02-01T12:00:00.000Z", "webAddress": "https://gamma.example",
     "udf": {"Backup Product": "datto bcdr", "Number of Seats": None}},
]  # fmt: skip
SCOPE = {"op": "gt", "field": "id", "value": BASE}


def error_text(response: httpx.Response) -> str:
    body = response.json()
    assert set(body) == {"errors"} and len(body["errors"]) == 1, body
    return str(body["errors"][0])


@pytest.fixture
def companies(box: Sandbox) -> list[int]:
    template = box.records("Companies")[-1]
    ids: list[int] = []
    for offset, row in enumerate(ROWS, start=1):
        record: dict[str, Any] = {key: None for key in template}
        record.update({k: v for k, v in row.items() if k != "udf"})
        record["id"] = BASE + offset
        record["userDefinedFields"] = [{"name": n, "value": v} for n, v in row["udf"].items()]
        box.put_record("Companies", record)
        ids.append(BASE + offset)
    return ids


async def ids_for(api: httpx.AsyncClient, *filters: dict[str, Any]) -> list[int]:
    response = await api.post("Companies/query", json={"Filter": [SCOPE, *filters]})
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


def at(*positions: int) -> list[int]:
    return [BASE + p for p in positions]


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ({"op": "eq", "field": "companyName", "value": "ALPHA LABS"}, at(2)),
        ({"op": "noteq", "field": "classification", "value": 1}, at(2, 3)),
        ({"op": "gt", "field": "classification", "value": "1"}, at(2, 3)),
        ({"op": "gte", "field": "classification", "value": 2}, at(2, 3)),
        ({"op": "lt", "field": "classification", "value": 2}, at(1)),
        ({"op": "lte", "field": "classification", "value": 2.0}, at(1, 2)),
        ({"op": "beginsWith", "field": "companyName", "value": "alpha"}, at(1, 2)),
        ({"op": "endsWith", "field": "companyName", "value": "DENTAL"}, at(1)),
        ({"op": "contains", "field": "companyName", "value": "dental"}, at(1, 4)),
        ({"op": "exist", "field": "webAddress"}, at(1, 4)),
        ({"op": "notExist", "field": "webAddress"}, at(2, 3)),
        ({"op": "exist", "field": "classification"}, at(1, 2, 3)),
        ({"op": "in", "field": "classification", "value": [1, "3"]}, at(1, 3)),
        ({"op": "notIn", "field": "classification", "value": [1, 3]}, at(2)),
        ({"op": "in", "field": "companyName", "value": ["beta bakery", "x"]}, at(3)),
        ({"op": "eq", "field": "isActive", "value": "true"}, at(1, 3, 4)),
        ({"op": "eq", "field": "isActive", "value": 0}, at(2)),
        ({"op": "eq", "field": "IsActive", "value": False}, at(2)),
        ({"op": "gte", "field": "createDate", "value": "2024-11-01"}, at(2, 3, 4)),
        ({"op": "lt", "field": "createDate", "value": "2024-11-01T00:00:00Z"}, at(1)),
        ({"op": "gt", "field": "createDate", "value": "2024-11-15T08:30:00.000Z"}, at(4)),
        ({"op": "eq", "field": "createDate", "value": "2024-11-15T09:30:00+01:00"}, at(3)),
        ({"op": "lte", "field": "createDate", "value": "2024-11-01T00:00:00.00Z"}, at(1, 2)),
    ],
)
async def test_each_operator(
    api: httpx.AsyncClient, companies: list[int], condition: dict[str, Any], expected: list[int]
) -> None:
    assert await ids_for(api, condition) == expected


async def test_or_and_groups_nest(api: httpx.AsyncClient, companies: list[int]) -> None:
    either = {
        "op": "or",
        "items": [
            {"op": "eq", "field": "classification", "value": 3},
            {
                "op": "and",
                "items": [
                    {"op": "contains", "field": "companyName", "value": "dental"},
                    {"op": "gte", "field": "createDate", "value": "2025-01-01"},
                ],
            },
        ],
    }
    assert await ids_for(api, either) == at(3, 4)
    assert await ids_for(api, either, {"op": "eq", "field": "isActive", "value": True}) == at(3, 4)
    upper_case = {
        "Op": "or",
        "Items": [{"Op": "eq", "Field": "companyname", "Value": "beta bakery"}],
    }
    assert await ids_for(api, upper_case) == at(3)


async def test_udf_filter(api: httpx.AsyncClient, companies: list[int]) -> None:
    datto = {"op": "eq", "field": "backup product", "udf": True, "value": "Datto BCDR"}
    assert await ids_for(api, datto) == at(1, 4)
    seats = {"op": "gte", "field": "Number of Seats", "udf": True, "value": 12}
    assert await ids_for(api, seats) == at(1, 2)
    missing = {"op": "notExist", "field": "Backup Product", "udf": True}
    assert await ids_for(api, missing) == at(3)


async def test_only_one_udf_filter_per_query(api: httpx.AsyncClient, companies: list[int]) -> None:
    two = [
        {"op": "eq", "field": "Backup Product", "udf": True, "value": "Veeam"},
        {"op": "or", "items": [{"op": "exist", "field": "Number of Seats", "udf": True}]},
    ]
    response = await api.post("Companies/query", json={"filter": two})
    assert response.status_code == 500
    assert error_text(response) == "You can only query by one user-defined field at a time."


async def test_unknown_field_names_the_singular_entity(api: httpx.AsyncClient) -> None:
    response = await api.post(
        "TimeEntries/query", json={"filter": [{"op": "eq", "field": "projectID", "value": 1}]}
    )
    assert response.status_code == 500
    assert error_text(response) == "Unable to find projectID in the TimeEntry Entity"
    unknown_udf = {"op": "eq", "field": "Shoe Size", "udf": True, "value": "9"}
    response = await api.post("Companies/query", json={"filter": [unknown_udf]})
    assert response.status_code == 500 and "Shoe Size" in error_text(response)


async def test_non_queryable_field_is_an_error(api: httpx.AsyncClient) -> None:
    response = await api.post(
        "Tickets/query", json={"filter": [{"op": "eq", "field": "creatorType", "value": 1}]}
    )
    assert response.status_code == 500
    assert "creatorType" in error_text(response) and "queryable" in error_text(response)


async def test_unknown_op_is_ignored(api: httpx.AsyncClient, companies: list[int]) -> None:
    ignored = {"op": "ne", "field": "companyName", "value": "Beta Bakery"}
    assert await ids_for(api, ignored) == at(1, 2, 3, 4)
    wrong_case = {"op": "NotEq", "field": "companyName", "value": "Beta Bakery"}
    assert await ids_for(api, wrong_case) == at(1, 2, 3, 4)


async def test_missing_and_empty_filters(api: httpx.AsyncClient, box: Sandbox) -> None:
    missing = await api.post("Companies/query", json={"MaxRecords": 5})
    assert missing.status_code == 500
    assert error_text(missing) == "Value cannot be null.\r\nParameter name: filters"
    empty = await api.post("Companies/query", json={"filter": []})
    assert empty.status_code == 200
    assert empty.json() == {
        "items": [],
        "pageDetails": {"count": 0, "requestCount": 500, "prevPageUrl": None, "nextPageUrl": None},
    }
    assert box.records("Companies"), "the empty result is not for lack of rows"


async def test_more_than_500_or_conditions_is_refused(api: httpx.AsyncClient) -> None:
    def ors(n: int) -> dict[str, Any]:
        items = [{"op": "eq", "field": "id", "value": i} for i in range(n)]
        return {"op": "or", "items": items}

    assert (await api.post("Companies/query", json={"filter": [ors(500)]})).status_code == 200
    response = await api.post("Companies/query", json={"filter": [ors(501)]})
    assert response.status_code == 500
    assert error_text(response) == (
        "Invalid query syntax. Queries are limited to 500 or fewer 'OR' conditions."
    )


async def test_rows_come_back_in_id_order(box: Sandbox, api: httpx.AsyncClient) -> None:
    response = await api.post("Tickets/query", json={"filter": [{"op": "exist", "field": "id"}]})
    ids = [item["id"] for item in response.json()["items"]]
    assert ids == sorted(ids) == [r["id"] for r in box.records("Tickets")]


@pytest.mark.parametrize(("asked", "served"), [(None, 500), (3, 3), (500, 500)])
async def test_max_records_sets_the_page_size(
    api: httpx.AsyncClient, asked: int | None, served: int
) -> None:
    body: dict[str, Any] = {"filter": [{"op": "exist", "field": "id"}]}
    if asked is not None:
        body["MaxRecords"] = asked
    page = (await api.post("Tickets/query", json=body)).json()
    assert page["pageDetails"]["requestCount"] == served
    assert page["pageDetails"]["count"] == len(page["items"]) == min(served, 40)


@pytest.mark.parametrize("bad", [0, -1, "many", 501, 5000])
async def test_max_records_outside_one_to_500_is_an_error(
    api: httpx.AsyncClient, bad: object
) -> None:
    body = {"maxRecords": bad, "filter": [{"op": "exist", "field": "id"}]}
    response = await api.post("Tickets/query", json=body)
    assert response.status_code == 500 and "MaxRecords" in error_text(response)


async def test_include_fields_keeps_id_and_udfs(
    api: httpx.AsyncClient, companies: list[int]
) -> None:
    body = {"IncludeFields": ["companyName", "ISACTIVE"], "Filter": [SCOPE], "MaxRecords": 1}
    item = (await api.post("Companies/query", json=body)).json()["items"][0]
    assert set(item) == {"id", "companyName", "isActive", "userDefinedFields"}
    assert item["companyName"] == "Alpha Dental" and item["userDefinedFields"]
    bad = {"IncludeFields": ["shoeSize"], "Filter": [SCOPE]}
    response = await api.post("Companies/query", json=bad)
    assert response.status_code == 500 and "shoeSize" in error_text(response)


async def test_get_query_with_single_quoted_search(
    api: httpx.AsyncClient, companies: list[int]
) -> None:
    search = (
        "{'filter':[{'op':'gt','field':'id','value':900000},{'op':'exist','field':'IsActive'}]}"
    )
    response = await api.get("Companies/query", params={"search": search})
    assert response.status_code == 200
    assert [i["id"] for i in response.json()["items"]] == at(1, 2, 3, 4)
    apostrophe = json.dumps(
        {"filter": [SCOPE, {"op": "eq", "field": "companyName", "value": "O'Neil"}]}
    )
    response = await api.get(f"Companies/query?search={urllib.parse.quote(apostrophe)}")
    assert response.status_code == 200 and response.json()["items"] == []
    missing = await api.get("Companies/query")
    assert missing.status_code == 500


async def test_count_by_post_and_get(api: httpx.AsyncClient, companies: list[int]) -> None:
    body = {"filter": [SCOPE, {"op": "contains", "field": "companyName", "value": "dental"}]}
    posted = await api.post("Companies/query/count", json=body)
    assert posted.status_code == 200 and posted.json() == {"queryCount": 2}
    fetched = await api.get("Companies/query/count", params={"search": json.dumps(body)})
    assert fetched.json() == {"queryCount": 2}
    missing = await api.post("Companies/query/count", json={})
    assert missing.status_code == 500
    assert error_text(missing) == "Value cannot be null.\r\nParameter name: filters"


async def test_query_of_an_entity_without_query_is_405(api: httpx.AsyncClient) -> None:
    response = await api.post("ZoneInformation/query", json={"filter": []})
    assert response.status_code == 405
