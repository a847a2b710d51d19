"""The order of a picklist: the tenant's ``sortOrder``, never the ids.

One tenant has priorities 1 High / 4 Critical, another 1 Critical / 5 High, so "priority >= High"
and "sort by priority" read the picklist's ``sortOrder``. Tenants list priorities either way
(Critical first, or Low first); for a priority the labels decide which end is the urgent one, so
that "greater" always means more urgent.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from .._models import FieldInfo, PicklistValue

__all__ = ["ascending", "listing_rank", "priority_ladder", "rank"]

# How urgent a priority label sounds (higher is more urgent); used only to tell which end of
# the picklist's order is the urgent one.
_URGENCY = (
    (re.compile(r"\b(critical|emergency|severe|sev ?1)\b"), 5),
    (re.compile(r"\b(urgent|highest|asap)\b"), 4),
    (re.compile(r"\bhigh\b"), 3),
    (re.compile(r"\b(medium|normal|moderate|standard)\b"), 2),
    (re.compile(r"\blow\b"), 1),
    (re.compile(r"\b(lowest|minimal|planning|very low)\b"), 0),
)
_P_LEVEL = re.compile(r"^p(\d)\b")


def _urgency(label: str) -> int | None:
    text = label.strip().lower()
    level = _P_LEVEL.match(text)
    if level:
        return 9 - int(level.group(1))  # P1 is the most urgent
    return next((score for pattern, score in _URGENCY if pattern.search(text)), None)


def _by_sort_order(values: Sequence[PicklistValue]) -> list[PicklistValue]:
    return sorted(values, key=lambda v: v.sort_order if v.sort_order is not None else float("inf"))


def priority_ladder(values: Sequence[PicklistValue]) -> list[PicklistValue]:
    """The priorities from most to least urgent, in the order of the tenant's picklist.

    When the labels that sound urgent sit at the end of the order, the order is read backwards.
    Labels that say nothing about urgency leave the order as listed (the first is most urgent).
    """
    ordered = _by_sort_order(values)
    scored = [(i, s) for i, v in enumerate(ordered) if (s := _urgency(v.label)) is not None]
    if len(scored) >= 2:
        mean_i = sum(i for i, _ in scored) / len(scored)
        mean_s = sum(s for _, s in scored) / len(scored)
        trend = sum((i - mean_i) * (s - mean_s) for i, s in scored)
        if trend > 0:  # urgency grows along the order: the urgent end is the last
            ordered.reverse()
    return ordered


def ascending(info: FieldInfo) -> list[PicklistValue]:
    """A picklist's values from "least" to "greatest": by ``sortOrder``; priorities by urgency."""
    values = list(info.picklist_values or ())
    if info.name.lower() == "priority":
        return list(reversed(priority_ladder(values)))
    return _by_sort_order(values)


def rank(info: FieldInfo) -> dict[str, int]:
    """Stored value → its position in :func:`ascending` (for comparisons and sorting)."""
    return {v.value: i for i, v in enumerate(ascending(info))}


def listing_rank(info: FieldInfo) -> dict[str, int]:
    """Stored value → its place when rows are sorted on the field: the picklist's order, and
    for a priority the most urgent first (as the order is said: "most urgent first")."""
    if info.name.lower() == "priority":
        return {v.value: i for i, v in enumerate(priority_ladder(list(info.picklist_values or ())))}
    return rank(info)
