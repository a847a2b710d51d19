"""The order of a search's rows in words ("newest first", "by due date, soonest first")."""

from __future__ import annotations

from ._schema import EntitySchema
from ._values import humanize

__all__ = ["order_words"]

_CREATED = frozenset({"id", "createdate", "createdatetime", "createdon"})
_URGENCY = frozenset({"priority"})
_CALENDAR = ("date", "time", "due", "expir")


def _one(schema: EntitySchema, key: str) -> str:
    descending = key.startswith("-")
    name = key.lstrip("-+").strip()
    if name.lower() in _CREATED:
        return "newest first" if descending else "oldest first"
    info = schema.field(name) or schema.udf(name)
    field = info.name if info else name
    label = humanize(field).lower().removesuffix(" time") if schema.field(field) else field
    if field.lower() in _URGENCY:
        return f"by {label}, " + ("least urgent first" if descending else "most urgent first")
    if info is not None and (
        info.data_type in {"datetime", "date"} or any(w in field.lower() for w in _CALENDAR)
    ):
        return f"by {label}, " + ("latest first" if descending else "soonest first")
    if info is not None and info.data_type in {"integer", "long", "double", "decimal"}:
        return f"by {label}, " + ("highest first" if descending else "lowest first")
    return f"by {label}" + (", descending" if descending else "")


def order_words(schema: EntitySchema, sort: str | None) -> str:
    """``sort`` as a technician would say it; several keys (comma-separated) read in turn."""
    keys = [k.strip() for k in (sort or "id").split(",") if k.strip()] or ["id"]
    return ", then ".join(_one(schema, key) for key in keys)
