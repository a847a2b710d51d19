"""Records made compact for people and models: labels instead of ids, names instead of
references, local times, and customer-written text marked as untrusted."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from ._conditions import DATE_ONLY_FIELDS
from ._context import ToolContext
from ._schema import EntitySchema

__all__ = ["DEFAULT_FIELDS", "UNTRUSTED_FIELDS", "Renderer", "default_fields"]

Record = dict[str, Any]

DEFAULT_FIELDS: dict[str, tuple[str, ...]] = {
    "Tickets": (
        "ticketNumber",
        "title",
        "companyID",
        "status",
        "priority",
        "queueID",
        "assignedResourceID",
        "createDate",
        "dueDateTime",
    ),
    "Companies": ("companyName", "companyType", "phone", "city", "isActive"),
    "Contacts": ("firstName", "lastName", "companyID", "emailAddress", "phone", "isActive"),
    "Contracts": ("contractName", "companyID", "contractType", "status", "startDate", "endDate"),
    "TimeEntries": (
        "dateWorked",
        "resourceID",
        "ticketID",
        "taskID",
        "hoursWorked",
        "summaryNotes",
    ),
    "Projects": (
        "projectName",
        "companyID",
        "status",
        "startDateTime",
        "endDateTime",
        "projectLeadResourceID",
    ),
    "Tasks": ("title", "projectID", "status", "assignedResourceID", "endDateTime"),
    "TicketNotes": (
        "ticketID",
        "title",
        "description",
        "createDateTime",
        "creatorResourceID",
        "publish",
    ),
    "ConfigurationItems": (
        "referenceTitle",
        "companyID",
        "configurationItemType",
        "serialNumber",
        "warrantyExpirationDate",
        "isActive",
    ),
    "Invoices": ("invoiceNumber", "companyID", "invoiceDateTime", "invoiceTotal", "paidDate"),
    "Resources": ("firstName", "lastName", "email", "isActive"),
}

# Text that customers, contacts or end users may have written: data, never instructions.
UNTRUSTED_FIELDS = frozenset(
    {
        "title",
        "description",
        "summaryNotes",
        "internalNotes",
        "resolution",
        "notes",
        "note",
        "firstName",
        "lastName",
        "subject",
        "comments",
    }
)

_LONG_TEXT = 300
Convert = Callable[[Any, dict[tuple[str, int], str]], Any]  # a raw value, names → shown


def _as_is(raw: Any, names: dict[tuple[str, int], str]) -> Any:
    return raw


def _trimmed(raw: Any, names: dict[tuple[str, int], str]) -> Any:
    if isinstance(raw, str) and len(raw) > _LONG_TEXT:
        return raw[:_LONG_TEXT].rstrip() + "…"
    return raw


def default_fields(schema: EntitySchema) -> tuple[str, ...]:
    known = DEFAULT_FIELDS.get(schema.entity)
    if known:
        return tuple(name for name in known if schema.field(name))
    picked = [f.name for f in schema.fields if f.name != "id" and not f.is_read_only][:8]
    return tuple(picked)


class Renderer:
    """Renders records of one entity; reference names are fetched in one batch per entity."""

    def __init__(self, ctx: ToolContext, schema: EntitySchema, fields: tuple[str, ...]) -> None:
        self.ctx = ctx
        self.schema = schema
        self.fields = tuple(schema.require(name).name for name in fields)
        # each cell needs its field's metadata: looked up once per name, not once per cell
        self._converters: dict[tuple[str, bool, bool], Convert] = {}

    @property
    def untrusted(self) -> list[str]:
        return [name for name in self.fields if name in UNTRUSTED_FIELDS]

    async def rows(
        self, records: list[Record], *, trim: bool = True, typed: bool = False
    ) -> list[Record]:
        """Rows to show; ``typed`` keeps dates as date/datetime (local) for spreadsheets."""
        names = await self._names(records)
        return [self._row(record, names, trim=trim, typed=typed) for record in records]

    async def _names(self, records: list[Record]) -> dict[tuple[str, int], str]:
        wanted: dict[str, set[object]] = defaultdict(set)
        for name in self.fields:
            info = self.schema.field(name)
            if info is not None and info.is_reference and info.reference_entity_type:
                wanted[info.reference_entity_type].update(
                    r.get(name) for r in records if r.get(name) is not None
                )
        singulars = list(wanted)
        batches = await asyncio.gather(
            *(self.ctx.names.names_for(singular, wanted[singular]) for singular in singulars)
        )  # one batched lookup per referenced entity, all at once
        return {
            (singular, record_id): label
            for singular, names in zip(singulars, batches, strict=True)
            for record_id, label in names.items()
        }

    def _row(
        self, record: Record, names: dict[tuple[str, int], str], *, trim: bool, typed: bool
    ) -> Record:
        row: Record = {"id": record.get("id")}
        for name in self.fields:
            raw = record.get(name)
            empty = raw is None or raw == ""
            row[name] = None if empty else self._converter(name, trim, typed)(raw, names)
        return row

    def value(
        self,
        name: str,
        raw: Any,
        names: dict[tuple[str, int], str],
        *,
        trim: bool = True,
        typed: bool = False,
    ) -> Any:
        if raw is None or raw == "":
            return None
        return self._converter(name, trim, typed)(raw, names)

    def _converter(self, name: str, trim: bool, typed: bool) -> Convert:
        """How a cell of ``name`` is shown, decided once per field (not once per cell)."""
        key = (name, trim, typed)
        convert = self._converters.get(key)
        if convert is None:
            convert = self._converters[key] = self._make_converter(name, trim=trim, typed=typed)
        return convert

    def _make_converter(self, name: str, *, trim: bool, typed: bool) -> Convert:
        info = self.schema.field(name) or self.schema.udf(name)
        if info is None:
            return _as_is
        if info.is_pick_list:
            return lambda raw, names: info.picklist_label(raw) or raw
        if info.is_reference and info.reference_entity_type:
            entity = info.reference_entity_type
            return lambda raw, names: names.get((entity, int(raw)), f"#{raw}")
        if info.data_type == "datetime":
            shown = self.moment if typed else self.when
            return lambda raw, names: shown(name, raw) if isinstance(raw, str) else raw
        return _trimmed if trim else _as_is

    def moment(self, name: str, raw: str) -> date | datetime | str:
        """A stored time as a local date (date-only fields) or naive local date-time."""
        try:
            moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError:
            return raw
        if name in DATE_ONLY_FIELDS:
            return moment.date()
        return moment.astimezone(self.ctx.tz).replace(tzinfo=None)

    def when(self, name: str, raw: str) -> str:
        if len(raw) == 10:  # a calendar day (a date user-defined field): no time zone applies
            return raw
        try:
            moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError:
            return raw
        if name in DATE_ONLY_FIELDS:
            return moment.date().isoformat()
        local = moment.astimezone(self.ctx.tz)
        return f"{local:%Y-%m-%d %H:%M} {local.tzname() or self.ctx.timezone}"  # zone named
