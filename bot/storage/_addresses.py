"""How to reach a chat user personally, kept so the bot can write to them later (e.g. to say that
the alerts they turned on in a channel stopped because the bot was removed from it).

The address is the platform's own (for Teams: the user's ids, tenant and service URL); the
personal conversation is the one-to-one chat with the bot, once there is one. A later address
without a personal conversation keeps the one known before.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import func, select

from ._tables import personal_addresses

if TYPE_CHECKING:
    from ._database import Gateway

__all__ = ["AddressStore", "PersonalAddress"]

_table = personal_addresses


class PersonalAddress(BaseModel):
    model_config = ConfigDict(frozen=True)

    address: dict[str, Any]
    personal_conversation_id: str | None


class AddressStore:
    def __init__(self, gateway: Gateway) -> None:
        self._gateway = gateway

    async def save(
        self,
        platform: str,
        user_id: str,
        address: dict[str, Any],
        *,
        personal_conversation_id: str | None = None,
        now: datetime,
    ) -> None:
        """Store the user's latest address; ``None`` keeps the personal conversation known."""
        stmt = self._gateway.insert(_table).values(
            platform=platform,
            user_id=user_id,
            address=address,
            personal_conversation_id=personal_conversation_id,
            updated_at=now,
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=[_table.c.platform, _table.c.user_id],
            set_={
                "address": stmt.excluded.address,
                "personal_conversation_id": func.coalesce(
                    stmt.excluded.personal_conversation_id, _table.c.personal_conversation_id
                ),
                "updated_at": stmt.excluded.updated_at,
            },
        )
        async with self._gateway.write() as conn:
            await conn.execute(stmt)

    async def get(self, platform: str, user_id: str) -> PersonalAddress | None:
        stmt = select(_table.c.address, _table.c.personal_conversation_id).where(
            _table.c.platform == platform, _table.c.user_id == user_id
        )
        async with self._gateway.read() as conn:
            row = (await conn.execute(stmt)).mappings().one_or_none()
        return None if row is None else PersonalAddress.model_validate(dict(row))
