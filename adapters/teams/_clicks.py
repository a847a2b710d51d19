"""Approve, Cancel and Assign to me as ``Action.Execute``: the click runs through the approvals
(bot/approvals.py, the same path as a click from any platform) and is answered in the invoke's
HTTP response, for the person who clicked:

- what the approvals would have told them alone ("Only Sarah Mitchell (or an approver) can
  confirm this change.", "This change is already applied.") is the answer's message, and the
  card stays as it is;
- otherwise the answer is the card as it now stands, the one the approvals also put in the
  conversation for everyone (``updateActivity``).

Teams waits about five seconds for an invoke's answer, then sends it again. A click that takes
longer (a slow Autotask) is answered after ``ANSWER_SECONDS`` with a message saying the card
will show the outcome; the click goes on in the background and its card update reaches everyone.
A second delivery of the same click finds the plan no longer pending and changes nothing.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from bot.messages import ChatSurface, Click, Conversation, MessageRef, Reply

from ._activities import clicked
from ._cards import adaptive_card

if TYPE_CHECKING:
    from botbuilder.core import TurnContext

    from ._bot import TeamsBot

__all__ = ["ANSWER_SECONDS", "CLICK_VERBS", "ClickSurface", "execute_click"]

ANSWER_SECONDS = 3.5
CLICK_VERBS = frozenset({"approve", "cancel", "assign_to_me"})
SLOW = "Autotask is taking a while; the card shows the outcome as soon as it answers."


class ClickSurface:
    """The bot's surface for one click, keeping back what the invoke answers instead: what the
    approvals tell the clicker, and the clicked card's new state (which still goes out to
    everyone). After ``let_go`` everything goes out as usual."""

    def __init__(self, surface: ChatSurface, click: Click) -> None:
        self._surface = surface
        self._click = click
        self._held = True
        self.text: str | None = None
        self.card: dict[str, Any] | None = None

    def let_go(self) -> None:
        self._held = False

    def _clicked(self, message: MessageRef) -> bool:
        own = self._click.message
        return own is None or own.message_id == message.message_id

    async def post(self, conversation: Conversation, reply: Reply) -> MessageRef:
        return await self._surface.post(conversation, reply)

    async def update(self, message: MessageRef, reply: Reply) -> None:
        await self._surface.update(message, reply)
        if self._held and self._clicked(message) and reply.cards:
            self.card = adaptive_card(reply.cards[0])

    async def typing(self, conversation: Conversation) -> None:
        await self._surface.typing(conversation)

    async def whisper(self, conversation: Conversation, user_id: str, text: str) -> None:
        if self._held and user_id == self._click.user_id:
            self.text = text
            return
        await self._surface.whisper(conversation, user_id, text)


async def execute_click(
    bot: TeamsBot, turn: TurnContext, verb: str, plan_id: Any, *, within: float = ANSWER_SECONDS
) -> tuple[str | None, dict[str, Any] | None]:
    """Run the click; (a message for the clicker, or the card now), the message ``SLOW`` when
    the click goes on in the background after ``within`` seconds; both None when the click
    settled without a word for the clicker (the caller shows the card as stored)."""
    user_id = str(turn.activity.from_property.id)
    click = clicked(turn.activity, await bot.members.email(turn, user_id), verb, plan_id)
    if click is None:
        return "That button is not one I know.", None
    surface = ClickSurface(bot.surface, click)
    work = asyncio.ensure_future(bot.engine.click(click, surface))
    done, _ = await asyncio.wait({work}, timeout=within)
    if not done:
        surface.let_go()
        bot.background.spawn(work, click.conversation, "click")
        return surface.text or SLOW, None
    return surface.text, surface.card
