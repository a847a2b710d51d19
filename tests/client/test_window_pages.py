"""Large queries in id windows: the same rows as following nextPageUrl, in id order, three
requests in flight and no more, a page per request, nothing fetched far ahead of the reader, and
failures, refusals and new rows midway handled. A query read again starts from where its rows
lay: every slot at once, no count, and rows changed since read as they are now."""

from __future__ import annotations

import asyncio
import math
from collections.abc import AsyncIterator

import pytest
from support import FAST_RETRY, credentials_for, sandbox_config

from autotask import AutotaskClient, BusyError, Filter, Query, ServerError, any_of
from autotask._layouts import Layout, Layouts
from autotask._models import Page
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
        "sparse first": ("TimeEntries", Query(filter=(_sparse_then_dense(ids),))),
        "big gaps": ("TimeEntries", Query(filter=(Filter.in_("id", list(ids[::37])),))),
        "sparse": ("Tickets", Query(filter=(Filter.eq("status", 5),))),
        "one page": ("TimeEntries", Query(filter=(Filter.lte("id", ids[120]),))),
        "one row": ("TimeEntries", Query(filter=(Filter.eq("id", ids[1234]),))),
        "nothing": ("TimeEntries", Query(filter=(Filter.lt("id", 0),))),
    }


def _sparse_then_dense(ids: list[int]) -> Filter:
    """Every 5th id of the first 3,000, then every id: the first page says five ids per row, so
    the next window holds far more than a page."""
    return any_of(Filter.in_("id", list(ids[:3000:5])), Filter.gt("id", ids[3000]))


CASES = ["every time entry", "skewed", "sparse first", "big gaps", "sparse", "one page", "one row",
         "nothing"]  # fmt: skip


@pytest.mark.parametrize("case", CASES)
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


async def test_rows_that_stop_matching_after_the_count_end_the_read(
    big: Sandbox, api: AutotaskClient
) -> None:
    """The count promised more rows than are left: the spans past the last one found do not go
    on forever; the first that finds nothing ends the read with one open-ended span."""
    query = _worked(big)
    pages = window_pages(api, "TimeEntries", query)
    got = [int(r["id"]) for r in (await anext(pages)).items]
    for record in big.records("TimeEntries")[1000:]:
        if int(record["id"]) % 400:
            big.put_record("TimeEntries", {**record, "hoursWorked": 0})
    big.clear_requests()
    got += [int(r["id"]) async for page in pages for r in page.items]
    asked = len(_query_requests(big))
    assert got == await _sequential(api, "TimeEntries", query)
    assert asked <= math.ceil(len(big.records("TimeEntries")) / 500) + 4


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


def _query_requests(box: Sandbox, entity: str = "TimeEntries") -> list[str]:
    return [r.path for r in box.requests if f"/{entity}/query" in r.path]


async def test_a_full_page_per_request_on_dense_ids(big: Sandbox, api: AutotaskClient) -> None:
    big.clear_requests()
    rows = await _windowed(api, "TimeEntries", Query(include_fields=("hoursWorked",)))
    paths = _query_requests(big)
    assert sum(p.endswith("/query/count") for p in paths) == 1
    assert len(paths) - 1 == math.ceil(len(rows) / 500), "no request beyond the pages"


async def test_what_a_full_answer_did_not_reach_rides_the_next_request(
    big: Sandbox, api: AutotaskClient
) -> None:
    """The first page is sparse, the rest dense: a window sized from it holds far more than a
    page. The ids its full answer did not reach go into the next request; nextPageUrl is never
    followed and no request is spent on a few rows."""
    _, query = _queries(big)["sparse first"]
    big.clear_requests()
    rows = await _windowed(api, "TimeEntries", query)
    paths = _query_requests(big)
    assert not any("/query/next" in p for p in paths)
    pages = math.ceil(len(rows) / 500)
    assert len(paths) - 1 <= pages + 2, (len(paths) - 1, pages)


async def test_a_gap_in_the_ids_costs_few_requests(big: Sandbox, api: AutotaskClient) -> None:
    _, query = _queries(big)["skewed"]  # 701 rows, a gap of about 2,700 ids, 399 rows
    big.clear_requests()
    rows = await _windowed(api, "TimeEntries", query)
    assert len(rows) == 1100
    assert len(_query_requests(big)) - 1 <= math.ceil(len(rows) / 500) + 2


async def test_thread_refusals_midway_are_queued_and_retried(
    big: Sandbox, api: AutotaskClient
) -> None:
    expected = await _sequential(api, "TimeEntries", Query())
    pages = window_pages(api, "TimeEntries", Query())
    got = [int(r["id"]) for r in (await anext(pages)).items]
    big.inject_error("POST", r"^TimeEntries/query$", 429, times=2)  # another integration's threads
    got += [int(r["id"]) async for page in pages for r in page.items]
    assert got == expected
    assert sum(r.status == 429 for r in big.requests) == 2


