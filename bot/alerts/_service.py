"""The alerts service: ``alerts on/off/list`` in a channel, and the parts that deliver alerts.

The engine calls ``command`` for the grammar's ``alerts_*`` intents, after it has resolved the
chat user to an Autotask resource (so only mapped technicians change subscriptions). A
subscription belongs to the channel (Slack channel, Teams conversation, web-chat channel): alerts
are posted at its top level, whichever thread the command was typed in.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from pydantic import ValidationError

from autotask.tools import Actor, ToolError

from ..commands import Command
from ..messages import ChatSurface, Conversation, IncomingMessage, Reply
from ..storage import Database, Subscription
from ._assignments import Assignments
from ._dispatcher import Dispatcher
from ._filters import NOTICE_KINDS, AlertFilters, resolve_filters
from ._notes import NOTES_CURSOR, CustomerNotes
from ._notices import Notices
from ._poller import Poller, lease_ttl_for
from ._webhook import WebhookReceiver

if TYPE_CHECKING:
    from ..engine import Engine

__all__ = ["PLANNER_NOTE", "SHARED_CHANNEL", "AlertService"]

EXAMPLE = '`alerts on queue "Service Desk" priority High`'
PLANNER_NOTE = (
    "New-ticket alerts are managed with commands, not tools. When someone asks to be alerted "
    "about new tickets in this channel, reply with the exact command to type, for example "
    'alerts on queue "Service Desk" priority High (filters: queue, priority — that level or '
    "above —, company, type, status); `alerts list` shows the channel's alerts and `alerts off` "
    "stops them. Personal notices are commands too, said in the direct chat with the bot: "
    "`notify me when a ticket is assigned to me`, `notify me about customer notes` (on the "
    "tickets assigned to them), `notifications` lists them, `stop notifying me` ends them."
)


PERSONAL_HERE = (
    "Personal notifications come to your direct chat with me, where only you read them: say "
    "`notify me when a ticket is assigned to me` there."
)

SHARED_CHANNEL = (
    "This channel is shared with another organisation, so I don't post alerts there: its "
    "members would see your customers' tickets. Use a channel of your own organisation."
)


def channel_of(conversation: Conversation) -> Conversation:
    """The channel a conversation (or a thread in it) belongs to."""
    return conversation.model_copy(update={"thread_id": None})


def _subscribed(filters: AlertFilters) -> str:
    if filters.kind == "assigned":
        return (
            f"You will get a message here for {filters.describe()}: new ones and ones "
            "reassigned, once per assignment. `notifications` lists them; `stop notifying me` "
            "ends them."
        )
    if filters.kind == "customer_note":
        return (
            f"You will get a message here for {filters.describe()}, once per note. "
            "`stop notifying me about customer notes` ends them."
        )
    return (
        f"This channel will get an alert for each new ticket: {filters.describe()}. "
        "`alerts list` shows this channel's alerts; `alerts off` stops them."
    )


def _chosen(subscription: Subscription, kind: str | None, subscriber: str | None) -> bool:
    if kind is None:
        return True
    mine = subscriber is None or subscription.created_by.lower() == subscriber.lower()
    of_kind = _kind_of(subscription)
    return mine and (of_kind == kind or (kind == "personal" and of_kind in NOTICE_KINDS))


def _kind_of(subscription: Subscription) -> str | None:
    filters = _filters_of(subscription)
    return filters.kind if filters is not None else None


def _filters_of(subscription: Subscription) -> AlertFilters | None:
    try:
        return AlertFilters.model_validate(subscription.filters)
    except ValidationError:
        return None


class AlertService:
    """Subscriptions from chat, plus the dispatcher, the poller and the webhook receiver."""

    def __init__(
        self,
        engine: Engine,
        surfaces: Mapping[str, ChatSurface],
        *,
        holder: str | None = None,
        lease_ttl: timedelta | None = None,
        lease_clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        settings = engine.settings.alerts
        self.engine = engine
        self.db: Database = engine.db
        self.dispatcher = Dispatcher(engine, surfaces, digest_after=settings.digest_after)
        self.notices = Notices(engine, self.dispatcher)
        self.assignments = Assignments(engine, self.notices)
        self.notes = CustomerNotes(engine, self.notices)
        self.poller = Poller(
            engine,
            self.dispatcher,
            holder=holder,
            lease_ttl=lease_ttl or lease_ttl_for(settings.poll_seconds),
            clock=lease_clock,
            notices=self.notices,
            assignments=self.assignments,
            notes=self.notes,
        )
        self.webhooks = WebhookReceiver(
            engine,
            self.dispatcher,
            secret=settings.webhook_secret,
            assignments=self.assignments,
            notes=self.notes,
        )

    async def command(self, message: IncomingMessage, actor: Actor, command: Command) -> Reply:
        """``alerts on …``, ``alerts off``, ``alerts list`` for the channel of ``message``."""
        channel = channel_of(message.asked_in)
        words = command.alert_filters or {}
        if command.intent == "alerts_on" and message.external:
            return Reply(text=SHARED_CHANNEL)
        if command.intent == "alerts_on":
            if message.shared and str(words.get("assigned", "")).lower() == "me":
                return Reply(text=PERSONAL_HERE)
            return await self.subscribe(channel, actor, words, user_id=message.user_id)
        if command.intent == "alerts_off":
            kind = words.get("notify")
            if kind is None:
                return await self.unsubscribe(channel)
            return await self.unsubscribe(channel, kind=str(kind), subscriber=actor.email)
        return await self.listing(channel)

    async def subscribe(
        self,
        channel: Conversation,
        actor: Actor,
        words: Mapping[str, object],
        *,
        user_id: str | None = None,
    ) -> Reply:
        """Alerts for ``channel``; ``user_id`` (the subscriber on the platform) is kept so that
        they can be told in private when the bot is removed from the channel."""
        refusal = await self._refusal(channel)
        if refusal is not None:
            return Reply(text=refusal)
        ctx = self.engine.context(actor)
        try:
            filters = await resolve_filters(ctx, words, since_id=await self.db.alerts.cursor())
        except ToolError as exc:
            return Reply(text=f"{exc} For example: {EXAMPLE}.")
        for existing in await self.db.alerts.subscriptions(channel):
            known = _filters_of(existing)
            if known is not None and known.same_as(filters):
                return Reply(text=f"This channel already gets alerts for {filters.describe()}.")
        filters = await self._starting_point(filters)
        await self.db.alerts.subscribe(
            channel,
            filters.model_dump(mode="json"),
            created_by=actor.email,
            created_by_user_id=user_id,
            now=self.engine.clock(),
        )
        return Reply(text=_subscribed(filters))

    async def _starting_point(self, filters: AlertFilters) -> AlertFilters:
        """Where a personal subscription starts: after what the technician already has (their
        tickets as they are now), after the newest customer note."""
        if filters.kind == "assigned" and filters.assigned_id is not None:
            await self.assignments.baseline(filters.assigned_id)
        if filters.kind == "customer_note":
            newest = await self.notes.newest_note_id()
            await self.db.alerts.set_cursor(newest, NOTES_CURSOR)
            filters = filters.model_copy(update={"since_note_id": newest})
        return filters

    async def _refusal(self, channel: Conversation) -> str | None:
        """Whether the platform lets the bot post alerts in ``channel`` (asked, where it can)."""
        check = getattr(self.dispatcher.surfaces.get(channel.platform), "alerts_refusal", None)
        return None if check is None else await check(channel)

    async def unsubscribe(
        self, channel: Conversation, *, kind: str | None = None, subscriber: str | None = None
    ) -> Reply:
        """Stop every subscription of the channel; or only the personal ones (``kind``
        "personal", or one kind) that ``subscriber`` made."""
        subscriptions = await self.db.alerts.subscriptions(channel)
        chosen = [s for s in subscriptions if _chosen(s, kind, subscriber)]
        if not chosen:
            what = "new-ticket alerts" if kind is None else "notifications of yours"
            return Reply(text=f"This channel has no {what}.")
        removed = await self.db.alerts.unsubscribe(channel, only=[s.id for s in chosen])
        plural = "s" if removed != 1 else ""
        if all(_kind_of(s) == "new_ticket" for s in chosen):
            return Reply(text=f"Stopped {removed} new-ticket alert{plural} in this channel.")
        return Reply(text=f"Stopped {removed} notification{plural} here.")

    async def listing(self, channel: Conversation) -> Reply:
        subscriptions = await self.db.alerts.subscriptions(channel)
        if not subscriptions:
            return Reply(text=f"This channel has no new-ticket alerts. Start them with {EXAMPLE}.")
        lines = ["Alerts and notifications here:"]
        for subscription in subscriptions:
            filters = _filters_of(subscription)
            shown = filters.describe() if filters else "(unreadable filters; turn off and on again)"
            since = f"{subscription.created_at:%Y-%m-%d}"
            lines.append(f"- {shown} (since {since}, by {subscription.created_by})")
        lines.append("`alerts off` stops them all.")
        return Reply(text="\n".join(lines))
