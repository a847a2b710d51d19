"""The working state of the demo MSP's builder, and the helpers its parts share.

The seed is written in parts (``_seed_msp``, ``_seed_customers``, ``_seed_billing``,
``_seed_tickets``, ``_seed_time``, ``_seed_projects``); each part is a set of functions that
take this :class:`SeedState`. Records go into :class:`SeedTable` in creation order, so ids
ascend, and picklist values are chosen by label with :class:`Picks`.
"""

from __future__ import annotations

import random
from bisect import bisect
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import accumulate
from typing import Any

from ._metadata import EntityMetadata, MetadataRegistry
from ._seed_content import Product

__all__ = [
    "DAY",
    "MINUTE",
    "Customer",
    "Picks",
    "Row",
    "SeedState",
    "SeedTable",
    "Stamps",
    "Tech",
    "add_months",
    "iso",
    "iso_date",
    "midnight",
    "sla_of",
    "slug",
    "weighted",
]

Row = dict[str, Any]
MINUTE = timedelta(minutes=1)
DAY = timedelta(days=1)


def iso(moment: datetime) -> str:
    """Autotask's date-time form: ``2026-11-20T14:05:00.000Z`` (UTC)."""
    return f"{moment:%Y-%m-%dT%H:%M:%S}.000Z"


def iso_date(moment: datetime) -> str:
    """A date field: midnight UTC of ``moment``'s day."""
    return f"{moment:%Y-%m-%d}T00:00:00.000Z"


def midnight(moment: datetime) -> datetime:
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


