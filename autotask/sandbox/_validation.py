"""Create/update/delete for the sandbox: body validation, then the write itself.

Errors are HTTP 500 ``{"errors": [...]}`` (API-NOTES §6.1), with Autotask's wording where
the notes quote it. Bodies are matched case-insensitively and normalised to the
metadata's field names (§0). Entity rules are ``_entity_rules``; the fields the server
fills itself are ``_system_fields``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from ._entity_rules import EntityRules
from ._store import ApiError, FieldSource, Record, RecordStore, coerce_value, format_datetime
from ._system_fields import SystemFields
from ._write_context import Target, WriteContext, WriteEvent

__all__ = ["RecordWriter", "Target", "WriteContext", "WriteEvent", "WriteListener"]

WriteListener = Callable[[WriteEvent], None]
_NO_MATCH = (
    "No message. No matching records found. The logged in Resource may not have the "
    "required permissions to {verb} the data."
)


class RecordWriter:
    """Validates write bodies and applies them to the store."""

    def __init__(
        self,
        store: RecordStore,
        metadata: Callable[[str], FieldSource | None],
        references: Mapping[str, str],
        *,
        on_write: WriteListener | None = None,
        queue_membership_required: bool = False,
    ) -> None:
        self._store = store
        self._metadata = metadata
        self._references = {key.lower(): value for key, value in references.items()}
        self._rules = EntityRules(
            store, metadata, queue_membership_required=queue_membership_required
        )
        self._system = SystemFields(store)
        self._on_write = on_write

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
        self._system.on_create(target, record, ctx)
        self._store.put(target.entity, record)
        self._system.touch_parents(target.entity, record, ctx)
        self._notify(WriteEvent(target.entity, None, record, ctx))
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
        self._system.on_update(target, current, record, ctx)
        self._store.put(target.entity, record)
        self._system.touch_parents(target.entity, record, ctx)
        self._notify(WriteEvent(target.entity, current, record, ctx))
        return record

    def delete(self, target: Target, record_id: int, ctx: WriteContext) -> None:
        record = self._store.get(target.entity, record_id)
        if record is None or not self._in_parent(target, record):
            raise ApiError.error(_NO_MATCH.format(verb="delete"))
        self._store.delete(target.entity, record_id)
        self._notify(WriteEvent(target.entity, record, None, ctx))

    def _notify(self, event: WriteEvent) -> None:
        if self._on_write is not None:
            self._on_write(event)

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
        self._rules.check(target, record, changed)
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