async def test_a_failure_midway_stops_every_request(big: Sandbox, api: AutotaskClient) -> None:
    pages = window_pages(api, "TimeEntries", Query())
    await anext(pages)
    big.inject_error("POST", r"^TimeEntries/query$", 500, times=1000)
    with pytest.raises(ServerError):
        async for _ in pages:
            pass
    big.clear_requests()
    await asyncio.sleep(0.1)
    assert big.requests == [], "nothing is still asking"


async def test_a_refusal_known_at_once_reads_nothing(big: Sandbox, api: AutotaskClient) -> None:
    async def refuse() -> None:
        raise BusyError("the hourly budget is spent", reason="hourly")

    big.clear_requests()
    with pytest.raises(BusyError):
        await anext(window_pages(api, "TimeEntries", Query(), permit=refuse))
    await asyncio.sleep(0.05)
    assert big.requests == []


async def test_a_refusal_that_needs_asking_reads_at_most_the_first_page(
    big: Sandbox, api: AutotaskClient
) -> None:
    async def ask_then_refuse() -> None:
        await api.threshold_information()  # what the budget guard asks, alongside the first page
        raise BusyError("the hourly budget is spent", reason="hourly")

    big.clear_requests()
    with pytest.raises(BusyError):
        await anext(window_pages(api, "TimeEntries", Query(), permit=ask_then_refuse))
    await asyncio.sleep(0.05)
    assert sorted(_query_requests(big)) <= [
        "/ATServicesRest/V1.0/TimeEntries/query",
        "/ATServicesRest/V1.0/TimeEntries/query/count",
    ]


# -- a query read again starts from where its rows lay -------------------------------------------


def _worked(box: Sandbox) -> Query:
    """Every time entry with hours on it (all of them, until a test changes some)."""
    assert all(float(r.get("hoursWorked") or 0) > 0 for r in box.records("TimeEntries"))
    return Query(filter=(Filter.gt("hoursWorked", 0),), include_fields=("hoursWorked",))


def _started_before_the_first_answer(client: AutotaskClient) -> list[int]:
    """Counts, into the list returned, the page requests sent before the first answer is in."""
    started: list[int] = []
    answered = False
    original = client.query_page

    async def query_page(entity: str, query: Query | None = None) -> Page:
        nonlocal answered
        if not answered:
            started.append(1)
        try:
            return await original(entity, query)
        finally:
            answered = True

    client.query_page = query_page  # type: ignore[method-assign]
    return started


async def test_a_query_read_again_asks_every_slot_at_once_and_no_count(
    big: Sandbox, api: AutotaskClient
) -> None:
    query = _worked(big)
    first_read = await _windowed(api, "TimeEntries", query)
    big.clear_requests()
    started = _started_before_the_first_answer(api)
    again = await _windowed(api, "TimeEntries", query.model_copy(update={"include_fields": None}))
    paths = _query_requests(big)
    assert again == first_read == await _sequential(api, "TimeEntries", query)
    assert not any(p.endswith("/query/count") for p in paths), "the layout stands for the count"
    assert len(paths) == math.ceil(len(again) / 500), "a full page per request"
    # one request per slot and the one waiting for a slot, none waiting for the first answer
    assert len(started) == api.limiter.max_in_flight + 1


async def test_a_first_read_waits_for_its_first_page(big: Sandbox, api: AutotaskClient) -> None:
    started = _started_before_the_first_answer(api)
    await _windowed(api, "TimeEntries", _worked(big))
    assert len(started) == 1, "the first page sizes the windows"


async def test_another_query_on_the_entity_has_no_layout(big: Sandbox, api: AutotaskClient) -> None:
    await _windowed(api, "TimeEntries", _worked(big))
    big.clear_requests()
    other = Query(filter=(Filter.gt("hoursWorked", 0.1),))
    assert await _windowed(api, "TimeEntries", other) == await _sequential(
        api, "TimeEntries", other
    )
    assert sum(p.endswith("/query/count") for p in _query_requests(big)) == 1


async def test_rows_changed_since_the_last_read_are_read_as_they_are_now(
    big: Sandbox, api: AutotaskClient
) -> None:
    query = _worked(big)
    before = await _windowed(api, "TimeEntries", query)
    entries = {int(r["id"]): dict(r) for r in big.records("TimeEntries")}
    template = entries[before[0]]
    for gone in before[1000:1600]:  # a page and more stop matching in the middle
        big.put_record("TimeEntries", {**entries[gone], "hoursWorked": 0})
    for offset in range(1, 31):  # rows below the first id the layout knew
        big.put_record("TimeEntries", {**template, "id": offset})
    for offset in range(1, 801):  # more than a page past the last id it knew
        big.put_record("TimeEntries", {**template, "id": before[-1] + offset})
    assert min(before) > 30
    got = await _windowed(api, "TimeEntries", query)
    assert got == await _sequential(api, "TimeEntries", query)
    assert got[:30] == list(range(1, 31)) and got[-1] == before[-1] + 800