def add_months(moment: datetime, months: int) -> datetime:
    index = moment.year * 12 + moment.month - 1 + months
    return moment.replace(year=index // 12, month=index % 12 + 1)


def slug(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum())


def weighted(rng: random.Random, pairs: Sequence[tuple[str, float]]) -> str:
    """One item of ``(item, weight)`` pairs, chosen by weight."""
    totals = list(accumulate(weight for _, weight in pairs))
    return pairs[bisect(totals, rng.random() * totals[-1])][0]


class Stamps:
    """Autotask date strings, one shared string per minute or day (large data sets repeat them)."""

    def __init__(self) -> None:
        self._minutes: dict[int, str] = {}
        self._days: dict[int, str] = {}

    def at(self, moment: datetime) -> str:
        key = int(moment.timestamp()) // 60
        text = self._minutes.get(key)
        if text is None:
            text = self._minutes[key] = iso(moment.replace(second=0, microsecond=0))
        return text

    def day(self, moment: datetime) -> str:
        key = moment.toordinal()
        text = self._days.get(key)
        if text is None:
            text = self._days[key] = iso_date(moment)
        return text


class Picks:
    """Picklist values of one entity, chosen by label among the active values."""

    def __init__(self, meta: EntityMetadata | None) -> None:
        self._meta = meta
        self._values: dict[str, list[tuple[Any, str, str]]] = {}
        self._labels: dict[tuple[str, tuple[str, ...]], Any] = {}

    def values(self, name: str) -> list[tuple[Any, str, str]]:
        """(value, label, parent value) of the active values, converted to the field's type."""
        if name not in self._values:
            info = self._meta.field(name) if self._meta else None
            numeric = info is not None and info.get("dataType") in ("integer", "long", "short")
            entries = self._meta.picklist(name) if self._meta else []
            self._values[name] = [
                (
                    int(e["value"]) if numeric else str(e["value"]),
                    str(e["label"]),
                    str(e.get("parentValue") or ""),
                )
                for e in entries
                if e.get("isActive", True)
            ]
        return self._values[name]

    def by_label(self, name: str, *labels: str) -> Any:
        """The first of ``labels`` the picklist has; else its default, else its first value."""
        key = (name, labels)
        if key not in self._labels:
            self._labels[key] = self._find(name, labels)
        return self._labels[key]

    def _find(self, name: str, labels: tuple[str, ...]) -> Any:
        values = self.values(name)
        for label in labels:
            for value, found, _ in values:
                if found.lower() == label.lower():
                    return value
        default = self._meta.default_value(name) if self._meta else None
        for value, _, _ in values:
            if str(value) == default:
                return value
        return values[0][0] if values else None

    def has(self, name: str, value: Any) -> bool:
        return any(found == value for found, _, _ in self.values(name))

    def children(self, name: str, parent: Any) -> list[Any]:
        return [value for value, _, up in self.values(name) if up == str(parent)]


class SeedTable:
    """The records of one entity, each with every field of the entity's metadata."""

    def __init__(self, meta: EntityMetadata | None) -> None:
        self.rows: list[Row] = []
        self._template: Row = {str(f["name"]): None for f in meta.fields} if meta else {}
        self._udfs = [str(u["name"]) for u in meta.udfs] if meta else []
        self._with_udfs = bool(meta and meta.supports_udfs)

    def add(self, values: Row, udfs: Mapping[str, str | None] | None = None) -> Row:
        """Append a record: ``values`` for the fields the metadata has, None for the others."""
        row = self._template.copy()
        for key, value in values.items():
            if key in row:
                row[key] = value
        if self._with_udfs:
            given = udfs or {}
            row["userDefinedFields"] = [{"name": n, "value": given.get(n)} for n in self._udfs]
        self.rows.append(row)
        return row


@dataclass
class Tech:
    id: int
    first: str
    roles: list[int]
    queues: list[Any]


@dataclass
class Customer:
    id: int
    name: str
    short: str
    domain: str
    seats: int
    sla: Any
    contacts: list[int] = field(default_factory=list)
    cis: dict[str, list[tuple[int, str]]] = field(default_factory=dict)
    contracts: list[tuple[int, datetime, datetime]] = field(default_factory=list)

    def contract_at(self, moment: datetime) -> int | None:
        """The managed-services contract that covered ``moment``."""
        for contract_id, start, end in self.contracts:
            if start <= moment < end + DAY:
                return contract_id
        return None


class SeedState:
    """What the parts of the builder share: clock, randomness, tables and lookups."""

    def __init__(self, metadata: MetadataRegistry, rng: random.Random, now: datetime) -> None:
        self.metadata = metadata
        self.rng = rng
        self.now = now
        stamps = Stamps()
        self.iso = stamps.at
        self.iso_date = stamps.day
        self.tables: dict[str, SeedTable] = {}
        self.picks: dict[str, Picks] = {}
        self.customers: list[Customer] = []
        self.techs: list[Tech] = []
        self.first_line: list[Tech] = []
        self.by_first: dict[str, Tech] = {}
        self.roles: dict[str, int] = {}
        self.departments: dict[str, int] = {}
        self.billing: dict[str, int] = {}
        self.products: dict[str, tuple[int, Product]] = {}
        self.classes: dict[str, tuple[Any, Any]] = {}
        self.vendors: dict[str, int] = {}
        self.api_user = 0
        self.admin = 0

    def table(self, entity: str) -> SeedTable:
        if entity not in self.tables:
            self.tables[entity] = SeedTable(self.metadata.get(entity))
        return self.tables[entity]

    def pick(self, entity: str) -> Picks:
        if entity not in self.picks:
            self.picks[entity] = Picks(self.metadata.get(entity))
        return self.picks[entity]

    def days(self, offset: float) -> datetime:
        """``now`` shifted by ``offset`` days (negative: in the past)."""
        return self.now + timedelta(days=offset)

    def next_id(self, entity: str, first: int) -> int:
        return first + len(self.table(entity).rows)

    @property
    def first_line_role(self) -> int:
        return self.roles["Technician L1"]


def sla_of(picks: Picks, customer: Customer) -> Any:
    """The customer's SLA when the entity's picklist has it, else None."""
    return customer.sla if picks.has("serviceLevelAgreementID", customer.sla) else None
