"""A small async TTL cache with one loader per key (concurrent misses share a single fetch)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

__all__ = ["TtlCache"]

T = TypeVar("T")


class TtlCache(Generic[T]):
    def __init__(self, ttl: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self._clock = clock
        self._values: dict[str, tuple[float, T]] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self.hits = 0
        self.misses = 0

    async def get(self, key: str, load: Callable[[], Awaitable[T]]) -> T:
        cached = self._fresh(key)
        if cached is not None:
            self.hits += 1
            return cached[1]
        async with self._locks.setdefault(key, asyncio.Lock()):
            cached = self._fresh(key)
            if cached is not None:
                self.hits += 1
                return cached[1]
            self.misses += 1
            value = await load()
            self._values[key] = (self._clock() + self.ttl, value)
            return value

    def _fresh(self, key: str) -> tuple[float, T] | None:
        entry = self._values.get(key)
        if entry is not None and entry[0] > self._clock():
            return entry
        return None

    def invalidate(self, prefix: str = "") -> None:
        for key in [key for key in self._values if key.startswith(prefix)]:
            del self._values[key]
