"""Timers: "start timer on T…", "stop timer …", "timer", "cancel timer".

One running timer per technician, kept in the database (so it survives restarts and is the same on
every replica and platform). Stopping it makes the usual time-entry preview with the elapsed time
and the start it had; nothing is logged until the technician approves that preview. A timer that
cannot become a preview (no summary, too long, ticket gone) keeps running, and the reply says why.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from autotask import NotFoundError
from autotask.tools import Actor, ChangePlan, ToolContext, ToolError, call

from .cards import change_card
from .commands import Command
from .messages import IncomingMessage, Reply
from .storage import RunningTimer

if TYPE_CHECKING:
    from .engine import Engine

__all__ = ["Timers", "elapsed_text"]

_START = "`start timer on <ticket> [what you are doing]`"
_MAX = timedelta(hours=24)  # the most one time entry can hold


def elapsed_text(elapsed: timedelta) -> str:
    minutes = max(1, round(elapsed.total_seconds() / 60))
    hours, rest = divmod(minutes, 60)
    return f"{hours}h {rest}m" if hours and rest else f"{hours}h" if hours else f"{rest}m"


class Timers:
    """The timer commands of one engine."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    async def command(
        self, message: IncomingMessage, ctx: ToolContext, actor: Actor, command: Command
    ) -> tuple[Reply, list[str]]:
        if command.intent == "timer_start":
            return Reply(text=await self._start(message, ctx, actor, command)), []
        if command.intent == "timer_stop":
            return await self._stop(message, ctx, actor, command)
        running = await self.engine.db.timers.get(actor.resource_id)
        if running is None:
            return Reply(text=f"No timer is running. Start one with {_START}."), []
        if command.intent == "timer_cancel":
            taken = await self.engine.db.timers.take(actor.resource_id)
            if taken is None:
                return Reply(text="No timer is running; it was stopped a moment ago."), []
            return Reply(
                text=f"Timer on {taken.ticket_label} cancelled after "
                f"{self._elapsed(taken)}; nothing was logged."
            ), []
        return Reply(text=self._describe(running, ctx) + " Say `stop timer` to log it."), []

    def _elapsed(self, timer: RunningTimer) -> str:
        return elapsed_text(self.engine.clock() - timer.started_at)

    def _describe(self, timer: RunningTimer, ctx: ToolContext) -> str:
        since = timer.started_at.astimezone(ctx.tz)
        about = f" ({timer.summary})" if timer.summary else ""
        day = "" if since.date() == self._today(ctx) else f" on {since:%a %d %b}"
        return (
            f"Your timer on {timer.ticket_label}{about} has run for {self._elapsed(timer)}, "
            f"since {since:%H:%M}{day}."
        )

    def _today(self, ctx: ToolContext) -> date:
        return self.engine.clock().astimezone(ctx.tz).date()

    async def _start(
        self, message: IncomingMessage, ctx: ToolContext, actor: Actor, command: Command
    ) -> str:
        request = command.timer
        if request is None or request.ticket is None:
            return f"Say which ticket to time, for example {_START}."
        try:
            ticket_id = await ctx.names.resolve("Ticket", request.ticket)
            ticket = await ctx.client.get("Tickets", ticket_id)
        except ToolError as exc:
            return str(exc)
        except NotFoundError:
            return f"No ticket {request.ticket} exists in Autotask."
        label = str(ticket.get("ticketNumber") or f"#{ticket_id}")
        wanted = RunningTimer(
            resource_id=actor.resource_id,
            ticket_id=ticket_id,
            ticket_label=label,
            summary=request.summary,
            platform=message.conversation.platform,
            user_id=message.user_id,
            started_at=self.engine.clock(),
        )
        running = await self.engine.db.timers.start(wanted)
        if running != wanted:
            return (
                self._describe(running, ctx) + " One timer runs at a time: `stop timer` logs it, "
                "`cancel timer` drops it."
            )
        title = f" — {ticket['title']}" if ticket.get("title") else ""
        return (
            f"Timer started on {label}{title} at {wanted.started_at.astimezone(ctx.tz):%H:%M}. "
            "Say `stop timer [what you did]` when you are done; nothing is logged before you "
            "approve the time entry."
        )

    async def _stop(
        self, message: IncomingMessage, ctx: ToolContext, actor: Actor, command: Command
    ) -> tuple[Reply, list[str]]:
        running = await self.engine.db.timers.get(actor.resource_id)
        if running is None:
            return Reply(text=f"No timer is running. Start one with {_START}."), []
        summary = (command.timer.summary if command.timer else None) or running.summary
        if not summary:
            return Reply(
                text=self._describe(running, ctx)
                + " Say what you did to log it, for example `stop timer replaced the switch`."
            ), []
        if self.engine.clock() - running.started_at > _MAX:
            return Reply(
                text=self._describe(running, ctx) + " That is more than one time entry can hold "
                "(24h). Log the time with `log <duration> <day> <time> on <ticket> …`, then "
                "`cancel timer`."
            ), []
        taken = await self.engine.db.timers.take(actor.resource_id)
        if taken is None:
            return Reply(text="No timer is running; it was stopped a moment ago."), []
        try:
            plan = await self._plan(ctx, taken, summary)
        except ToolError as exc:
            await self.engine.db.timers.start(taken)  # it keeps running
            return Reply(text=f"{exc} The timer is still running."), []
        plan_id = await self.engine.store_plan(plan, message, actor)
        text = f"Timer stopped after {self._elapsed(taken)}. Approve the time entry to log it."
        return Reply(text=text, cards=(change_card(plan, plan_id=plan_id),)), [plan_id]

    async def _plan(self, ctx: ToolContext, timer: RunningTimer, summary: str) -> ChangePlan:
        minutes = max(1, round((self.engine.clock() - timer.started_at).total_seconds() / 60))
        fields = {
            "ticket": timer.ticket_id,
            "duration": f"{minutes}m",
            "start": _iso(timer.started_at),
            "summaryNotes": summary,
        }
        arguments = {"action": "create", "entity": "TimeEntries", "fields": fields}
        result = await call("plan_change", arguments, ctx)
        assert isinstance(result, ChangePlan)
        return result


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")
