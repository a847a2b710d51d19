"""In-memory records of the sandbox, one id-sorted table per entity.

Autotask returns query rows ordered by id and pages with a keyset cursor on id
(API-NOTES §3.1, §3.4). Each table therefore keeps its ids in a sorted list, so the
start of a page is one bisect and a page costs O(page size), however many rows exist.
"""

from __future__ import annotations

import bisect
import copy
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

__all__ = [
    "ApiError",
    "FieldSource",
    "Record",
    "RecordStore",
    "coerce_value",
    "format_datetime",
    "lower_keys",
    "parse_datetime",
    "to_int",
]

Record = dict[str, Any]
_INT_TYPES = frozenset({"integer", "long", "short", "byte", "int", "int32", "int64"})
_FLOAT_TYPES = frozenset({"decimal", "double", "float", "currency", "number", "numeric"})
_DATE_TYPES = frozenset({"datetime", "date", "time"})


class ApiError(Exception):
    """An Autotask-shaped error response: HTTP ``status`` and a JSON ``body`` (None = empty)."""

    def __init__(self, status: int, body: Any = None, *, headers: Mapping[str, str] | None = None):
        super().__init__(f"HTTP {status}: {body!r}")
        self.status = status
        self.body = body
        self.headers = dict(headers or {})

    @classmethod
    def error(cls, message: str, status: int = 500) -> ApiError:
        """Validation and business failures: 500 ``{"errors": [message]}`` (API-NOTES §6.1)."""
        return cls(status, {"errors": [message]})

    @classmethod
    def method_not_allowed(cls, method: str) -> ApiError:
        """The stock ASP.NET body for a verb a path does not support (API-NOTES §5.2, §6.2)."""
        text = f"The requested resource does not support http method '{method.upper()}'."
        return cls(405, {"Message": text})

    @classmethod
    def not_found(cls) -> ApiError:
        """The stock ASP.NET 404 body for a path no route matches (API-NOTES §6.2)."""
        return cls(404, {"Message": "No HTTP resource was found that matches the request URI."})


class FieldSource(Protocol):
    """What the query and validation code needs from an entity's metadata."""

    @property
    def name(self) -> str: ...

    @property
    def fields(self) -> Sequence[Mapping[str, Any]]: ...

    @property
    def udfs(self) -> Sequence[Mapping[str, Any]]: ...

    def field(self, name: str) -> Mapping[str, Any] | None: ...


# ---------------------------------------------------------------- values


def parse_datetime(value: object) -> datetime | None:
    """An instant from Autotask's date forms ("2024-11-01", "...T10:00:00.00Z", offsets)."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str) and value.strip():
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            return None
    else:
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def format_datetime(moment: datetime) -> str:
    """The API's own form: UTC with milliseconds, ``2026-11-20T14:05:00.000Z``."""
    utc = moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def to_int(value: object) -> int:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        number = float(value.strip())
        if number.is_integer():
            return int(number)
    raise ValueError(value)


