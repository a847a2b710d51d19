"""Teams invokes the bot answers itself: ``adaptiveCard/action`` (Universal Actions) and the
message action's ``composeExtension/fetchTask``/``submitAction`` (see _message_actions.py), the
ticket search's ``composeExtension/query`` and link unfurling's ``queryLink`` (_extensions.py).

An invoke is answered in the HTTP response, with a body. botbuilder's own path serialises that
body with msrest, which fails on a plain dict (CloudAdapter then answers HTTP 500); the part's
route serialises invoke bodies itself (see _part.py), and the handlers here return plain dicts
in the shapes Teams documents:

- ``{"statusCode": 200, "type": "application/vnd.microsoft.card.adaptive", "value": card}``
  replaces the card the person clicked on;
- ``{"statusCode": 200, "type": "application/vnd.microsoft.activity.message", "value": text}``
  shows them a short message and leaves the card as it is.

Approve, Cancel and Assign to me (verbs ``approve``, ``cancel``, ``assign_to_me``) run through the
approvals and answer with the card as it now stands, or with why not (see _clicks.py). A refresh
(verb ``refresh``, and any invoke a client sends by itself, ``trigger: "automatic"``) only reads:
it answers with the sender's view of the card (see _views.py) and never applies anything.

Edit: the change card's "Edit" (verb ``edit``) is answered with the form; "Preview" (verb
``edit_submit``) makes the new plan: the old card turns into "replaced", the new preview is
posted in the thread; a refused value brings the form back with the reason. "Back" (verb
``edit_back``) shows the pending card again.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from botbuilder.core import InvokeResponse, TurnContext

from bot.alerts import is_alert_plan
from bot.cards import change_card
from bot.edits import EditSubmission
from bot.messages import MessageRef

from ._activities import conversation_of
from ._cards import ADAPTIVE_CARD_CONTENT_TYPE, REFRESH_VERB, adaptive_card
from ._clicks import ANSWER_SECONDS, CLICK_VERBS, execute_click
from ._extensions import Extensions
from ._forms import BACK_VERB, SUBMIT_VERB, form_card, form_values
from ._message_actions import MessageActions
from ._views import Views

if TYPE_CHECKING:
    from ._bot import TeamsBot

__all__ = ["Invokes", "card_answer", "message_answer"]

logger = logging.getLogger(__name__)

MESSAGE_TYPE = "application/vnd.microsoft.activity.message"
UNKNOWN = "That button is not one I know."
Handler = Callable[[TurnContext], Awaitable[dict[str, Any]]]


def card_answer(card: dict[str, Any]) -> dict[str, Any]:
    return {"statusCode": 200, "type": ADAPTIVE_CARD_CONTENT_TYPE, "value": card}


def message_answer(text: str) -> dict[str, Any]:
    return {"statusCode": 200, "type": MESSAGE_TYPE, "value": text}


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


class Invokes:
    """The invokes one TeamsBot answers, by name."""

    def __init__(self, bot: TeamsBot) -> None:
        self.bot = bot
        actions, extensions = MessageActions(bot), Extensions(bot)
        self.views = Views(bot)
        self.answer_seconds = ANSWER_SECONDS  # a click's answer waits at most this long
        self.handlers: dict[str, Handler] = {
            "adaptiveCard/action": self._card_action,
            "composeExtension/fetchTask": actions.fetch_task,
            "composeExtension/submitAction": actions.submit_action,
            "composeExtension/query": extensions.query,
            "composeExtension/queryLink": extensions.query_link,
        }

    async def answer(self, turn: TurnContext) -> InvokeResponse | None:
        """The response to an invoke this bot handles; None for any other invoke."""
        handler = self.handlers.get(str(turn.activity.name or ""))
        if handler is None:
            return None
        try:
            body = await handler(turn)
        except Exception:
            reference = secrets.token_hex(4)
            logger.exception("Teams invoke %s failed (reference %s)", turn.activity.name, reference)
            body = message_answer(f"Sorry, that went wrong on my side (reference {reference}).")
        return InvokeResponse(status=200, body=body)

    async def _who(self, turn: TurnContext) -> tuple[str, str | None]:
        user_id = str(turn.activity.from_property.id)
        return user_id, await self.bot.members.email(turn, user_id)

    async def _card_action(self, turn: TurnContext) -> dict[str, Any]:
        value = _dict(turn.activity.value)
        action = _dict(value.get("action"))
        data = _dict(action.get("data"))
        verb, plan_id = str(action.get("verb") or ""), data.get("plan_id")
        if action.get("type") != "Action.Execute" or not isinstance(plan_id, str) or not plan_id:
            return message_answer(UNKNOWN)
        if verb == REFRESH_VERB or value.get("trigger") == "automatic":
            return await self._refresh(turn, plan_id)  # a client's own invoke: only ever reads
        if verb in CLICK_VERBS:
            text, card = await execute_click(
                self.bot, turn, verb, plan_id, within=self.answer_seconds
            )
            if card is not None:
                return card_answer(card)
            return message_answer(text) if text else await self._refresh(turn, plan_id)
        if verb == "edit":
            return await self._form(turn, plan_id)
        if verb == SUBMIT_VERB:
            return await self._submit(turn, plan_id, form_values(data))
        if verb == BACK_VERB:
            return await self._refresh(turn, plan_id)
        return message_answer(UNKNOWN)

    async def _refresh(self, turn: TurnContext, plan_id: str) -> dict[str, Any]:
        """The sender's view of the plan's card; nothing is changed."""
        stored = await self.bot.engine.db.plans.get(plan_id) if len(plan_id) <= 64 else None
        conversation = conversation_of(turn.activity)
        if stored is None or stored.conversation.conversation_id != conversation.conversation_id:
            return message_answer("I don't know that change; it may have been removed.")
        if is_alert_plan(stored):
            return message_answer(UNKNOWN)
        return card_answer(await self.views.card_for(turn, stored))

    async def _form(self, turn: TurnContext, plan_id: str) -> dict[str, Any]:
        user_id, email = await self._who(turn)
        conversation = conversation_of(turn.activity)
        form = await self.bot.engine.edits.form(plan_id, conversation, user_id, email)
        if isinstance(form, str):
            return message_answer(form)
        return card_answer(form_card(form))

    async def _submit(
        self, turn: TurnContext, plan_id: str, values: dict[str, str | None]
    ) -> dict[str, Any]:
        user_id, email = await self._who(turn)
        conversation = conversation_of(turn.activity)
        reply_to = turn.activity.reply_to_id
        submission = EditSubmission(
            conversation=conversation,
            user_id=user_id,
            email=email,
            plan_id=plan_id,
            values=values,
            message=MessageRef(conversation=conversation, message_id=reply_to)
            if reply_to
            else None,
        )
        edits = self.bot.engine.edits
        found = await edits.replan(submission)
        if isinstance(found, str):
            form = await edits.form(plan_id, conversation, user_id, email)
            if isinstance(form, str):
                return message_answer(found)
            return card_answer(form_card(form, error=found, values=values))
        old = found[0]
        answer = await edits.supersede(submission, self.bot.surface, *found)
        if answer is not None:
            return message_answer(answer)
        outcome = "Edited; the new preview is below."
        card = change_card(old.plan, plan_id=old.id, status="superseded", outcome=outcome)
        return card_answer(adaptive_card(card))
