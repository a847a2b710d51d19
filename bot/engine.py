"""One conversation turn: identity, turn-taking, planner or command mode, cards, posting.

Adapters call ``handle`` (a message) and ``click`` (a button) with their ChatSurface; nothing here
knows which platform it serves.
"""

from __future__ import annotations

import logging
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol

from pydantic import BaseModel

from autotask import AuthenticationError, AutotaskError
from autotask.tools import (
    Actor,
    ChangePlan,
    ExportInfo,
    SearchResult,
    Tenant,
    ToolContext,
    ToolError,
    call,
)

from .approvals import Approvals, audit_event
from .calls import ToolCall
from .cards import card_for_result, change_card, error_card, focus_of
from .channel_companies import ChannelCompanies
from .commands import Choice, Command, parse_command, pick_choice
from .edits import Edits
from .honesty import is_data_question
from .identity import Identity, IdentityError
from .message_tickets import MessageTickets
from .messages import (
    Card,
    ChatSurface,
    Click,
    Conversation,
    FileAttachment,
    IncomingMessage,
    MessageRef,
    Reply,
)
from .metrics import Metrics
from .model import ChatModel, ModelError
from .my_work import my_work, work_reply
from .planner import Planner, PlannerResult, estimate_tokens
from .prompting import system_prompt
from .questions import (
    MY_OPEN_TICKETS,
    choices_for,
    command_of,
    question_text,
    stored,
    ticket_choices,
)
from .settings import Settings
from .storage import Database
from .throttle import RateLimiter, ThreadLocks
from .timers import Timers
from .trace import history_text, one_line
from .unfurls import TicketCards
from .zones import known_zone

__all__ = ["AlertCommands", "Engine", "Turn", "grammar_complete"]

logger = logging.getLogger(__name__)


class AlertCommands(Protocol):
    """What the engine needs from the alerts service: `alerts on/off/list` in a conversation."""

    async def command(self, message: IncomingMessage, actor: Actor, command: Command) -> Reply: ...


MAX_CARDS = 4
QUESTION_MINUTES = 30  # how long a question back waits for its answer
_QUIET_TOOLS = {"describe", "list_entities", "who_am_i"}
Results = list[tuple[ToolCall, BaseModel]]


def _with_mentions(message: IncomingMessage) -> str:
    """The text for the model, each mentioned person followed by their e-mail."""
    text = message.text.strip()
    for marked, email in sorted(message.mentions.items(), key=lambda m: -len(m[0])):
        text = text.replace(marked, f"{marked} ({email})")
    return text


@dataclass
class Turn:
    """One answered message: the reply, the plans it stored, and which path answered it
    (grammar: the command grammar read it completely, with a model configured; model; command:
    no model or a slash command; fallback: the model failed and command mode answered)."""

    reply: Reply
    plan_ids: list[str] = field(default_factory=list)
    path: str = "none"
    results: Results = field(default_factory=list)
    planner: PlannerResult | None = None
    failed: bool = False  # a tool refused the grammar's call


def _unstated_count(result: BaseModel, text: str | None) -> bool:
    """A count result whose number the answer text does not state."""
    if not isinstance(result, SearchResult) or result.mode != "count" or result.total is None:
        return False
    plain = re.sub(r"(?<=\d),(?=\d{3})", "", text or "")
    return re.search(rf"(?<![\d.]){result.total}(?![\d]|\.\d)", plain) is None


def grammar_complete(command: Command) -> bool:
    """Whether the grammar read the whole message into tool calls (so no model is needed).

    A search on free text ("contains" a name the grammar took from the words it could not read)
    is a guess, not a complete reading: the model gets that message."""
    if command.reading != "complete" or command.intent != "tools" or not command.calls:
        return False
    return not any(
        isinstance(f, dict) and f.get("op") == "contains"
        for c in command.calls
        for f in c.arguments.get("filters", ())
    )


