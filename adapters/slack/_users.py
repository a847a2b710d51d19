"""Who a Slack user is: e-mail and name from ``users.info`` (scope users:read.email), cached."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from ._surface import slack_error, timed

__all__ = ["Person", "UserDirectory"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Person:
    user_id: str
    email: str | None = None
    name: str | None = None
    tz: str | None = None  # the profile's IANA time zone, e.g. "Pacific/Auckland"


class UserDirectory:
    """``users.info`` answers, kept for ``ttl`` seconds (a failed look-up for ``retry_after``);
    concurrent look-ups of one user share one request."""

    def __init__(
        self,
        client: AsyncWebClient,
        *,
        ttl: float = 900.0,
        retry_after: float = 60.0,
        max_entries: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._ttl = ttl
        self._retry_after = retry_after
        self._max_entries = max_entries
        self._clock = clock
        self._cache: dict[str, tuple[float, Person]] = {}
        self._pending: dict[str, asyncio.Future[Person]] = {}

    async def person(self, user_id: str) -> Person:
        cached = self._cache.get(user_id)
        if cached is not None and cached[0] > self._clock():
            return cached[1]
        pending = self._pending.get(user_id)
        if pending is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[Person] = asyncio.get_running_loop().create_future()
        self._pending[user_id] = future
        try:
            person, keep = await self._fetch(user_id)
            self._remember(user_id, person, keep)
            future.set_result(person)
            return person
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved here, so an unawaited future logs nothing
            raise
        finally:
            del self._pending[user_id]

    def _remember(self, user_id: str, person: Person, keep: float) -> None:
        if len(self._cache) >= self._max_entries:
            now = self._clock()
            self._cache = {k: v for k, v in self._cache.items() if v[0] > now}
            if len(self._cache) >= self._max_entries:
                self._cache.pop(next(iter(self._cache)))
        self._cache[user_id] = (self._clock() + keep, person)

    async def _fetch(self, user_id: str) -> tuple[Person, float]:
        try:
            response = await timed("users.info", self._client.users_info(user=user_id))
        except SlackApiError as exc:
            if _transient(exc):  # Slack is busy: not a fact about the user worth remembering
                raise
            logger.warning("no e-mail for a Slack user: users.info failed (%s)", slack_error(exc))
            return Person(user_id=user_id), self._retry_after
        user = response.get("user") or {}
        profile = user.get("profile") or {}
        name = profile.get("real_name") or profile.get("display_name") or user.get("name")
        email = profile.get("email")
        if not email:
            logger.warning("Slack gave no e-mail for a user; is users:read.email granted?")
        tz = user.get("tz") or None
        return Person(user_id=user_id, email=email, name=name, tz=tz), self._ttl


def _transient(exc: SlackApiError) -> bool:
    status = exc.response.status_code if exc.response is not None else 0
    return status == 429 or status >= 500 or slack_error(exc) in {"ratelimited", "fatal_error"}
