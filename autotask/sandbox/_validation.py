"""Create/update/delete for the sandbox: body validation and server-maintained fields.

Errors are HTTP 500 ``{"errors": [...]}`` (API-NOTES §6.1), with Autotask's wording where
the notes quote it. Bodies are matched case-insensitively and normalised to the
metadata's field names (§0).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ._store import (
    ApiError,
    FieldSource,
    Record,
    RecordStore,
    coerce_value,
    format_datetime,
    parse_datetime,
)

__all__ = ["RecordWriter", "Target", "WriteContext"]

COMPLETE_STATUS = 5  # Tickets status "Complete" (API-NOTES §7.1)
_NO_MATCH = (
    "No message. No matching records found. The logged in Resource may not have the "
    "required permissions to {verb} the data."
)
_CREATED = ("createDate", "createDateTime")
_MODIFIED = (
    "lastActivityDate",
    "lastActivityDateTime",
    "lastModifiedDate",
    "lastModifiedDateTime",
    "lastModifiedTime",
    "lastTrackedModificationDateTime",
    "lastTrackedModifiedDateTime",
)
_CREATOR = ("creatorResourceID", "createdByResourceID", "creatorUserID")
_UPDATER = ("lastActivityResourceID", "lastModifiedUserID", "lastModifiedByResourceID")


@dataclass(frozen=True)
class WriteContext:
    """Who writes and when: ``actor_id`` is the impersonated resource, else the API user's."""

    now: datetime
    actor_id: int | None
    impersonation_id: int | None = None


@dataclass(frozen=True)
class Target:
    """The entity written to, and the parent set by a child-collection URL (§5.2)."""

    entity: str
    singular: str
    meta: FieldSource
    parent_field: str | None = None
    parent_id: int | None = None


