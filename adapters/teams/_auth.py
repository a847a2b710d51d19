"""The Bot Framework's tokens, both ways.

In: every activity POSTed to /api/messages carries ``Authorization: Bearer <JWT>`` signed by the
Bot Framework. ``ChannelTokens`` checks it (issuer, audience = our app id, RS256, expiry,
endorsement for the channel, the serviceUrl claim) against the keys the OpenID metadata lists,
fetched without blocking the event loop. A token signed with a key we have not seen yet makes it
fetch the keys again (at most once a minute): Microsoft rolls its signing keys, and the token of
the first request after a roll must not be refused until some daily refresh. Whatever is wrong
with a token is ``Unauthorized`` (HTTP 401), never an exception of the JWT library.

Out: ``SharedCredentials`` keeps one credentials object, with its token cache, per app and scope
for the whole process, and fetches the Entra token on a worker thread before botbuilder's
synchronous request signing needs it, so a slow token endpoint never freezes the event loop.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from typing import Any

import httpx
import jwt
from botframework.connector.auth import (
    AuthenticationConstants,
    ClaimsIdentity,
    ServiceClientCredentialsFactory,
)
from jwt.algorithms import RSAAlgorithm

__all__ = ["ChannelTokens", "SharedCredentials", "Unauthorized"]

logger = logging.getLogger(__name__)

ISSUER = AuthenticationConstants.TO_BOT_FROM_CHANNEL_TOKEN_ISSUER
METADATA_URL = AuthenticationConstants.TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL
ALGORITHMS = ["RS256", "RS384", "RS512"]
LEEWAY_SECONDS = 300  # the Bot Framework's own clock tolerance
KEYS_TTL_SECONDS = 24 * 3600
REFETCH_AFTER_SECONDS = 60.0  # an unknown kid fetches the keys again, at most this often
TOKEN_FRESH_SECONDS = 300.0  # msal renews a cached token when it has less than 5 minutes left


class Unauthorized(Exception):
    """The request's token is missing or not valid; the text says why (for the log only)."""


