"""How Teams calls are retried, and what a refusal means.

The Bot Connector throttles (HTTP 429 with ``Retry-After``; 412 when a conversation gets
messages too fast) and has transient failures (502, 503, 504): those are tried again with
backoff, honouring a short ``Retry-After``. A 403 ``BotNotInConversationRoster`` or a 404
``ConversationNotFound`` means the bot is gone from that conversation: ``ConversationGone``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from bot.messages import ConversationGone

__all__ = ["GONE_CODES", "RETRY_STATUSES", "error_code", "retrying", "status_of"]

logger = logging.getLogger(__name__)

T = TypeVar("T")
RETRY_STATUSES = frozenset({412, 429, 502, 503, 504})
GONE_CODES = frozenset({"BotNotInConversationRoster", "ConversationNotFound"})
ATTEMPTS = 4
MAX_WAIT_SECONDS = 30.0


def status_of(exc: BaseException) -> int | None:
    response = getattr(exc, "response", None)
    status = getattr(response, "status_code", None)
    return status if isinstance(status, int) else None


def error_code(exc: BaseException) -> str | None:
    error = getattr(getattr(exc, "error", None), "error", None)
    code = getattr(error, "code", None)
    return code if isinstance(code, str) else None


def _retry_after(exc: BaseException) -> float | None:
    headers: Any = getattr(getattr(exc, "response", None), "headers", None) or {}
    try:
        value = headers.get("Retry-After") or headers.get("retry-after")
        return float(value) if value is not None else None
    except (TypeError, ValueError, AttributeError):
        return None


async def retrying(
    call: Callable[[], Awaitable[T]],
    what: str,
    *,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> T:
    """``call()``, again after a throttle or a transient failure (at most ``ATTEMPTS`` times)."""
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return await call()
        except Exception as exc:
            status = status_of(exc)
            if error_code(exc) in GONE_CODES or (status == 403 and error_code(exc) is None):
                raise ConversationGone(f"Teams: {error_code(exc) or status}") from exc
            if status not in RETRY_STATUSES or attempt == ATTEMPTS:
                raise
            wait = _retry_after(exc)
            wait = 0.5 * 2 ** (attempt - 1) if wait is None else wait
            if wait > MAX_WAIT_SECONDS:
                raise
            logger.info("Teams %s answered %s; trying again in %.1f s", what, status, wait)
            await sleep(wait)
    raise AssertionError("unreachable")
