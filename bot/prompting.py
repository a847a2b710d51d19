"""The system prompt: fixed rules first (a server caches that prefix), this turn's facts last."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from autotask.tools import Actor
from prompts import load_prompt

__all__ = ["system_prompt"]


def system_prompt(
    *,
    msp_name: str,
    platform: str,
    actor: Actor,
    now: datetime,
    timezone: str,
    channel_company: str | None = None,
) -> str:
    """The system message for one turn. The technician is named, never by resource id: "me" in a
    filter or field resolves to them. ``channel_company``: the company the channel is linked to."""
    local = now.astimezone(ZoneInfo(timezone))
    channel = (
        f"\nThis channel is linked to the company {channel_company}: when a request about "
        "tickets here names no company and no person, use this company and say that you did."
        if channel_company
        else ""
    )
    prompt = load_prompt("system").format(
        msp_name=msp_name,
        platform=platform,
        today=local.date().isoformat(),
        weekday=local.strftime("%A"),
        timezone=timezone,
        name=actor.name,
        email=actor.email,
    )
    return prompt.rstrip("\n") + channel