class ChannelTokens:
    """Validates the Bot Framework's bearer tokens for one app id."""

    def __init__(
        self,
        app_id: str,
        *,
        metadata_url: str = METADATA_URL,
        http: httpx.AsyncClient | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._app_id = app_id
        self._metadata_url = metadata_url
        self._http = http
        self._clock = clock
        self._keys: dict[str, dict[str, Any]] = {}
        self._fetched_at: float | None = None
        self._lock = asyncio.Lock()

    async def identity(
        self, header: str | None, *, channel_id: str | None, service_url: str | None
    ) -> ClaimsIdentity:
        scheme, _, token = (header or "").partition(" ")
        if scheme != "Bearer" or not token.strip():
            raise Unauthorized("no bearer token")
        try:
            head = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise Unauthorized(f"unreadable token ({type(exc).__name__})") from None
        if head.get("alg") not in ALGORITHMS:
            raise Unauthorized(f"signing algorithm {head.get('alg')!r} is not allowed")
        kid = head.get("kid")
        if not isinstance(kid, str):
            raise Unauthorized("the token names no signing key")
        key = await self._key(kid)
        endorsements = key.get("endorsements")
        if channel_id and isinstance(endorsements, list) and channel_id not in endorsements:
            raise Unauthorized(f"the signing key is not endorsed for {channel_id}")
        claims = self._decode(token, key, head["alg"])
        if service_url is not None and claims.get("serviceurl") != service_url:
            raise Unauthorized("the serviceUrl claim does not match the activity")
        return ClaimsIdentity(claims, True)

    def _decode(self, token: str, key: dict[str, Any], alg: str) -> dict[str, Any]:
        try:
            public_key = RSAAlgorithm.from_jwk(json.dumps(key))
            claims: dict[str, Any] = jwt.decode(
                token,
                public_key,  # type: ignore[arg-type]
                algorithms=[alg],
                audience=self._app_id,
                issuer=ISSUER,
                leeway=LEEWAY_SECONDS,
                options={"require": ["exp", "iss", "aud"]},
            )
        except (jwt.PyJWTError, ValueError, TypeError) as exc:
            raise Unauthorized(f"token refused ({type(exc).__name__})") from None
        return claims

    async def _key(self, kid: str) -> dict[str, Any]:
        now = self._clock()
        stale = self._fetched_at is None or now - self._fetched_at > KEYS_TTL_SECONDS
        unknown = kid not in self._keys
        may_refetch = self._fetched_at is None or now - self._fetched_at > REFETCH_AFTER_SECONDS
        if stale or (unknown and may_refetch):
            async with self._lock:
                if self._fetched_at is None or self._fetched_at < now:  # nobody did it meanwhile
                    await self._fetch()
        key = self._keys.get(kid)
        if key is None:
            raise Unauthorized("the token is signed with a key the Bot Framework does not list")
        return key

    async def _fetch(self) -> None:
        try:
            if self._http is not None:
                keys = await self._download(self._http)
            else:
                async with httpx.AsyncClient(timeout=10.0) as http:
                    keys = await self._download(http)
        except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
            logger.warning("could not fetch the Bot Framework's signing keys (%s)",
                           type(exc).__name__)  # fmt: skip
            raise Unauthorized("the signing keys could not be fetched") from None
        self._keys = {k["kid"]: k for k in keys if isinstance(k, dict) and "kid" in k}
        self._fetched_at = self._clock()
        logger.info("Bot Framework signing keys fetched (%d keys)", len(self._keys))

    async def _download(self, http: httpx.AsyncClient) -> list[Any]:
        metadata = await http.get(self._metadata_url)
        metadata.raise_for_status()
        jwks = await http.get(str(metadata.json()["jwks_uri"]))
        jwks.raise_for_status()
        keys = jwks.json()["keys"]
        if not isinstance(keys, list):
            raise TypeError("keys is not a list")
        return keys


class SharedCredentials(ServiceClientCredentialsFactory):  # type: ignore[misc]
    """One credentials object per (app id, scope, login endpoint) for the process, wrapping
    botbuilder's own factory. Its token is fetched on a worker thread before botbuilder's
    synchronous request signing asks for it, and handed out from here while it is fresh."""

    def __init__(self, inner: ServiceClientCredentialsFactory) -> None:
        self._inner = inner
        self._tokens: dict[tuple[str, str, str], _Token] = {}
        self._lock = asyncio.Lock()

    async def is_valid_app_id(self, app_id: str) -> bool:
        return bool(await self._inner.is_valid_app_id(app_id))

    async def is_authentication_disabled(self) -> bool:
        return bool(await self._inner.is_authentication_disabled())

    async def create_credentials(
        self, app_id: str, oauth_scope: str, login_endpoint: str, validate_authority: bool
    ) -> Any:
        key = (app_id or "", oauth_scope or "", login_endpoint or "")
        async with self._lock:
            token = self._tokens.get(key)
            if token is None:
                credentials = await self._inner.create_credentials(
                    app_id, oauth_scope, login_endpoint, validate_authority
                )
                token = self._tokens[key] = _Token(credentials)
            if app_id and not token.fresh():
                await asyncio.to_thread(token.fetch)
        return token.credentials


class _Token:
    """The credentials' token, kept for ``TOKEN_FRESH_SECONDS``; the credentials ask here."""

    def __init__(self, credentials: Any) -> None:
        self.credentials = credentials
        self._fetch = credentials.get_access_token
        self._value: str | None = None
        self._until = 0.0
        credentials.get_access_token = self.get

    def fresh(self) -> bool:
        return self._value is not None and time.monotonic() < self._until

    def fetch(self) -> str:
        value = str(self._fetch())
        self._value, self._until = value, time.monotonic() + TOKEN_FRESH_SECONDS
        return value

    def get(self, force_refresh: bool = False) -> str:
        if self._value is not None and not force_refresh and self.fresh():
            return self._value
        return self.fetch()  # not warmed in time: botbuilder's own synchronous way
