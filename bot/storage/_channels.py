"""The Autotask company a chat channel is about: "link this channel to Contoso".

One link per platform and channel (a Slack channel, a Teams channel or group chat, the web chat's
shared channel), whatever thread a message is in. The bot uses it as the company of a ticket
made from a message there, and for a ticket list or a new ticket asked there without a company.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from pydantic import AwareDatetime, BaseModel, ConfigDict
from sqlalchemy import ColumnElement, RowMapping, delete, select

from ._tables import channel_companies

if TYPE_CHECKING:
    from ..messages import Conversation
    from ._database import Gateway

__all__ = ["ChannelCompany", "ChannelStore"]

_table = channel_companies


class ChannelCompany(BaseModel):
    """A channel's company: its Autotask id and name as they were when it was linked."""

    model_config = ConfigDict(frozen=True)

    company_id: int
    company_name: str
    linked_by: str
    linked_at: AwareDatetime


class ChannelStore:
    def __init__(self, gateway: Gateway) -> None:
        self._gateway = gateway

    async def link(
        self,
        conversation: Conversation,
        company_id: int,
        company_name: str,
        *,
        linked_by: str,
        now: datetime,
    ) -> None:
        """Link the channel to the company, replacing any earlier link."""
        values = {"platform": conversation.platform,
                  "conversation_id": conversation.conversation_id, "company_id": company_id,
                  "company_name": company_name, "linked_by": linked_by,
                  "linked_at": now}  # fmt: skip
        stmt = self._gateway.upsert(_table, values, keys=("platform", "conversation_id"))
        async with self._gateway.write() as conn:
            await conn.execute(stmt)

    async def unlink(self, conversation: Conversation) -> ChannelCompany | None:
        """Remove the channel's link; the link it had, or None when there was none."""
        where = _where(conversation)
        async with self._gateway.write() as conn:
            row = (await conn.execute(select(_table).where(*where))).mappings().one_or_none()
            if row is None:
                return None
            await conn.execute(delete(_table).where(*where))
        return _linked(row)

    async def company(self, conversation: Conversation) -> ChannelCompany | None:
        """The channel's company, or None when it is not linked to one."""
        stmt = select(_table).where(*_where(conversation))
        async with self._gateway.read() as conn:
            row = (await conn.execute(stmt)).mappings().one_or_none()
        return None if row is None else _linked(row)


def _where(conversation: Conversation) -> tuple[ColumnElement[bool], ...]:
    return (
        _table.c.platform == conversation.platform,
        _table.c.conversation_id == conversation.conversation_id,
    )


def _linked(row: RowMapping) -> ChannelCompany:
    return ChannelCompany(
        company_id=int(row["company_id"]),
        company_name=str(row["company_name"]),
        linked_by=str(row["linked_by"]),
        linked_at=row["linked_at"],
    )
