"""Personal notices (a ticket assigned to me, a customer note on my ticket): claim → post → record.

A notice has a key of its own (``assigned:<ticket>:<n>``, ``note:<note id>``), claimed per
subscription in ``alert_notices`` before it is posted: the poll, a webhook, a second replica or a
restart that meet the same event post it once. A post the platform refused is tried again on the
next cycles by the same process, like an alert. Past ``digest_after`` notices for one subscription
in one send (a colleague's tickets handed over in bulk), the rest are claimed one by one as usual
and posted as one digest message.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from autotask import AutotaskClient

from ..messages import Card, ConversationGone, Reply
from ._cards import DIGEST_ROWS
from ._dispatcher import MAX_POST_ATTEMPTS, Dispatcher, DispatchReport
from ._matcher import Watched

if TYPE_CHECKING:
    from ..engine import Engine

__all__ = ["Notice", "NoticeSource", "Notices"]

logger = logging.getLogger(__name__)


@dataclass
class Notice:
    """One notice for one subscription; ``row`` (ticket, about, who) and ``link`` list it in a
    digest; ``folded``: the keys of the notices a digest stands for."""

    watched: Watched
    key: str
    ticket_id: int
    reply: Reply
    row: tuple[str, str, str] = ("", "", "")
    link: str | None = None
    attempts: int = 1
    folded: tuple[str, ...] = ()


def _digest(notices: Sequence[Notice]) -> Notice:
    """One message for the notices past the cap."""
    first, shown = notices[0], notices[:DIGEST_ROWS]
    watching = first.watched.filters.describe()
    rest = len(notices) - len(shown)
    card = Card(
        kind="list",
        title=f"…and {len(notices)} more",
        columns=("Ticket", "About", "Company or contact"),
        rows=tuple(n.row for n in shown),
        row_links=tuple(n.link for n in shown),
        untrusted=True,
        footer=f"Notice: {watching}" + (f" · {rest} more not listed" if rest else ""),
    )
    reply = Reply(text=f"…and {len(notices)} more ({watching}).", cards=(card,))
    keys = tuple(n.key for n in notices)
    return Notice(first.watched, keys[0], first.ticket_id, reply, folded=keys[1:])


class Notices:
    def __init__(
        self, engine: Engine, dispatcher: Dispatcher, *, clock: Callable[[], datetime] | None = None
    ) -> None:
        self.engine = engine
        self.dispatcher = dispatcher  # its surfaces, and what to do when a channel is gone
        self.clock = clock or engine.clock
        self._pending: list[Notice] = []

    async def send(self, notices: Sequence[Notice]) -> DispatchReport:
        """Claim and post each notice, in order; one claimed before is left alone. Past the cap
        for one subscription, the claimed rest goes out as one digest."""
        report = DispatchReport(matched=len(notices))
        lanes: dict[int, list[Notice]] = {}
        for notice in notices:
            lanes.setdefault(notice.watched.subscription.id, []).append(notice)
        cap = self.dispatcher.digest_after
        for subscription_id, lane in lanes.items():
            posted, folded = 0, []
            for notice in lane:
                if not await self.engine.db.notices.claim(
                    subscription_id, notice.key, notice.ticket_id, now=self.clock()
                ):
                    report.already += 1
                elif posted < cap:
                    posted += 1
                    await self._post(notice, report)
                else:
                    folded.append(notice)
            if folded:
                await self._post(_digest(folded), report)
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
        for key in (notice.key, *notice.folded):
            await self.engine.db.notices.mark_delivered(
                subscription.id, key, posted, now=self.clock()
            )
        if notice.folded:
            report.digests += 1
            report.digested += 1 + len(notice.folded)
        else:
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
