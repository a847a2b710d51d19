"""What every write knows: the target entity, who writes and when, and what changed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ._store import FieldSource, Record

__all__ = ["Target", "WriteContext", "WriteEvent"]


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


@dataclass(frozen=True)
class WriteEvent:
    """A write that succeeded: ``before`` is None for a create, ``after`` None for a delete.

    ``before`` is the record as it was (the store holds ``after`` from now on).
    """

    entity: str
    before: Record | None
    after: Record | None
    ctx: WriteContext