class RecordWriter:
    """Validates write bodies and applies them to the store."""

    def __init__(
        self,
        store: RecordStore,
        metadata: Callable[[str], FieldSource | None],
        references: Mapping[str, str],
    ) -> None:
        self._store = store
        self._metadata = metadata
        self._references = {key.lower(): value for key, value in references.items()}
        self._ticket_numbers: dict[str, int] = {}

    # ------------------------------------------------------------ verbs

    def create(self, target: Target, body: object, ctx: WriteContext) -> Record:
        values, udfs = self._normalise(target, body, creating=True)
        record: Record = {str(f["name"]): None for f in target.meta.fields}
        record.update(self._defaults(target.meta, values))
        record.update(values)
        record["userDefinedFields"] = [
            {"name": str(u["name"]), "value": None} for u in target.meta.udfs
        ]
        self._apply_udfs(record, udfs)
        if target.parent_field is not None:
            self._require_parent(target)
            record[target.parent_field] = target.parent_id
        self._check(target, record, set(values) | _parent_set(target), creating=True)
        record["id"] = self._store.next_id(target.entity)
        self._maintain_create(target, record, ctx)
        self._store.put(target.entity, record)
        self._touch_parents(target.entity, record, ctx)
        return record

    def update(self, target: Target, body: object, ctx: WriteContext, *, replace: bool) -> Record:
        values, udfs = self._normalise(target, body, creating=False)
        current = self._existing(target, values.pop("id", None), verb="update")
        record = dict(current)
        if replace:
            writable = (f for f in target.meta.fields if not f.get("isReadOnly"))
            record.update({str(f["name"]): None for f in writable})
        record.update(values)
        record["userDefinedFields"] = [dict(u) for u in current.get("userDefinedFields") or []]
        self._apply_udfs(record, udfs)
        if target.parent_field is not None:
            record[target.parent_field] = current.get(target.parent_field)
        changed = set(values)
        if replace:
            changed = {str(f["name"]) for f in target.meta.fields if not f.get("isReadOnly")}
        self._check(target, record, changed, creating=False)
        self._maintain_update(target, current, record, ctx)
        self._store.put(target.entity, record)
        self._touch_parents(target.entity, record, ctx)
        return record

    def delete(self, target: Target, record_id: int) -> None:
        record = self._store.get(target.entity, record_id)
        if record is None or not self._in_parent(target, record):
            raise ApiError.error(_NO_MATCH.format(verb="delete"))
        self._store.delete(target.entity, record_id)

    # ------------------------------------------------------------ body

    def _normalise(
        self, target: Target, body: object, *, creating: bool
    ) -> tuple[dict[str, Any], list[Mapping[str, Any]]]:
        if not isinstance(body, Mapping):
            raise ApiError.error(f"Value cannot be null.\r\nParameter name: {target.singular}")
        values: dict[str, Any] = {}
        udfs: list[Mapping[str, Any]] = []
        for key, value in body.items():
            if str(key).lower() == "userdefinedfields":
                udfs = _udf_list(value)
                continue
            info = target.meta.field(str(key))
            if info is None:
                raise ApiError.error(f"Unable to find {key} in the {target.singular} Entity")
            name = str(info["name"])
            if name in values and values[name] != value:
                raise ApiError.error(f"The field {name} is given more than once.")
            if name == "id":
                values["id"] = value
            elif not info.get("isReadOnly") or name == target.parent_field:
                values[name] = _convert(info, value)
            elif creating and value is not None:
                raise ApiError.error(f"The {name} field is read only and cannot be set.")
            # On update, read-only fields are ignored (API-NOTES §5.1, SOAP UpdateCall).
        if creating and values.pop("id", None) not in (None, 0):
            raise ApiError.error("The id field is read only and cannot be set.")
        return values, udfs

    def _defaults(self, meta: FieldSource, given: Mapping[str, Any]) -> dict[str, Any]:
        """Picklist defaults for optional, writable fields that were omitted."""
        defaults: dict[str, Any] = {}
        for info in meta.fields:
            name = str(info["name"])
            if name in given or info.get("isRequired") or info.get("isReadOnly"):
                continue
            for entry in info.get("picklistValues") or ():
                if entry.get("isDefaultValue") and entry.get("isActive", True):
                    defaults[name] = _convert(info, entry.get("value"))
        return defaults

    def _apply_udfs(self, record: Record, udfs: list[Mapping[str, Any]]) -> None:
        if not udfs:
            return
        slots = {str(u.get("name", "")).lower(): u for u in record["userDefinedFields"]}
        for entry in udfs:
            slot = slots.get(str(entry.get("name", "")).lower())
            if slot is None:
                raise ApiError.error(f"Unable to find user-defined field {entry.get('name')}.")
            value = entry.get("value")
            slot["value"] = None if value is None else str(value)

    def _existing(self, target: Target, raw_id: object, *, verb: str) -> Record:
        if raw_id is None:
            raise ApiError.error("Value cannot be null.\r\nParameter name: id")
        try:
            record_id = int(str(raw_id))
        except ValueError:
            raise ApiError.error(f"The id {raw_id!r} is not valid.") from None
        record = self._store.get(target.entity, record_id)
        if record is None or not self._in_parent(target, record):
            raise ApiError.error(_NO_MATCH.format(verb=verb))
        return record

    def _in_parent(self, target: Target, record: Mapping[str, Any]) -> bool:
        if target.parent_field is None:
            return True
        return bool(record.get(target.parent_field) == target.parent_id)

    def _require_parent(self, target: Target) -> None:
        info = target.meta.field(str(target.parent_field))
        entity = self._reference_entity(info) if info else None
        if entity is not None and self._store.get(entity, int(target.parent_id or 0)) is None:
            raise ApiError.error(
                f"Value does not reference an existing entity for {target.parent_field} . "
            )

    # ------------------------------------------------------------ checks

    def _check(self, target: Target, record: Record, changed: set[str], *, creating: bool) -> None:
        meta = target.meta
        rule = _RULES.get(target.entity.lower())
        if rule is not None:
            rule(self, target, record, changed)
        for info in meta.fields:
            name = str(info["name"])
            value = record.get(name)
            if info.get("isRequired") and not info.get("isReadOnly") and value in (None, ""):
                if creating or name in changed:
                    raise ApiError.error(f"{target.singular}: {name} is required.")
            parent = str(info.get("picklistParentValueField") or "")
            parent_info = meta.field(parent) if parent else None
            parent_changed = parent_info is not None and parent_info["name"] in changed
            if (name not in changed and not parent_changed) or value is None:
                continue
            self._check_value(target, info, record)
        self._check_udfs(meta, record)

    def _check_value(self, target: Target, info: Mapping[str, Any], record: Record) -> None:
        name = str(info["name"])
        value = record[name]
        length = int(info.get("length") or 0)
        if isinstance(value, str) and length and len(value) > length:
            raise ApiError.error(
                f"{name} exceeds the maximum length of {length} characters ({len(value)})."
            )
        if info.get("isPickList"):
            record[name] = _convert(info, _check_picklist(info, value))
            parent = str(info.get("picklistParentValueField") or "")
            if parent:
                self._check_dependent(target.meta, info, record, parent)
        if info.get("isReference") and name != target.parent_field:
            entity = self._reference_entity(info)
            if entity is not None and self._store.get(entity, int(value)) is None:
                raise ApiError.error(f"Value does not reference an existing entity for {name} . ")

    def _check_dependent(
        self, meta: FieldSource, info: Mapping[str, Any], record: Record, parent: str
    ) -> None:
        parent_info = meta.field(parent)
        parent_name = str(parent_info["name"]) if parent_info else parent
        parent_value = record.get(parent_name)
        entry = _picklist_entry(info, record[str(info["name"])])
        expected = str(entry.get("parentValue") or "") if entry else ""
        if expected and str(parent_value) != expected:
            raise ApiError.error(
                f"The value {record[str(info['name'])]} of {info['name']} does not belong to "
                f"{parent_name} {parent_value}."
            )

    def _check_udfs(self, meta: FieldSource, record: Record) -> None:
        by_name = {str(u.get("name", "")).lower(): u for u in meta.udfs}
        for entry in record.get("userDefinedFields") or ():
            info = by_name.get(str(entry.get("name", "")).lower())
            if info is None or entry.get("value") is None:
                continue
            if info.get("isPickList") and info.get("picklistValues"):
                entry["value"] = str(_check_picklist(info, entry["value"]))

    def _reference_entity(self, info: Mapping[str, Any]) -> str | None:
        """The REST root of a reference field's target, when the sandbox holds that entity."""
        singular = str(info.get("referenceEntityType") or "").lower()
        entity = self._references.get(singular)
        if entity is None or self._metadata(entity) is None:
            return None
        return entity

    # ------------------------------------------------------------ entity rules

    def _ticket_rule(self, target: Target, record: Record, changed: set[str]) -> None:
        resource = record.get("assignedResourceID")
        role = record.get("assignedResourceRoleID")
        if (resource is None) != (role is None):
            # Exact text from API-NOTES §7.1 / §6.1.
            raise ApiError.error(
                "When assigning a Resource, you must assign both a assignedResourceID and "
                "assignedResourceRoleID."
            )
        if resource is None or not {"assignedResourceID", "assignedResourceRoleID"} & changed:
            return
        if self._metadata("ResourceServiceDeskRoles") is None:
            return
        pairs = self._store.records("ResourceServiceDeskRoles")
        if not any(
            p.get("resourceID") == resource and p.get("roleID") == role and p.get("isActive", True)
            for p in pairs
        ):
            raise ApiError.error(
                f"The role {role} is not a service desk role of resource {resource}; "
                "assignedResourceID and assignedResourceRoleID must be a valid pair."
            )

    def _time_entry_rule(self, target: Target, record: Record, changed: set[str]) -> None:
        for parent, label in (("ticketID", "Tickets"), ("taskID", "Tasks")):
            if record.get(parent) is not None and record.get("roleID") is None:
                raise ApiError.error(f"TimeEntries for {label} must have a roleID")
        start = parse_datetime(record.get("startDateTime"))
        end = parse_datetime(record.get("endDateTime"))
        if start and end:
            if end <= start:
                raise ApiError.error("The endDateTime must be later than the startDateTime.")
            ends_at_midnight = end.time() == datetime.min.time() and (end - start).days < 1
            if end.date() != start.date() and not ends_at_midnight:
                # Official TimeEntriesEntity: entries may not span midnight (UTC).
                raise ApiError.error("A time entry cannot span midnight (UTC).")
            if record.get("hoursWorked") is None:
                record["hoursWorked"] = round((end - start).total_seconds() / 3600, 4)
        if record.get("dateWorked") is None:
            if start is None:
                raise ApiError.error("TimeEntry: dateWorked is required.")
            record["dateWorked"] = format_datetime(start.replace(hour=0, minute=0, second=0))
        hours = record.get("hoursWorked")
        if hours is not None and not 0 < float(hours) <= 24:
            raise ApiError.error("hoursWorked must be greater than 0 and no more than 24.")
        self._check_active_resource(record.get("resourceID"), changed)

    def _check_active_resource(self, resource_id: object, changed: set[str]) -> None:
        if resource_id is None or "resourceID" not in changed:
            return
        resource = self._store.get("Resources", int(str(resource_id)))
        if resource is not None and resource.get("isActive") is False:
            raise ApiError.error(f"The resource {resource_id} is not active.")

    def _note_rule(self, target: Target, record: Record, changed: set[str]) -> None:
        for name in ("description", "noteType", "publish"):
            if record.get(name) in (None, ""):
                raise ApiError.error(f"{target.singular}: {name} is required.")

    # ------------------------------------------------------------ maintained fields

    def _maintain_create(self, target: Target, record: Record, ctx: WriteContext) -> None:
        stamp = format_datetime(ctx.now)
        names = {str(f["name"]) for f in target.meta.fields}
        system = {str(f["name"]) for f in target.meta.fields if f.get("isReadOnly")}
        for name in names.intersection(_CREATED + _MODIFIED):
            if name in system or record.get(name) is None:
                record[name] = stamp
        for name in names.intersection(_CREATOR + _UPDATER):
            if name in system or record.get(name) is None:
                record[name] = ctx.actor_id
        for name in names.intersection(("creatorType", "lastActivityPersonType")):
            record[name] = 1  # 1 = Resource (API-NOTES §7.1 picklists)
        if "impersonatorCreatorResourceID" in names:
            record["impersonatorCreatorResourceID"] = ctx.impersonation_id
        entity = target.entity.lower()
        if entity == "tickets":
            record["ticketNumber"] = self._next_ticket_number(ctx.now)
            self._completion(record, None, ctx)
        elif entity == "timeentries":
            self._time_entry_fields(record)

    def _maintain_update(
        self, target: Target, before: Record, record: Record, ctx: WriteContext
    ) -> None:
        names = {str(f["name"]) for f in target.meta.fields}
        for name in names.intersection(_MODIFIED):
            record[name] = format_datetime(ctx.now)
        for name in names.intersection(_UPDATER):
            record[name] = ctx.actor_id
        if "lastActivityPersonType" in names:
            record["lastActivityPersonType"] = 1
        if "impersonatorUpdaterResourceID" in names:
            record["impersonatorUpdaterResourceID"] = ctx.impersonation_id
        entity = target.entity.lower()
        if entity == "tickets":
            record["ticketNumber"] = before.get("ticketNumber")
            self._completion(record, before.get("status"), ctx)
        elif entity == "timeentries":
            self._time_entry_fields(record)

    def _completion(self, record: Record, previous: object, ctx: WriteContext) -> None:
        """Complete (5) fills completedDate/completedByResourceID; reopening clears them."""
        if record.get("status") == COMPLETE_STATUS and previous != COMPLETE_STATUS:
            record["completedDate"] = format_datetime(ctx.now)
            record["completedByResourceID"] = ctx.actor_id
        elif record.get("status") != COMPLETE_STATUS:
            record["completedDate"] = None
            record["completedByResourceID"] = None

    def _time_entry_fields(self, record: Record) -> None:
        record["hoursToBill"] = record.get("hoursWorked")
        if record.get("ticketID") is not None:
            record["timeEntryType"] = 2  # ticket time (API-NOTES §7.3)
        elif record.get("taskID") is not None:
            record["timeEntryType"] = 6  # task time
        else:
            record["timeEntryType"] = 3  # regular (internal) time

    def _next_ticket_number(self, now: datetime) -> str:
        """``T{yyyymmdd}.{nnnn}``, continuing the day's sequence (API-NOTES §7.1)."""
        day = now.strftime("%Y%m%d")
        if day not in self._ticket_numbers:
            pattern = re.compile(rf"^T{day}\.(\d+)$")
            highest = 0
            for ticket in self._store.records("Tickets"):
                match = pattern.match(str(ticket.get("ticketNumber") or ""))
                if match:
                    highest = max(highest, int(match.group(1)))
            self._ticket_numbers[day] = highest
        self._ticket_numbers[day] += 1
        return f"T{day}.{self._ticket_numbers[day]:04d}"

    def _touch_parents(self, entity: str, record: Record, ctx: WriteContext) -> None:
        """New notes and time entries count as activity on their ticket or task."""
        if entity.lower() not in ("ticketnotes", "timeentries", "tasknotes"):
            return
        for field, parent in (("ticketID", "Tickets"), ("taskID", "Tasks")):
            target = self._store.get(parent, int(record[field])) if record.get(field) else None
            if target is None:
                continue
            for name in ("lastActivityDate", "lastActivityDateTime"):
                if name in target:
                    target[name] = format_datetime(ctx.now)
            if "lastActivityResourceID" in target:
                target["lastActivityResourceID"] = ctx.actor_id


