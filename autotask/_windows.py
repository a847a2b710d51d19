"""Every page of a large query, with several requests in flight, yielded in id order.

Autotask's ``nextPageUrl`` hands out one page at a time, so one cursor means one request in
flight. Autotask allows three per endpoint (API-NOTES §6.4), so a large query is read in id
spans instead: each request adds ``id > lo and id <= hi`` to the query's own filter (several
spans in one request are joined by an ``or`` group), and as many requests run side by side as the
client's limiter allows per endpoint:

- the first page and the count are asked at once; the first page's ids give the density of
  matching ids (rows per id), which is then re-estimated from every answer, recent ones weighing
  most, and each request is sized to hold one page;
- a request whose spans hold more than a page comes back full; the ids it did not reach are
  carried into the next request, ahead of new ids (split when they hold more than a page), so a
  wrong estimate never costs a request of its own, and every request but the last returns a full
  page; a request that holds fewer rows than expected is the only waste;
- once the count is covered the last span is open-ended, so records created meanwhile, or an
  estimate that was too high, never lose a row; so is the next span after an answer that found
  no row past every row seen (the count, or the layout, promised more rows than there are now),
  and a full answer to it starts the spans again from where it stopped;
- a query whose layout is known (``_layouts``: read in full before, or listed with its count)
  starts from there: no first page and no count are waited for, every slot is busy from the
  first round, and spans are sized from the layout's density until answers tell better. The
  first span has no lower bound and the last is open-ended once the layout's rows are covered,
  so rows added, removed or matching since are read as they are now; when that last span comes
  back full (more rows than the layout knew), they are counted and the spans go out side by
  side again;
- a worker per slot, and one more, asks for its next spans as soon as its last answer is in
  (the extra request waits in the client's limiter for the first free slot); complete pages
  wait for the reader in id order, and new ids are asked for only while fewer than ``ahead`` pages
  wait, so a slow reader stops the requests and memory stays flat however many rows match.
"""

from __future__ import annotations

import asyncio
import bisect
from collections import deque
from collections.abc import AsyncGenerator, Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ._filters import MAX_PAGE_SIZE, Filter, Query, all_of, any_of
from ._layouts import Layout
from ._models import Page

if TYPE_CHECKING:
    from ._client import AutotaskClient

__all__ = ["window_pages"]

FILL = 1.0  # a request is sized to hold this share of a page: what it misses rides the next one
MAX_SPANS = 8  # spans in one request; Autotask allows 500 'or' conditions per query
DECAY = 0.5  # weight of the density seen so far when an answer adds its own
UNBOUNDED = -(2**63)  # ``after`` of a span with no lower bound
Record = dict[str, Any]


@dataclass
class _Span:
    """Ids in (``after``, ``upto``], ``upto`` None: open-ended, ``after`` UNBOUNDED: no lower
    bound; ``expected``: rows it may hold."""

    after: int
    upto: int | None
    expected: float

    def conditions(self) -> list[Filter]:
        bounds = [Filter.gt("id", self.after)] if self.after > UNBOUNDED else []
        if self.upto is not None:
            bounds.append(Filter.lte("id", self.upto))
        return bounds


