"""The Teams bot: activities in, engine turns out.

The HTTP request that brings an activity is answered at once; the engine's work (Autotask calls,
the model) runs in the background and answers through the surface, so a slow turn never makes
the Bot Framework time out and resend the message.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, Protocol

from botbuilder.core import ActivityHandler, InvokeResponse, TurnContext
from botbuilder.schema import Activity, ChannelAccount

from bot.alerts import stop_alerts
from bot.cards import error_card
from bot.engine import Engine
from bot.messages import Conversation, IncomingMessage, Reply

from ._activities import (
    PLATFORM,
    TEAM_KEY,
    click_of,
    conversation_of,
    mentioned_people,
    message_of,
    reference_of,
    reply_activities,
    team_of,
)
from ._audience import IN_PRIVATE, NO_PERSONAL_CHAT, ChannelTypes, is_external
from ._invokes import Invokes
from ._members import MemberLookup
from ._personal import Addresses
from ._surface import TeamsSurface

__all__ = ["Background", "ReferenceSaver", "TeamsBot"]

logger = logging.getLogger(__name__)

WELCOME = (
    "Hi! I answer from Autotask: ask about tickets, time, contracts or projects, or type "
    "**help** for the commands. Every change is shown as a card first; nothing is written to "
    "Autotask until you approve it."
)
SORRY = "Sorry, that went wrong on my side. Nothing was changed."


class ReferenceSaver(Protocol):
    async def save(
        self, platform: str, conversation_id: str, reference: dict[str, Any], *, now: datetime
    ) -> None: ...

    async def all(self, platform: str) -> list[tuple[str, dict[str, Any]]]: ...


class Background:
    """The engine's work, run after the platform got its answer; failures are logged with a
    reference that the user is shown, never the exception text."""

    def __init__(self, surface: TeamsSurface) -> None:
        self._surface = surface
        self._tasks: set[asyncio.Task[None]] = set()

    def spawn(self, work: Awaitable[Any], conversation: Conversation, what: str) -> None:
        task = asyncio.create_task(self._run(work, conversation, what))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(self, work: Awaitable[Any], conversation: Conversation, what: str) -> None:
        try:
            await work
        except Exception:
            reference = secrets.token_hex(4)
            logger.exception("Teams %s failed (reference %s)", what, reference)
            try:
                card = error_card(SORRY, reference=reference)
                await self._surface.post(conversation, Reply(cards=(card,)))
            except Exception:
                logger.warning("could not report reference %s to the conversation", reference)

    async def drain(self) -> None:
        """Wait until every piece of work started so far (and any it started) has finished."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def close(self, *, grace_seconds: float = 10.0) -> None:
        """Let work in progress finish for a while, then cancel what is left."""
        try:
            async with asyncio.timeout(grace_seconds):
                await self.drain()
        except TimeoutError:
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*list(self._tasks), return_exceptions=True)


