"""At most N requests in flight per Autotask endpoint; further callers wait their turn.

Autotask rejects the 4th concurrent request per (integration code, entity endpoint) with a thread
threshold error (API-NOTES §6.4). Queueing here, in the client, means that error never happens for
requests of this process instead of being retried after the fact.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

__all__ = ["EndpointLimiter", "endpoint_of"]


def endpoint_of(path: str) -> str:
    """The thread-limit key of an API path: the entity (or parent/child collection) it addresses.

    ``Tickets/query`` → ``tickets``; ``Tickets/12/Notes`` → ``tickets/notes``;
    ``Companies/entityInformation/fields`` → ``companies``.
    """
    parts = [part for part in path.strip("/").split("/") if part]
    if parts and parts[0].lower() == "v1.0":
        parts = parts[1:]
    if not parts:
        return ""
    key = parts[0].lower()
    if len(parts) >= 3 and parts[1].isdigit() and not parts[2].isdigit():
        key += "/" + parts[2].lower()
    return key


class EndpointLimiter:
    """A semaphore per endpoint, created on first use."""

    def __init__(self, max_in_flight: int = 3) -> None:
        if max_in_flight < 1:
            raise ValueError("max_in_flight must be at least 1")
        self.max_in_flight = max_in_flight
        self._slots: dict[str, asyncio.Semaphore] = {}
        self._in_flight: dict[str, int] = {}
        self.peak: dict[str, int] = {}

    @asynccontextmanager
    async def slot(self, endpoint: str) -> AsyncIterator[None]:
        semaphore = self._slots.setdefault(endpoint, asyncio.Semaphore(self.max_in_flight))
        async with semaphore:
            now = self._in_flight.get(endpoint, 0) + 1
            self._in_flight[endpoint] = now
            self.peak[endpoint] = max(self.peak.get(endpoint, 0), now)
            try:
                yield
            finally:
                self._in_flight[endpoint] -= 1

    def in_flight(self, endpoint: str) -> int:
        return self._in_flight.get(endpoint, 0)
