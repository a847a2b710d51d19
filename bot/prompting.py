"""The system prompt: fixed rules first (a server caches that prefix), this turn's facts last."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from autotask.tools import Actor
from prompts import load_prompt

__all__ = ["system_prompt"]


def system_prompt(
    *, msp_name: str, platform: str, actor: Actor, now: datetime, timezone: str
) -> str:
    """The system message for one turn. The technician is named, never by resource id: "me" in a
    filter or field resolves to them."""
    local = now.astimezone(ZoneInfo(timezone))
    return load_prompt("system").format(
        msp_name=msp_name,
        platform=platform,
        today=local.date().isoformat(),
        weekday=local.strftime("%A"),
        timezone=timezone,
        name=actor.name,
        email=actor.email,
    )
