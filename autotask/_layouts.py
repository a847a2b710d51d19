"""Where the rows of a large query lay when it was last read in full: its first and last id and
how many rows it held.

A query read again (the same entity and conditions, whatever its fields) starts its id windows
from there (``_windows``): every slot of the endpoint is busy from the first round, and neither a
first page nor a count has to be waited for. The layout is only a guess: rows added, removed or
now matching anywhere are still read, because the windows cover every id, the first one without
a lower bound and the last one without an upper bound.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from dataclasses import dataclass

from ._filters import Query

__all__ = ["Layout", "Layouts"]


@dataclass(frozen=True)
class Layout:
    first: int  # the smallest id that matched
    last: int  # the largest
    rows: int

    @property
    def density(self) -> float:
        """Matching rows per id between the first and the last."""
        return self.rows / max(self.last - self.first + 1, 1)


class Layouts:
    """The layouts of the last ``size`` queries read in full, per client (one tenant)."""

    def __init__(self, size: int = 64) -> None:
        self.size = size
        self._known: OrderedDict[str, Layout] = OrderedDict()

    def get(self, entity: str, query: Query) -> Layout | None:
        key = _key(entity, query)
        layout = self._known.get(key)
        if layout is not None:
            self._known.move_to_end(key)
        return layout

    def remember(self, entity: str, query: Query, layout: Layout) -> None:
        key = _key(entity, query)
        self._known[key] = layout
        self._known.move_to_end(key)
        while len(self._known) > self.size:
            self._known.popitem(last=False)

    def forget(self, entity: str, query: Query) -> None:
        self._known.pop(_key(entity, query), None)


def _key(entity: str, query: Query) -> str:
    """The entity and the conditions: the fields asked for and the page size do not move rows."""
    return json.dumps([entity.lower(), [item.to_wire() for item in query.filter]], sort_keys=True)
