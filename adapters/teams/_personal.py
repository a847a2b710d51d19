"""Personal chats: where each Teams user can be reached, and the one-to-one the bot opens itself.

Every activity tells the bot how to reach its sender later: their user id, Entra object id,
tenant, the service URL of their region and the bot's own account; an activity from a personal
chat also names that chat. When the bot must write to someone in private (the answer to a
question asked in a shared channel, a word about alerts that stopped) and has no personal chat
with them yet, it creates one the way the Bot Framework documents for Teams: the
connector's ``create_conversation`` with the user as the only member and the tenant in
``channelData``. Teams answers with the existing one-to-one chat when the app is installed for
the user, and 403 when it is not (then nobody can be told there, and the bot says so in its log).
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from datetime import datetime
from typing import Any

from botbuilder.core import TurnContext
from botbuilder.schema import (
    Activity,
    ChannelAccount,
    ConversationAccount,
    ConversationParameters,
    ConversationReference,
)

from bot.messages import ConversationGone
from bot.storage import AddressStore

from ._retry import error_code, retrying, status_of

__all__ = ["Addresses", "address_of", "open_personal_chat", "tenant_of"]

logger = logging.getLogger(__name__)

CHANNEL_ID = "msteams"
_MAX_REMEMBERED = 5000


def tenant_of(activity: Activity) -> str | None:
    """The tenant the activity comes from (``channelData.tenant.id``, else the conversation's)."""
    data = activity.channel_data if isinstance(activity.channel_data, dict) else {}
    tenant = (data.get("tenant") or {}).get("id") if isinstance(data.get("tenant"), dict) else None
    if isinstance(tenant, str) and tenant:
        return tenant
    conversation = activity.conversation
    return getattr(conversation, "tenant_id", None) or None


def address_of(activity: Activity) -> dict[str, Any] | None:
    """How to open a personal chat with the sender of ``activity``; None when it lacks a part."""
    sender, bot, tenant = activity.from_property, activity.recipient, tenant_of(activity)
    if not (sender and sender.id and bot and bot.id and tenant and activity.service_url):
        return None
    return {
        "user_id": str(sender.id),
        "aad_object_id": sender.aad_object_id,
        "tenant_id": tenant,
        "service_url": activity.service_url,
        "bot_id": str(bot.id),
        "bot_name": bot.name,
    }


class Addresses:
    """Saves each sender's address, once per change (not on every message)."""

    def __init__(self, store: AddressStore) -> None:
        self._store = store
        self._saved: OrderedDict[str, tuple[dict[str, Any], str | None]] = OrderedDict()

    async def remember(self, platform: str, activity: Activity, *, now: datetime) -> None:
        address = address_of(activity)
        if address is None:
            return
        conversation = activity.conversation
        personal = conversation.id if conversation.conversation_type == "personal" else None
        user_id = address["user_id"]
        before = self._saved.get(user_id)
        if before is not None and before[0] == address and (personal or before[1]) == before[1]:
            return
        await self._store.save(
            platform, user_id, address, personal_conversation_id=personal, now=now
        )
        self._saved[user_id] = (address, personal or (before[1] if before else None))
        self._saved.move_to_end(user_id)
        while len(self._saved) > _MAX_REMEMBERED:
            self._saved.popitem(last=False)


async def open_personal_chat(
    adapter: Any, app_id: str | None, address: dict[str, Any]
) -> dict[str, Any] | None:
    """Create (or find) the one-to-one chat with the person at ``address``: its conversation
    reference, or None, logged without personal data, when Teams refuses."""
    tenant = address["tenant_id"]
    bot = ChannelAccount(id=address["bot_id"], name=address.get("bot_name"))
    parameters = ConversationParameters(
        is_group=False,
        bot=bot,
        members=[ChannelAccount(id=address["user_id"])],
        tenant_id=tenant,
        channel_data={"tenant": {"id": tenant}},
    )
    opened: list[ConversationReference] = []

    async def callback(turn: TurnContext) -> None:
        created = turn.activity
        opened.append(
            ConversationReference(
                user=ChannelAccount(id=address["user_id"], aad_object_id=address["aad_object_id"]),
                bot=bot,
                conversation=ConversationAccount(
                    id=created.conversation.id, conversation_type="personal", tenant_id=tenant
                ),
                channel_id=CHANNEL_ID,
                service_url=created.service_url or address["service_url"],
            )
        )

    async def create() -> None:
        await adapter.create_conversation(
            app_id, callback, parameters, CHANNEL_ID, address["service_url"]
        )

    try:
        await retrying(create, "create_conversation")
    except Exception as exc:
        cause = (exc.__cause__ if isinstance(exc, ConversationGone) else None) or exc
        logger.warning(
            "could not open a personal chat with a person: %s %s (is the app installed for them?)",
            status_of(cause) or type(cause).__name__,
            error_code(cause) or "",
        )
        return None
    reference: dict[str, Any] = opened[0].serialize()
    return reference
