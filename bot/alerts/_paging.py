"""Reading for the polls: pages up to a cap, and where a poll starts on its first run.

``newest_id`` finds the highest id of an entity cheaply: the last day's records are read (ids
only, a few pages at most), then counts (one call each) confirm that nothing lies beyond, or find
what does by doubling a step and halving the gap.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from autotask import AutotaskClient, Filter, Query

__all__ = ["Pages", "close_pages", "newest_id", "read_pages"]

_RECENT_PAGES = 4  # a busy day: the counts find the rest


async def close_pages(iterator: AsyncIterator[Any]) -> None:
    """Close a page iterator left early (the client's pages are an async generator)."""
    close = getattr(iterator, "aclose", None)
    if close is not None:
        await close()


@dataclass
class Pages:
    """What ``read_pages`` read: the records, how many pages, whether more were left."""

    records: list[dict[str, Any]] = field(default_factory=list)
    pages: int = 0
    more: bool = False


async def read_pages(client: AutotaskClient, entity: str, query: Query, *, max_pages: int) -> Pages:
    """Every page of a query, up to ``max_pages`` (``more`` says that the rest was left)."""
    read = Pages()
    pages = client.pages(entity, query)
    try:
        async for page in pages:
            read.records.extend(page.items)
            read.pages += 1
            if page.next_page_url and read.pages >= max_pages:
                read.more = True
                break
    finally:
        await close_pages(pages)
    return read


async def newest_id(
    client: AutotaskClient,
    entity: str,
    *,
    created_field: str,
    since: datetime,
    where: Sequence[Filter] = (),
) -> int:
    """The highest id of ``entity`` among the records that pass ``where`` (0 when none)."""
    query = Query(filter=(*where, Filter.gte(created_field, since)), include_fields=("id",))
    best, seen = 0, 0
    pages = client.pages(entity, query)
    try:
        async for page in pages:
            best = max([best, *(int(r["id"]) for r in page.items)])
            seen += 1
            if seen >= _RECENT_PAGES:
                break
    finally:
        await close_pages(pages)
    return await _highest_from(client, entity, best, where)


async def _highest_from(
    client: AutotaskClient, entity: str, known: int, where: Sequence[Filter]
) -> int:
    """Past ``known``: double a step while records lie beyond it, then halve the gap."""

    async def above(record_id: int) -> bool:
        query = Query(filter=(*where, Filter.gt("id", record_id)))
        return await client.count(entity, query) > 0

    if not await above(known):
        return known
    low, step = known, 1024
    high = low + step
    while await above(high):
        low, step = high, step * 2
        high = low + step
    while high - low > 1:  # records above low, none above high
        middle = (low + high) // 2
        low, high = (middle, high) if await above(middle) else (low, middle)
    return high
