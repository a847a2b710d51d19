"""The ChatSurface for Teams: every post, update, typing indicator and whisper goes out through
``continue_conversation`` with the conversation reference stored in the database.

So a reply, a card update and an alert after a restart all take the same path, and the bot never
depends on the HTTP request that brought a question still being open.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from functools import partial
from typing import Any, Protocol, TypeVar

from botbuilder.core import TurnContext
from botbuilder.schema import Activity, ActivityTypes

from bot.messages import Conversation, ConversationGone, FileAttachment, MessageRef, Reply
from bot.storage import AddressStore

from ..downloads import Downloads
from ._activities import (
    NO_AUDIENCES,
    PLATFORM,
    Audiences,
    mention_activity,
    message_activity,
    reference_for,
    reply_activities,
    update_activity,
)
from ._personal import open_personal_chat
from ._retry import retrying
from ._views import PlanLookup, audiences

__all__ = ["ReferenceLookup", "TeamsDeliveryError", "TeamsSurface"]

logger = logging.getLogger(__name__)

T = TypeVar("T")
_MAX_NAMES = 5000


class TeamsDeliveryError(RuntimeError):
    """A message could not be delivered to Teams (no stored reference, or the connector failed)."""


class ReferenceLookup(Protocol):
    async def get(self, platform: str, conversation_id: str) -> dict[str, Any] | None: ...

    async def save(
        self, platform: str, conversation_id: str, reference: dict[str, Any], *, now: datetime
    ) -> None: ...


class TeamsSurface:
    def __init__(
        self,
        adapter: Any,
        references: ReferenceLookup,
        *,
        addresses: AddressStore | None = None,
        app_id: str | None = None,
        downloads: Downloads | None = None,
        plans: PlanLookup | None = None,
    ) -> None:
        """``plans``: where a pending change card's requester is found, to show them their
        buttons and everyone else a read-only view (without: the buttons for everyone)."""
        self._adapter = adapter
        self._references = references
        self._addresses = addresses
        self._plans = plans
        self._app_id = app_id
        self._downloads = downloads
        self._names: OrderedDict[str, str] = OrderedDict()

    def remember(self, user_id: str, name: str | None) -> None:
        """Note a person's display name, to @mention them in a refusal later."""
        if not name:
            return
        self._names[user_id] = name
        self._names.move_to_end(user_id)
        while len(self._names) > _MAX_NAMES:
            self._names.popitem(last=False)

    def _link(self, file: FileAttachment) -> str | None:
        if self._downloads is None:
            return None
        try:
            return self._downloads.link(file)  # NoPublicAddress goes to the file card
        except FileNotFoundError:
            logger.warning("export %s is gone before its link was made", file.name)
            return None

    async def _continue(
        self, conversation: Conversation, logic: Callable[[TurnContext], Awaitable[T]]
    ) -> T:
        stored = await self._references.get(PLATFORM, conversation.conversation_id)
        if stored is None:
            raise TeamsDeliveryError(
                "No Teams conversation reference is stored for this conversation; the bot can "
                "post only where it has been added and has received a message."
            )
        results: list[T] = []
        failures: list[Exception] = []

        async def callback(turn: TurnContext) -> None:
            # A continuation turn carries a made-up activity id; without this the connector
            # would be asked to reply to a message that does not exist.
            turn.activity.id = None
            try:
                results.append(await logic(turn))
            except Exception as exc:  # raised to the caller below, not to on_turn_error
                failures.append(exc)

        await self._adapter.continue_conversation(
            reference_for(stored, conversation), callback, self._app_id
        )
        if failures:
            if isinstance(failures[0], ConversationGone):
                raise failures[0]
            raise TeamsDeliveryError("Teams did not accept the message") from failures[0]
        return results[0]

    async def _send(self, conversation: Conversation, activities: list[Activity]) -> list[str]:
        async def logic(turn: TurnContext) -> list[str]:
            ids = []
            for activity in activities:  # one by one: a retry never repeats an accepted one
                response = await retrying(partial(turn.send_activity, activity), "send")
                ids.append(str(response.id) if response is not None and response.id else "")
            return ids

        return await self._continue(conversation, logic)

    async def _audiences(self, reply: Reply) -> Audiences:
        return NO_AUDIENCES if self._plans is None else await audiences(self._plans, reply.cards)

    async def post(self, conversation: Conversation, reply: Reply) -> MessageRef:
        activities = reply_activities(reply, self._link, await self._audiences(reply))
        ids = await self._send(conversation, activities)
        if not ids[-1]:
            raise TeamsDeliveryError("Teams accepted the message but returned no id for it")
        return MessageRef(conversation=conversation, message_id=ids[-1])

    async def update(self, message: MessageRef, reply: Reply) -> None:
        activity = update_activity(reply, message.message_id, await self._audiences(reply))

        async def logic(turn: TurnContext) -> None:
            await retrying(lambda: turn.update_activity(activity), "update")

        await self._continue(message.conversation, logic)

    async def typing(self, conversation: Conversation) -> None:
        await self._send(conversation, [Activity(type=ActivityTypes.typing)])

    async def whisper(self, conversation: Conversation, user_id: str, text: str) -> None:
        """Teams has no message only one person sees in a channel: reply in the thread and
        @mention them (in a personal chat they are the only reader anyway)."""

        async def logic(turn: TurnContext) -> list[Any]:
            personal = turn.activity.conversation.conversation_type == "personal"
            name = None if personal else self._names.get(user_id)
            activity = mention_activity(user_id, name, text)
            return [await retrying(lambda: turn.send_activity(activity), "whisper")]

        await self._continue(conversation, logic)

    async def personal_chat(self, user_id: str, *, fresh: bool = False) -> Conversation | None:
        """The person's personal chat with the bot: the one they had (unless ``fresh``), else
        one the bot opens, which Teams allows when the app is installed for them; None when
        the bot does not know how to reach them or Teams refuses."""
        person = None
        if self._addresses is not None:
            person = await self._addresses.get(PLATFORM, user_id)
        if person is None:
            logger.info("no Teams address to reach a person at")
            return None
        known = person.personal_conversation_id
        if known and not fresh and await self._references.get(PLATFORM, known) is not None:
            return Conversation(platform=PLATFORM, conversation_id=known)
        reference = await open_personal_chat(self._adapter, self._app_id, person.address)
        if reference is None or self._addresses is None:
            return None
        chat = str(reference["conversation"]["id"])
        now = datetime.now(UTC)
        await self._references.save(PLATFORM, chat, reference, now=now)
        await self._addresses.save(
            PLATFORM, user_id, person.address, personal_conversation_id=chat, now=now
        )
        return Conversation(platform=PLATFORM, conversation_id=chat)

    async def tell_person(
        self, email: str, about: Conversation, text: str, *, user_id: str | None = None
    ) -> bool:
        """A message to the person in their personal chat with the bot (see ``personal_chat``);
        a personal chat that is gone (the app removed from their scope) is opened again."""
        activity = message_activity(f"About a Teams channel where you turned on alerts: {text}")
        for fresh in (False, True):
            chat = await self.personal_chat(user_id, fresh=fresh) if user_id else None
            if chat is None:
                return False
            try:
                await self._send(chat, [activity])
                return True
            except (ConversationGone, TeamsDeliveryError) as exc:
                logger.info("writing to a personal chat failed (%s)", type(exc).__name__)
        return False