class TeamsBot(ActivityHandler):  # type: ignore[misc]
    def __init__(
        self,
        engine: Engine,
        references: ReferenceSaver,
        surface: TeamsSurface,
        *,
        members: MemberLookup,
        background: Background,
        addresses: Addresses | None = None,
        first_delivery: Callable[[str], Awaitable[bool]] | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        """``first_delivery(id)`` is False for an activity delivered before (to any replica,
        before a restart): the Bot Framework resends an activity it thinks was lost."""
        super().__init__()
        self.engine = engine
        self.surface = surface
        self.background = background
        self._references = references
        self._addresses = addresses
        self.members = members
        self._first_delivery = first_delivery
        self._clock = clock
        self.invokes = Invokes(self)
        self.channel_types = ChannelTypes()

    async def on_turn(self, turn_context: TurnContext) -> None:
        await self._remember(turn_context.activity)
        await super().on_turn(turn_context)

    async def _remember(self, activity: Activity) -> None:
        """Store where this conversation lives on every turn, so alerts reach it after a restart."""
        if not (activity.conversation and activity.service_url and activity.from_property):
            return
        self.surface.remember(str(activity.from_property.id), activity.from_property.name)
        reference = reference_of(activity)
        conversation_id = reference["conversation"]["id"]
        await self._references.save(PLATFORM, conversation_id, reference, now=self._clock())
        if self._addresses is not None:
            await self._addresses.remember(PLATFORM, activity, now=self._clock())

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        if await self._redelivered(activity):
            logger.info("Teams redelivered an activity; answered once")
            return
        email = await self.members.email(turn_context, str(activity.from_property.id))
        click = click_of(activity, email)
        if click is not None:
            self.background.spawn(
                self.engine.click(click, self.surface), click.conversation, "click"
            )
            return
        mentions: dict[str, str] = {}
        for name, member_id in mentioned_people(activity):
            address = await self.members.email(turn_context, member_id)
            if address:
                mentions[name] = address
        message = message_of(activity, email, mentions)
        if await is_external(turn_context, self.channel_types, self.members):
            self.background.spawn(self._in_private(message), message.conversation, "turn")
            return
        turn = self.engine.handle(message, self.surface)
        self.background.spawn(turn, message.conversation, "turn")

    async def _in_private(self, message: IncomingMessage) -> None:
        """A question asked where people of another organisation read along: answered in the
        asker's personal chat, with a word in the thread that says where (and nothing else)."""
        chat = await self.surface.personal_chat(message.user_id)
        if chat is None:
            await self.surface.post(message.conversation, Reply(text=NO_PERSONAL_CHAT))
            return
        await self.surface.post(message.conversation, Reply(text=IN_PRIVATE))
        update = {
            "conversation": chat,
            "origin": message.conversation,
            "shared": False,
            "external": True,
            "message_id": None,
        }
        await self.engine.handle(message.model_copy(update=update), self.surface)

    async def _redelivered(self, activity: Activity) -> bool:
        if self._first_delivery is None or not activity.id or not activity.conversation:
            return False
        return not await self._first_delivery(f"{activity.conversation.id}:{activity.id}")

    async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse | None:
        """Invokes this bot answers itself (card actions…), else botbuilder's defaults."""
        answer = await self.invokes.answer(turn_context)
        if answer is not None:
            return answer
        result: InvokeResponse | None = await super().on_invoke_activity(turn_context)
        return result

    async def on_members_added_activity(
        self, members_added: list[ChannelAccount], turn_context: TurnContext
    ) -> None:
        bot_id = turn_context.activity.recipient.id if turn_context.activity.recipient else None
        if any(member.id == bot_id for member in members_added):
            await turn_context.send_activity(WELCOME)

    async def on_members_removed_activity(
        self, members_removed: list[ChannelAccount], turn_context: TurnContext
    ) -> None:
        bot_id = turn_context.activity.recipient.id if turn_context.activity.recipient else None
        if any(member.id == bot_id for member in members_removed):
            await self._gone(turn_context.activity, "removed from the conversation")

    async def on_installation_update_remove(self, turn_context: TurnContext) -> None:
        await self._gone(turn_context.activity, "uninstalled")

    async def _gone(self, activity: Activity, why: str) -> None:
        """The bot is out of this conversation: its alerts stop now, not after failed posts,
        and whoever turned them on is told in their personal chat."""
        if activity.conversation is None:
            return
        removed = 0
        for channel in await self._channels_left(activity):
            removed += await stop_alerts(self.engine, self.surface, channel)
        logger.warning("Teams: the bot was %s; %d alert subscriptions turned off", why, removed)

    async def _channels_left(self, activity: Activity) -> list[Conversation]:
        """The conversations the bot is gone from: the one of the event, and — when a team
        removes it (the event then comes from the team's General channel, whose id is the
        team's) — every channel of that team it has a reference for. A shared channel that
        only disallows the bot comes with its own id, and only that channel is left."""
        here = conversation_of(activity).model_copy(update={"thread_id": None})
        team = team_of(activity)
        if team is None or team != here.conversation_id:
            return [here]
        ids = {
            conversation_id
            for conversation_id, reference in await self._references.all(PLATFORM)
            if reference.get(TEAM_KEY) == team
        }
        ids.discard(here.conversation_id)
        return [here] + [here.model_copy(update={"conversation_id": i}) for i in sorted(ids)]

    async def on_error(self, turn_context: TurnContext, error: Exception) -> None:
        """The adapter's one ``on_turn_error``: log with a reference, tell the user that id."""
        reference = secrets.token_hex(4)
        logger.error("Teams turn failed (reference %s)", reference, exc_info=error)
        reply = Reply(cards=(error_card(SORRY, reference=reference),))
        try:
            await turn_context.send_activities(reply_activities(reply, lambda _: None))
        except Exception:
            logger.warning("could not report reference %s to the conversation", reference)
