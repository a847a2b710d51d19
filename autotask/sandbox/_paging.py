"""Keyset paging of query results: the ``nextPageUrl`` cursor (API-NOTES §3.4).

Rows come in id order; a page is the next ``page_size`` matching rows after the cursor's id,
so a page costs O(page size) however many rows exist.
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from ._filters import Predicate
from ._store import ApiError, Record, lower_keys

__all__ = ["MAX_PAGE_SIZE", "Page", "Paging", "page_url", "parse_paging", "run_page"]

MAX_PAGE_SIZE = 500


@dataclass(frozen=True)
class Paging:
    """The keyset cursor of ``nextPageUrl``: rows after ``after_id``; ``previous`` is the
    stack of earlier page starts (``previousIds``), -1 standing for the first page."""

    page_size: int
    previous: tuple[int, ...]
    after_id: int

    def token(self) -> str:
        data = {
            "pageSize": self.page_size,
            "previousIds": list(self.previous),
            "nextIds": [self.after_id],
        }
        return json.dumps(data, separators=(",", ":"))


@dataclass(frozen=True)
class Page:
    items: list[Record]
    paging: Paging
    next_paging: Paging | None
    prev_paging: Paging | None


def parse_paging(text: str | None) -> Paging | None:
    if text is None:
        return None
    try:
        data = lower_keys(json.loads(text))
        ids = [int(i) for i in data["nextids"]]
        previous = tuple(int(i) for i in data.get("previousids") or ())
        size = min(max(int(data.get("pagesize") or MAX_PAGE_SIZE), 1), MAX_PAGE_SIZE)
    except (ValueError, TypeError, KeyError, AttributeError):
        raise ApiError.error("The paging parameter is not valid.") from None
    if not ids:
        raise ApiError.error("The paging parameter is not valid.")
    return Paging(page_size=size, previous=previous, after_id=ids[-1])


def run_page(rows: Callable[[int], Iterator[Record]], predicate: Predicate, paging: Paging) -> Page:
    """One page: up to ``page_size`` matching rows after the cursor, and the cursors around it."""
    items: list[Record] = []
    more = False
    for row in rows(paging.after_id):
        if predicate(row):
            if len(items) == paging.page_size:
                more = True
                break
            items.append(row)
    next_paging = None
    if more:
        next_paging = Paging(
            paging.page_size, (*paging.previous, paging.after_id), int(items[-1]["id"])
        )
    prev_paging = None
    if paging.previous:
        prev_paging = Paging(paging.page_size, paging.previous[:-1], paging.previous[-1])
    return Page(items=items, paging=paging, next_paging=next_paging, prev_paging=prev_paging)


def page_url(api_url: str, entity: str, paging: Paging | None, search: str | None) -> str | None:
    """``{api_url}V1.0/{Entity}/query/next?paging=...[&search=...]`` (§3.4), or None."""
    if paging is None:
        return None
    url = f"{api_url}V1.0/{entity}/query/next?paging={urllib.parse.quote(paging.token(), safe='')}"
    if search is not None:
        url += f"&search={urllib.parse.quote(search, safe='')}"
    return url