class _Reader:
    """Sends the span requests, a worker per slot and one more, and gathers complete pages in id
    order."""

    def __init__(self, client: AutotaskClient, entity: str, query: Query, ahead: int) -> None:
        self.client, self.entity, self.query = client, entity, query
        self.page_size = query.max_records or MAX_PAGE_SIZE
        self.ahead = ahead
        self.total: int | None = None
        self.guessed = False  # ``total`` is a layout's row count, not a count asked now
        self.frontier = self.position = UNBOUNDED  # above frontier: not asked for
        self.rows_seen = self.width_seen = 1.0
        self.received = 0
        self.counting: list[asyncio.Future[int]] = []  # the count, when it is asked
        self.carved = 0  # spans cut from new ids; past the first one they wait for the count
        self.highest = UNBOUNDED  # the largest id received
        self.dry = False  # an answer found no row past every row seen: the rest in one span
        self.ended = False  # the open-ended span has been asked for
        self.todo: list[_Span] = []  # ids carried over from full answers, in id order
        self.flight: list[list[_Span]] = []
        self.done: dict[int, tuple[int | None, list[Record]]] = {}  # by ``after``
        self.buffered = 0  # rows in ``done``
        self.ready: deque[Page] = deque()  # complete pages, in id order, for the reader
        self.complete = False  # every row is in ``ready`` or has been read
        self.error: BaseException | None = None
        self._waiters: list[asyncio.Future[None]] = []

    def after_first_page(self, first: list[Record], counting: asyncio.Future[int]) -> None:
        """Carry on from the first page, sized by its density, and end by the count."""
        self.frontier = self.position = int(first[-1]["id"])
        self.rows_seen, self.width_seen = _near(first, self.frontier)
        self.received = len(first)
        self.count_from(counting)

    def count_from(self, counting: asyncio.Future[int]) -> None:
        """End by the count on its way: past the next span, new ids wait for it."""
        self.total, self.carved = None, 0
        self.counting.append(counting)
        counting.add_done_callback(self._counted)

    def from_layout(self, layout: Layout) -> None:
        """Start where the layout says the rows lie, its row count standing for the count: the
        first span has no lower bound and reaches a page past the layout's first id."""
        room = FILL * self.page_size
        self.total, self.guessed = layout.rows, True
        self.rows_seen, self.width_seen = room, room / max(layout.density, 1e-9)
        if layout.rows <= room:
            self.ended = True
            self.todo.append(_Span(UNBOUNDED, None, layout.rows))
            return
        self.frontier = layout.first - 1 + max(1, round(self.width_seen))
        self.todo.append(_Span(UNBOUNDED, self.frontier, room))

    @property
    def density(self) -> float:
        return max(self.rows_seen, 1.0) / max(self.width_seen, 1.0)

    def _counted(self, counting: asyncio.Future[int]) -> None:
        if counting.cancelled():
            return
        if counting.exception() is not None:
            self.error = counting.exception()
        else:
            self.total = counting.result()
        self.wake()

    def wake(self) -> None:
        """Something changed: an answer, a page read, the count, an error."""
        for waiter in self._waiters:
            if not waiter.done():
                waiter.set_result(None)
        self._waiters.clear()

    async def changed(self) -> None:
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        await waiter

    async def work(self) -> None:
        """One slot: ask for the next spans as soon as the last answer is in."""
        try:
            while not self.complete and self.error is None:
                spans = self._next_spans()
                if not spans:
                    await self.changed()
                    continue
                self.flight.append(spans)
                try:
                    page = await self.client.query_page(self.entity, self._sliced(spans))
                finally:
                    self.flight.remove(spans)
                self._take(spans, page)
                self._hand_over()
                self.wake()
        except Exception as exc:  # handed to the reader, which raises it
            self.error = exc
            self.wake()

    # -- planning -----------------------------------------------------------------------------

    def _next_spans(self) -> list[_Span]:
        """The spans of the next request: carried-over ids first, then new ids up to a page."""
        spans: list[_Span] = []
        room = FILL * self.page_size
        while self.todo and room >= 1 and len(spans) < MAX_SPANS:
            span = self.todo[0]
            if span.expected <= room or span.upto is None or span.after == UNBOUNDED:
                spans.append(self.todo.pop(0))
                room -= span.expected
                continue
            density = span.expected / (span.upto - span.after)
            width = max(1, min(int(room / density), span.upto - span.after - 1))
            spans.append(_Span(span.after, span.after + width, width * density))
            self.todo[0] = _Span(span.after + width, span.upto, span.expected - width * density)
            room = 0
        if room >= 1 and len(spans) < MAX_SPANS and self._may_carve():
            spans.append(self._carve(room))
        return spans

    def _may_carve(self) -> bool:
        """New ids are asked for until the open-ended span is, the first time without waiting for
        the count, and only while fewer than ``ahead`` pages wait for the reader."""
        if self.ended or (self.total is None and self.carved):
            return False
        return len(self.ready) + self.buffered / self.page_size < self.ahead

    def _carve(self, room: float) -> _Span:
        self.carved += 1
        left = None if self.total is None else self.total - self._accounted()
        if self.dry or (left is not None and left <= room):
            self.ended, self.dry = True, False
            return _Span(self.frontier, None, room if left is None else max(left, 0.0))
        width = max(1, round(room / self.density))
        span = _Span(self.frontier, self.frontier + width, width * self.density)
        self.frontier += width
        return span

    def _accounted(self) -> float:
        """Rows received, plus those expected from spans asked for or carried over."""
        asked = sum(s.expected for spans in self.flight for s in spans)
        return self.received + asked + sum(s.expected for s in self.todo)

    def _sliced(self, spans: list[_Span]) -> Query:
        """The query limited to ``spans``: its own filter and theirs, ANDed."""
        if len(spans) == 1:
            bounds = spans[0].conditions()
        else:
            bounds = [any_of(*(all_of(*span.conditions()) for span in spans))]
        return self.query.model_copy(update={"filter": (*self.query.filter, *bounds)})

    # -- answers ------------------------------------------------------------------------------

    def _take(self, spans: list[_Span], page: Page) -> None:
        """Split an answer by span; a full one carries the ids it did not reach over."""
        rows = page.items
        last = int(rows[-1]["id"]) if page.next_page_url and rows else None
        start = 0
        for span in spans:
            if last is not None and span.after >= last:  # never so for UNBOUNDED
                self._carry(span)
                continue
            reached = span.upto
            if last is not None and (span.upto is None or span.upto > last):
                reached = last
            stop = start
            while stop < len(rows) and (reached is None or int(rows[stop]["id"]) <= reached):
                stop += 1
            piece = rows[start:stop]
            start = stop
            if piece:
                self.highest = max(self.highest, int(piece[-1]["id"]))
            elif span.upto is not None and span.after >= self.highest:
                self.dry = True
            self.done[span.after] = (reached, piece)
            self.buffered += len(piece)
            self.received += len(piece)
            low: int | None = span.after
            if low == UNBOUNDED:  # the first span of a layout: from its first row
                low = int(piece[0]["id"]) - 1 if piece else None
            if reached is not None and low is not None:
                self.rows_seen = self.rows_seen * DECAY + len(piece)
                self.width_seen = self.width_seen * DECAY + (reached - low)
            if reached != span.upto and reached is not None:
                seen, width = _near(piece, reached)
                rest = None if span.upto is None else (span.upto - reached) * seen / width
                self._carry(_Span(reached, span.upto, rest or 0.0))

    def _carry(self, span: _Span) -> None:
        """Keep ids an answer did not reach for the next request; never expect more rows of them
        than the count leaves."""
        if span.upto is None:  # past the last span: plan from there again, by the count
            self.frontier, self.ended = span.after, False
            if self.guessed:  # the layout promised fewer rows than there are: count them now
                self.guessed = False
                self.count_from(asyncio.ensure_future(self.client.count(self.entity, self.query)))
            return
        if self.total is not None:
            span.expected = max(min(span.expected, self.total - self._accounted()), 0.0)
        bisect.insort(self.todo, span, key=lambda s: s.after)

    def _hand_over(self) -> None:
        """Move the rows that are complete up to here into ``ready``, as pages."""
        rows: list[Record] = []
        while self.position in self.done and not self.complete:
            reached, piece = self.done.pop(self.position)
            self.buffered -= len(piece)
            rows.extend(piece)
            if reached is None:
                self.complete = True
            else:
                self.position = reached
        for at in range(0, len(rows), self.page_size):
            self.ready.append(Page.model_construct(items=rows[at : at + self.page_size]))


