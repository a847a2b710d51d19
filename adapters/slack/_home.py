"""The App Home tab, "My work": refreshed (views.publish) each time the technician opens it, and
after each of its buttons. "Start timer" on a ticket and "Cancel timer" act at once (a timer is
the bot's own state); everything that writes to Autotask still goes through a preview."""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

from slack_bolt.context.ack.async_ack import AsyncAck

from autotask import AutotaskError
from bot.commands import Command
from bot.commands._command import TimerRequest
from bot.identity import IdentityError
from bot.messages import Conversation, IncomingMessage
from bot.my_work import MyWork, my_work

from ._payloads import PLATFORM
from ._surface import timed
from ._text import clip, escape, link

if TYPE_CHECKING:
    from slack_bolt.async_app import AsyncApp

    from ._app import SlackBot

__all__ = ["HomeListeners", "home_view"]

logger = logging.getLogger(__name__)

_TIMER_START = re.compile(r"^home_timer:\d{1,12}$")
_TIMER_CANCEL = "home_timer_cancel"
Block = dict[str, Any]


def _section(text: str, button: Block | None = None) -> Block:
    block: Block = {"type": "section", "text": {"type": "mrkdwn", "text": clip(text, 3000)}}
    if button is not None:
        block["accessory"] = button
    return block


def _header(text: str) -> Block:
    return {"type": "header", "text": {"type": "plain_text", "text": text[:150]}}


def _ticket_line(row: dict[str, Any], template: str | None) -> str:
    number = str(row.get("ticketNumber") or row.get("id"))
    shown = link(template.replace("{id}", str(row["id"])), number) if template else number
    parts = [f"*{shown}* {escape(str(row.get('title') or ''))}"]
    details = [str(row[k]) for k in ("companyID", "priority", "status") if row.get(k)]
    if row.get("dueDateTime"):
        details.append(f"due {row['dueDateTime']}")
    return parts[0] + ("\n" + escape(" · ".join(details)) if details else "")


def _timer_button(row: dict[str, Any]) -> Block:
    return {"type": "button", "text": {"type": "plain_text", "text": "Start timer"},
            "action_id": f"home_timer:{row['id']}", "value": str(row["id"])}  # fmt: skip


def home_view(work: MyWork) -> Block:
    """The Home tab for ``work`` (at most 100 blocks, as Slack allows)."""
    blocks: list[Block] = [_header(f"My work — {work.name}")]
    if work.timer is not None:
        cancel = {"type": "button", "text": {"type": "plain_text", "text": "Cancel timer"},
                  "action_id": _TIMER_CANCEL, "style": "danger"}  # fmt: skip
        about = f" — {escape(work.timer.summary)}" if work.timer.summary else ""
        text = (
            f":stopwatch: Timer on *{escape(work.timer.ticket_label)}*{about}: "
            f"{work.timer_elapsed}. Say `stop timer <what you did>` to log it."
        )
        blocks.append(_section(text, cancel))
    total = work.open_total if work.open_total is not None else len(work.open_tickets)
    blocks += [_header(f"Open tickets ({total})")]
    running = work.timer.ticket_id if work.timer else None
    for row in work.open_tickets:
        button = _timer_button(row) if work.timer is None and row.get("id") != running else None
        blocks.append(_section(_ticket_line(row, work.ticket_link), button))
    if not work.open_tickets:
        blocks.append(_section("Nothing open is assigned to you."))
    blocks += [_header(f"Due today ({len(work.due_today)})")]
    blocks += [_section(_ticket_line(r, work.ticket_link)) for r in work.due_today] or [
        _section("Nothing is due today.")
    ]
    blocks += [_header(f"Logged today: {work.hours_today:g}h")]
    for entry in work.time_today:
        what = escape(str(entry.get("summaryNotes") or ""))[:200]
        blocks.append(_section(f"{entry.get('hoursWorked')}h on {entry.get('ticketID')} — {what}"))
    if not work.time_today:
        blocks.append(_section("No time logged today yet."))
    return {"type": "home", "blocks": blocks[:100]}


def _refusal_view(text: str) -> Block:
    return {"type": "home", "blocks": [_header("My work"), _section(escape(text))]}


class HomeListeners:
    def __init__(self, bot: SlackBot) -> None:
        self.bot = bot

    def register(self, app: AsyncApp) -> None:
        app.event("app_home_opened")(self._on_opened)
        app.action(_TIMER_START)(self._on_timer)
        app.action(_TIMER_CANCEL)(self._on_timer)

    async def _on_opened(self, event: dict[str, Any]) -> None:
        if event.get("tab") == "home" and event.get("user"):
            self.bot.work.spawn(self.publish(str(event["user"])), name="slack-home")

    async def _on_timer(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        self.bot.work.spawn(self._timer(body), name="slack-home-timer")

    async def _message(self, user: str) -> IncomingMessage:
        person = await self.bot.users.person(user)
        home = Conversation(platform=PLATFORM, conversation_id=f"home:{user}")
        return IncomingMessage(conversation=home, user_id=user, email=person.email, text="")

    async def _timer(self, body: dict[str, Any]) -> None:
        user = str((body.get("user") or {}).get("id") or "")
        actions = body.get("actions") or [{}]
        action_id = str(actions[0].get("action_id") or "")
        try:
            message = await self._message(user)
            engine = self.bot.runtime.engine
            actor = await engine.identity.resolve(PLATFORM, user, message.email)
            if action_id == _TIMER_CANCEL:
                command = Command(intent="timer_cancel")
            else:
                ticket = int(action_id.partition(":")[2])
                command = Command(intent="timer_start", timer=TimerRequest(ticket=ticket))
            await engine.timers.command(message, engine.context(actor), actor, command)
        except (IdentityError, AutotaskError, ValueError) as exc:
            logger.info("App Home timer button refused: %s", type(exc).__name__)
        await self.publish(user)

    async def publish(self, user: str) -> None:
        """Build and publish the technician's Home tab; a refusal is shown there instead."""
        try:
            message = await self._message(user)
            engine = self.bot.runtime.engine
            actor = await engine.identity.resolve(PLATFORM, user, message.email)
            view = home_view(await my_work(engine, actor))
        except IdentityError as exc:
            view = _refusal_view(str(exc))
        except AutotaskError as exc:
            view = _refusal_view(f"Autotask is not answering right now: {exc}")
        except Exception as exc:
            await self.bot._failed("home", exc, None)
            return
        await timed("views.publish", self.bot.client.views_publish(user_id=user, view=view))
