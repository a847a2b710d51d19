"""Turn-taking per conversation thread and a per-user rate limit (this process's share)."""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict, deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

__all__ = ["RateLimiter", "ThreadLocks"]


class ThreadLocks:
    """One turn at a time per thread key; later turns wait in order. Idle locks are dropped."""

    def __init__(self) -> None:
        self._locks: dict[str, asyncio.Lock] = {}
        self._users: dict[str, int] = defaultdict(int)

    @asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._users[key] += 1
        try:
            async with lock:
                yield
        finally:
            self._users[key] -= 1
            if self._users[key] == 0:
                self._locks.pop(key, None)
                self._users.pop(key, None)

    def __len__(self) -> int:
        return len(self._locks)


class RateLimiter:
    """At most ``limit`` turns per user in any ``window`` seconds (a sliding window)."""

    def __init__(
        self, limit: int, window: float = 60.0, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit
        self.window = window
        self._clock = clock
        self._seen: dict[str, deque[float]] = defaultdict(deque)

    def allow(self, user: str) -> bool:
        now = self._clock()
        seen = self._seen[user]
        while seen and seen[0] <= now - self.window:
            seen.popleft()
        if len(seen) >= self.limit:
            return False
        seen.append(now)
        return True

    def retry_after(self, user: str) -> float:
        seen = self._seen.get(user)
        if not seen:
            return 0.0
        return max(0.0, seen[0] + self.window - self._clock())
