"""Each technician's own time zone: the IANA name their platform reports (Slack's profile
``tz``, Teams' ``localTimezone``, the browser's), checked before it is trusted."""

from __future__ import annotations

from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = ["known_zone"]


@lru_cache(maxsize=512)
def known_zone(name: str | None) -> bool:
    """True when ``name`` is a time zone this machine knows (never for paths or junk)."""
    if not name or len(name) > 64 or name.startswith(("/", ".")) or ".." in name:
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True
