"""Keyset paging with nextPageUrl and prevPageUrl (API-NOTES §3.4), and child collection lists."""

from __future__ import annotations

import json
import urllib.parse
from typing import Any

import httpx

from autotask.sandbox import Sandbox

ALL = {"op": "exist", "field": "id"}


def paging_of(url: str) -> tuple[str, dict[str, list[str]]]:
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit((*parts[:3], "", "")), urllib.parse.parse_qs(parts.query)


async def test_posted_query_pages_by_reposting_the_body(
    box: Sandbox, api: httpx.AsyncClient
) -> None:
    body = {"MaxRecords": 7, "Filter": [ALL]}
    response = await api.post("Tickets/query", json=body)
    pages: list[dict[str, Any]] = [response.json()]
    while (next_url := pages[-1]["pageDetails"]["nextPageUrl"]) is not None:
        follow = await api.post(next_url, json=body)
        assert follow.status_code == 200, follow.text
        pages.append(follow.json())
    ids = [item["id"] for page in pages for item in page["items"]]
    assert ids == [r["id"] for r in box.records("Tickets")] and len(ids) == 40
    assert [p["pageDetails"]["count"] for p in pages] == [7, 7, 7, 7, 7, 5]
    assert all(p["pageDetails"]["requestCount"] == 7 for p in pages)

    first_next = pages[0]["pageDetails"]["nextPageUrl"]
    expected = json.dumps(
        {"pageSize": 7, "previousIds": [-1], "nextIds": [ids[6]]}, separators=(",", ":")
    )
    assert first_next == (
        f"{box.api_url}V1.0/Tickets/query/next?paging={urllib.parse.quote(expected, safe='')}"
    )
    third_next = pages[2]["pageDetails"]["nextPageUrl"]
    base, query = paging_of(third_next)
    assert base == f"{box.api_url}V1.0/Tickets/query/next" and set(query) == {"paging"}
    assert json.loads(query["paging"][0]) == {
        "pageSize": 7,
        "previousIds": [-1, ids[6], ids[13]],
        "nextIds": [ids[20]],
    }
    assert pages[0]["pageDetails"]["prevPageUrl"] is None
    back = await api.post(pages[2]["pageDetails"]["prevPageUrl"], json=body)
    assert [i["id"] for i in back.json()["items"]] == ids[7:14]


async def test_next_page_keeps_the_filter(box: Sandbox, api: httpx.AsyncClient) -> None:
    wanted = sorted(r["id"] for r in box.records("Tickets") if r["status"] == 5)
    body = {"MaxRecords": 4, "filter": [{"op": "eq", "field": "status", "value": 5}]}
    page = (await api.post("Tickets/query", json=body)).json()
    seen = [item["id"] for item in page["items"]]
    while page["pageDetails"]["nextPageUrl"]:
        page = (await api.post(page["pageDetails"]["nextPageUrl"], json=body)).json()
        seen += [item["id"] for item in page["items"]]
    assert seen == wanted and len(wanted) > 8


async def test_next_page_sees_rows_added_after_the_first_page(
    box: Sandbox, api: httpx.AsyncClient
) -> None:
    body = {"MaxRecords": 30, "filter": [ALL]}
    page = (await api.post("Tickets/query", json=body)).json()
    newest = dict(box.records("Tickets")[-1], id=box.records("Tickets")[-1]["id"] + 1000)
    box.put_record("Tickets", newest)
    rest = (await api.post(page["pageDetails"]["nextPageUrl"], json=body)).json()
    assert rest["items"][-1]["id"] == newest["id"] and rest["pageDetails"]["nextPageUrl"] is None


async def test_a_get_of_a_posted_next_page_url_is_405(api: httpx.AsyncClient) -> None:
    page = (await api.post("Tickets/query", json={"MaxRecords": 5, "filter": [ALL]})).json()
    url = page["pageDetails"]["nextPageUrl"]
    response = await api.get(url)
    assert response.status_code == 405
    assert response.json() == {
        "Message": "The requested resource does not support http method 'GET'."
    }
    bodiless = await api.post(url)
    assert bodiless.status_code == 500
    assert bodiless.json() == {"errors": ["Value cannot be null.\r\nParameter name: queryModel"]}


async def test_get_query_pages_with_get_and_carries_the_search(
    box: Sandbox, api: httpx.AsyncClient
) -> None:
    search = "{'MaxRecords':15,'filter':[{'op':'exist','field':'IsActive'}]}"
    response = await api.get("Companies/query", params={"search": search})
    page = response.json()
    url = page["pageDetails"]["nextPageUrl"]
    base, query = paging_of(url)
    assert base == f"{box.api_url}V1.0/Companies/query/next"
    assert query["search"] == [search]
    seen = [item["id"] for item in page["items"]]
    while url:
        page = (await api.get(url)).json()
        seen += [item["id"] for item in page["items"]]
        url = page["pageDetails"]["nextPageUrl"]
    assert seen == [r["id"] for r in box.records("Companies") if r.get("isActive") is not None]
    assert len(seen) > 15


async def test_paging_a_large_table_stays_cheap(make_sandbox: Any, auth: Any) -> None:
    """Paging 5,000 rows walks each row once: the cursor is a bisect into the id order."""
    async with make_sandbox(tickets=10) as box:
        template = box.records("Tickets")[0]
        for offset in range(5000):
            box.put_record("Tickets", dict(template, id=2_000_000 + offset))
        async with httpx.AsyncClient(base_url=box.api_url + "V1.0/", headers=auth(box)) as api:
            body = {"filter": [{"op": "gte", "field": "id", "value": 2_000_000}]}
            page = (await api.post("Tickets/query", json=body)).json()
            total = len(page["items"])
            pages = 1
            while page["pageDetails"]["nextPageUrl"]:
                page = (await api.post(page["pageDetails"]["nextPageUrl"], json=body)).json()
                total += len(page["items"])
                pages += 1
    assert (total, pages) == (5000, 10)


async def test_child_collection_lists_a_parents_children(
    box: Sandbox, api: httpx.AsyncClient
) -> None:
    notes = box.records("TicketNotes")
    ticket_id = max(
        {n["ticketID"] for n in notes}, key=lambda t: sum(n["ticketID"] == t for n in notes)
    )
    response = await api.get(f"Tickets/{ticket_id}/Notes")
    assert response.status_code == 200
    page = response.json()
    expected = [n["id"] for n in notes if n["ticketID"] == ticket_id]
    assert [item["id"] for item in page["items"]] == expected
    assert page["pageDetails"] == {
        "count": len(expected),
        "requestCount": 500,
        "prevPageUrl": None,
        "nextPageUrl": None,
    }
    assert (await api.get("Tickets/987654321/Notes")).json()["items"] == []
