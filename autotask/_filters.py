"""The query filter model: Autotask's ``Filter`` with every operator and nested and/or groups.

>>> Filter.eq("status", 1)
>>> any_of(Filter.eq("priority", 1), Filter.eq("priority", 4))
>>> Query(filter=[Filter.gte("createDate", datetime(2024, 11, 1, tzinfo=UTC))], max_records=50)
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = ["MAX_PAGE_SIZE", "Filter", "FilterValue", "Op", "Query", "all_of", "any_of"]

MAX_PAGE_SIZE = 500

Scalar = int | float | bool | str | datetime | date
FilterValue = Scalar | list[Scalar]


class Op(StrEnum):
    """Autotask's filter operators (case-sensitive on the wire)."""

    EQ = "eq"
    NOTEQ = "noteq"
    GT = "gt"
    GTE = "gte"
    LT = "lt"
    LTE = "lte"
    BEGINS_WITH = "beginsWith"
    ENDS_WITH = "endsWith"
    CONTAINS = "contains"
    EXIST = "exist"
    NOT_EXIST = "notExist"
    IN = "in"
    NOT_IN = "notIn"
    AND = "and"
    OR = "or"


_GROUPS = {Op.AND, Op.OR}
_NO_VALUE = {Op.EXIST, Op.NOT_EXIST}
_LIST_VALUE = {Op.IN, Op.NOT_IN}


def _wire(value: Scalar) -> int | float | bool | str:
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
        return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    if isinstance(value, date):
        return value.isoformat()
    return value


class Filter(BaseModel):
    """One condition, or an and/or group of conditions (``items``)."""

    model_config = ConfigDict(frozen=True)

    op: Op
    field: str | None = None
    value: FilterValue | None = None
    udf: bool = False
    items: tuple[Filter, ...] = Field(default=())

    @model_validator(mode="after")
    def _check_shape(self) -> Self:
        if self.op in _GROUPS:
            if not self.items or self.field is not None:
                raise ValueError(f"'{self.op}' groups take items and no field")
            return self
        if not self.field:
            raise ValueError(f"'{self.op}' needs a field")
        if self.op in _NO_VALUE and self.value is not None:
            raise ValueError(f"'{self.op}' takes no value")
        if self.op in _LIST_VALUE and not isinstance(self.value, list):
            raise ValueError(f"'{self.op}' takes a list of values")
        if self.op not in _NO_VALUE | _LIST_VALUE and (
            self.value is None or isinstance(self.value, list)
        ):
            raise ValueError(f"'{self.op}' takes one value")
        return self

    def to_wire(self) -> dict[str, Any]:
        """The JSON Autotask expects for this filter."""
        if self.op in _GROUPS:
            return {"op": self.op.value, "items": [item.to_wire() for item in self.items]}
        body: dict[str, Any] = {"op": self.op.value, "field": self.field}
        if self.udf:
            body["udf"] = True
        if isinstance(self.value, list):
            body["value"] = [_wire(v) for v in self.value]
        elif self.value is not None:
            body["value"] = _wire(self.value)
        return body

    def udf_count(self) -> int:
        """How many UDF conditions this filter holds (Autotask allows one per query)."""
        return int(self.udf) + sum(item.udf_count() for item in self.items)

    @classmethod
    def eq(cls, field: str, value: Scalar, *, udf: bool = False) -> Filter:
        return cls(op=Op.EQ, field=field, value=value, udf=udf)

    @classmethod
    def noteq(cls, field: str, value: Scalar, *, udf: bool = False) -> Filter:
        return cls(op=Op.NOTEQ, field=field, value=value, udf=udf)

    @classmethod
    def gt(cls, field: str, value: Scalar, *, udf: bool = False) -> Filter:
        return cls(op=Op.GT, field=field, value=value, udf=udf)

    @classmethod
    def gte(cls, field: str, value: Scalar, *, udf: bool = False) -> Filter:
        return cls(op=Op.GTE, field=field, value=value, udf=udf)

    @classmethod
    def lt(cls, field: str, value: Scalar, *, udf: bool = False) -> Filter:
        return cls(op=Op.LT, field=field, value=value, udf=udf)

    @classmethod
    def lte(cls, field: str, value: Scalar, *, udf: bool = False) -> Filter:
        return cls(op=Op.LTE, field=field, value=value, udf=udf)

    @classmethod
    def contains(cls, field: str, value: str, *, udf: bool = False) -> Filter:
        return cls(op=Op.CONTAINS, field=field, value=value, udf=udf)

    @classmethod
    def begins_with(cls, field: str, value: str, *, udf: bool = False) -> Filter:
        return cls(op=Op.BEGINS_WITH, field=field, value=value, udf=udf)

    @classmethod
    def ends_with(cls, field: str, value: str, *, udf: bool = False) -> Filter:
        return cls(op=Op.ENDS_WITH, field=field, value=value, udf=udf)

    @classmethod
    def exist(cls, field: str, *, udf: bool = False) -> Filter:
        return cls(op=Op.EXIST, field=field, udf=udf)

    @classmethod
    def not_exist(cls, field: str, *, udf: bool = False) -> Filter:
        return cls(op=Op.NOT_EXIST, field=field, udf=udf)

    @classmethod
    def in_(cls, field: str, values: list[Scalar], *, udf: bool = False) -> Filter:
        return cls(op=Op.IN, field=field, value=list(values), udf=udf)

    @classmethod
    def not_in(cls, field: str, values: list[Scalar], *, udf: bool = False) -> Filter:
        return cls(op=Op.NOT_IN, field=field, value=list(values), udf=udf)


def all_of(*items: Filter) -> Filter:
    """An ``and`` group."""
    return Filter(op=Op.AND, items=items)


def any_of(*items: Filter) -> Filter:
    """An ``or`` group."""
    return Filter(op=Op.OR, items=items)


class Query(BaseModel):
    """Autotask's ``QueryModel``: top-level filters are ANDed."""

    model_config = ConfigDict(frozen=True)

    filter: tuple[Filter, ...] = Field(default=(Filter(op=Op.GTE, field="id", value=0),))
    include_fields: tuple[str, ...] | None = None
    max_records: int | None = Field(default=None, ge=1, le=MAX_PAGE_SIZE)

    @model_validator(mode="after")
    def _one_udf(self) -> Self:
        if sum(item.udf_count() for item in self.filter) > 1:
            raise ValueError("Autotask allows only one user-defined field filter per query")
        return self

    def to_wire(self) -> dict[str, Any]:
        body: dict[str, Any] = {"filter": [item.to_wire() for item in self.filter]}
        if self.include_fields:
            fields = list(self.include_fields)
            if not any(name.lower() == "id" for name in fields):
                fields.insert(0, "id")  # paging is keyed on id (API-NOTES §3.1)
            body["includeFields"] = fields
        if self.max_records is not None:
            body["maxRecords"] = self.max_records
        return body
