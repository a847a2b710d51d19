"""Query evaluation for the sandbox: the query model, filters, paging tokens.

Everything here follows API-NOTES §3 (query, paging, count). Errors are raised as
:class:`ApiError`, which the server turns into Autotask's ``{"errors": [...]}`` shape.
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ._store import ApiError, FieldSource, Record, coerce_value, lower_keys, to_int

__all__ = [
    "MAX_PAGE_SIZE",
    "NO_BODY",
    "Page",
    "Paging",
    "QuerySource",
    "QuerySpec",
    "answer_children",
    "answer_query",
    "compile_filter",
    "page_url",
    "parse_paging",
    "parse_query",
    "parse_search",
    "project",
    "resolve_include",
    "run_page",
]

MAX_PAGE_SIZE = 500
NO_BODY: Any = object()
"""Stands for a request that carried no body at all."""
MAX_OR_CONDITIONS = 500
_COMPARISONS = frozenset({"eq", "noteq", "gt", "gte", "lt", "lte"})
_TEXT_OPS = frozenset({"beginsWith", "endsWith", "contains"})
_SET_OPS = frozenset({"in", "notIn"})
_EXIST_OPS = frozenset({"exist", "notExist"})

Predicate = Callable[[Mapping[str, Any]], bool]


# ---------------------------------------------------------------- query model


@dataclass(frozen=True)
class QuerySpec:
    """A parsed QueryModel (``MaxRecords``, ``IncludeFields``, ``Filter``)."""

    max_records: int
    include_fields: tuple[str, ...]
    filters: tuple[Mapping[str, Any], ...]


def parse_search(text: str) -> Any:
    """The JSON of a GET ``search=`` parameter; single-quoted JSON is accepted (§3.2)."""
    try:
        return json.loads(text)
    except ValueError:
        pass
    try:
        return json.loads(_single_to_double_quotes(text))
    except ValueError:
        raise ApiError.error("The search parameter is not valid JSON.") from None


def _single_to_double_quotes(text: str) -> str:
    out: list[str] = []
    quote: str | None = None
    chars = iter(text)
    for char in chars:
        if quote is None:
            if char in "'\"":
                quote = char
                out.append('"')
            else:
                out.append(char)
        elif char == "\\":
            out.append(char + next(chars, ""))
        elif char == quote:
            quote = None
            out.append('"')
        elif char == '"':
            out.append('\\"')
        else:
            out.append(char)
    return "".join(out)


def parse_query(body: Any, *, body_name: str = "queryModel") -> QuerySpec:
    """Validate a QueryModel body (keys case-insensitive) as Autotask does (§3.1)."""
    if body is None:
        raise ApiError.error(f"Value cannot be null.\r\nParameter name: {body_name}")
    if not isinstance(body, Mapping):
        raise ApiError.error(f"The {body_name} must be a JSON object.")
    model = lower_keys(body)
    filters = model.get("filter")
    if filters is None:
        raise ApiError.error("Value cannot be null.\r\nParameter name: filters")
    if not isinstance(filters, list) or not all(isinstance(item, Mapping) for item in filters):
        raise ApiError.error("The filter must be an array of filter objects.")
    return QuerySpec(
        max_records=_max_records(model.get("maxrecords")),
        include_fields=_include_fields(model.get("includefields")),
        filters=tuple(filters),
    )


def _max_records(value: object) -> int:
    if value is None:
        return MAX_PAGE_SIZE
    try:
        number = to_int(value)
    except ValueError:
        raise ApiError.error(f"MaxRecords must be an integer, got {value!r}.") from None
    if number < 1:
        raise ApiError.error("MaxRecords must be between 1 and 500.")
    return min(number, MAX_PAGE_SIZE)


def _include_fields(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ApiError.error("IncludeFields must be an array of field names.")
    return tuple(value)


# ---------------------------------------------------------------- filters


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


def compile_filter(spec: QuerySpec, meta: FieldSource | None, singular: str) -> Predicate:
    """One predicate for the whole filter list; top-level items are ANDed (§3.1).

    ``"filter": []`` matches nothing (observed: 200 with zero rows).
    """
    if not spec.filters:
        return _never
    compiler = _Compiler(meta, singular)
    predicate = compiler.group(spec.filters, any_of=False)
    if compiler.or_conditions > MAX_OR_CONDITIONS:
        raise ApiError.error(
            "Invalid query syntax. Queries are limited to 500 or fewer 'OR' conditions."
        )
    return predicate


# ---------------------------------------------------------------- paging


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


def resolve_include(
    include: Sequence[str], meta: FieldSource | None, singular: str
) -> tuple[str, ...]:
    """Field names to return: () for all, else ``id`` plus the named fields (§3.1)."""
    if not include:
        return ()
    names = ["id"]
    for name in include:
        info = meta.field(name) if meta is not None else {"name": name}
        if info is None:
            raise ApiError.error(f"Unable to find {name} in the {singular} Entity")
        if info["name"] not in names:
            names.append(str(info["name"]))
    return tuple(names)


def project(row: Mapping[str, Any], names: Sequence[str]) -> Record:
    """The row as returned: all of it, or the resolved names plus ``userDefinedFields``."""
    if not names:
        return dict(row)
    item = {name: row.get(name) for name in names}
    item["userDefinedFields"] = row.get("userDefinedFields") or []
    return item


# ---------------------------------------------------------------- responses


@dataclass(frozen=True)
class QuerySource:
    """What a query reads: an entity's rows after an id (ascending), its metadata, the API URL."""

    entity: str
    singular: str
    meta: FieldSource | None
    rows: Callable[[int], Iterator[Record]]
    api_url: str


def answer_query(
    source: QuerySource,
    form: str,
    *,
    search: str | None,
    body: Any,
    paging: str | None,
) -> dict[str, Any]:
    """``query``, ``query/count`` or ``query/next`` (``form`` "", "count", "next"; §3.1 to §3.5).

    ``search`` is the GET form's parameter (None for POST); ``body`` the POSTed model, or
    :data:`NO_BODY` when the request had none.
    """
    model: Any = parse_search(search) if search is not None else body
    spec = parse_query(None if model is NO_BODY else model)
    predicate = compile_filter(spec, source.meta, source.singular)
    if form == "count":
        return {"queryCount": sum(1 for row in source.rows(-1) if predicate(row))}
    names = resolve_include(spec.include_fields, source.meta, source.singular)
    cursor = parse_paging(paging) if form == "next" else None
    return _page_response(
        source, predicate, cursor or Paging(spec.max_records, (), -1), names, search
    )


def answer_children(source: QuerySource, parent_field: str, parent_id: int) -> dict[str, Any]:
    """A child collection lists like a GET query on its parent field (API-NOTES §5.2)."""
    search = json.dumps({"filter": [{"op": "eq", "field": parent_field, "value": parent_id}]})
    return answer_query(source, "", search=search, body=NO_BODY, paging=None)


def _page_response(
    source: QuerySource,
    predicate: Predicate,
    paging: Paging,
    names: Sequence[str],
    search: str | None,
) -> dict[str, Any]:
    page = run_page(source.rows, predicate, paging)
    return {
        "items": [project(row, names) for row in page.items],
        "pageDetails": {
            "count": len(page.items),
            "requestCount": paging.page_size,
            "prevPageUrl": page_url(source.api_url, source.entity, page.prev_paging, search),
            "nextPageUrl": page_url(source.api_url, source.entity, page.next_paging, search),
        },
    }
