"""Field lookup and picklist labels, both ways, from a tenant's own metadata.

Picklists are tenant-specific (one tenant's "High" is 1, another's is 5), so labels are always
resolved against ``entityInformation/fields`` and never hard-coded.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

from .._catalogue import EntityType, entity_type
from .._client import AutotaskClient
from .._models import FieldInfo, PicklistValue, UdfInfo
from ._errors import ToolError

__all__ = [
    "TICKET_COMPLETE",
    "EntitySchema",
    "Schemas",
    "fold",
    "match_choice",
    "matching_labels",
    "system_value",
]

# Words technicians use for a field, per field name; tried after the exact and "<word>ID" forms.
# A word that several entities spell differently names each spelling, first match wins.
_ALIASES: dict[str, str | tuple[str, ...]] = {
    "assigned": "assignedResourceID",
    "assignee": "assignedResourceID",
    "assigned to": "assignedResourceID",
    "technician": "assignedResourceID",
    "tech": "assignedResourceID",
    "owner": "assignedResourceID",
    "resource": "resourceID",
    "queue": "queueID",
    "type": "ticketType",
    "created": ("createDate", "createDateTime"),
    "created date": ("createDate", "createDateTime"),
    "opened": ("createDate", "createDateTime"),
    "completed": ("completedDate", "completedDateTime"),
    "closed": ("completedDate", "completedDateTime", "endDate"),
    "due": ("dueDateTime", "dueDate", "endDate", "endDateTime"),
    "due date": ("dueDateTime", "dueDate", "endDate", "endDateTime"),
    "updated": ("lastActivityDate", "lastActivityDateTime", "lastModifiedDateTime"),
    "last activity": ("lastActivityDate", "lastActivityDateTime"),
    "issue": "issueType",
    "sub issue": "subIssueType",
    "subissue": "subIssueType",
    "category": "ticketCategory",
    "sla": "serviceLevelAgreementID",
    "number": "ticketNumber",
    "name": "companyName",
    "ends": ("endDate", "endDateTime"),
    "end": ("endDate", "endDateTime"),
    "starts": ("startDate", "startDateTime"),
    "start": ("startDate", "startDateTime"),
    "date": "dateWorked",
    "hours": "hoursWorked",
    "notes": "summaryNotes",
    "ci": "configurationItemID",
    "configuration item": "configurationItemID",
    "active": "isActive",
    "expires": ("endDate", "warrantyExpirationDate", "endDateTime"),
    "expiry": ("endDate", "warrantyExpirationDate", "endDateTime"),
    "expiration": ("endDate", "warrantyExpirationDate", "endDateTime"),
}


def _squash(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def fold(text: str) -> str:
    """Text as labels are compared: accents dropped, case folded, spaces collapsed."""
    plain = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in plain if not unicodedata.combining(ch))
    return " ".join(plain.casefold().split())


def _words(text: str) -> list[str]:
    return [w for w in re.split(r"[^\w]+", fold(text)) if w]


def _abbreviates(typed: list[str], label: list[str]) -> bool:
    """Each typed word begins a word of the label, in order ("wait cust" → Waiting Customer)."""
    position = 0
    for word in typed:
        while position < len(label) and not label[position].startswith(word):
            position += 1
        if position == len(label):
            return False
        position += 1
    return bool(typed)


def matching_labels(text: str, labels: Iterable[str]) -> list[str]:
    """The labels ``text`` names: equal ignoring case, accents and punctuation; else the labels
    it abbreviates word by word. Never a look-alike that is a different word."""
    distinct = list(dict.fromkeys(labels))
    wanted = fold(text)
    same = [label for label in distinct if fold(label) == wanted]
    if same:
        return same
    squashed = _squash(wanted)
    same = [label for label in distinct if squashed and _squash(fold(label)) == squashed]
    if same:
        return same
    typed = _words(text)
    return [label for label in distinct if _abbreviates(typed, _words(label))]


def _close(text: str, labels: Iterable[str]) -> list[str]:
    folded = {fold(label): label for label in labels}
    return [
        folded[c] for c in difflib.get_close_matches(fold(text), list(folded), n=3, cutoff=0.75)
    ]


def _suggestion(close: list[str]) -> str:
    return f" Did you mean {_list(close)}?" if close else ""


def match_choice(text: str, choices: dict[str, str], *, what: str, loose: bool = False) -> str:
    """The one choice (key of ``choices``, a label → key map) that ``text`` means.

    Raises ToolError naming the candidates when ambiguous, or the valid labels when unknown;
    a typo in a label is answered with a question ("did you mean …?"), never replaced.
    ``loose`` is for record names (companies, people) that Autotask itself matched by
    ``contains`` or by their first letters: a name containing the text, or the one close
    spelling, is accepted.
    """
    labels = matching_labels(text, choices)
    if not labels and loose:
        labels = [label for label in choices if fold(text) in fold(label)]
        if not labels:
            folded = {fold(label): label for label in choices}
            close = difflib.get_close_matches(fold(text), list(folded), n=3, cutoff=0.75)
            labels = [folded[c] for c in close]
    keys = sorted({choices[label] for label in labels})
    if len(keys) == 1:
        return keys[0]
    if keys:
        raise ToolError(
            f"'{text}' is ambiguous for {what}: it could be {_list(sorted(labels))}.",
            candidates=sorted(labels),
            typed=text,
        )
    close = _close(text, choices)
    raise ToolError(
        f"'{text}' is not a valid {what}.{_suggestion(close)} "
        f"Valid values: {_list(sorted(choices))}.",
        candidates=close,
        typed=text,
    )


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
        aliases = _ALIASES.get(key, ())
        aliases = (aliases,) if isinstance(aliases, str) else aliases
        squashed = _squash(key)
        # "createDate" on an entity that spells it "createDateTime" (Tasks, TimeEntries)
        for candidate in (key, squashed, squashed + "id", *(a.lower() for a in aliases),
                          squashed + "time"):  # fmt: skip
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

    def picklist_entries(self, name: str, text: object) -> list[PicklistValue]:
        """Every entry a label (or raw value) names, for a search: a label that the tenant
        repeats (17 sub-issue types called "Hardware") names all of them; inactive ones too."""
        info = self.require(name)
        values = list(info.picklist_values or ())
        by_value = {v.value: v for v in values}
        raw = str(text).strip()
        if raw in by_value and (not isinstance(text, str) or raw.lstrip("-").isdigit()):
            return [by_value[raw]]  # an id given as such: 5 or "5"
        labels = matching_labels(raw, [v.label for v in values])
        if len({fold(label) for label in labels}) > 1:
            raise ToolError(
                f"'{text}' is ambiguous for {info.name} of {self.entity}: it could be "
                f"{_list(sorted(set(labels)))}.",
                candidates=sorted(set(labels)),
                typed=str(text),
            )
        if not labels:
            system = self._system_entry(info, raw)
            if system is not None:
                return [system]
            close = _close(raw, [v.label for v in values if v.is_active])
            raise ToolError(
                f"'{text}' is not a {info.name} of {self.entity}.{_suggestion(close)} "
                f"Valid values: {_list(sorted({v.label for v in values if v.is_active}))}."
                f"{self._hint(info.name, raw)}",
                candidates=close,
                typed=raw,
            )
        return [v for v in values if v.label in labels]

    def picklist_value(
        self, name: str, text: object, *, parent: object = None, for_write: bool = False
    ) -> PicklistValue:
        """The one entry a label (or raw value) means. A dependent picklist is read within
        ``parent``; a write refuses an inactive value and names the active choices."""
        info = self.require(name)
        entries = self.picklist_entries(name, text)
        if parent is not None:
            inside = [v for v in entries if not v.parent_value or v.parent_value == str(parent)]
            if not inside:
                raise ToolError(self._outside_parent(info, text, parent))
            entries = inside
        if for_write:
            active = [v for v in entries if v.is_active]
            if not active:
                raise ToolError(self._inactive(info, text, parent))
            entries = active
        if len(entries) > 1:
            raise ToolError(self._repeated(info, text, entries))
        return entries[0]

    def _hint(self, name: str, text: str) -> str:
        """Where a label that is not one of ``name``'s belongs: 'High' is a priority."""
        wanted = fold(text)
        if name == "status" and wanted in {"open", "not complete", "active", "unresolved"}:
            return " For open tickets use the filter field 'open' with value true."
        for other in self.fields:
            labels = {fold(v.label) for v in other.picklist_values or ()}
            if other.name != name and other.is_pick_list and wanted in labels:
                return f" '{text}' is a {other.name}: use the field {other.name}."
        return ""

    def _system_entry(self, info: FieldInfo, raw: str) -> PicklistValue | None:
        """A system value by its out-of-the-box meaning, whatever the tenant calls it now."""
        value = system_value(self.entity, info.name, raw)
        return next((v for v in info.picklist_values or () if v.value == value), None)

    def _choices(self, info: FieldInfo, parent: object) -> list[str]:
        return sorted(
            {
                v.label
                for v in info.picklist_values or ()
                if v.is_active and (parent is None or v.parent_value in ("", None, str(parent)))
            }
        )

    def _inactive(self, info: FieldInfo, text: object, parent: object) -> str:
        return (
            f"'{text}' is no longer an active {info.name} of {self.entity} in this Autotask. "
            f"Active choices: {_list(self._choices(info, parent))}."
        )

    def _outside_parent(self, info: FieldInfo, text: object, parent: object) -> str:
        parent_info = self.field(info.picklist_parent_value_field or "")
        parent_name = parent_info.name if parent_info else "parent"
        parent_label = self.label(parent_name, parent) or str(parent)
        return (
            f"'{text}' is not a {info.name} under {parent_name} {parent_label}. "
            f"Choices there: {_list(self._choices(info, parent))}."
        )

    def _repeated(self, info: FieldInfo, text: object, entries: list[PicklistValue]) -> str:
        parent_info = self.field(info.picklist_parent_value_field or "")
        if parent_info is not None:
            parent_name = parent_info.name
            under = sorted({self.label(parent_name, v.parent_value) or "?" for v in entries})
            return (
                f"'{text}' is a {info.name} under several {parent_name} values "
                f"({_list(under)}); say which {parent_name} as well."
            )
        ids = ", ".join(v.value for v in entries)
        return f"'{text}' names several {info.name} values ({ids}); give the id."


# Autotask's system picklist values keep their meaning when a tenant renames them (API-NOTES §7):
# ticket status 1 is New and 5 is Complete.
_SYSTEM_VALUES: dict[tuple[str, str], dict[str, str]] = {
    ("tickets", "status"): {
        **dict.fromkeys(("complete", "completed", "closed", "close", "done", "resolved"), "5"),
        "new": "1",
    },
}
TICKET_COMPLETE = "5"


def system_value(entity: str, field_name: str, word: str) -> str | None:
    """The system value a word means for a field ("closed" → Tickets status 5), if any."""
    return _SYSTEM_VALUES.get((entity.lower(), field_name.lower()), {}).get(fold(word))


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
