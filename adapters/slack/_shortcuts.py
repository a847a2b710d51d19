"""The "Create Autotask ticket" message shortcut: a modal pre-filled from the message, whose
submission posts the usual confirmation card in the message's thread."""

from __future__ import annotations

import logging
from functools import partial
from typing import TYPE_CHECKING, Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_sdk.errors import SlackApiError

from bot.message_tickets import SourceMessage, TicketSubmission

from ._edit import submit_checked, target_conversation
from ._modals import EditTarget, edit_modal, modal_values
from ._surface import timed
from ._text import unformat

if TYPE_CHECKING:
    from slack_bolt.async_app import AsyncApp

    from ._app import SlackBot

__all__ = ["NEW_TICKET_CALLBACK", "TICKET_SHORTCUT", "ShortcutListeners"]

logger = logging.getLogger(__name__)

TICKET_SHORTCUT = "atbot_ticket_from_message"  # the manifest's shortcut callback_id
NEW_TICKET_CALLBACK = "atbot_new_ticket"


class ShortcutListeners:
    def __init__(self, bot: SlackBot) -> None:
        self.bot = bot

    def register(self, app: AsyncApp) -> None:
        app.shortcut(TICKET_SHORTCUT)(self._on_shortcut)
        app.view(NEW_TICKET_CALLBACK)(self._on_submit)

    async def _on_shortcut(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        self.bot.work.spawn(self._open(body), name="slack-shortcut")

    async def _link(self, channel: str, ts: str) -> str | None:
        try:
            answer = await timed(
                "chat.getPermalink",
                self.bot.client.chat_getPermalink(channel=channel, message_ts=ts),
            )
        except SlackApiError:
            return None  # the description then goes without a link back
        return str(answer.get("permalink") or "") or None

    async def _open(self, body: dict[str, Any]) -> None:
        tell = None
        try:
            user = str((body.get("user") or {}).get("id") or "")
            channel = str((body.get("channel") or {}).get("id") or "")
            message = body.get("message") or {}
            ts = str(message.get("ts") or "")
            if not (user and channel and ts):
                return
            target = EditTarget(
                plan_id="", channel=channel, message_ts=ts, thread_ts=message.get("thread_ts")
            )
            conversation = target_conversation(target)
            tell = partial(self.bot.surface.whisper, conversation, user)
            author = await self.bot.users.person(str(message.get("user") or user))
            source = SourceMessage(
                text=unformat(str(message.get("text") or "")),
                author_email=author.email,
                author_name=author.name,
                link=await self._link(channel, ts),
                platform_name="Slack",
            )
            person = await self.bot.users.person(user)
            tickets = self.bot.runtime.engine.message_tickets
            form = await tickets.form(source, conversation, user, person.email)
            if isinstance(form, str):
                await tell(form)
                return
            view = edit_modal(form, target, callback_id=NEW_TICKET_CALLBACK)
            view["submit"] = {"type": "plain_text", "text": "Preview"}
            trigger = str(body.get("trigger_id") or "")
            await timed("views.open", self.bot.client.views_open(trigger_id=trigger, view=view))
        except Exception as exc:
            await self.bot._failed("shortcut", exc, tell)

    async def _on_submit(self, ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        target = EditTarget.read(str(view.get("private_metadata") or ""))
        user = str((body.get("user") or {}).get("id") or "")
        if target is None or not user:
            await ack()
            return
        conversation = target_conversation(target)
        person = await self.bot.users.person(user)
        values = modal_values(view.get("state") or {})
        submission = TicketSubmission(
            conversation=conversation, user_id=user, email=person.email, values=values
        )
        tickets = self.bot.runtime.engine.message_tickets

        async def finish(found: Any) -> None:
            await tickets.preview(submission, self.bot.surface, *found)

        tell = partial(self.bot.surface.whisper, conversation, user)
        await submit_checked(self.bot, ack, tickets.plan(submission), values, finish, tell)
