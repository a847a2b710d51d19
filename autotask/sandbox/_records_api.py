"""The record endpoints of the sandbox: query, count, get, create, update, replace, delete.

Root and child-collection URLs (API-NOTES §3, §5) both end here once :mod:`._routes` has
worked out the entity and, for a child URL, the parent. Queries are evaluated by
:mod:`._query`, writes validated by :mod:`._validation`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .._catalogue import EntityType
from ._metadata import EntityMetadata, MetadataRegistry
from ._query import NO_BODY, QuerySource, answer_children, answer_query
from ._store import ApiError, FieldSource, RecordStore
from ._validation import RecordWriter, Target, WriteContext

__all__ = ["PERMISSION", "ApiCall", "EmptyMeta", "RecordsApi", "allow", "is_id"]

PERMISSION = (
    "The logged in Resource does not have the adequate permissions to create this entity type."
)
_WRITE_VERB = {"POST": "create", "PATCH": "update", "PUT": "replace"}


@dataclass(frozen=True)
class ApiCall:
    """One ``/V1.0/...`` request after authentication: ``parts`` follow ``V1.0``."""

    method: str
    parts: list[str]
    query: Mapping[str, str]
    body: Any
    has_body: bool
    impersonation_id: int | None


def allow(
    call: ApiCall, method: str, *, verbs: Collection[str] | None = None, verb: str | None = None
) -> None:
    """405 unless the call uses ``method`` (and ``verb`` is among ``verbs``, when given)."""
    if call.method != method or (verbs is not None and verb not in verbs):
        raise ApiError.method_not_allowed(call.method)


def is_id(text: str) -> bool:
    return text.lstrip("-").isdigit()


class EmptyMeta:
    """Stands in for the metadata of an entity the sandbox holds no data for."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.fields: list[Mapping[str, Any]] = []
        self.udfs: list[Mapping[str, Any]] = []

    def field(self, name: str) -> Mapping[str, Any] | None:
        return None


class RecordsApi:
    """Reads and writes records of the store the way Autotask's record endpoints do."""

    def __init__(
        self,
        store: RecordStore,
        writer: RecordWriter,
        metadata: MetadataRegistry,
        *,
        now: Callable[[], datetime],
        api_user: Callable[[], int | None],
        api_url: Callable[[], str],
    ) -> None:
        self._store = store
        self._writer = writer
        self._metadata = metadata
        self._now = now
        self._api_user = api_user
        self._api_url = api_url

    def meta(self, entity: str) -> EntityMetadata | None:
        return self._metadata.get(entity)

    def target(self, entity: EntityType, parent_id: int | None = None) -> Target:
        """What a write goes to; a child URL (``parent_id``) fixes the parent field (§5.2)."""
        meta: FieldSource = self.meta(entity.name) or EmptyMeta(entity.name)
        parent_field = entity.parent_field if parent_id is not None else None
        return Target(entity.name, entity.singular, meta, parent_field, parent_id)

    def write(self, call: ApiCall, target: Target, verbs: Collection[str]) -> dict[str, Any]:
        """POST creates, PATCH updates, PUT replaces (§5.1): ``{"itemId": id}``."""
        verb = _WRITE_VERB.get(call.method)
        if verb is None or verb not in verbs:
            raise ApiError.method_not_allowed(call.method)
        if isinstance(target.meta, EmptyMeta):
            raise ApiError.error(PERMISSION)
        ctx = self._context(call)
        if verb == "create":
            record = self._writer.create(target, call.body, ctx)
        else:
            record = self._writer.update(target, call.body, ctx, replace=verb == "replace")
        return {"itemId": record["id"]}

    def by_id(
        self, call: ApiCall, target: Target, record_id: int, verbs: Collection[str]
    ) -> dict[str, Any]:
        """GET (200 ``{"item": null}`` when missing, §3.6) or DELETE of one record."""
        if call.method == "GET" and "get" in verbs:
            record = self._store.get(target.entity, record_id)
            if record is not None and target.parent_field is not None:
                if record.get(target.parent_field) != target.parent_id:
                    record = None
            return {"item": record}
        if call.method == "DELETE" and "delete" in verbs:
            self._writer.delete(target, record_id, self._context(call))
            return {"itemId": record_id}
        raise ApiError.method_not_allowed(call.method)

    def children(self, child: EntityType, parent_id: int) -> dict[str, Any]:
        """``GET /{Parent}/{parentId}/{Child}``: every child of the parent, as a query page."""
        return answer_children(self._source(child), str(child.parent_field), parent_id)

    def query(self, call: ApiCall, entity: EntityType, rest: list[str]) -> dict[str, Any]:
        """``query``, ``query/count`` and ``query/next``, by GET ``search=`` or POST (§3)."""
        if rest not in ([], ["count"], ["next"]):
            raise ApiError.not_found()
        if "query" not in entity.root_verbs or call.method not in ("GET", "POST"):
            raise ApiError.method_not_allowed(call.method)
        search = call.query.get("search") if call.method == "GET" else None
        if call.method == "GET" and search is None and rest == ["next"]:
            # A POSTed query's nextPageUrl must be POSTed again (API-NOTES §3.4).
            raise ApiError.method_not_allowed("GET")
        body = {} if call.method == "GET" else (call.body if call.has_body else NO_BODY)
        form = rest[0] if rest else ""
        paging = call.query.get("paging")
        return answer_query(self._source(entity), form, search=search, body=body, paging=paging)

    def _source(self, entity: EntityType) -> QuerySource:
        name = entity.name
        rows = functools.partial(self._store.after, name)
        return QuerySource(name, entity.singular, self.meta(name), rows, self._api_url())

    def _context(self, call: ApiCall) -> WriteContext:
        """The impersonated resource acts; without one, the API user does (API-NOTES §2)."""
        impersonated = call.impersonation_id
        actor = impersonated if impersonated is not None else self._api_user()
        return WriteContext(self._now(), actor, impersonated)