async def test_a_layout_that_promised_too_few_rows_counts_them_once_it_falls_short(
    big: Sandbox, api: AutotaskClient
) -> None:
    """Rows past the layout's last page are not read one page at a time: once the open-ended
    span comes back full, the rows are counted and the spans go out side by side again."""
    query = _worked(big)
    before = await _windowed(api, "TimeEntries", query)
    template = big.records("TimeEntries")[0]
    for offset in range(1, 2001):  # four pages past the last id the layout knew
        big.put_record("TimeEntries", {**template, "id": before[-1] + offset})
    big.clear_requests()
    started = _started_before_the_first_answer(api)
    got = await _windowed(api, "TimeEntries", query)
    paths = _query_requests(big)
    assert got == await _sequential(api, "TimeEntries", query)
    assert len(started) == api.limiter.max_in_flight + 1
    assert sum(p.endswith("/query/count") for p in paths) == 1
    assert len(paths) - 1 <= math.ceil(len(got) / 500) + 2


async def test_a_layout_that_no_longer_fits_costs_few_requests_and_is_forgotten(
    big: Sandbox, api: AutotaskClient
) -> None:
    query = _worked(big)
    before = await _windowed(api, "TimeEntries", query)
    for record in big.records("TimeEntries"):
        if int(record["id"]) not in before[::400]:
            big.put_record("TimeEntries", {**record, "hoursWorked": 0})
    big.clear_requests()
    assert await _windowed(api, "TimeEntries", query) == before[::400]
    # a few more requests than the pages the layout promised: spans widen as they come back
    # nearly empty, and the first one that finds nothing past every row ends the read
    assert len(_query_requests(big)) <= math.ceil(len(before) / 500) + 4
    big.clear_requests()
    assert await _windowed(api, "TimeEntries", query) == before[::400]
    assert sorted(_query_requests(big)) == [
        "/ATServicesRest/V1.0/TimeEntries/query",
        "/ATServicesRest/V1.0/TimeEntries/query/count",
    ], "ten rows fit a page: the layout was forgotten"


async def test_a_refusal_known_at_once_reads_nothing_with_a_layout(
    big: Sandbox, api: AutotaskClient
) -> None:
    async def refuse() -> None:
        raise BusyError("the hourly budget is spent", reason="hourly")

    query = _worked(big)
    await _windowed(api, "TimeEntries", query)
    big.clear_requests()
    with pytest.raises(BusyError):
        await anext(window_pages(api, "TimeEntries", query, permit=refuse))
    await asyncio.sleep(0.05)
    assert big.requests == []


async def test_a_read_stopped_midway_keeps_the_layout_it_had(
    big: Sandbox, api: AutotaskClient
) -> None:
    query = _worked(big)
    before = await _windowed(api, "TimeEntries", query)
    layout = api.layouts.get("TimeEntries", query)
    assert layout == Layout.spanning(before[0], before[-1], len(before))
    pages = window_pages(api, "TimeEntries", query.model_copy(update={"max_records": 100}))
    await anext(pages)
    await pages.aclose()
    assert api.layouts.get("TimeEntries", query) == layout


async def test_a_layout_of_no_rows_reads_the_query_once(big: Sandbox, api: AutotaskClient) -> None:
    query = Query(filter=(Filter.lt("id", 0),))
    api.layouts.remember("TimeEntries", query, Layout(5, 0.0, 0))
    big.clear_requests()
    assert await _windowed(api, "TimeEntries", query) == []
    assert _query_requests(big) == ["/ATServicesRest/V1.0/TimeEntries/query"]


def test_layouts_keep_the_latest_queries_for_an_hour() -> None:
    now = [0.0]
    layouts = Layouts(size=2, clock=lambda: now[0])
    queries = [Query(filter=(Filter.eq("resourceID", n),)) for n in range(3)]
    for n, query in enumerate(queries):
        layouts.remember("TimeEntries", query, Layout(n, 0.5, 600))
    assert layouts.get("TimeEntries", queries[0]) is None
    assert layouts.get("timeentries", queries[2]) == Layout(2, 0.5, 600)
    assert layouts.get("Tickets", queries[2]) is None
    layouts.suggest("TimeEntries", queries[2], Layout(5, 0.1, 900))  # a list: known already
    assert layouts.get("TimeEntries", queries[2]) == Layout(2, 0.5, 600)
    now[0] = 3600.0
    assert layouts.get("TimeEntries", queries[2]) is None
    layouts.suggest("TimeEntries", queries[2], Layout(5, 0.1, 900))  # nothing known: kept
    assert layouts.get("TimeEntries", queries[2]) == Layout(5, 0.1, 900)
