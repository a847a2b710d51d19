"""When the bot is gone from a channel, its alerts stop and whoever turned them on is told.

Both ways the bot learns it is gone end here: the platform says so (Teams ``membersRemoved`` or
``installationUpdate`` remove), or it refuses an alert post (Slack ``not_in_channel``, Teams 403
``BotNotInConversationRoster``). Each subscription is turned off by one caller only (of two
replicas seeing it at once), so each subscriber is told once, in private.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from pydantic import ValidationError

from ..messages import ChatSurface, Conversation
from ..storage import Subscription
from ._filters import AlertFilters

if TYPE_CHECKING:
    from ..engine import Engine

__all__ = ["GONE_TEXT", "gone_text", "stop_alerts", "tell_subscriber"]

logger = logging.getLogger(__name__)

GONE_TEXT = (
    "I can no longer post there (I was removed from the channel, or it was archived), so I "
    "turned off the new-ticket alerts you set up for it. Add me back and type `alerts on …` "
    "there to start them again."
)


def gone_text(subscription: Subscription) -> str:
    """``GONE_TEXT``, naming what the subscription watched so the subscriber knows which one."""
    try:
        watched = AlertFilters.model_validate(subscription.filters).describe()
    except ValidationError:
        return GONE_TEXT
    return f"{GONE_TEXT} (They were alerts for {watched}.)"


async def tell_subscriber(surface: ChatSurface, subscription: Subscription) -> bool:
    """Tell the subscriber, where the surface can write to a person; False when it cannot."""
    tell = getattr(surface, "tell_person", None)
    if tell is None or "@" not in subscription.created_by:
        logger.info("no way to tell the subscriber that their alerts stopped")
        return False
    try:
        told = await tell(
            subscription.created_by,
            subscription.conversation,
            gone_text(subscription),
            user_id=subscription.created_by_user_id,
        )
    except Exception as exc:
        logger.warning(
            "telling the subscriber that their alerts stopped failed (%s)", type(exc).__name__
        )
        return False
    return bool(told)


async def stop_alerts(engine: Engine, surface: ChatSurface | None, channel: Conversation) -> int:
    """Turn off every alert of ``channel`` and tell each of their subscribers once; returns how
    many subscriptions this call turned off."""
    stopped = await engine.db.alerts.deactivate(channel.model_copy(update={"thread_id": None}))
    if not stopped:
        return 0
    engine.metrics.count("alerts_subscriptions_gone", len(stopped))
    told: set[str] = set()
    for subscription in stopped:
        who = subscription.created_by_user_id or subscription.created_by
        if surface is None or who in told:
            continue
        told.add(who)
        await tell_subscriber(surface, subscription)
    return len(stopped)
