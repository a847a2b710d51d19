"""Conversation references (Teams and others), kept so the bot can post proactively later."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from ._tables import conversation_references

if TYPE_CHECKING:
    from ._database import Gateway

__all__ = ["ReferenceStore"]

_table = conversation_references


class ReferenceStore:
    def __init__(self, gateway: Gateway) -> None:
        self._gateway = gateway

    async def save(
        self, platform: str, conversation_id: str, reference: dict[str, Any], *, now: datetime
    ) -> None:
        """Store the latest reference of the conversation, replacing the one before."""
        values = {"platform": platform, "conversation_id": conversation_id,
                  "reference": reference, "updated_at": now}  # fmt: skip
        stmt = self._gateway.upsert(_table, values, keys=("platform", "conversation_id"))
        async with self._gateway.write() as conn:
            await conn.execute(stmt)

    async def get(self, platform: str, conversation_id: str) -> dict[str, Any] | None:
        stmt = select(_table.c.reference).where(
            _table.c.platform == platform, _table.c.conversation_id == conversation_id
        )
        async with self._gateway.read() as conn:
            value: dict[str, Any] | None = (await conn.execute(stmt)).scalar_one_or_none()
        return value

    async def all(self, platform: str) -> list[tuple[str, dict[str, Any]]]:
        """Every stored reference of the platform, by conversation id."""
        stmt = (
            select(_table.c.conversation_id, _table.c.reference)
            .where(_table.c.platform == platform)
            .order_by(_table.c.conversation_id)
        )
        async with self._gateway.read() as conn:
            rows = (await conn.execute(stmt)).all()
        return [(row.conversation_id, row.reference) for row in rows]