def _to_bool(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in ("true", "1", "false", "0"):
        return value.strip().lower() in ("true", "1")
    raise ValueError(value)


def coerce_value(data_type: str, value: object) -> object:
    """``value`` as a comparable Python value of the Autotask ``data_type``.

    Raises ValueError when it cannot be read as that type. None stays None.
    """
    if value is None:
        return None
    kind = data_type.lower()
    if kind in _INT_TYPES:
        return to_int(value)
    if kind in _FLOAT_TYPES:
        if isinstance(value, bool):
            raise ValueError(value)
        return float(value) if isinstance(value, int | float | str) else _fail(value)
    if kind == "boolean":
        return _to_bool(value)
    if kind in _DATE_TYPES:
        moment = parse_datetime(value)
        return moment if moment is not None else _fail(value)
    if isinstance(value, dict | list):
        raise ValueError(value)
    return str(value).lower() if isinstance(value, bool) else str(value)


def _fail(value: object) -> object:
    raise ValueError(value)


def lower_keys(body: Mapping[str, Any]) -> dict[str, Any]:
    """Request keys are matched without regard to case (API-NOTES §0)."""
    return {str(key).lower(): value for key, value in body.items()}


class _Table:
    """Records of one entity: a dict by id plus the ids in ascending order."""

    __slots__ = ("ids", "rows")

    def __init__(self) -> None:
        self.ids: list[int] = []
        self.rows: dict[int, dict[str, Any]] = {}

    def put(self, record: dict[str, Any]) -> None:
        record_id = int(record["id"])
        if record_id not in self.rows:
            if not self.ids or record_id > self.ids[-1]:
                self.ids.append(record_id)
            else:
                bisect.insort(self.ids, record_id)
        self.rows[record_id] = record

    def delete(self, record_id: int) -> dict[str, Any] | None:
        record = self.rows.pop(record_id, None)
        if record is not None:
            index = bisect.bisect_left(self.ids, record_id)
            del self.ids[index]
        return record

    def after(self, after_id: int) -> Iterator[dict[str, Any]]:
        """Rows whose id is greater than ``after_id``, ascending."""
        start = bisect.bisect_right(self.ids, after_id)
        ids = self.ids
        rows = self.rows
        for index in range(start, len(ids)):
            yield rows[ids[index]]

    def before(self, before_id: int) -> Iterator[dict[str, Any]]:
        """Rows whose id is smaller than ``before_id``, descending."""
        stop = bisect.bisect_left(self.ids, before_id)
        ids = self.ids
        rows = self.rows
        for index in range(stop - 1, -1, -1):
            yield rows[ids[index]]


class RecordStore:
    """Records per entity (keyed case-insensitively by REST root name).

    Records are stored as plain dicts in the shape the API returns them. Callers that
    hand a record out of the process (JSON responses) serialise it; callers that give a
    record to test code get a copy from :meth:`get_copy`.
    """

    def __init__(self, data: Mapping[str, Iterable[dict[str, Any]]] | None = None) -> None:
        self._tables: dict[str, _Table] = {}
        self._last_ids: dict[str, int] = {}
        for entity, records in (data or {}).items():
            for record in records:
                self.put(entity, record)

    def _table(self, entity: str) -> _Table:
        key = entity.lower()
        table = self._tables.get(key)
        if table is None:
            table = self._tables[key] = _Table()
        return table

    def entities(self) -> list[str]:
        """Lower-case names of the entities that hold (or held) records."""
        return sorted(self._tables)

    def has_entity(self, entity: str) -> bool:
        return entity.lower() in self._tables

    def count(self, entity: str) -> int:
        table = self._tables.get(entity.lower())
        return 0 if table is None else len(table.ids)

    def records(self, entity: str) -> list[dict[str, Any]]:
        """The live records of ``entity`` in id order (the dicts are not copies)."""
        table = self._tables.get(entity.lower())
        if table is None:
            return []
        return [table.rows[record_id] for record_id in table.ids]

    def get(self, entity: str, record_id: int) -> dict[str, Any] | None:
        """The live record, or None."""
        table = self._tables.get(entity.lower())
        return None if table is None else table.rows.get(record_id)

    def get_copy(self, entity: str, record_id: int) -> dict[str, Any] | None:
        record = self.get(entity, record_id)
        return None if record is None else copy.deepcopy(record)

    def put(self, entity: str, record: dict[str, Any]) -> None:
        """Insert or replace a record; it must carry an integer ``id``."""
        if not isinstance(record.get("id"), int) or isinstance(record.get("id"), bool):
            raise ValueError(f"a {entity} record needs an integer id, got {record.get('id')!r}")
        key = entity.lower()
        self._table(entity).put(record)
        self._last_ids[key] = max(self._last_ids.get(key, 0), record["id"])

    def delete(self, entity: str, record_id: int) -> dict[str, Any] | None:
        """Remove a record; returns it, or None when there was none."""
        table = self._tables.get(entity.lower())
        return None if table is None else table.delete(record_id)

    def next_id(self, entity: str) -> int:
        """Allocate a fresh id: above every id ever stored for the entity (never reused)."""
        key = entity.lower()
        new_id = self._last_ids.get(key, 0) + 1
        self._last_ids[key] = new_id
        return new_id

    def after(self, entity: str, after_id: int) -> Iterator[dict[str, Any]]:
        """Records with id > ``after_id`` in ascending id order (a bisect, then a walk)."""
        table = self._tables.get(entity.lower())
        if table is None:
            return iter(())
        return table.after(after_id)

    def before(self, entity: str, before_id: int) -> Iterator[dict[str, Any]]:
        """Records with id < ``before_id`` in descending id order."""
        table = self._tables.get(entity.lower())
        if table is None:
            return iter(())
        return table.before(before_id)