class Engine:
    def __init__(
        self,
        *,
        tenant: Tenant,
        db: Database,
        settings: Settings,
        model: ChatModel | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        alerts: AlertCommands | None = None,
    ) -> None:
        self.tenant = tenant
        self.db = db
        self.settings = settings
        self.clock = clock
        self.alerts = alerts
        self.identity = Identity(tenant, db.identities)
        self.planner = (
            Planner(
                model,
                max_steps=settings.llm.max_steps,
                result_tokens=settings.bot.tool_result_tokens,
                context_tokens=settings.llm.context_tokens,
                turn_seconds=settings.llm.turn_seconds,
            )
            if model is not None
            else None
        )
        self.locks = ThreadLocks()
        self.rate = RateLimiter(settings.bot.rate_limit_per_minute)
        self.metrics = Metrics()
        self.approvals = Approvals(self)
        self.timers = Timers(self)
        self.edits = Edits(self)
        self.message_tickets = MessageTickets(self)
        self.channels = ChannelCompanies(self)
        self.ticket_cards = TicketCards(self)

    def context(self, actor: Actor | None, *, timezone: str | None = None) -> ToolContext:
        """A run of tools for ``actor``, in their own time zone when their platform tells it."""
        return ToolContext(
            tenant=self.tenant, actor=actor, timezone=self.zone(timezone), clock=self.clock
        )

    def zone(self, wanted: str | None) -> str:
        """``wanted`` when it is a known IANA zone, else the bot's ``ATBOT_TIMEZONE``."""
        return wanted if wanted and known_zone(wanted) else self.settings.timezone

    # -- a message --------------------------------------------------------------------------

    async def handle(
        self, message: IncomingMessage, surface: ChatSurface, *, command_mode: bool = False
    ) -> MessageRef | None:
        """Answer one message in its thread; turns in one thread run one at a time."""
        async with self.locks.hold(message.conversation.key):
            try:
                await surface.typing(message.conversation)
            except Exception:  # a typing indicator is a courtesy, never a reason to fail
                logger.debug("typing indicator failed", exc_info=True)
            reply, plan_ids = await self.answer(message, command_mode=command_mode)
            posted = await surface.post(message.conversation, reply)
            for plan_id in plan_ids:
                await self.db.plans.set_message(plan_id, posted)
            return posted

    async def answer(
        self, message: IncomingMessage, *, command_mode: bool = False
    ) -> tuple[Reply, list[str]]:
        """The reply to one message, and the ids of the plans it stored. Never raises."""
        turn = await self.answer_turn(message, command_mode=command_mode)
        return turn.reply, turn.plan_ids

    async def answer_turn(self, message: IncomingMessage, *, command_mode: bool = False) -> Turn:
        """The whole answered turn (reply, plans, path, tool results). Never raises."""
        started = time.perf_counter()
        try:
            turn = await self._answer(message, command_mode=command_mode)
            self.metrics.count(f"answered_by_{turn.path}")
            return turn
        except IdentityError as exc:
            self.metrics.count("turns_refused_identity")
            return Turn(Reply(text=exc.for_audience(shared=message.shared)))
        except AuthenticationError as exc:
            logger.error("Autotask rejected the bot's credentials: %s", exc.where)
            return Turn(
                Reply(
                    text="Autotask rejected the bot's API credentials. Please tell your "
                    "Autotask admin; nothing was changed."
                )
            )
        except AutotaskError as exc:
            return Turn(Reply(text=f"{exc} Nothing was changed."))
        except Exception:
            reference = secrets.token_hex(4)
            logger.exception("turn failed (reference %s)", reference)
            self.metrics.count("turns_failed")
            text = "Sorry, that went wrong on my side. Nothing was changed."
            return Turn(Reply(cards=(error_card(text, reference=reference),)))
        finally:
            self.metrics.observe_turn(time.perf_counter() - started)

    async def _answer(self, message: IncomingMessage, *, command_mode: bool) -> Turn:
        text = message.text.strip()
        if not text:
            return Turn(Reply(text="Ask me about Autotask, or type **help** for the commands."))
        if len(text) > self.settings.bot.max_message_chars:
            limit = self.settings.bot.max_message_chars
            return Turn(
                Reply(
                    text=f"That message is too long for me ({len(text):,} characters; "
                    f"the limit is {limit:,}). Please shorten it."
                )
            )
        actor = await self.identity.resolve(
            message.conversation.platform, message.user_id, message.email
        )
        if not self.rate.allow(f"{message.conversation.platform}:{message.user_id}"):
            wait = self.rate.retry_after(f"{message.conversation.platform}:{message.user_id}")
            return Turn(Reply(text=f"You're going fast! Please wait {wait:.0f}s and try again."))
        ctx = self.context(actor, timezone=message.timezone)
        ctx.focus_lookup = lambda: self.db.history.focus(message.conversation.key)
        answered = await self._answered_question(message, text)
        if answered is not None:  # "2" after "Which Contoso? 1. … 2. …"
            return await self._commanded(message, ctx, actor, answered)
        command = parse_command(text, mentions=message.mentions)  # once per turn
        if command.intent.startswith(("alerts", "timer", "my_work", "channel")):
            command_mode = True  # alerts, timers, links: the bot's own state, read by the grammar
        command = await self.channels.fill(command, message.asked_in)
        if self.planner is None:
            return await self._commanded(message, ctx, actor, command)
        if command_mode:  # a slash command: remembered, so that the model can follow it up
            turn = await self._commanded(message, ctx, actor, command)
            await self._remember(message, text, turn.results, turn.reply.text or "")
            return turn
        if self.settings.llm.grammar_first and grammar_complete(command):
            turn = await self._commanded(message, ctx, actor, command, path="grammar")
            if not turn.failed:  # a call a tool refused ("no company 'Fabrikam's'"): the model
                await self._remember(message, text, turn.results, turn.reply.text or "")
                return turn
        return await self._planned(message, ctx, actor, _with_mentions(message), command)

    async def _commanded(
        self,
        message: IncomingMessage,
        ctx: ToolContext,
        actor: Actor,
        command: Command,
        note: str = "",
        path: str = "command",
    ) -> Turn:
        self.metrics.count("turns_command")
        if command.note:
            note = f"{note}{command.note}\n"
        if command.intent in {"help", "unknown"}:
            return Turn(Reply(text=(note + (command.text or "")).strip()), path=path)
        if command.intent == "ask":
            choices = command.choices
            if not choices and command.needs_ticket is not None:
                choices = await self._my_tickets_for(command.needs_ticket, ctx)
                if not choices:
                    reply = Reply(text="Say which ticket, for example `log 45m on "
                                  "T20241122.0004 VPN troubleshooting`.")  # fmt: skip
                    return Turn(reply, path=path)
            reply = await self._ask(message, command.text or "Which one?", choices)
            return Turn(reply, path=path)
        if command.intent.startswith("alerts"):
            if self.alerts is None:
                return Turn(Reply(text="New-ticket alerts are not set up on this bot."), path=path)
            reply = await self.alerts.command(message, actor, command)
            return Turn(reply, path=path)
        if command.intent.startswith("timer"):
            reply, plan_ids = await self.timers.command(message, ctx, actor, command)
            return Turn(reply, plan_ids, path=path)
        if command.intent == "my_work":
            return Turn(work_reply(await my_work(self, actor)), path=path)
        if command.intent.startswith("channel"):
            answer = await self.channels.command(message, ctx, actor, command)
            if isinstance(answer, tuple):  # "which Contoso?"
                return Turn(await self._ask(message, *answer), path=path)
            return Turn(answer, path=path)
        results: Results = []
        for tool_call in command.calls:
            self.metrics.count(f"tool_calls_{tool_call.name}")
            try:
                result = await call(tool_call.name, tool_call.arguments, ctx)
            except ToolError as exc:
                self.metrics.count("tool_errors")
                choices = choices_for(exc, command.calls)
                if choices:  # "'ware' could be Litware or Proseware": ask which
                    lead = f"Which one did you mean by '{exc.typed}'?"
                    return Turn(await self._ask(message, note + lead, choices), path=path)
                return Turn(Reply(text=(note + str(exc)).strip()), path=path, failed=True)
            results.append((tool_call, result))
        reply, plan_ids = await self._compose(
            message, actor, results, note.strip() or None, quiet=False
        )
        return Turn(reply, plan_ids, path=path, results=results)

    async def _ask(self, message: IncomingMessage, lead: str, choices: tuple[Choice, ...]) -> Reply:
        """A question back with numbered choices, remembered for the thread's next message."""
        text = question_text(lead.strip(), choices)
        await self.db.history.ask(message.conversation.key, stored(text, choices), now=self.clock())
        self.metrics.count("turns_asked")
        return Reply(text=text)

    async def _my_tickets_for(self, template: ToolCall, ctx: ToolContext) -> tuple[Choice, ...]:
        """The technician's open tickets as the choices for a change that lacks its ticket."""
        result = await call(MY_OPEN_TICKETS.name, MY_OPEN_TICKETS.arguments, ctx)
        rows = result.rows if isinstance(result, SearchResult) else []
        return ticket_choices(template, rows)

    async def _answered_question(self, message: IncomingMessage, text: str) -> Command | None:
        """The choice this message picks from the question the thread was just asked, if any."""
        key = message.conversation.key
        since = self.clock() - timedelta(minutes=QUESTION_MINUTES)
        question = await self.db.history.question(key, since=since)
        if question is None:
            return None
        await self.db.history.forget_question(key)  # asked once: any next message settles it
        labels = [str(choice["label"]) for choice in question.get("choices", [])]
        index = pick_choice(text, labels)
        return None if index is None else command_of(question, index)

    async def _planned(
        self, message: IncomingMessage, ctx: ToolContext, actor: Actor, text: str, command: Command
    ) -> Turn:
        assert self.planner is not None
        self.metrics.count("turns_model")
        key = message.conversation.key
        history = await self.db.history.recent(key, max_tokens=self.settings.bot.history_tokens)
        linked = await self.channels.company(message.asked_in)
        prompt = self._system_prompt(message, actor, linked.company_name if linked else None)
        messages = [
            {"role": "system", "content": prompt},
            *history,
            {"role": "user", "content": text},
        ]
        try:
            outcome = await self.planner.run(ctx, messages)
        except ModelError as exc:
            self.metrics.count("model_errors")
            logger.warning("model failed: %s", exc)
            if command.intent == "tools":
                note = "(The language model is not answering; I used command mode.)\n"
                return await self._commanded(message, ctx, actor, command, note, "fallback")
            reply = Reply(text=f"{exc} You can still use commands; type **help**.")
            return Turn(reply, path="model")
        self._count(outcome)
        if not outcome.tool_calls and command.intent == "tools" and is_data_question(text):
            # a data question the model answered from nothing: the grammar can look it up
            turn = await self._commanded(message, ctx, actor, command, path="fallback")
            await self._remember(message, text, turn.results, turn.reply.text or "")
            turn.planner = outcome
            return turn
        await self._remember(message, text, outcome.trace, outcome.text)
        reply, plan_ids = await self._compose(
            message, actor, outcome.results, outcome.text, quiet=True
        )
        return Turn(reply, plan_ids, path="model", results=outcome.results, planner=outcome)

    def _count(self, outcome: PlannerResult) -> None:
        self.metrics.count("model_prompt_tokens", outcome.usage.prompt_tokens)
        self.metrics.count("model_completion_tokens", outcome.usage.completion_tokens)
        self.metrics.observe("planner", outcome.seconds)
        for tool_call, _ in outcome.results:
            self.metrics.count(f"tool_calls_{tool_call.name}")
        self.metrics.count("tool_errors", outcome.tool_calls - len(outcome.results))
        for name in ("text_calls", "refused_plans", "merged_plans", "repeated_calls"):
            self.metrics.count(f"model_{name}", getattr(outcome, name))
        self.metrics.count("model_claims_corrected", int(outcome.corrected_claim))

    async def _remember(
        self, message: IncomingMessage, text: str, trace: Results | list[str], answer: str
    ) -> None:
        """The turn into the conversation's history: the question, then a compact trace of the
        tool calls with one-line results, then the answer."""
        key, now = message.conversation.key, self.clock()
        lines = [item if isinstance(item, str) else one_line(*item) for item in trace]
        entry = history_text(lines, answer)
        await self.db.history.append(
            key, "user", {"role": "user", "content": text}, tokens=estimate_tokens(text), now=now
        )
        await self.db.history.append(
            key,
            "assistant",
            {"role": "assistant", "content": entry},
            tokens=estimate_tokens(entry),
            now=now,
        )

    def _system_prompt(
        self, message: IncomingMessage, actor: Actor, channel_company: str | None = None
    ) -> str:
        return system_prompt(
            msp_name=self.settings.bot.msp_name,
            platform=message.conversation.platform,
            actor=actor,
            now=self.clock(),
            timezone=self.zone(message.timezone),
            channel_company=channel_company,
        )

    # -- results into a reply ---------------------------------------------------------------

    async def store_plan(self, plan: ChangePlan, message: IncomingMessage, actor: Actor) -> str:
        stored = await self.db.plans.create(
            plan,
            requester_user_id=message.user_id,
            requester_email=actor.email,
            requester_resource_id=actor.resource_id,
            requester_name=actor.name,
            conversation=message.conversation,
            ttl=timedelta(minutes=self.settings.bot.plan_ttl_minutes),
            now=self.clock(),
        )
        self.metrics.count("plans_planned")
        await self.db.audit.record(
            audit_event(self.clock(), "planned", stored, message.user_id, actor.resource_id)
        )
        return str(stored.id)

    async def _kept(self, export: ExportInfo) -> FileAttachment:
        """The export as an attachment, kept in the database so that any replica serves its
        download link for the retention (``ATBOT_SERVER__EXPORT_RETENTION_HOURS``)."""
        file = FileAttachment(
            name=export.file_name, path=export.path, rows=export.rows, mime=export.mime
        )
        kept = await self.db.exports.put(
            Path(export.path),
            file_name=file.name,
            media_type=file.mime,
            rows=export.rows,
            now=datetime.now(UTC),  # the wall clock: retention is about this process's time
            keep=timedelta(hours=self.settings.server.export_retention_hours),
        )
        return file.model_copy(update={"export_id": kept.id})

    async def post_preview(
        self,
        plan: ChangePlan,
        surface: ChatSurface,
        conversation: Conversation,
        *,
        requester_user_id: str,
        actor: Actor,
        text: str | None = None,
    ) -> str:
        """Store ``plan`` as pending and post its confirmation card; returns the plan id."""
        message = IncomingMessage(
            conversation=conversation, user_id=requester_user_id, email=actor.email, text=""
        )
        plan_id = await self.store_plan(plan, message, actor)
        card = change_card(plan, plan_id=plan_id)
        posted = await surface.post(conversation, Reply(text=text, cards=(card,)))
        await self.db.plans.set_message(plan_id, posted)
        return plan_id

    async def _compose(
        self,
        message: IncomingMessage,
        actor: Actor,
        results: Results,
        text: str | None,
        *,
        quiet: bool,
    ) -> tuple[Reply, list[str]]:
        cards: list[Card] = []
        lines: list[str] = [text] if text else []
        files: list[FileAttachment] = []
        plan_ids: list[str] = []
        shown = [r for r in results if not quiet or r[0].name not in _QUIET_TOOLS] or results
        for _, result in shown:
            if isinstance(result, ChangePlan):
                plan_id = await self.store_plan(result, message, actor)
                plan_ids.append(plan_id)
                cards.append(change_card(result, plan_id=plan_id))
                continue
            if isinstance(result, SearchResult) and result.export is not None:
                files.append(await self._kept(result.export))
            card, line = card_for_result(result)
            if card is not None:
                cards.append(card)
            if line and (not quiet or not text or _unstated_count(result, text)):
                lines.append(line)  # a count the model's words do not state is shown as found
        company = focus_of([result for _, result in results])
        if company:
            await self.db.history.set_focus(message.conversation.key, company, now=self.clock())
        plans = [c for c in cards if c.kind == "change"]
        others = [c for c in cards if c.kind != "change"][-MAX_CARDS:]
        body = "\n".join(lines) or None
        return Reply(text=body, cards=(*others, *plans), files=tuple(files)), plan_ids

    # -- a click ------------------------------------------------------------------------------

    async def click(self, click: Click, surface: ChatSurface) -> None:
        started = time.perf_counter()
        try:
            await self.approvals.click(click, surface)
        finally:
            self.metrics.observe("click", time.perf_counter() - started)
