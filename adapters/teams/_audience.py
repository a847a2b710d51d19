"""Who reads the bot's answers in a Teams channel: one organisation, or people of others too.

A shared channel (Teams Connect) can hold people of other teams and other tenants, who must not
read the MSP's records: there the bot answers the asker in their personal chat, as it answers
privately in a Slack Connect channel. What the bot goes by, most reliable first:

1. ``channelData.channel.type`` of the activity: ``shared``, ``private`` or ``standard``, as
   Teams sends it for its channel events and the Bot Framework's Teams models describe it;
2. otherwise the channel's type in the team's channel list (``GET /v3/teams/{team}/conversations``,
   botbuilder's ``TeamsInfo.get_team_channels``), asked once per team and kept for an hour;
3. whatever the type, a sender whose own tenant (from the member endpoint) differs from the
   channel's tenant (``channelData.tenant.id``) belongs to another organisation.

When neither the type nor the sender's tenant can be learnt, the answer goes to the asker alone:
a private answer to an insider costs little, a public one to an outsider costs much.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

from botbuilder.core import TurnContext
from botbuilder.core.teams import TeamsInfo

from ._activities import team_of
from ._members import MemberLookup
from ._personal import tenant_of

__all__ = ["IN_PRIVATE", "NO_PERSONAL_CHAT", "SHARED", "ChannelTypes", "is_external"]

logger = logging.getLogger(__name__)

SHARED = "shared"
IN_PRIVATE = (
    "This channel is shared with people outside your organisation, so I answered you in our "
    "personal chat."
)
NO_PERSONAL_CHAT = (
    "This channel is shared with people outside your organisation, so I answer only in a "
    "personal chat, and Teams did not let me open one with you. Open a chat with me (find me "
    "under Apps) and ask there."
)
_UNKNOWN = ""


def _channel_data(turn: TurnContext) -> dict[str, Any]:
    data = turn.activity.channel_data
    return data if isinstance(data, dict) else {}


def _id_of(part: Any) -> str | None:
    value = part.get("id") if isinstance(part, dict) else None
    return value if isinstance(value, str) and value else None


class ChannelTypes:
    """Each channel's type (``standard``, ``private``, ``shared``), from the activity or the
    team's channel list; an unknown answer is kept for a minute, a known one for an hour."""

    def __init__(
        self,
        *,
        ttl_seconds: float = 3600.0,
        retry_seconds: float = 60.0,
        max_entries: int = 5000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ttl = ttl_seconds
        self._retry = retry_seconds
        self._max = max_entries
        self._clock = clock
        self._types: dict[str, tuple[float, str]] = {}

    async def of(self, turn: TurnContext) -> str | None:
        """The type of the channel ``turn`` came from; None when it cannot be learnt."""
        data = _channel_data(turn)
        channel_id = _id_of(data.get("channel"))
        if channel_id is None:
            return None
        declared = data["channel"].get("type")
        if isinstance(declared, str) and declared:
            self._keep(channel_id, declared.lower(), self._ttl)
            return declared.lower()
        cached = self._types.get(channel_id)
        if cached is None or cached[0] <= self._clock():
            await self._list_team(turn, team_of(turn.activity), channel_id)
            cached = self._types.get(channel_id)
        return cached[1] or None if cached else None

    async def _list_team(self, turn: TurnContext, team_id: str | None, channel_id: str) -> None:
        self._keep(channel_id, _UNKNOWN, self._retry)  # unless the list says otherwise
        if team_id is None:
            return
        try:
            client = await TeamsInfo.get_teams_connector_client(turn)
            # botbuilder's Teams client is synchronous: its request runs on a worker thread
            answer = await asyncio.to_thread(client.teams.get_teams_channels, team_id)
        except Exception as exc:
            logger.warning("Teams channel list failed: %s", type(exc).__name__)
            return
        for channel in getattr(answer, "conversations", None) or []:
            kind = str(getattr(channel, "type", None) or "").lower()
            if channel.id and kind:
                self._keep(str(channel.id), kind, self._ttl)

    def _keep(self, channel_id: str, kind: str, seconds: float) -> None:
        self._types[channel_id] = (self._clock() + seconds, kind)
        if len(self._types) > self._max:
            del self._types[next(iter(self._types))]


async def is_external(turn: TurnContext, types: ChannelTypes, members: MemberLookup) -> bool:
    """Whether people of another organisation may read an answer posted where ``turn`` came
    from (a shared channel, or a sender from another tenant); False in a personal chat."""
    activity = turn.activity
    if activity.conversation is None or activity.conversation.conversation_type == "personal":
        return False
    kind = await types.of(turn) if activity.conversation.conversation_type == "channel" else None
    if kind == SHARED:
        return True
    sender = str(activity.from_property.id) if activity.from_property else ""
    theirs = await members.tenant(turn, sender) if sender else None
    ours = tenant_of(activity)
    if theirs and ours:
        return theirs.lower() != ours.lower()
    return kind is None  # nothing to go by: the asker alone gets the answer
