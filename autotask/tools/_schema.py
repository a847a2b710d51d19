"""Field lookup and picklist labels, both ways, from a tenant's own metadata.

Picklists are tenant-specific (one tenant's "High" is 1, another's is 5), so labels are always
resolved against ``entityInformation/fields`` and never hard-coded.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

from .._catalogue import EntityType, entity_type
from .._client import AutotaskClient
from .._models import FieldInfo, PicklistValue, UdfInfo
from ._errors import ToolError

__all__ = ["EntitySchema", "Schemas", "match_choice"]

# Words technicians use for a field, per field name; tried after the exact and "<word>ID" forms.
_ALIASES = {
    "assigned": "assignedResourceID",
    "assignee": "assignedResourceID",
    "assigned to": "assignedResourceID",
    "technician": "assignedResourceID",
    "tech": "assignedResourceID",
    "owner": "assignedResourceID",
    "resource": "resourceID",
    "queue": "queueID",
    "type": "ticketType",
    "created": "createDate",
    "created date": "createDate",
    "opened": "createDate",
    "completed": "completedDate",
    "closed": "completedDate",
    "due": "dueDateTime",
    "due date": "dueDateTime",
    "updated": "lastActivityDate",
    "last activity": "lastActivityDate",
    "issue": "issueType",
    "sub issue": "subIssueType",
    "subissue": "subIssueType",
    "category": "ticketCategory",
    "sla": "serviceLevelAgreementID",
    "number": "ticketNumber",
    "name": "companyName",
    "ends": "endDate",
    "end": "endDate",
    "starts": "startDate",
    "start": "startDate",
    "date": "dateWorked",
    "hours": "hoursWorked",
    "notes": "summaryNotes",
    "ci": "configurationItemID",
    "configuration item": "configurationItemID",
    "active": "isActive",
}


def _squash(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def match_choice(text: str, choices: dict[str, str], *, what: str) -> str:
    """The one choice (key of ``choices``, a label → key map) that ``text`` means.

    Exact (case-insensitive) first, then a unique prefix or substring, then a unique close match.
    Raises ToolError naming the candidates when ambiguous, or the valid labels when unknown.
    """
    wanted = text.strip().lower()
    exact = [key for label, key in choices.items() if label.lower() == wanted]
    if len(set(exact)) == 1:
        return exact[0]
    for test in (str.startswith, str.__contains__):
        hits = sorted({key for label, key in choices.items() if test(label.lower(), wanted)})
        if len(hits) == 1:
            return hits[0]
        if len(hits) > 1:
            labels = sorted(label for label, key in choices.items() if key in hits)
            raise ToolError(
                f"'{text}' is ambiguous for {what}: it could be {_list(labels)}.",
                candidates=labels,
                typed=text,
            )
    close = difflib.get_close_matches(
        wanted, [label.lower() for label in choices], n=3, cutoff=0.75
    )
    keys = sorted({key for label, key in choices.items() if label.lower() in close})
    if len(keys) == 1:
        return keys[0]
    if keys:
        labels = sorted(label for label in choices if label.lower() in close)
        raise ToolError(
            f"'{text}' is ambiguous for {what}: it could be {_list(close)}.",
            candidates=labels,
            typed=text,
        )
    raise ToolError(f"'{text}' is not a valid {what}. Valid values: {_list(sorted(choices))}.")


def _list(items: list[str], limit: int = 40) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f" (and {len(items) - limit} more)" if len(items) > limit else "")


@dataclass(frozen=True)
class EntitySchema:
    """One entity's fields and user-defined fields, with lookups by name, alias and label."""

    kind: EntityType
    fields: tuple[FieldInfo, ...]
    udfs: tuple[UdfInfo, ...]
    _by_name: dict[str, FieldInfo] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for item in self.fields:
            self._by_name[item.name.lower()] = item
            self._by_name.setdefault(_squash(item.name), item)

    @property
    def entity(self) -> str:
        return self.kind.name

    def field(self, name: str) -> FieldInfo | None:
        """A standard field by its name, a casual alias ("company", "assigned") or ``<name>ID``."""
        key = name.strip().lower()
        for candidate in (key, _squash(key), _squash(key) + "id", _ALIASES.get(key, "").lower()):
            if candidate and candidate in self._by_name:
                return self._by_name[candidate]
        return None

    def udf(self, name: str) -> UdfInfo | None:
        wanted = _squash(name)
        return next((u for u in self.udfs if _squash(u.name) == wanted), None)

    def require(self, name: str) -> FieldInfo:
        found = self.field(name) or self.udf(name)
        if found is None:
            names = sorted(f.name for f in self.fields) + sorted(u.name for u in self.udfs)
            raise ToolError(
                f"{self.entity} has no field '{name}'. Fields: {_list(names, 80)}. "
                f"Use describe for details."
            )
        return found

    def label(self, name: str, value: object) -> str | None:
        """The picklist label of a stored value, or None when the field is not a picklist."""
        info = self.field(name) or self.udf(name)
        if info is None or not info.is_pick_list or value is None:
            return None
        return info.picklist_label(value)

    def picklist_value(
        self, name: str, text: object, *, parent: object = None, for_write: bool = False
    ) -> PicklistValue:
        """The picklist entry a label (or raw value) means; dependent picklists need ``parent``."""
        info = self.require(name)
        values = [
            v
            for v in info.picklist_values or ()
            if (v.is_active or not for_write)
            and (parent is None or not v.parent_value or v.parent_value == str(parent))
        ]
        by_value = {v.value: v for v in values}
        raw = str(text).strip()
        if raw in by_value and (not isinstance(text, str) or raw.lstrip("-").isdigit()):
            return by_value[raw]  # an id given as such: 5 or "5"
        choices = {v.label: v.value for v in values}
        what = f"{info.name} of {self.entity}"
        return by_value[match_choice(str(text), choices, what=what)]


class Schemas:
    """EntitySchema per entity, built from the client's (cached) metadata."""

    def __init__(self, client: AutotaskClient) -> None:
        self._client = client

    async def get(self, entity: str) -> EntitySchema:
        try:
            kind = entity_type(entity)
        except KeyError as exc:
            raise ToolError(
                f"Autotask has no entity '{entity}'. Use list_entities to see them."
            ) from exc
        fields = await self._client.fields(kind.name)
        info = await self._client.entity_information(kind.name)
        udfs = await self._client.udfs(kind.name) if info.has_user_defined_fields else []
        return EntitySchema(kind=kind, fields=tuple(fields), udfs=tuple(udfs))
