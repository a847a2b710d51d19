"""The "Create Autotask ticket" message action: ``composeExtension/fetchTask`` opens a task module
with the form pre-filled from the message; ``composeExtension/submitAction`` plans the ticket and
posts the usual confirmation card in the message's conversation (a refusal shows the form again,
with the reason and what was typed); from a shared channel, the card goes to the personal chat.
"""

from __future__ import annotations

import html
import re
from typing import TYPE_CHECKING, Any

from botbuilder.core import TurnContext

from bot.edits import Form
from bot.message_tickets import SourceMessage, TicketSubmission

from ._activities import conversation_of
from ._audience import NO_PERSONAL_CHAT, is_external
from ._cards import ADAPTIVE_CARD_CONTENT_TYPE
from ._forms import form_card, form_values

if TYPE_CHECKING:
    from ._bot import TeamsBot

__all__ = ["CREATE_TICKET", "MessageActions", "message_text"]

CREATE_TICKET = "createTicket"  # the manifest's composeExtensions command id
_BREAKS = re.compile(r"<\s*(br|/p|/div|/li)\s*/?>", re.IGNORECASE)
_TAGS = re.compile(r"<[^>]{0,2000}>")


def message_text(body: dict[str, Any]) -> str:
    """A message payload's body as plain text (Teams sends HTML)."""
    content = str(body.get("content") or "")
    if str(body.get("contentType") or "").lower() != "html":
        return content.strip()
    text = html.unescape(_TAGS.sub("", _BREAKS.sub("\n", content)))
    return "\n".join(line.strip() for line in text.splitlines()).strip()


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _task(form: Form, *, error: str | None = None, values: dict[str, Any] | None = None) -> Any:
    card = form_card(form, error=error, values=values, submit="submit")
    attachment = {"contentType": ADAPTIVE_CARD_CONTENT_TYPE, "content": card}
    return {"task": {"type": "continue",
                     "value": {"title": form.title, "height": "large", "width": "medium",
                               "card": attachment}}}  # fmt: skip


def _message(text: str) -> dict[str, Any]:
    return {"task": {"type": "message", "value": text}}


class MessageActions:
    def __init__(self, bot: TeamsBot) -> None:
        self.bot = bot

    async def _source(self, turn: TurnContext, payload: dict[str, Any]) -> SourceMessage:
        author = _dict(_dict(payload.get("from")).get("user"))
        author_id = str(author.get("id") or "")
        email = await self.bot.members.email(turn, author_id) if author_id else None
        return SourceMessage(
            text=message_text(_dict(payload.get("body"))),
            author_email=email,
            author_name=str(author.get("displayName") or "") or None,
            link=str(payload.get("linkToMessage") or "") or None,
            platform_name="Teams",
        )

    async def _form(self, turn: TurnContext, value: dict[str, Any]) -> Form | str:
        user_id = str(turn.activity.from_property.id)
        email = await self.bot.members.email(turn, user_id)
        source = await self._source(turn, _dict(value.get("messagePayload")))
        return await self.bot.engine.message_tickets.form(
            source, conversation_of(turn.activity), user_id, email
        )

    async def fetch_task(self, turn: TurnContext) -> dict[str, Any]:
        value = _dict(turn.activity.value)
        if value.get("commandId") != CREATE_TICKET:
            return _message("That action is not one I know.")
        form = await self._form(turn, value)
        return _message(form) if isinstance(form, str) else _task(form)

    async def submit_action(self, turn: TurnContext) -> dict[str, Any]:
        value = _dict(turn.activity.value)
        if value.get("commandId") != CREATE_TICKET:
            return _message("That action is not one I know.")
        user_id = str(turn.activity.from_property.id)
        email = await self.bot.members.email(turn, user_id)
        values = form_values(_dict(value.get("data")))
        conversation = conversation_of(turn.activity)
        if await is_external(turn, self.bot.channel_types, self.bot.members):
            chat = await self.bot.surface.personal_chat(user_id)  # the card shows the customer
            if chat is None:
                return _message(NO_PERSONAL_CHAT)
            conversation = chat
        submission = TicketSubmission(
            conversation=conversation, user_id=user_id, email=email, values=values
        )
        tickets = self.bot.engine.message_tickets
        found = await tickets.plan(submission)
        if isinstance(found, str):
            form = await self._form(turn, value)
            return (
                _message(found)
                if isinstance(form, str)
                else _task(form, error=found, values=values)
            )
        await tickets.preview(submission, self.bot.surface, *found)
        return {}
