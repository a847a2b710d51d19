"""Explicit links from a chat user to an Autotask resource, made by an admin.

A link wins over matching by e-mail; it is how a user whose chat e-mail differs from the one in
Autotask gets in.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import delete, select

from ._tables import identity_links

if TYPE_CHECKING:
    from ._database import Gateway

__all__ = ["IdentityStore"]


class IdentityStore:
    def __init__(self, gateway: Gateway) -> None:
        self._gateway = gateway

    async def link(
        self, platform: str, user_id: str, resource_id: int, *, linked_by: str, now: datetime
    ) -> None:
        """Link the chat user to ``resource_id``, replacing any earlier link."""
        values = {"platform": platform, "user_id": user_id, "resource_id": resource_id,
                  "linked_by": linked_by, "linked_at": now}  # fmt: skip
        stmt = self._gateway.upsert(identity_links, values, keys=("platform", "user_id"))
        async with self._gateway.write() as conn:
            await conn.execute(stmt)

    async def unlink(self, platform: str, user_id: str) -> bool:
        """Remove the link; ``False`` when there was none."""
        stmt = delete(identity_links).where(
            identity_links.c.platform == platform, identity_links.c.user_id == user_id
        )
        async with self._gateway.write() as conn:
            result = await conn.execute(stmt)
        return result.rowcount > 0

    async def linked_resource(self, platform: str, user_id: str) -> int | None:
        stmt = select(identity_links.c.resource_id).where(
            identity_links.c.platform == platform, identity_links.c.user_id == user_id
        )
        async with self._gateway.read() as conn:
            value = (await conn.execute(stmt)).scalar_one_or_none()
        return int(value) if value is not None else None
