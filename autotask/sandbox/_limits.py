"""Limits and test controls of the sandbox: thread limit, hourly budget, error injection, log.

Thread limit and hourly threshold follow API-NOTES §6.3/§6.4 and the simulator suggestion
there; the request log and error injection are test controls of the sandbox itself (driven
over HTTP by :mod:`._admin_api`).
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from ._store import ApiError

__all__ = [
    "DROP",
    "ConnectionDropped",
    "ErrorInjector",
    "ErrorRule",
    "Gate",
    "HourlyCounter",
    "InjectedError",
    "RequestLog",
    "RequestRecord",
    "ThreadLimiter",
    "default_error_body",
    "redact_headers",
]

DROP = 0
"""Status of an injected error that closes the connection without any response."""

REDACTED = "[redacted]"
_WINDOW_SECONDS = 3600.0
_UNEXPECTED = (
    "An unexpected error has occurred.  If the problem persists, please contact Autotask "
    "Support and reference Error ID: 1166"
)


class RequestRecord(BaseModel):
    """One request as the sandbox saw it (the ``Secret`` header is never kept)."""

    method: str
    path: str
    query_string: str
    status: int
    headers: dict[str, str]
    body: Any = None
    duration_ms: float
    impersonation_id: int | None = None

    @property
    def impersonation(self) -> int | None:
        """The ImpersonationResourceId sent with the request (same as ``impersonation_id``)."""
        return self.impersonation_id


def redact_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """Headers with the value of ``Secret`` (any case) replaced."""
    return {
        name: (REDACTED if name.lower() == "secret" else value) for name, value in headers.items()
    }


class RequestLog:
    """The log of every request, rejected ones included."""

    def __init__(self) -> None:
        self.entries: list[RequestRecord] = []

    def add(self, record: RequestRecord) -> None:
        self.entries.append(record)

    def clear(self) -> int:
        count = len(self.entries)
        self.entries.clear()
        return count


class ThreadLimiter:
    """At most ``limit`` requests in flight per (integration code, entity endpoint) (§6.4).

    A request beyond the limit is refused at once, never queued.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._busy: dict[tuple[str, str], int] = {}

    def acquire(self, code: str, endpoint: str) -> tuple[str, str]:
        key = (code, endpoint.lower())
        if self._busy.get(key, 0) >= self.limit:
            raise ApiError.error(
                "Thread Threshold Exceeded — The Autotask API thread threshold of "
                f"{self.limit} threads has been exceeded. (Itgenatr005)",
                status=429,
            )
        self._busy[key] = self._busy.get(key, 0) + 1
        return key

    def release(self, key: tuple[str, str]) -> None:
        remaining = self._busy.get(key, 0) - 1
        if remaining > 0:
            self._busy[key] = remaining
        else:
            self._busy.pop(key, None)

    def in_flight(self, code: str, endpoint: str) -> int:
        return self._busy.get((code, endpoint.lower()), 0)


