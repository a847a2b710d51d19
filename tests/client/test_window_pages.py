"""Large queries in id windows: the same rows as following nextPageUrl, in id order, three
requests in flight and no more, nothing fetched far ahead of the reader."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from support import FAST_RETRY, credentials_for, sandbox_config

from autotask import AutotaskClient, Filter, Query, any_of
from autotask._windows import window_pages
from autotask.sandbox import Sandbox


@pytest.fixture
async def big() -> AsyncIterator[Sandbox]:
    """About 3,800 time entries (several pages), answered with a little latency."""
    async with Sandbox(sandbox_config(tickets=3000, latency_ms=5)) as box:
        yield box


@pytest.fixture
async def api(big: Sandbox) -> AsyncIterator[AutotaskClient]:
    async with AutotaskClient(credentials_for(big), zone_url=big.api_url, retry=FAST_RETRY) as at:
        yield at


async def _sequential(client: AutotaskClient, entity: str, query: Query) -> list[int]:
    return [int(r["id"]) async for page in client.pages(entity, query) for r in page.items]


async def _windowed(client: AutotaskClient, entity: str, query: Query) -> list[int]:
    return [int(r["id"]) async for page in window_pages(client, entity, query) for r in page.items]


def _queries(box: Sandbox) -> dict[str, tuple[str, Query]]:
    ids = sorted(int(r["id"]) for r in box.records("TimeEntries"))
    # dense at the start, a wide gap, dense at the end: the first page's density misleads
    skewed = any_of(Filter.lte("id", ids[700]), Filter.gt("id", ids[-400]))
    return {
        "every time entry": ("TimeEntries", Query(include_fields=("hoursWorked",))),
        "skewed": ("TimeEntries", Query(filter=(skewed,))),
        "sparse": ("Tickets", Query(filter=(Filter.eq("status", 5),))),
        "one page": ("TimeEntries", Query(filter=(Filter.lte("id", ids[120]),))),
        "nothing": ("TimeEntries", Query(filter=(Filter.lt("id", 0),))),
    }


@pytest.mark.parametrize("case", ["every time entry", "skewed", "sparse", "one page", "nothing"])
async def test_the_same_rows_as_following_next_page_urls_in_id_order(
    big: Sandbox, api: AutotaskClient, case: str
) -> None:
    entity, query = _queries(big)[case]
    expected = await _sequential(api, entity, query)
    got = await _windowed(api, entity, query)
    assert got == expected
    assert got == sorted(set(got))


async def test_three_requests_in_flight_and_never_a_fourth(
    big: Sandbox, api: AutotaskClient
) -> None:
    big.clear_requests()
    rows = await _windowed(api, "TimeEntries", Query())
    assert len(rows) == len(big.records("TimeEntries")) > 3000
    assert api.limiter.peak["timeentries"] == 3
    assert all(r.status == 200 for r in big.requests)  # no thread-threshold refusal


async def test_rows_added_during_the_export_are_not_lost(big: Sandbox, api: AutotaskClient) -> None:
    template = dict(big.records("TimeEntries")[0])
    last = max(int(r["id"]) for r in big.records("TimeEntries"))
    pages = window_pages(api, "TimeEntries", Query())
    got = [int(r["id"]) for r in (await anext(pages)).items]
    for offset in range(1, 801):  # more than a page of new entries, beyond every window planned
        big.put_record("TimeEntries", {**template, "id": last + offset})
    got += [int(r["id"]) async for page in pages for r in page.items]
    assert got == await _sequential(api, "TimeEntries", Query())
    assert got[-1] == last + 800


async def test_a_slow_reader_is_not_run_ahead_of(big: Sandbox, api: AutotaskClient) -> None:
    big.clear_requests()
    pages = window_pages(api, "TimeEntries", Query(max_records=100), ahead=3)  # 38 pages
    for _ in range(2):
        await anext(pages)
    await asyncio.sleep(0.3)  # the reader pauses: fetching must stop, not run to the end
    fetched = len([r for r in big.requests if "TimeEntries" in r.path])
    await pages.aclose()
    # the first page, the count, and at most two pages buffered for each of three windows
    assert fetched <= 2 + 3 * 2 + 1 < len(big.records("TimeEntries")) // 100
