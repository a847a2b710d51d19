"""Where the rows of a large query lie: the first matching id, how densely matching ids follow it,
and how many rows match.

A query read in full leaves its layout behind, and so does a list that showed part of a large
result (its first rows or its newest, and the count). The next large read of the same entity and
conditions, whatever its fields, starts its id windows from there (``_windows``): every slot of
the endpoint is busy from the first round, and neither a first page nor a count is waited for.
A layout is only a guess: rows added, removed or now matching anywhere are still read, because
the windows cover every id, the first one without a lower bound and the last one without an upper
bound, and each answer corrects the density. Layouts are kept for an hour.
"""

from __future__ import annotations

import json
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from ._filters import Query

__all__ = ["Layout", "Layouts"]


@dataclass(frozen=True)
class Layout:
    first: int  # the smallest id that matched
    density: float  # matching rows per id from there on
    rows: int  # how many matched

    @classmethod
    def spanning(cls, first: int, last: int, rows: int) -> Layout:
        """``rows`` matches from id ``first`` to id ``last``."""
        return cls(first, rows / max(last - first + 1, 1), rows)

    @classmethod
    def sampled(cls, ids: list[int], rows: int) -> Layout | None:
        """The first matching ids (in order) of ``rows`` matches: the density is theirs."""
        if len(ids) < 2 or ids[-1] <= ids[0]:
            return None
        return cls(ids[0], (len(ids) - 1) / (ids[-1] - ids[0]), rows)


class Layouts:
    """The layouts of the last ``size`` queries, per client (one tenant), for ``ttl`` seconds: an
    older one says little about where the rows lie now."""

    def __init__(
        self, size: int = 64, ttl: float = 3600.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.size, self.ttl, self._clock = size, ttl, clock
        self._known: OrderedDict[str, tuple[float, Layout]] = OrderedDict()  # by key: expiry

    def get(self, entity: str, query: Query) -> Layout | None:
        key = _key(entity, query)
        known = self._known.get(key)
        if known is None:
            return None
        if known[0] <= self._clock():
            del self._known[key]
            return None
        self._known.move_to_end(key)
        return known[1]

    def remember(self, entity: str, query: Query, layout: Layout) -> None:
        """What a read of every row found: it replaces whatever was known."""
        key = _key(entity, query)
        self._known[key] = (self._clock() + self.ttl, layout)
        self._known.move_to_end(key)
        while len(self._known) > self.size:
            self._known.popitem(last=False)

    def suggest(self, entity: str, query: Query, layout: Layout | None) -> None:
        """What a partial read suggests: kept only where nothing is known yet."""
        if layout is not None and self.get(entity, query) is None:
            self.remember(entity, query, layout)

    def forget(self, entity: str, query: Query) -> None:
        self._known.pop(_key(entity, query), None)


def _key(entity: str, query: Query) -> str:
    """The entity and the conditions: the fields asked for and the page size do not move rows."""
    return json.dumps([entity.lower(), [item.to_wire() for item in query.filter]], sort_keys=True)
