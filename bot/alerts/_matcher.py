"""Which subscriptions want which new tickets: one pass over the tickets, in the bot.

Subscriptions are indexed by queue (the filter nearly every channel sets), so a ticket is checked
only against the subscriptions of its queue and those that take every queue.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from pydantic import ValidationError

from ..storage import Subscription
from ._filters import AlertFilters

__all__ = ["Match", "Matcher", "Watched", "load_subscriptions", "one_per_conversation"]

logger = logging.getLogger(__name__)

Record = dict[str, Any]


@dataclass(frozen=True)
class Watched:
    """An active subscription with its filters parsed."""

    subscription: Subscription
    filters: AlertFilters


@dataclass
class Match:
    """The tickets (in id order) one subscription is to hear about."""

    watched: Watched
    tickets: list[Record] = field(default_factory=list)


class _SubscriptionSource(Protocol):
    async def subscriptions(self, conversation: Any = None) -> list[Subscription]: ...


async def load_subscriptions(alerts: _SubscriptionSource) -> list[Watched]:
    """Every active subscription; one whose filters cannot be read is skipped (and logged)."""
    watched = []
    for subscription in await alerts.subscriptions():
        try:
            filters = AlertFilters.model_validate(subscription.filters)
        except ValidationError:
            logger.warning("alert subscription %s has unreadable filters; skipped", subscription.id)
            continue
        watched.append(Watched(subscription, filters))
    return watched


class Matcher:
    def __init__(self, watched: Iterable[Watched]) -> None:
        self._every_queue: list[Watched] = []
        self._by_queue: dict[int, list[Watched]] = defaultdict(list)
        for item in watched:
            if item.filters.queue_id is None:
                self._every_queue.append(item)
            else:
                self._by_queue[item.filters.queue_id].append(item)

    def candidates(self, ticket: Record) -> list[Watched]:
        queue = str(ticket.get("queueID"))
        by_queue = self._by_queue.get(int(queue), []) if queue.lstrip("-").isdigit() else []
        return [*self._every_queue, *by_queue]

    def subscribers(self, ticket: Record) -> list[Watched]:
        return [w for w in self.candidates(ticket) if w.filters.matches(ticket)]

    def match(self, tickets: Sequence[Record]) -> list[Match]:
        """Per subscription (oldest subscription first), the tickets it wants, in id order."""
        found: dict[int, Match] = {}
        for ticket in sorted(tickets, key=lambda t: int(t["id"])):
            for item in self.subscribers(ticket):
                key = item.subscription.id
                found.setdefault(key, Match(item)).tickets.append(ticket)
        return [found[key] for key in sorted(found)]


Naming = dict[tuple[int, int], list["Watched"]]


def one_per_conversation(matches: Sequence[Match]) -> tuple[list[Match], Naming]:
    """One alert per conversation and ticket: a ticket that several subscriptions of one
    conversation match goes to the oldest of them (the same one on every replica, poll or
    webhook, so the claim stays exactly-once), and the card names every subscription matched.

    Returns the matches to deliver and, per (delivering subscription id, ticket id), every
    subscription of that conversation that matched the ticket (oldest first)."""
    by_place: dict[tuple[str, int], list[Watched]] = defaultdict(list)
    records: dict[int, Record] = {}
    for match in sorted(matches, key=lambda m: m.watched.subscription.id):
        place = match.watched.subscription.conversation.key
        for ticket in match.tickets:
            records[int(ticket["id"])] = ticket
            by_place[(place, int(ticket["id"]))].append(match.watched)
    delivered: dict[int, Match] = {}
    naming: Naming = {}
    for (_, ticket_id), watchers in by_place.items():
        first = watchers[0]
        target = delivered.setdefault(first.subscription.id, Match(first))
        target.tickets.append(records[ticket_id])
        naming[(first.subscription.id, ticket_id)] = watchers
    for match in delivered.values():
        match.tickets.sort(key=lambda t: int(t["id"]))
    return list(delivered.values()), naming
