"""Personal chats: where each Teams user can be reached, and the one-to-one the bot opens itself.

Every activity tells the bot how to reach its sender later: their user id, Entra object id,
tenant, the service URL of their region and the bot's own account; an activity from a personal
chat also names that chat. When the bot must tell someone something in private and has no
personal chat with them yet, it creates one the way the Bot Framework documents for Teams: the
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
from botbuilder.schema import Activity, ChannelAccount, ConversationParameters

from bot.messages import ConversationGone
from bot.storage import AddressStore

from ._retry import error_code, retrying, status_of

__all__ = ["Addresses", "address_of", "open_personal_chat"]

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
    adapter: Any, app_id: str | None, address: dict[str, Any], activity: Activity
) -> bool:
    """Create (or find) the one-to-one chat with the person at ``address`` and post
    ``activity`` there; False, logged without personal data, when Teams refuses."""
    tenant = address["tenant_id"]
    parameters = ConversationParameters(
        is_group=False,
        bot=ChannelAccount(id=address["bot_id"], name=address.get("bot_name")),
        members=[ChannelAccount(id=address["user_id"])],
        tenant_id=tenant,
        channel_data={"tenant": {"id": tenant}},
    )
    failures: list[Exception] = []

    async def callback(turn: TurnContext) -> None:
        turn.activity.id = None  # a made-up id; there is nothing to reply to yet
        try:
            await retrying(lambda: turn.send_activity(activity), "personal message")
        except Exception as exc:  # reported below, not to on_turn_error
            failures.append(exc)

    async def create() -> None:
        await adapter.create_conversation(
            app_id, callback, parameters, CHANNEL_ID, address["service_url"]
        )

    try:
        await retrying(create, "create_conversation")
    except Exception as exc:
        failures.append(exc)
    if not failures:
        return True
    cause = failures[0].__cause__ if isinstance(failures[0], ConversationGone) else failures[0]
    cause = cause or failures[0]
    logger.warning(
        "could not write to a person in a personal chat: %s %s (is the app installed for them?)",
        status_of(cause) or type(cause).__name__,
        error_code(cause) or "",
    )
    return False
