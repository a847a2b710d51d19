"""Entity metadata the sandbox serves: fields, picklists and user-defined fields.

The packaged files (``autotask/sandbox/metadata``, written by ``scripts/gen_sandbox_metadata.py``)
describe the demo MSP. A directory of real ``entityInformation`` responses (for instance the
tenant sample beside the API notes) can replace them entity by entity, so that the sandbox
behaves like that tenant: ``tickets.entityInformation.fields.json`` replaces the Tickets fields.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import re
from collections.abc import Iterator
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path
from typing import Any

__all__ = ["EntityMetadata", "MetadataRegistry"]

log = logging.getLogger(__name__)

# "Tickets.fields.json", "Tickets.entityInformation.fields.json",
# "tickets.entityInformation.userDefinedFields.json"
_FILE_NAME = re.compile(
    r"^(?P<entity>[A-Za-z][A-Za-z0-9]*)\.(?:entityInformation\.)?"
    r"(?P<kind>fields|userDefinedFields)\.json$"
)


@dataclasses.dataclass(frozen=True, slots=True)
class EntityMetadata:
    """One entity's metadata, exactly as Autotask's ``entityInformation`` calls return it.

    ``supports_udfs`` is true when the entity has a ``userDefinedFields`` document (possibly
    empty), that is when its records carry a ``userDefinedFields`` array.
    """

    name: str
    fields: list[dict[str, Any]]
    udfs: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    supports_udfs: bool = False
    _by_name: dict[str, dict[str, Any]] = dataclasses.field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        index = {str(f["name"]).lower(): f for f in self.fields}
        object.__setattr__(self, "_by_name", index)

    def field(self, name: str) -> dict[str, Any] | None:
        """The field called ``name``, ignoring case; None when there is none."""
        return self._by_name.get(name.lower())

    def picklist(self, name: str) -> list[dict[str, Any]]:
        """The picklist values of a field; ``[]`` when it is not a picklist."""
        found = self.field(name)
        if found is None or not found.get("isPickList"):
            return []
        return list(found.get("picklistValues") or [])

    def default_value(self, name: str) -> str | None:
        """The picklist default of a field, as Autotask's string value; None without one."""
        for entry in self.picklist(name):
            if entry.get("isDefaultValue"):
                return str(entry["value"])
        return None


class MetadataRegistry:
    """The metadata of every entity the sandbox knows, looked up by name in any case."""

    def __init__(self, overrides_dir: Path | None = None) -> None:
        fields: dict[str, list[dict[str, Any]]] = {}
        udfs: dict[str, list[dict[str, Any]]] = {}
        packaged = resources.files("autotask").joinpath("sandbox", "metadata")
        _load_documents(_traversables(packaged), fields, udfs)
        if overrides_dir is not None:
            if not Path(overrides_dir).is_dir():
                raise FileNotFoundError(f"metadata directory {overrides_dir} does not exist")
            _load_documents(sorted(Path(overrides_dir).iterdir()), fields, udfs)
        self._entities = {
            name.lower(): EntityMetadata(
                name, fields.get(name, []), udfs.get(name, []), supports_udfs=name in udfs
            )
            for name in sorted(set(fields) | set(udfs))
        }

    def get(self, entity: str) -> EntityMetadata | None:
        """The metadata of ``entity`` (plural REST name, any case); None when unknown."""
        return self._entities.get(entity.lower())

    def names(self) -> list[str]:
        """The REST names of every entity with metadata, sorted."""
        return [meta.name for meta in self._entities.values()]


def _traversables(directory: Traversable) -> Iterator[Traversable]:
    return iter(sorted(directory.iterdir(), key=lambda item: item.name))


def _load_documents(
    files: Iterator[Traversable] | list[Path],
    fields: dict[str, list[dict[str, Any]]],
    udfs: dict[str, list[dict[str, Any]]],
) -> None:
    """Read every metadata document among ``files``; a later one replaces an earlier one."""
    for item in files:
        match = _FILE_NAME.match(item.name)
        if match is None:
            continue
        entity = _entity_name(match.group("entity"), fields, udfs)
        document = json.loads(item.read_text(encoding="utf-8"))
        target = fields if match.group("kind") == "fields" else udfs
        target[entity] = list(document.get("fields") or [])
        log.debug("loaded %s metadata of %s from %s", match.group("kind"), entity, item.name)


def _entity_name(raw: str, *known: dict[str, Any]) -> str:
    """The REST spelling of a file's entity ("tickets" -> "Tickets")."""
    for table in known:
        for name in table:
            if name.lower() == raw.lower():
                return name
    return raw[:1].upper() + raw[1:]
