"""Every page of a large query, with several pages in flight, yielded in id order.

Autotask's ``nextPageUrl`` hands out one page at a time, so one cursor means one request in
flight. Autotask allows three per endpoint (API-NOTES §6.4), so a large query is split into id
windows, each a query of its own (``id > lo and id <= hi`` added to the filter), fetched side by
side and yielded in order:

- the first page and the count are asked at once; the first page's ids give the density of
  matching ids, from which windows are sized to hold somewhat less than a page each;
- windows are planned until the count is covered; the last one is open-ended, so records created
  meanwhile, or a wrong density estimate, never lose a row — a window that holds more than a page
  follows its own ``nextPageUrl``;
- the density is re-estimated from every window that completes;
- at most ``ahead`` windows are planned and not yet consumed, and each buffers at most two pages,
  so memory stays flat however many rows match.

The endpoint limiter in the client still queues requests beyond three per endpoint.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import AsyncGenerator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ._filters import MAX_PAGE_SIZE, Filter, Query
from ._models import Page

if TYPE_CHECKING:
    from ._client import AutotaskClient

__all__ = ["window_pages"]

FILL = 0.9  # a window is sized to hold this share of a page, so it rarely needs a second one
_DONE = None


@dataclass
class _Window:
    after: int  # ids > after
    upto: int | None  # ids <= upto; None: open-ended
    expected: float
    pages: asyncio.Queue[Page | None] = field(default_factory=lambda: asyncio.Queue(maxsize=2))
    rows: int = 0
    error: Exception | None = None
    task: asyncio.Task[None] | None = None


@dataclass
class _Plan:
    """Where the next window starts, how wide it is, and when the count is covered."""

    total: int
    after: int
    rows_seen: int
    span_seen: int
    planned: float  # rows received plus rows expected from windows in flight
    page_size: int = MAX_PAGE_SIZE
    done: bool = False

    @property
    def density(self) -> float:
        return max(self.rows_seen, 1) / max(self.span_seen, 1)

    def next(self) -> _Window:
        left = self.total - self.planned
        share = FILL * self.page_size
        if left <= share:
            self.done = True
            return _Window(self.after, None, max(left, 0.0))
        width = max(1, round(share / self.density))
        window = _Window(self.after, self.after + width, width * self.density)
        self.after += width
        self.planned += window.expected
        return window

    def finished(self, window: _Window) -> None:
        self.planned += window.rows - window.expected
        if window.upto is not None:
            self.rows_seen += window.rows
            self.span_seen += window.upto - window.after


async def window_pages(
    client: AutotaskClient, entity: str, query: Query, *, ahead: int = 6
) -> AsyncGenerator[Page]:
    """Every page of ``query`` in id order, up to ``ahead`` id windows fetched side by side."""
    counting = asyncio.ensure_future(client.count(entity, query))
    try:
        first = await client.query_page(entity, query)
    except BaseException:
        counting.cancel()
        raise
    if not first.next_page_url or not first.items:
        counting.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await counting
        yield first
        return
    yield first
    ids = [int(item["id"]) for item in first.items]
    plan = _Plan(
        page_size=query.max_records or MAX_PAGE_SIZE,
        total=await counting,
        after=ids[-1],
        rows_seen=len(ids),
        span_seen=ids[-1] - ids[0] + 1,
        planned=len(ids),
    )
    windows: deque[_Window] = deque()
    try:
        while True:
            while not plan.done and len(windows) < ahead:
                windows.append(_start(client, entity, query, plan.next()))
            if not windows:
                return
            head = windows[0]
            page = await head.pages.get()
            if page is _DONE:
                windows.popleft()
                if head.error is not None:
                    raise head.error
                plan.finished(head)
                continue
            yield page
    finally:
        for window in windows:
            if window.task is not None:
                window.task.cancel()
        await asyncio.gather(*(w.task for w in windows if w.task), return_exceptions=True)


def _start(client: AutotaskClient, entity: str, query: Query, window: _Window) -> _Window:
    bounds = [Filter.gt("id", window.after)]
    if window.upto is not None:
        bounds.append(Filter.lte("id", window.upto))
    sliced = query.model_copy(update={"filter": (*query.filter, *bounds)})

    async def fetch() -> None:
        try:
            async for page in client.pages(entity, sliced):
                window.rows += len(page.items)
                if page.items:
                    await window.pages.put(page)
        except Exception as exc:  # handed to the consumer, which raises it in order
            window.error = exc
        await window.pages.put(_DONE)

    window.task = asyncio.ensure_future(fetch())
    return window
