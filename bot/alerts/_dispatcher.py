"""Delivery of new-ticket alerts: claim → post → record, exactly once per (subscription, ticket).

A delivery is claimed in the database before it is posted (a unique row per subscription and
ticket), so a ticket seen by the poller and by a webhook, by two replicas, or again after a
restart, is posted once. The poller moves its cursor only after ``dispatch`` returns.

Past ``digest_after`` tickets for one subscription in one dispatch, the rest are folded into one
digest message. A post the platform refused is retried on later cycles (the claim stays with this
process); a crash between posting and recording leaves the claim unconfirmed and the alert is not
posted again, so that nobody gets it twice.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ..messages import ChatSurface, ConversationGone, MessageRef, Reply
from ..storage import Database
from ._assign import store_assign_plan
from ._cards import alert_card, digest_reply
from ._gone import stop_alerts
from ._matcher import Match, Matcher, Watched, load_subscriptions, one_per_conversation
from ._tickets import AlertTicket, alert_tickets

if TYPE_CHECKING:
    from ..engine import Engine

__all__ = ["MAX_POST_ATTEMPTS", "DispatchReport", "Dispatcher"]

logger = logging.getLogger(__name__)

Record = dict[str, Any]
MAX_POST_ATTEMPTS = 5


@dataclass
class DispatchReport:
    """What one dispatch did: (subscription, ticket) pairs that matched, alerts posted, digests
    posted (and the tickets folded into them), deliveries another process or an earlier run had
    already claimed, posts that failed, and alerts for platforms with no surface here."""

    matched: int = 0
    alerts: int = 0
    digests: int = 0
    digested: int = 0
    already: int = 0
    failed: int = 0
    no_surface: int = 0

    def add(self, other: DispatchReport) -> None:
        for name in ("matched", "alerts", "digests", "digested", "already", "failed", "no_surface"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class _Pending:
    """A claimed delivery whose post failed: retried on later cycles by this process."""

    watched: Watched
    tickets: list[AlertTicket]
    plan_id: str | None
    watching: str = ""
    attempts: int = 1
    digest: bool = False


@dataclass
class _Lane:
    surface: ChatSurface
    watched: Watched
    naming: Mapping[tuple[int, int], list[Watched]] = field(default_factory=dict)
    report: DispatchReport = field(default_factory=DispatchReport)

    def watching(self, tickets: Sequence[AlertTicket]) -> str:
        """Every subscription of this conversation that the tickets matched, in words."""
        found: dict[str, None] = {}
        for ticket in tickets:
            for watched in self.naming.get((self.watched.subscription.id, ticket.id), []):
                found[watched.filters.describe()] = None
        return "; ".join(found) or self.watched.filters.describe()


class Dispatcher:
    def __init__(
        self,
        engine: Engine,
        surfaces: Mapping[str, ChatSurface],
        *,
        digest_after: int = 10,
        concurrency: int | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.engine = engine
        self.db: Database = engine.db
        self.surfaces = surfaces  # platform → surface; parts may register theirs later
        self.digest_after = max(0, digest_after)
        self.clock = clock or engine.clock
        if concurrency is None:  # SQLite has one writer: parallel lanes would only wait on it
            concurrency = 1 if getattr(self.db, "dialect", "sqlite") == "sqlite" else 8
        self._lanes = max(1, concurrency)
        self._pending: list[_Pending] = []

    @property
    def timezone(self) -> str:
        return str(self.engine.settings.timezone)

    async def deliver(
        self, tickets: Sequence[Record], watched: Sequence[Watched] | None = None
    ) -> DispatchReport:
        """Match ticket records (``ALERT_FIELDS`` at least) against the active subscriptions and
        deliver what matched."""
        if watched is None:
            watched = await load_subscriptions(self.db.alerts)
        new_tickets = [w for w in watched if w.filters.kind == "new_ticket"]
        return await self.dispatch(Matcher(new_tickets).match(tickets))

    async def dispatch(self, matches: Sequence[Match]) -> DispatchReport:
        """Deliver every match, one alert per conversation and ticket; subscriptions run side by
        side, each one's alerts in id order."""
        matched = sum(len(m.tickets) for m in matches)
        matches, naming = one_per_conversation(matches)
        records = {int(t["id"]): t for match in matches for t in match.tickets}
        views = await alert_tickets(self.engine.context(None), list(records.values()))
        by_id = {view.id: view for view in views}
        gate = asyncio.Semaphore(self._lanes)  # per dispatch: a webhook's never waits for a poll's
        reports = await asyncio.gather(
            *(
                self._deliver(gate, m.watched, [by_id[int(t["id"])] for t in m.tickets], naming)
                for m in matches
            )
        )
        total = DispatchReport(matched=matched)
        for report in reports:
            total.add(report)
        self.count(total)
        return total

    def count(self, report: DispatchReport) -> None:
        """Deliveries by outcome, for /metrics (``alerts_posted``, ``alerts_digested``…)."""
        for outcome in ("alerts", "digests", "digested", "already", "failed", "no_surface"):
            amount = getattr(report, outcome)
            if amount:
                name = "posted" if outcome == "alerts" else outcome
                self.engine.metrics.count(f"alerts_{name}", amount)

    async def _deliver(
        self,
        gate: asyncio.Semaphore,
        watched: Watched,
        tickets: list[AlertTicket],
        naming: Mapping[tuple[int, int], list[Watched]],
    ) -> DispatchReport:
        surface = self.surfaces.get(watched.subscription.platform)
        if surface is None:
            logger.warning(
                "no chat surface for platform %r: %d alerts for subscription %s not sent",
                watched.subscription.platform,
                len(tickets),
                watched.subscription.id,
            )
            return DispatchReport(no_surface=len(tickets))
        lane = _Lane(surface, watched, naming)
        async with gate:
            position, claimed = 0, 0  # the cap counts new alerts, not ones delivered before
            while position < len(tickets) and claimed < self.digest_after:
                claimed += await self._alert(lane, tickets[position])
                position += 1
            if position < len(tickets):
                await self._digest(lane, tickets[position:])
        return lane.report

    async def _alert(self, lane: _Lane, ticket: AlertTicket) -> bool:
        """Claim and post one alert; False when another run had claimed it already."""
        subscription = lane.watched.subscription
        if not await self.db.alerts.claim_delivery(subscription.id, ticket.id, now=self.clock()):
            lane.report.already += 1
            return False
        watching = lane.watching([ticket])
        plan_id = await store_assign_plan(
            self.engine, subscription, ticket, watching=watching, now=self.clock()
        )
        pending = _Pending(lane.watched, [ticket], plan_id, watching)
        if await self._post(lane.surface, pending):
            lane.report.alerts += 1
        else:
            lane.report.failed += 1
        return True

    async def _digest(self, lane: _Lane, tickets: list[AlertTicket]) -> None:
        subscription = lane.watched.subscription
        won = await self.db.alerts.claim_deliveries(
            subscription.id, [t.id for t in tickets], now=self.clock()
        )
        claimed = [ticket for ticket in tickets if ticket.id in won]
        lane.report.already += len(tickets) - len(claimed)
        if not claimed:
            return
        pending = _Pending(lane.watched, claimed, None, lane.watching(claimed), digest=True)
        if await self._post(lane.surface, pending):
            lane.report.digests += 1
            lane.report.digested += len(claimed)
        else:
            lane.report.failed += len(claimed)

    def _reply(self, pending: _Pending) -> Reply:
        watching = pending.watching or pending.watched.filters.describe()
        if pending.digest:
            return digest_reply(pending.tickets, watching=watching, timezone=self.timezone)
        card = alert_card(
            pending.tickets[0], timezone=self.timezone, watching=watching, plan_id=pending.plan_id
        )
        return Reply(cards=(card,))

    async def _post(self, surface: ChatSurface, pending: _Pending) -> bool:
        """Post, then record where it went; a refused post is kept for a retry."""
        subscription = pending.watched.subscription
        try:
            posted = await surface.post(subscription.conversation, self._reply(pending))
        except ConversationGone as exc:
            await self.conversation_gone(surface, subscription, exc)
            return False
        except Exception as exc:
            self.engine.metrics.count("alerts_failed")
            logger.warning(
                "posting an alert to subscription %s failed (%s); attempt %d of %d",
                subscription.id,
                type(exc).__name__,
                pending.attempts,
                MAX_POST_ATTEMPTS,
            )
            if pending.attempts < MAX_POST_ATTEMPTS:
                self._pending.append(pending)
            else:
                logger.error("alert to subscription %s dropped after retries", subscription.id)
            return False
        self.engine.metrics.count("alerts_digest" if pending.digest else "alerts_delivered")
        await self._record(pending, posted)
        return True

    async def conversation_gone(
        self, surface: ChatSurface, subscription: Any, exc: Exception
    ) -> None:
        """The platform says the bot is gone from the channel: its alerts stop, and whoever
        turned them on is told (once), instead of attempts that fail for ever."""
        removed = await stop_alerts(self.engine, surface, subscription.conversation)
        logger.warning(
            "subscription %s: the bot is gone from its channel (%s); %d alerts off",
            subscription.id,
            exc,
            removed,
        )

    async def _record(self, pending: _Pending, posted: MessageRef) -> None:
        subscription = pending.watched.subscription
        now = self.clock()
        ids = [ticket.id for ticket in pending.tickets]
        await self.db.alerts.mark_delivered_many(subscription.id, ids, posted, now=now)
        if pending.plan_id is not None:
            await self.db.plans.set_message(pending.plan_id, posted)

    async def retry_failed(self) -> DispatchReport:
        """Post again what the platforms refused earlier (each at most MAX_POST_ATTEMPTS times)."""
        report = DispatchReport()
        waiting, self._pending = self._pending, []
        for pending in waiting:
            surface = self.surfaces.get(pending.watched.subscription.platform)
            if surface is None:
                report.no_surface += len(pending.tickets)
                continue
            pending.attempts += 1
            if await self._post(surface, pending):
                report.digests += pending.digest
                report.digested += len(pending.tickets) if pending.digest else 0
                report.alerts += not pending.digest
            else:
                report.failed += len(pending.tickets)
        self.count(report)
        return report

    @property
    def waiting(self) -> int:
        """Deliveries waiting for a retry."""
        return len(self._pending)
