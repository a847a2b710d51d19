"""Autotask PSA: REST client, metadata, tool layer and a local sandbox server.

Knows nothing of chat platforms, language models or the bot.
"""

from __future__ import annotations

from ._budget import DEFAULT_BUDGET_SOFT_LIMIT, BudgetGuard
from ._client import DEFAULT_ZONE_LOOKUP_URL, AutotaskClient, Credentials
from ._errors import (
    AuthenticationError,
    AutotaskError,
    BusyError,
    InvalidRequestError,
    NotFoundError,
    OutcomeUnknownError,
    PermissionDeniedError,
    ServerError,
    UnknownApiUserError,
    UnreachableError,
)
from ._filters import MAX_PAGE_SIZE, Filter, Op, Query, all_of, any_of
from ._limiter import EndpointLimiter
from ._models import EntityInfo, FieldInfo, Page, PicklistValue, ThresholdInfo, UdfInfo, ZoneInfo
from ._retry import RetryPolicy

__all__ = [
    "DEFAULT_BUDGET_SOFT_LIMIT",
    "DEFAULT_ZONE_LOOKUP_URL",
    "MAX_PAGE_SIZE",
    "AuthenticationError",
    "AutotaskClient",
    "AutotaskError",
    "BudgetGuard",
    "BusyError",
    "Credentials",
    "EndpointLimiter",
    "EntityInfo",
    "FieldInfo",
    "Filter",
    "InvalidRequestError",
    "NotFoundError",
    "Op",
    "OutcomeUnknownError",
    "Page",
    "PermissionDeniedError",
    "PicklistValue",
    "Query",
    "RetryPolicy",
    "ServerError",
    "ThresholdInfo",
    "UdfInfo",
    "UnknownApiUserError",
    "UnreachableError",
    "ZoneInfo",
    "all_of",
    "any_of",
]
