"""The hourly request budget: heavy reads wait while Autotask's hourly count runs high.

Autotask allows a tenant about 10,000 requests in a rolling hour, shared by every integration,
and slows all of them down as the count grows (API-NOTES §6.3). When more than ``soft_limit`` of
it is used, the guard refuses the reads that can wait and cost many requests (exports, searches
that read more than one page), so that the work technicians depend on — counts, gets, small
searches, plans, applies, identity — keeps its share. ``ThresholdInformation`` counts against
the budget too, so it is asked at most once every ``check_seconds``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

from ._errors import AutotaskError, BusyError
from ._models import ThresholdInfo

__all__ = ["DEFAULT_BUDGET_SOFT_LIMIT", "BudgetGuard"]

logger = logging.getLogger(__name__)

DEFAULT_BUDGET_SOFT_LIMIT = 0.75
Fetch = Callable[[], Awaitable[ThresholdInfo]]


class BudgetGuard:
    """Knows (roughly) how much of the hourly budget is used, and refuses heavy reads over it."""

    def __init__(
        self,
        fetch: Fetch,
        *,
        soft_limit: float = DEFAULT_BUDGET_SOFT_LIMIT,
        check_seconds: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not 0.0 < soft_limit <= 1.0:
            raise ValueError("soft_limit is a fraction of the hourly budget, above 0 and at most 1")
        self._fetch = fetch
        self.soft_limit = soft_limit
        self.check_seconds = max(check_seconds, 0.0)
        self._clock = clock
        self._lock = asyncio.Lock()
        self._known: float | None = None
        self._checked_at: float | None = None
        self.checks = 0  # ThresholdInformation requests made
        self.refusals = 0  # heavy reads refused

    async def used(self) -> float | None:
        """The fraction of the hourly budget used (None when Autotask could not say)."""
        if self._fresh():
            return self._known
        async with self._lock:  # concurrent callers share one check
            if not self._fresh():
                self._known = await self._check()
                self._checked_at = self._clock()
        return self._known

    async def over(self) -> bool:
        """True while more than ``soft_limit`` of the hourly budget is used."""
        used = await self.used()
        return used is not None and used > self.soft_limit

    async def allow_heavy_read(self) -> None:
        """Raise BusyError (reason "hourly") if a heavy read has to wait for the budget to drop."""
        used = await self.used()
        if used is None or used <= self.soft_limit:
            return
        self.refusals += 1
        raise BusyError(
            f"Autotask's hourly API budget is {min(used, 1.0):.0%} used; exports and large "
            "searches are paused until it drops — counts, gets and changes still work.",
            reason="hourly",
        )

    def forget(self) -> None:
        """Check again on the next call (after an admin raised the limit, for example)."""
        self._checked_at = None

    def _fresh(self) -> bool:
        return (
            self._checked_at is not None and self._clock() - self._checked_at < self.check_seconds
        )

    async def _check(self) -> float | None:
        self.checks += 1
        try:
            info = await self._fetch()
        except BusyError as exc:
            if exc.reason == "hourly":
                return 1.0  # the limit itself answered: the whole budget is spent
            logger.warning("hourly budget check failed: %s", exc.where)
            return None
        except AutotaskError as exc:  # the guard never fails a request that could work
            logger.warning("hourly budget check failed: %s (%s)", exc.where, type(exc).__name__)
            return None
        used = info.used_fraction
        if used > self.soft_limit:
            logger.info("Autotask's hourly budget is %.0f%% used; heavy reads wait", used * 100)
        return used