_RULES: dict[str, Callable[[RecordWriter, Target, Record, set[str]], None]] = {
    "tickets": RecordWriter._ticket_rule,
    "timeentries": RecordWriter._time_entry_rule,
    "ticketnotes": RecordWriter._note_rule,
}


def _parent_set(target: Target) -> set[str]:
    return {target.parent_field} if target.parent_field else set()


def _udf_list(value: object) -> list[Mapping[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, Mapping) for v in value):
        raise ApiError.error("userDefinedFields must be an array of {name, value} objects.")
    return list(value)


def _convert(info: Mapping[str, Any], value: object) -> object:
    """A body value in the stored form of the field's ``dataType``; 500 when it is not one."""
    data_type = str(info.get("dataType") or "string")
    try:
        converted = coerce_value(data_type, value)
    except (ValueError, TypeError):
        raise ApiError.error(
            f"Unable to convert the value {value!r} to {data_type} for the field {info['name']}."
        ) from None
    if isinstance(converted, datetime):
        return format_datetime(converted)
    return converted


def _picklist_entry(info: Mapping[str, Any], value: object) -> Mapping[str, Any] | None:
    text = str(value).lower()
    for entry in info.get("picklistValues") or ():
        if str(entry.get("value", "")).lower() == text:
            return entry  # type: ignore[no-any-return]
    return None


def _check_picklist(info: Mapping[str, Any], value: object) -> object:
    """The picklist's own spelling of ``value``; 500 when it is unknown or inactive."""
    entry = _picklist_entry(info, value)
    if entry is None:
        raise ApiError.error(
            f"The value {value} is not a valid value for the field {info['name']}."
        )
    if entry.get("isActive") is False:
        raise ApiError.error(f"The value {value} of the field {info['name']} is inactive.")
    return entry.get("value")
