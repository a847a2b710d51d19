"""Personal notices (a ticket assigned to me, a customer note on my ticket): claim → post → record.

A notice has a key of its own (``assigned:<ticket>:<n>``, ``note:<note id>``), claimed per
subscription in ``alert_notices`` before it is posted: the poll, a webhook, a second replica or a
restart that meet the same event post it once. A post the platform refused is tried again on the
next cycles by the same process, like an alert.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from autotask import AutotaskClient

from ..messages import ConversationGone, Reply
from ._dispatcher import MAX_POST_ATTEMPTS, Dispatcher, DispatchReport
from ._matcher import Watched

if TYPE_CHECKING:
    from ..engine import Engine

__all__ = ["Notice", "NoticeSource", "Notices"]

logger = logging.getLogger(__name__)


@dataclass
class Notice:
    """One notice for one subscription."""

    watched: Watched
    key: str
    ticket_id: int
    reply: Reply
    attempts: int = 1


class Notices:
    def __init__(
        self, engine: Engine, dispatcher: Dispatcher, *, clock: Callable[[], datetime] | None = None
    ) -> None:
        self.engine = engine
        self.dispatcher = dispatcher  # its surfaces, and what to do when a channel is gone
        self.clock = clock or engine.clock
        self._pending: list[Notice] = []

    async def send(self, notices: Sequence[Notice]) -> DispatchReport:
        """Claim and post each notice, in order; one claimed before is left alone."""
        report = DispatchReport(matched=len(notices))
        for notice in notices:
            subscription = notice.watched.subscription
            claimed = await self.engine.db.notices.claim(
                subscription.id, notice.key, notice.ticket_id, now=self.clock()
            )
            if not claimed:
                report.already += 1
                continue
            await self._post(notice, report)
        self.dispatcher.count(report)
        return report

    async def _post(self, notice: Notice, report: DispatchReport) -> None:
        subscription = notice.watched.subscription
        surface = self.dispatcher.surfaces.get(subscription.platform)
        if surface is None:
            logger.warning(
                "no chat surface for platform %r: notice not sent", subscription.platform
            )
            report.no_surface += 1
            return
        try:
            posted = await surface.post(subscription.conversation, notice.reply)
        except ConversationGone as exc:
            await self.dispatcher.conversation_gone(surface, subscription, exc)
            report.failed += 1
            return
        except Exception as exc:
            again = notice.attempts < MAX_POST_ATTEMPTS
            logger.warning("notice %s for subscription %s not posted (%s); %s", notice.key,
                           subscription.id, type(exc).__name__,
                           "tried again next cycle" if again else "dropped")  # fmt: skip
            if again:
                self._pending.append(notice)
            report.failed += 1
            return
        await self.engine.db.notices.mark_delivered(
            subscription.id, notice.key, posted, now=self.clock()
        )
        report.alerts += 1

    async def retry_failed(self) -> DispatchReport:
        """Post again what the platforms refused earlier (each at most MAX_POST_ATTEMPTS times)."""
        report = DispatchReport()
        waiting, self._pending = self._pending, []
        for notice in waiting:
            notice.attempts += 1
            await self._post(notice, report)
        self.dispatcher.count(report)
        return report


class NoticeSource:
    """What the assignment and customer-note sweeps share: the engine, the sender, a page cap."""

    def __init__(self, engine: Engine, notices: Notices, *, max_pages: int = 20) -> None:
        self.engine = engine
        self.notices = notices
        self.max_pages = max(1, max_pages)

    @property
    def client(self) -> AutotaskClient:
        return self.engine.tenant.client
