"""Query filters of the sandbox: every operator, and/or groups, UDF filters (API-NOTES §3.1).

A filter list compiles to one predicate over stored rows. Comparisons follow SQL semantics
(NULL matches no comparison), strings compare without regard to case, an unknown operator
is ignored, an unknown field is Autotask's 500.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ._store import ApiError, FieldSource, coerce_value, lower_keys

__all__ = ["MAX_OR_CONDITIONS", "Predicate", "compile_filter"]

MAX_OR_CONDITIONS = 500
_COMPARISONS = frozenset({"eq", "noteq", "gt", "gte", "lt", "lte"})
_TEXT_OPS = frozenset({"beginsWith", "endsWith", "contains"})
_SET_OPS = frozenset({"in", "notIn"})
_EXIST_OPS = frozenset({"exist", "notExist"})

Predicate = Callable[[Mapping[str, Any]], bool]


class _Compiler:
    def __init__(self, meta: FieldSource | None, singular: str) -> None:
        self.meta = meta
        self.singular = singular
        self.udf_filters = 0
        self.or_conditions = 0

    def group(self, items: Sequence[Mapping[str, Any]], *, any_of: bool) -> Predicate:
        parts = [p for p in (self.item(item) for item in items) if p is not None]
        if any_of:
            self.or_conditions += len(parts)
        if not parts:
            return _always
        if any_of:
            return lambda row: any(part(row) for part in parts)
        return lambda row: all(part(row) for part in parts)

    def item(self, raw: Mapping[str, Any]) -> Predicate | None:
        spec = lower_keys(raw)
        op = spec.get("op")
        if op in ("and", "or"):
            items = spec.get("items") or []
            if not isinstance(items, list) or not all(isinstance(i, Mapping) for i in items):
                raise ApiError.error("The items of a grouping filter must be filter objects.")
            return self.group(items, any_of=op == "or")
        if op not in _COMPARISONS | _TEXT_OPS | _SET_OPS | _EXIST_OPS:
            return None  # Autotask silently ignores an unknown op (API-NOTES §3.1).
        name = spec.get("field")
        if not isinstance(name, str) or not name:
            raise ApiError.error("Value cannot be null.\r\nParameter name: field")
        if spec.get("udf") in (True, "true", "True", 1):
            data_type, getter = self._udf(name)
        else:
            data_type, getter = self._field(name)
        return _condition(str(op), data_type, getter, spec.get("value"), name)

    def _field(self, name: str) -> tuple[str, Callable[[Mapping[str, Any]], object]]:
        if self.meta is None:
            return "string", lambda row: row.get(name)
        info = self.meta.field(name)
        if info is None:
            raise ApiError.error(f"Unable to find {name} in the {self.singular} Entity")
        if not info.get("isQueryable", True):
            raise ApiError.error(
                f"The {info['name']} field of the {self.singular} Entity is not queryable."
            )
        key = str(info["name"])
        return str(info.get("dataType") or "string"), lambda row: row.get(key)

    def _udf(self, name: str) -> tuple[str, Callable[[Mapping[str, Any]], object]]:
        self.udf_filters += 1
        if self.udf_filters > 1:
            # Official query pages: "You can only query by one user-defined field at a time."
            raise ApiError.error("You can only query by one user-defined field at a time.")
        udfs = self.meta.udfs if self.meta is not None else ()
        info = next((u for u in udfs if str(u.get("name", "")).lower() == name.lower()), None)
        if info is None:
            raise ApiError.error(f"Unable to find {name} in the {self.singular} Entity")
        key = str(info["name"]).lower()

        def udf_value(row: Mapping[str, Any]) -> object:
            for entry in row.get("userDefinedFields") or ():
                if str(entry.get("name", "")).lower() == key:
                    return entry.get("value")
            return None

        return str(info.get("type") or "string"), udf_value


def _always(row: Mapping[str, Any]) -> bool:
    return True


def _never(row: Mapping[str, Any]) -> bool:
    return False


def _comparable(data_type: str, value: object, name: str) -> object:
    try:
        coerced = coerce_value(data_type, value)
    except (ValueError, TypeError):
        raise ApiError.error(f"Unable to convert the value {value!r} for field {name}.") from None
    return coerced.lower() if isinstance(coerced, str) else coerced


def _row_value(data_type: str, value: object) -> object:
    try:
        coerced = coerce_value(data_type, value)
    except (ValueError, TypeError):
        coerced = value
    return coerced.lower() if isinstance(coerced, str) else coerced


def _condition(
    op: str,
    data_type: str,
    getter: Callable[[Mapping[str, Any]], object],
    raw: object,
    name: str,
) -> Predicate:
    if op in _EXIST_OPS:
        present = op == "exist"
        return lambda row: (getter(row) not in (None, "")) is present
    if op in _SET_OPS:
        values = raw if isinstance(raw, list) else [raw]
        wanted = {_comparable(data_type, v, name) for v in values if v is not None}
        inside = op == "in"
        # SQL semantics: a NULL column is neither in nor not in a list.
        return lambda row: (
            (v := _row_value(data_type, getter(row))) is not None and ((v in wanted) is inside)
        )
    if raw is None:
        return _never
    if op in _TEXT_OPS:
        needle = str(raw).lower()
        test: Callable[[str], bool] = {
            "beginsWith": lambda text: text.startswith(needle),
            "endsWith": lambda text: text.endswith(needle),
            "contains": lambda text: needle in text,
        }[op]
        return lambda row: (v := getter(row)) is not None and test(str(v).lower())
    target = _comparable(data_type, raw, name)
    compare = _COMPARE[op]
    # SQL semantics (the store behind the API is SQL Server): NULL matches no comparison.
    return lambda row: (
        (v := _row_value(data_type, getter(row))) is not None and _safe(compare, v, target)
    )


def _safe(compare: Callable[[Any, Any], bool], left: object, right: object) -> bool:
    try:
        return compare(left, right)
    except TypeError:
        return False


_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "eq": lambda a, b: a == b,
    "noteq": lambda a, b: a != b,
    "gt": lambda a, b: a > b,
    "gte": lambda a, b: a >= b,
    "lt": lambda a, b: a < b,
    "lte": lambda a, b: a <= b,
}


def compile_filter(
    filters: Sequence[Mapping[str, Any]], meta: FieldSource | None, singular: str
) -> Predicate:
    """One predicate for the whole filter list; top-level items are ANDed (§3.1).

    ``"filter": []`` matches nothing (observed: 200 with zero rows).
    """
    if not filters:
        return _never
    compiler = _Compiler(meta, singular)
    predicate = compiler.group(filters, any_of=False)
    if compiler.or_conditions > MAX_OR_CONDITIONS:
        raise ApiError.error(
            "Invalid query syntax. Queries are limited to 500 or fewer 'OR' conditions."
        )
    return predicate
