"""Turn Autotask's error responses into the exception tree, with messages people can act on.

Autotask reports most failures as HTTP 500 with ``{"errors": [...]}`` (API-NOTES §6.1); the texts
decide what kind of failure it was.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from ._errors import (
    AuthenticationError,
    AutotaskError,
    BusyError,
    InvalidRequestError,
    NotFoundError,
    PermissionDeniedError,
    ServerError,
    UnknownApiUserError,
)

__all__ = ["error_from_response", "error_texts", "parse_json"]

CREDENTIALS_CHECKLIST = (
    "Check the API user's Username (Key) and Secret exactly as generated, the API integration "
    "code (tracking identifier), and that the API user is active with an 'API User (API-only)' "
    "security level."
)


def parse_json(response: httpx.Response) -> Any:
    """The JSON body, or None for an empty one; a non-JSON body is Autotask failing."""
    if not response.content:
        return None
    try:
        return response.json()
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ServerError(
            f"Autotask answered HTTP {response.status_code} with a body that is not JSON.",
            method=response.request.method,
            path=response.request.url.path,
            status=response.status_code,
        ) from exc


def error_texts(body: Any) -> list[str]:
    """Autotask's error strings from any of its error shapes."""
    if isinstance(body, dict):
        errors = body.get("errors")
        if isinstance(errors, list):
            return [str(item) for item in errors if item is not None]
        for key in ("Message", "message"):
            if isinstance(body.get(key), str):
                return [body[key]]
    if isinstance(body, str) and body.strip():
        return [body.strip()]
    return []


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    try:
        return max(float(value), 0.0) if value is not None else None
    except ValueError:
        return None


def _busy(texts: list[str], response: httpx.Response, context: dict[str, Any]) -> BusyError:
    joined = " ".join(texts).lower()
    reason = "rate"
    if "thread" in joined:
        reason = "threads"
        message = (
            "Autotask is busy (too many requests at once on this endpoint); try again shortly."
        )
    elif "threshold" in joined or "limit" in joined or "hour" in joined:
        reason = "hourly"
        message = (
            "Autotask's hourly API request limit for this tenant is spent; requests are refused "
            "until the rolling 60-minute count drops. Try again later."
        )
    else:
        message = "Autotask is busy and asked us to slow down (HTTP 429); try again shortly."
    return BusyError(message, retry_after=_retry_after(response), reason=reason, **context)


def _from_texts(texts: list[str], status: int, context: dict[str, Any]) -> AutotaskError:
    joined = " ".join(texts)
    lowered = joined.lower()
    if "zone information could not be determined" in lowered:
        return UnknownApiUserError(
            "Autotask did not recognize that API user — use the API user's Username (Key), "
            "not an e-mail of a person.",
            **context,
        )
    if "integrationcode is invalid" in lowered:
        return AuthenticationError(
            f"Autotask rejected the API integration code. {CREDENTIALS_CHECKLIST}", **context
        )
    if "adequate permissions" in lowered or "required permissions" in lowered:
        if "no matching records" in lowered:
            return NotFoundError(f"Autotask found no such record: {joined}", **context)
        return PermissionDeniedError(
            f"Autotask refused: {joined} An Autotask admin can check the API user's security "
            "level (and that of the resource acted for).",
            **context,
        )
    if "no matching records" in lowered:
        return NotFoundError(f"Autotask found no such record: {joined}", **context)
    if "unexpected error" in lowered or not texts:
        detail = f" ({joined})" if texts else ""
        return ServerError(
            f"Autotask had an internal error{detail}. Try again; if it persists, contact "
            "Autotask support with the error id.",
            **context,
        )
    return InvalidRequestError(f"Autotask refused the request: {joined}", **context)


def error_from_response(response: httpx.Response, body: Any) -> AutotaskError:
    """The exception for a non-2xx response."""
    status = response.status_code
    texts = error_texts(body)
    context: dict[str, Any] = {
        "method": response.request.method,
        "path": response.request.url.path,
        "status": status,
        "errors": texts,
    }
    if any("thread threshold" in text.lower() for text in texts) or status == 429:
        return _busy(texts, response, context)
    if status == 401:
        return AuthenticationError(
            f"Autotask rejected the credentials (HTTP 401). {CREDENTIALS_CHECKLIST}", **context
        )
    if status == 403:
        return PermissionDeniedError(
            "Autotask refused access (HTTP 403). An Autotask admin can check the API user's "
            "security level.",
            **context,
        )
    if status == 404:
        return NotFoundError(f"Autotask has no {response.request.url.path}.", **context)
    if status == 405:
        return InvalidRequestError(
            f"Autotask does not allow {response.request.method} on {response.request.url.path}.",
            **context,
        )
    if status in (502, 503, 504):
        return ServerError(
            f"Autotask is temporarily unavailable (HTTP {status}); try again shortly.", **context
        )
    return _from_texts(texts, status, context)
