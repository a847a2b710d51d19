"""Who is writing: the Teams member's e-mail (or user principal name) and tenant, cached for a
while.

Teams activities carry no e-mail; the Bot Connector's member endpoint does, and the member's own
tenant, which differs from the channel's for a person of another organisation in a shared
channel. Guests' principal names (``…#EXT#@…``) are not mail addresses and are not used.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, Protocol

from botbuilder.core import TurnContext
from botbuilder.core.teams import TeamsInfo

__all__ = ["MemberDirectory", "MemberLookup"]

logger = logging.getLogger(__name__)


class MemberLookup(Protocol):
    """What the bot needs to know about a member: their e-mail and tenant, when Teams tells."""

    async def email(self, turn: TurnContext, user_id: str) -> str | None: ...

    async def tenant(self, turn: TurnContext, user_id: str) -> str | None: ...


def _address(member: Any) -> str | None:
    for value in (getattr(member, "email", None), getattr(member, "user_principal_name", None)):
        if isinstance(value, str) and "@" in value and "#EXT#" not in value.upper():
            return value
    return None


class MemberDirectory:
    def __init__(
        self,
        *,
        ttl_seconds: float = 3600.0,
        max_entries: int = 5000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ttl = ttl_seconds
        self._max = max_entries
        self._clock = clock
        self._cache: OrderedDict[str, tuple[float, str, str | None]] = OrderedDict()

    async def email(self, turn: TurnContext, user_id: str) -> str | None:
        return (await self._member(turn, user_id))[0]

    async def tenant(self, turn: TurnContext, user_id: str) -> str | None:
        return (await self._member(turn, user_id))[1]

    async def _member(self, turn: TurnContext, user_id: str) -> tuple[str | None, str | None]:
        cached = self._cache.get(user_id)
        if cached and cached[0] > self._clock():
            return cached[1], cached[2]
        try:
            member = await TeamsInfo.get_member(turn, user_id)
        except Exception as exc:  # no e-mail means the identity check explains what to do
            logger.warning("Teams member lookup failed: %s", type(exc).__name__)
            return None, None
        email = _address(member)
        tenant = getattr(member, "tenant_id", None) or None
        if email:  # failures are not cached: the next message asks again
            self._cache[user_id] = (self._clock() + self._ttl, email, tenant)
            self._cache.move_to_end(user_id)
            while len(self._cache) > self._max:
                self._cache.popitem(last=False)
        return email, tenant
