"""Edit before approve in Slack: the card's "Edit" button opens a modal with the planned fields;
its view_submission becomes a new plan and preview in the card's thread.

The button's trigger_id is only good for 3 seconds, so the modal opens right after the ack. A
submission is checked (``plan_change``) while Slack waits, up to ``CHECK_SECONDS``: a refusal is
shown in the modal next to the field it names, and nothing changes. A check that takes longer
closes the modal and finishes in the background; a refusal then comes as an ephemeral message.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

from slack_bolt.context.ack.async_ack import AsyncAck

from bot.edits import EditSubmission
from bot.messages import Conversation, MessageRef

from ._modals import EDIT_CALLBACK, EditTarget, edit_modal, error_block, modal_values
from ._payloads import ActionPayload, conversation_of
from ._surface import timed

if TYPE_CHECKING:
    from slack_bolt.async_app import AsyncApp

    from ._app import SlackBot

__all__ = ["CHECK_SECONDS", "EditListeners", "submit_checked", "target_conversation"]

T = TypeVar("T")

CHECK_SECONDS = 2.0
_EDIT = re.compile(r"^edit:[A-Za-z0-9_-]{8,64}$")


def target_conversation(target: EditTarget) -> Conversation:
    """Where a modal's card lives: the channel's thread of the message, or the DM."""
    direct = target.channel.startswith("D")
    return conversation_of(target.channel, target.message_ts, target.thread_ts, direct=direct)


class EditListeners:
    """The Edit button and the modal's submission, for one SlackBot."""

    def __init__(self, bot: SlackBot) -> None:
        self.bot = bot

    def register(self, app: AsyncApp) -> None:
        app.action(_EDIT)(self._on_edit)
        app.view(EDIT_CALLBACK)(self._on_submit)

    async def _on_edit(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        self.bot.work.spawn(self._open(body), name="slack-edit")

    async def _open(self, raw: dict[str, Any]) -> None:
        tell = None
        try:
            payload = ActionPayload.model_validate(raw)
            channel = payload.channel_id
            if channel is None or not payload.actions:
                return
            plan_id = payload.actions[0].action_id.partition(":")[2]
            ts = None if payload.container.is_ephemeral else payload.message_ts
            target = EditTarget(
                plan_id=plan_id, channel=channel, message_ts=ts, thread_ts=payload.thread_ts
            )
            conversation = target_conversation(target)
            tell = partial(self.bot.surface.whisper, conversation, payload.user.id)
            person = await self.bot.users.person(payload.user.id)
            form = await self.bot.runtime.engine.edits.form(
                plan_id, conversation, payload.user.id, person.email
            )
            if isinstance(form, str):
                await tell(form)
                return
            view = edit_modal(form, target)
            trigger = str(raw.get("trigger_id") or "")
            await timed("views.open", self.bot.client.views_open(trigger_id=trigger, view=view))
        except Exception as exc:
            await self.bot._failed("edit", exc, tell)

    async def _on_submit(self, ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        target = EditTarget.read(str(view.get("private_metadata") or ""))
        user = str((body.get("user") or {}).get("id") or "")
        if target is None or not user:
            await ack()
            return
        values = modal_values(view.get("state") or {})
        conversation = target_conversation(target)
        person = await self.bot.users.person(user)
        message = MessageRef(conversation=conversation, message_id=target.message_ts or "")
        submission = EditSubmission(
            conversation=conversation,
            user_id=user,
            email=person.email,
            plan_id=target.plan_id,
            values=values,
            message=message if target.message_ts else None,
        )
        edits = self.bot.runtime.engine.edits
        tell = partial(self.bot.surface.whisper, conversation, user)

        async def finish(found: Any) -> str | None:
            return await edits.supersede(submission, self.bot.surface, *found)

        await submit_checked(self.bot, ack, edits.replan(submission), values, finish, tell)


async def submit_checked(
    bot: SlackBot,
    ack: AsyncAck,
    check: Awaitable[T | str],
    values: dict[str, str | None],
    finish: Callable[[T], Awaitable[object]],
    tell: Callable[[str], Awaitable[None]],
) -> None:
    """Answer a view_submission: run ``check`` while Slack waits (up to CHECK_SECONDS); a refusal
    goes back into the modal; else close it and ``finish`` in the background (a late refusal, or
    a text ``finish`` returns, is told to the user)."""
    task = asyncio.ensure_future(check)
    done, _ = await asyncio.wait({task}, timeout=CHECK_SECONDS)
    if done and isinstance(found := task.result(), str):
        await ack(response_action="errors", errors=error_block(values, found))
        return
    await ack()

    async def work() -> None:
        try:
            result = await task
            answer = result if isinstance(result, str) else await finish(result)
            if isinstance(answer, str) and answer:
                await tell(answer)
        except Exception as exc:
            await bot._failed("form", exc, tell)

    bot.work.spawn(work(), name="slack-form-submit")
