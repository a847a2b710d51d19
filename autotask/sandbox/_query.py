"""Query evaluation for the sandbox: the query model, projection and the query responses.

Everything here follows API-NOTES §3 (query, paging, count); filters are compiled by
``_filters`` and pages cut by ``_paging``. Errors are raised as :class:`ApiError`, which the
server turns into Autotask's ``{"errors": [...]}`` shape.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from ._filters import Predicate, compile_filter
from ._paging import MAX_PAGE_SIZE, Paging, page_url, parse_paging, run_page
from ._store import ApiError, FieldSource, Record, lower_keys, to_int

__all__ = [
    "NO_BODY",
    "QuerySource",
    "QuerySpec",
    "answer_children",
    "answer_query",
    "parse_query",
    "parse_search",
    "project",
    "resolve_include",
]

NO_BODY: Any = object()
"""Stands for a request that carried no body at all."""


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
    if not 1 <= number <= MAX_PAGE_SIZE:
        # API-NOTES §3.1: MaxRecords is 1 to 500; a larger page is refused, never quietly cut.
        raise ApiError.error("MaxRecords must be between 1 and 500.")
    return number


def _include_fields(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ApiError.error("IncludeFields must be an array of field names.")
    return tuple(value)


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
    predicate = compile_filter(spec.filters, source.meta, source.singular)  # validates all
    residual = [item for item in spec.filters if not _exact_id_bound(item)]
    if len(residual) < len(spec.filters):  # the id window below decides those conditions
        predicate = compile_filter(residual, source.meta, source.singular) if residual else _any
    source = replace(source, rows=within(source.rows, *id_range(spec.filters)))
    if form == "count":
        return {"queryCount": sum(1 for row in source.rows(-1) if predicate(row))}
    names = resolve_include(spec.include_fields, source.meta, source.singular)
    cursor = parse_paging(paging) if form == "next" else None
    return _page_response(
        source, predicate, cursor or Paging(spec.max_records, (), -1), names, search
    )


def id_range(filters: Sequence[Mapping[str, Any]]) -> tuple[int, int | None]:
    """The id window the ANDed conditions on ``id`` allow: (after, up to and including).

    Autotask reads an id range from its index; so does the sandbox, instead of testing every
    row before the window (the predicate still decides each row in it).
    """
    after, upto = -1, None
    for item in filters:
        op = str(item.get("op", "")).lower()
        if op == "and":
            inner_after, inner_upto = id_range(item.get("items") or ())
            after = max(after, inner_after)
            upto = _lower(upto, inner_upto)
            continue
        if op == "or":  # the union of the branches' windows
            lowest, highest = _union([id_range([branch]) for branch in item.get("items") or ()])
            after, upto = max(after, lowest), _lower(upto, highest)
            continue
        if str(item.get("field", "")).lower() != "id" or item.get("udf"):
            continue
        value = _int(item.get("value"))
        if op == "in" and isinstance(item.get("value"), list):
            values = [_int(v) for v in item["value"]]
            if values and all(v is not None for v in values):
                after = max(after, min(v for v in values if v is not None) - 1)
                upto = _lower(upto, max(v for v in values if v is not None))
            continue
        if value is None:
            continue  # anything else is left to the predicate
        low = {"gt": value, "gte": value - 1, "eq": value - 1}.get(op)
        high = {"lt": value - 1, "lte": value, "eq": value}.get(op)
        if low is not None:
            after = max(after, low)
        upto = _lower(upto, high)
    return after, upto


def _union(windows: list[tuple[int, int | None]]) -> tuple[int, int | None]:
    """The smallest window that holds each of ``windows`` (none: no bound)."""
    if not windows:
        return -1, None
    highs = [high for _, high in windows if high is not None]
    top = max(highs) if len(highs) == len(windows) else None
    return min(low for low, _ in windows), top


def _any(row: Mapping[str, Any]) -> bool:
    return True


def _exact_id_bound(item: Mapping[str, Any]) -> bool:
    """A top-level ``id`` comparison that ``id_range`` turns into an exact window edge."""
    op = str(item.get("op", "")).lower()
    field = str(item.get("field", "")).lower()
    exact = op in ("gt", "gte", "lt", "lte", "eq") and _int(item.get("value")) is not None
    return field == "id" and not item.get("udf") and exact


def _int(value: Any) -> int | None:
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _lower(a: int | None, b: int | None) -> int | None:
    return b if a is None else a if b is None else min(a, b)


def within(
    rows: Callable[[int], Iterator[Record]], after: int, upto: int | None
) -> Callable[[int], Iterator[Record]]:
    """``rows`` limited to ids in (``after``, ``upto``]."""

    def bounded(cursor: int) -> Iterator[Record]:
        for row in rows(max(cursor, after)):
            if upto is not None and int(row["id"]) > upto:
                return
            yield row

    return bounded


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