class HourlyCounter:
    """Rolling 60-minute request count with usage-based latency (§6.3).

    ``delay_scale`` multiplies the +0.5 s (≥50 %) and +1 s (≥75 %) delays so tests can
    shrink them; 1.0 is Autotask's behaviour.
    """

    def __init__(
        self,
        threshold: int,
        *,
        delay_scale: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.threshold = threshold
        self.delay_scale = delay_scale
        self._clock = clock
        self._buckets: deque[list[float]] = deque()  # [second, count]
        self._total = 0

    def _prune(self, now: float) -> None:
        while self._buckets and self._buckets[0][0] <= now - _WINDOW_SECONDS:
            self._total -= int(self._buckets.popleft()[1])

    @property
    def count(self) -> int:
        self._prune(self._clock())
        return self._total

    def set_count(self, count: int) -> None:
        """Pretend ``count`` requests were made just now (to emulate a spent budget)."""
        self._buckets.clear()
        self._total = max(count, 0)
        if self._total:
            self._buckets.append([float(int(self._clock())), float(self._total)])

    def hit(self) -> float:
        """Count one request; returns the delay to add, or raises 429 over the threshold."""
        now = self._clock()
        self._prune(now)
        second = float(int(now))
        if self._buckets and self._buckets[-1][0] == second:
            self._buckets[-1][1] += 1
        else:
            self._buckets.append([second, 1.0])
        self._total += 1
        if self._total > self.threshold:
            raise ApiError.error(
                "Request Threshold Exceeded — The Autotask API request threshold of "
                f"{self.threshold} requests per 60 minutes has been exceeded.",
                status=429,
            )
        if self._total >= self.threshold * 0.75:
            return 1.0 * self.delay_scale
        if self._total >= self.threshold * 0.5:
            return 0.5 * self.delay_scale
        return 0.0


class ErrorRule(BaseModel):
    """A failure to inject: ``status`` (0 = drop the connection), ``body`` (None = Autotask's
    usual body for the status), how many ``times``, after ``delay_ms``."""

    method: str
    path_pattern: str
    status: int
    body: Any = None
    times: int = 1
    delay_ms: float = 0.0


@dataclass
class InjectedError:
    """A rule in force: its compiled pattern, the body it answers and the uses left."""

    method: str
    pattern: re.Pattern[str]
    status: int
    body: Any
    times: int
    delay_ms: float


def default_error_body(status: int, method: str = "GET") -> Any:
    """An Autotask-shaped body for ``status`` (None means an empty body)."""
    if status == 401:
        return None
    if status == 404:
        return ApiError.not_found().body
    if status == 405:
        return ApiError.method_not_allowed(method).body
    if status == 429:
        return {
            "errors": [
                "Thread Threshold Exceeded — The Autotask API thread threshold of 3 threads "
                "has been exceeded. (Itgenatr005)"
            ]
        }
    if status >= 500:
        return {"errors": [_UNEXPECTED]}
    return {"errors": [f"HTTP {status}"]}


class ErrorInjector:
    """Rules checked before a request is handled; each fires ``times`` times."""

    def __init__(self) -> None:
        self.rules: list[InjectedError] = []

    def add(self, rule: ErrorRule) -> InjectedError:
        if rule.status != DROP and not 100 <= rule.status <= 599:
            raise ValueError(f"status must be 0 (drop) or an HTTP status, got {rule.status}")
        if rule.times < 1:
            raise ValueError("times must be at least 1")
        body = rule.body
        if body is None and rule.status:
            body = default_error_body(rule.status, rule.method)
        injected = InjectedError(
            method=rule.method.upper(),
            pattern=re.compile(rule.path_pattern, re.IGNORECASE),
            status=rule.status,
            body=body,
            times=rule.times,
            delay_ms=rule.delay_ms,
        )
        self.rules.append(injected)
        return injected

    def take(self, method: str, path: str) -> InjectedError | None:
        """The first rule matching ``method`` and ``path`` (after ``/V1.0/``), used up once."""
        for rule in self.rules:
            if rule.method in ("*", method.upper()) and rule.pattern.search(path):
                rule.times -= 1
                if rule.times <= 0:
                    self.rules.remove(rule)
                return rule
        return None

    def clear(self) -> None:
        self.rules.clear()


class ConnectionDropped(Exception):
    """An injected error in drop mode: close the connection without any response."""


class Gate:
    """Error injection, the hourly budget, the thread limit and latency, in that order."""

    def __init__(
        self,
        *,
        integration_code: str,
        thread_limit: int,
        hourly_threshold: int,
        delay_scale: float,
        latency_ms: float,
    ) -> None:
        self.errors = ErrorInjector()
        self.threads = ThreadLimiter(thread_limit)
        self.hourly = HourlyCounter(hourly_threshold, delay_scale=delay_scale)
        self.latency_ms = latency_ms
        self._code = integration_code

    async def check_injected(self, method: str, path: str) -> None:
        """Raise the injected failure for this request, if one matches (before anything else)."""
        rule = self.errors.take(method, path)
        if rule is None:
            return
        if rule.delay_ms > 0:
            await asyncio.sleep(rule.delay_ms / 1000)
        if rule.status == DROP:
            raise ConnectionDropped
        headers = {"WWW-Authenticate": 'Basic Realm="sandbox"'} if rule.status == 401 else None
        raise ApiError(rule.status, rule.body, headers=headers)

    @contextlib.asynccontextmanager
    async def slot(self, endpoint: str) -> AsyncIterator[None]:
        """Count the request (§6.3) and hold a thread slot (§6.4) until the answer is due.

        An answer is due the latency (plus the usage-based delay) after the request came in,
        however long the sandbox itself took to work it out: Autotask's answer time includes its
        own work, done by a server of its own, while the sandbox's work shares this machine and
        one event loop. So the work runs first and the rest of the latency is waited after it,
        failed answers included; the slot is held until the answer leaves. Requests that came in
        together each take their time before any of them is worked on, as on servers of their
        own.
        """
        due = time.monotonic() + self.hourly.hit() + self.latency_ms / 1000
        key = self.threads.acquire(self._code, endpoint)
        try:
            try:
                await asyncio.sleep(0)  # the requests that came with this one take theirs
                yield
            except Exception:
                await _until(due)
                raise
            await _until(due)
        finally:
            self.threads.release(key)


async def _until(due: float) -> None:
    pause = due - time.monotonic()
    if pause > 0:
        await asyncio.sleep(pause)
