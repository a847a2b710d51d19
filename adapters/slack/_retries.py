"""How the Slack clients retry: a 429 after its ``Retry-After`` (when that is a short wait), a 500
or 503 with backoff, a dropped connection once. Everything else is answered at once."""

from __future__ import annotations

from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

__all__ = ["MAX_RETRY_AFTER_SECONDS", "retry_handlers"]

MAX_RETRY_AFTER_SECONDS = 30


class _RateLimited(AsyncRateLimitErrorRetryHandler):
    """slack_sdk's 429 handler, but a ``Retry-After`` longer than half a minute is not waited
    for: the user is told instead of left looking at a placeholder."""

    async def _can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if response is None or response.status_code != 429:
            return False
        waits = [
            v
            for k, values in response.headers.items()
            if k.lower() == "retry-after"
            for v in values
        ]
        try:
            wait = int(waits[0]) if waits else 1
        except ValueError:
            return False
        return 0 <= wait <= MAX_RETRY_AFTER_SECONDS


def retry_handlers() -> list[AsyncRetryHandler]:
    return [
        AsyncConnectionErrorRetryHandler(max_retry_count=1),
        _RateLimited(max_retry_count=3),
        AsyncServerErrorRetryHandler(max_retry_count=2),
    ]
