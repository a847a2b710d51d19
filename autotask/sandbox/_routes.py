"""Which ``/V1.0/...`` path is what: global endpoints, entity metadata, records, children.

Paths are matched without regard to case (API-NOTES §0). An unknown path is the stock
ASP.NET 404, a verb a path lacks the stock 405 (§5.2, §6.2).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .._catalogue import EntityType, entity_type, entity_types
from ._records_api import ApiCall, RecordsApi, allow, is_id
from ._store import ApiError

__all__ = ["WEBHOOK_ENTITIES", "Router"]

WEBHOOK_ENTITIES = frozenset(
    {"companies", "contacts", "configurationitems", "tickets", "ticketnotes"}
)
"""Entities whose changes can fire webhook callouts (API-NOTES §8.1)."""
_GLOBAL = ("thresholdinformation", "version", "modules", "entityinformation")


class Router:
    """Sends each API call to the endpoint its path names."""

    def __init__(self, records: RecordsApi, threshold: Callable[[], dict[str, Any]]) -> None:
        self._records = records
        self._threshold = threshold
        self._children = {
            (str(t.parent).lower(), str(t.child_path).lower()): t
            for t in entity_types()
            if t.parent and t.child_path
        }

    def route(self, call: ApiCall) -> Any:
        head = call.parts[0].lower()
        rest = [p.lower() for p in call.parts[1:]]
        if head in _GLOBAL and not rest:
            return self._global(call, head)
        if len(call.parts) >= 3 and is_id(call.parts[1]):
            return self._child(call, int(call.parts[1]))
        entity = _entity(call.parts[0])
        if rest[:1] == ["entityinformation"]:
            return self._information(call, entity, rest[1:])
        if rest[:1] == ["query"]:
            return self._records.query(call, entity, rest[1:])
        records = self._records
        if not rest:
            return records.write(call, records.target(entity), entity.root_verbs)
        if len(rest) == 1 and is_id(call.parts[1]):
            target = records.target(entity)
            return records.by_id(call, target, int(call.parts[1]), entity.root_verbs)
        raise ApiError.not_found()

    def info(self, entity: EntityType) -> dict[str, Any]:
        """``entityInformation`` (API-NOTES §4.1) from the catalogue's verbs."""
        verbs = set(entity.root_verbs) | set(entity.child_verbs or ())
        meta = self._records.meta(entity.name)
        can = {
            "Create": "create" in verbs,
            "Delete": "delete" in verbs,
            "Query": "query" in verbs,
            "Update": bool({"update", "replace"} & verbs),
        }
        info: dict[str, Any] = {"name": entity.name}
        info.update({f"can{k}": v for k, v in can.items()})
        info.update({f"userAccessFor{k}": "All" if v else "None" for k, v in can.items()})
        info["hasUserDefinedFields"] = bool(meta and (meta.supports_udfs or meta.udfs))
        info["supportsWebhookCallouts"] = entity.name.lower() in WEBHOOK_ENTITIES
        return info

    def _global(self, call: ApiCall, head: str) -> Any:
        allow(call, "GET")
        if head == "thresholdinformation":
            return self._threshold()
        if head == "version":
            return {"majorVersion": "2026", "minorVersion": "1", "build": "sandbox"}
        if head == "modules":
            return {"modules": [{"key": 24, "value": True}, {"key": 36, "value": True}]}
        return {"entityDescriptions": [{"info": self.info(t)} for t in entity_types()]}

    def _child(self, call: ApiCall, parent_id: int) -> Any:
        """``/{Parent}/{parentId}/{Child}[/{id}|/entityInformation...]`` (API-NOTES §5.2)."""
        child = self._children.get((call.parts[0].lower(), call.parts[2].lower()))
        if child is None:
            raise ApiError.not_found()
        rest = [p.lower() for p in call.parts[3:]]
        if rest[:1] == ["entityinformation"]:
            return self._information(call, child, rest[1:])
        target = self._records.target(child, parent_id)
        if not rest:
            if call.method == "GET":
                allow(call, "GET", verbs=child.child_verbs, verb="list")
                return self._records.children(child, parent_id)
            return self._records.write(call, target, child.child_verbs)
        if len(rest) == 1 and is_id(call.parts[3]):
            return self._records.by_id(call, target, int(call.parts[3]), child.child_verbs)
        raise ApiError.not_found()

    def _information(self, call: ApiCall, entity: EntityType, rest: list[str]) -> Any:
        allow(call, "GET")
        meta = self._records.meta(entity.name)
        if not rest:
            return {"info": self.info(entity)}
        if rest == ["fields"]:
            return {"fields": list(meta.fields) if meta else []}
        if rest == ["userdefinedfields"]:
            return {"fields": list(meta.udfs) if meta else []}
        raise ApiError.not_found()


def _entity(name: str) -> EntityType:
    """The entity whose REST root name is ``name`` (any case); 404 otherwise."""
    try:
        found = entity_type(name)
    except KeyError:
        found = None
    if found is None or found.name.lower() != name.lower():
        raise ApiError.not_found()
    return found