def _near(rows: list[Record], reached: int) -> tuple[float, float]:
    """Rows and ids of the last half of ``rows`` (up to ``reached``): where an answer stopped
    tells more about the ids that follow than the whole answer does."""
    tail = rows[-max(len(rows) // 2, 1) :]
    if len(tail) < 2:
        return 1.0, 1.0  # at most a row per id: more rows than expected are carried, never lost
    return float(len(tail) - 1), float(max(reached - int(tail[0]["id"]), 1))


async def window_pages(
    client: AutotaskClient,
    entity: str,
    query: Query,
    *,
    ahead: int = 6,
    permit: Callable[[], Awaitable[None]] | None = None,
) -> AsyncGenerator[Page]:
    """Every page of ``query`` in id order, with up to the endpoint's limit of requests in flight
    and at most ``ahead`` pages waiting for the reader.

    ``permit``, when given, may refuse the read by raising: it is awaited while the first
    requests are on their way (an answer it already knows comes before any is sent).
    """
    reader = _Reader(client, entity, query, ahead)
    layout = client.layouts.get(entity, query)
    opened: list[Page] = []
    if layout is None:
        first, counting = await _first_page(client, entity, query, permit)
        if not first.next_page_url or not first.items:
            counting.cancel()
            await asyncio.gather(counting, return_exceptions=True)
            yield first  # the whole answer
            return
        reader.after_first_page(first.items, counting)
        opened.append(first)
    else:
        reader.from_layout(layout)
    tally = _Tally()
    # one worker more than the endpoint's slots: its request waits in the client's limiter and
    # takes a slot the moment one is free, while the answer just in is still being read
    slots = client.limiter.max_in_flight + 1
    workers = [asyncio.ensure_future(reader.work()) for _ in range(slots)]
    try:
        if layout is not None and permit is not None:
            await permit()
        for page in opened:
            yield tally.add(page)  # the workers are already asking for what follows
        while True:
            if reader.error is not None:
                raise reader.error
            if reader.ready:
                page = reader.ready.popleft()
                reader.wake()  # room for more ahead
                yield tally.add(page)
            elif reader.complete:
                tally.keep(client, entity, query, reader.page_size)
                return
            else:
                await reader.changed()
    finally:
        tasks: list[asyncio.Future[Any]] = [*workers, *reader.counting]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def _first_page(
    client: AutotaskClient,
    entity: str,
    query: Query,
    permit: Callable[[], Awaitable[None]] | None,
) -> tuple[Page, asyncio.Future[int]]:
    """The first page, and the count asked alongside it (still on its way, maybe)."""
    counting = asyncio.ensure_future(client.count(entity, query))
    opening = asyncio.ensure_future(client.query_page(entity, query))
    try:
        if permit is not None:
            await permit()
        return await opening, counting
    except BaseException:
        for task in (opening, counting):
            task.cancel()
        await asyncio.gather(opening, counting, return_exceptions=True)
        raise


class _Tally:
    """The first and last id and the rows of a read, kept as its layout once it is complete."""

    def __init__(self) -> None:
        self.first: int | None = None
        self.last = 0
        self.rows = 0

    def add(self, page: Page) -> Page:
        if page.items:
            if self.first is None:
                self.first = int(page.items[0]["id"])
            self.last = int(page.items[-1]["id"])
            self.rows += len(page.items)
        return page

    def keep(self, client: AutotaskClient, entity: str, query: Query, page_size: int) -> None:
        """Remember where a read of more than a page lay; forget a layout that now fits one."""
        if self.first is None or self.rows <= page_size:
            client.layouts.forget(entity, query)
        else:
            layout = Layout.spanning(self.first, self.last, self.rows)
            client.layouts.remember(entity, query, layout)
