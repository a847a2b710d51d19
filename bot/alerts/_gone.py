"""When the bot is gone from a channel, whoever subscribed it is told privately."""

from __future__ import annotations

import logging

from ..messages import ChatSurface, Conversation

__all__ = ["GONE_TEXT", "tell_subscriber"]

logger = logging.getLogger(__name__)

GONE_TEXT = (
    "I can no longer post there (I was removed from the channel, or it was archived), so I "
    "turned off the new-ticket alerts you set up for it. Add me back and type `alerts on …` "
    "there to start them again."
)


async def tell_subscriber(surface: ChatSurface, email: str, about: Conversation) -> bool:
    """Tell the subscriber, where the surface can write to a person; False when it cannot."""
    tell = getattr(surface, "tell_person", None)
    if tell is None or "@" not in email:
        logger.info("no way to tell the subscriber that their alerts stopped")
        return False
    try:
        return bool(await tell(email, about, GONE_TEXT))
    except Exception as exc:
        logger.warning(
            "telling the subscriber that their alerts stopped failed (%s)", type(exc).__name__
        )
        return False
