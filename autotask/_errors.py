"""One exception tree for everything that can go wrong talking to Autotask.

Every error carries the request context (method, path, status) and Autotask's own error texts,
and its message says what a technician or an admin can do next. Foreign errors (httpx) are
translated once, in the client, with ``raise ... from exc``.
"""

from __future__ import annotations

from typing import TypedDict, Unpack

__all__ = [
    "AuthenticationError",
    "AutotaskError",
    "BusyError",
    "ErrorContext",
    "InvalidRequestError",
    "NotFoundError",
    "OutcomeUnknownError",
    "PermissionDeniedError",
    "ServerError",
    "UnknownApiUserError",
    "UnreachableError",
]


class ErrorContext(TypedDict, total=False):
    """The request an error is about."""

    method: str | None
    path: str | None
    status: int | None
    errors: list[str] | None


class AutotaskError(Exception):
    """Base class of every error raised by the Autotask client."""

    def __init__(self, message: str, **context: Unpack[ErrorContext]) -> None:
        super().__init__(message)
        self.message = message
        self.method = context.get("method")
        self.path = context.get("path")
        self.status = context.get("status")
        self.errors: list[str] = list(context.get("errors") or [])

    def __str__(self) -> str:
        return self.message

    @property
    def where(self) -> str:
        """``METHOD path`` of the request that failed, for logs."""
        return f"{self.method or '?'} {self.path or '?'}"


class UnknownApiUserError(AutotaskError):
    """Zone lookup failed: Autotask does not know that API username."""


class AuthenticationError(AutotaskError):
    """Autotask rejected the credentials (HTTP 401)."""


class PermissionDeniedError(AutotaskError):
    """The API user (or the impersonated resource) may not do this."""


class NotFoundError(AutotaskError):
    """The record (or route) does not exist, or is outside the API user's scope."""


class InvalidRequestError(AutotaskError):
    """Autotask refused the request as invalid; ``errors`` holds Autotask's own texts."""


class BusyError(AutotaskError):
    """Autotask throttled us: thread threshold, HTTP 429 or the hourly request limit."""

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None = None,
        reason: str = "rate",
        **context: Unpack[ErrorContext],
    ) -> None:
        super().__init__(message, **context)
        self.retry_after = retry_after
        #: "threads" (thread threshold), "hourly" (hourly request limit) or "rate" (other 429)
        self.reason = reason


class ServerError(AutotaskError):
    """Autotask failed on its side (5xx without a validation message)."""


class UnreachableError(AutotaskError):
    """Autotask could not be reached (connection refused, DNS, timeout before sending)."""


class OutcomeUnknownError(AutotaskError):
    """A write was sent but no answer came back: it may or may not have been applied."""
