"""A user-defined-field condition checked on a returned row, as Autotask would check it.

Autotask filters on one user-defined field per query; a second UDF condition (the upper bound of
a date range, another UDF) is applied here to the rows the query returns. UDF values on records
are strings (``{"name": ..., "value": "2024-11-22"}``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from .._filters import Filter, Op
from .._models import FieldInfo

__all__ = ["udf_predicate", "udf_value"]

Record = dict[str, Any]


def udf_value(record: Record, name: str) -> object:
    """The value of the user-defined field ``name`` on a record (None when unset)."""
    wanted = name.lower()
    for entry in record.get("userDefinedFields") or ():
        if str(entry.get("name", "")).lower() == wanted:
            return entry.get("value")
    return None


def _comparable(kind: str, value: object) -> object:
    if value is None or value == "":
        return None
    if kind in {"datetime", "date"}:
        text = value.isoformat() if isinstance(value, datetime) else str(value)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    if kind in {"integer", "long", "short", "decimal", "double", "float"}:
        return float(str(value))
    return str(value).lower()


_COMPARE: dict[Op, Callable[[Any, Any], bool]] = {
    Op.EQ: lambda a, b: a == b,
    Op.NOTEQ: lambda a, b: a != b,
    Op.GT: lambda a, b: a > b,
    Op.GTE: lambda a, b: a >= b,
    Op.LT: lambda a, b: a < b,
    Op.LTE: lambda a, b: a <= b,
    Op.CONTAINS: lambda a, b: str(b) in str(a),
    Op.BEGINS_WITH: lambda a, b: str(a).startswith(str(b)),
    Op.ENDS_WITH: lambda a, b: str(a).endswith(str(b)),
}


def udf_predicate(condition: Filter, info: FieldInfo) -> Callable[[Record], bool]:
    """A check of one UDF condition on a row (NULL matches no comparison, as in SQL)."""
    kind = info.data_type
    name = str(condition.field)

    def check(record: Record) -> bool:
        try:
            current = _comparable(kind, udf_value(record, name))
        except ValueError:
            return False
        if condition.op is Op.EXIST:
            return current is not None
        if condition.op is Op.NOT_EXIST:
            return current is None
        if current is None:
            return False
        if condition.op in {Op.IN, Op.NOT_IN}:
            raw = condition.value if isinstance(condition.value, list) else [condition.value]
            inside = current in {_comparable(kind, v) for v in raw}
            return inside is (condition.op is Op.IN)
        try:
            return _COMPARE[condition.op](current, _comparable(kind, condition.value))
        except (TypeError, ValueError, KeyError):
            return False

    return check
