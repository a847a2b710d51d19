"""The newest records of a query in a few requests, on a tenant of any size.

Autotask has no server-side sort: a query returns rows in id order, oldest first, so reading
from the start to find the newest costs a request per 500 rows. Instead, a creation-date window
that holds enough rows is asked for: the oldest matching row (one row, ``maxRecords`` 1) and the
count give the rate at which matching records are created; a window sized for a few hundred rows
is then read in one page. A window that overflows the page is narrowed from the density of the
rows it did return; one that holds too few is widened. Typically: count, oldest row, window.
The oldest match, the newest and the count are left as the query's layout (``_layouts``), so an
export of the same query starts at once.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from .._client import AutotaskClient
from .._filters import MAX_PAGE_SIZE, Filter, Query
from .._layouts import Layout
from ._schema import EntitySchema

__all__ = ["CREATED_FIELDS", "creation_field", "newest"]

Record = dict[str, Any]
CREATED_FIELDS = ("createDate", "createDateTime", "createdDate", "createdDateTime")
_TARGET = 250  # rows a window aims at: room for the limit, and for uneven creation rates
_ATTEMPTS = 8


def creation_field(schema: EntitySchema) -> str | None:
    """The field that holds when a record was created, when the entity has one."""
    for name in CREATED_FIELDS:
        info = schema.field(name)
        if info is not None and info.name == name and info.data_type == "datetime":
            return name
    return None


def _moment(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _newest_first(rows: list[Record], by: str) -> list[Record]:
    if by == "id":
        return sorted(rows, key=lambda r: int(r.get("id") or 0), reverse=True)
    oldest = datetime.min.replace(tzinfo=UTC)
    return sorted(
        rows, key=lambda r: (_moment(r.get(by)) or oldest, int(r.get("id") or 0)), reverse=True
    )


def _narrowed(rows: list[Record], created: str, start: datetime, now: datetime) -> timedelta:
    """A window for ``_TARGET`` rows, from the density of a full page that began at ``start``."""
    last = max((m for r in rows if (m := _moment(r.get(created))) is not None), default=None)
    covered = (last - start) if last is not None and last > start else (now - start) / 4
    per_row = covered / max(len(rows), 1)
    return max(per_row * _TARGET, timedelta(seconds=1))


async def newest(
    client: AutotaskClient,
    schema: EntitySchema,
    query: Query,
    *,
    limit: int,
    total: int,
    now: datetime,
    by_id: bool = False,
) -> list[Record]:
    """The ``limit`` most recently created records that match ``query``, newest first (by
    creation date, or by id with ``by_id``: ids are handed out in creation order).

    ``total`` is how many match (the caller counted them). Rows are those of ``query`` (its
    ``include_fields`` plus the creation field). Without a creation field every row is read.
    """
    created = creation_field(schema)
    by = "id" if by_id or created is None else created
    if created is None or total <= MAX_PAGE_SIZE:
        rows = await client.query(schema.entity, query)
        return _newest_first(rows, by)[:limit]
    fields = query.include_fields
    if fields is not None:
        fields = tuple(dict.fromkeys((*fields, created)))
    probe = query.model_copy(update={"max_records": 1, "include_fields": ("id", created)})
    first = (await client.query_page(schema.entity, probe)).items
    oldest = _moment(first[0].get(created)) if first else None
    span = (now - oldest) if oldest is not None and oldest < now else timedelta(days=365)
    window = span * min(1.0, max(_TARGET, 2 * limit) / total)
    full = query.model_copy(update={"include_fields": fields, "max_records": None})
    small, big = timedelta(0), span * 2  # windows known to hold too few rows / too many
    for _ in range(_ATTEMPTS):
        start = now - window
        page_query = full.model_copy(update={"filter": (*query.filter, Filter.gte(created, start))})
        page = await client.query_page(
            schema.entity, page_query.model_copy(update={"max_records": MAX_PAGE_SIZE})
        )
        if page.next_page_url is not None:
            full, big = page_query, window  # the newest rows are all inside this window
            window = _between(_narrowed(page.items, created, start, now), small, big)
            continue
        if len(page.items) >= limit or window >= span:
            if first and page.items:  # the oldest match, the newest, and the count
                last = max(int(row["id"]) for row in page.items)
                layout = Layout.spanning(int(first[0]["id"]), last, total)
                client.layouts.suggest(schema.entity, query, layout)
            return _newest_first(page.items, by)[:limit]
        small = window
        wider = window * max(2.0, 1.5 * limit / max(len(page.items), 1))
        window = _between(min(span, wider), small, big)
    rows = [row async for row in client.iterate(schema.entity, full)]  # uneven beyond measure
    return _newest_first(rows, by)[:limit]


def _between(wanted: timedelta, small: timedelta, big: timedelta) -> timedelta:
    """``wanted`` when it lies strictly between the bounds; else halfway between them (on a
    log scale, so that a window known to be too small and one too big close in quickly)."""
    if small < wanted < big:
        return wanted
    if small <= timedelta(0):
        return big / 2
    return timedelta(seconds=(small.total_seconds() * big.total_seconds()) ** 0.5)
