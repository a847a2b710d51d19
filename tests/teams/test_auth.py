"""The Bot Framework's tokens: real JWTs signed by a test key that a local OpenID metadata endpoint
publishes; what fails verification gets 401 with no traceback and no outbound call; a rolled key
is fetched; outbound tokens come from one credentials object, fetched off the event loop."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jwt
import pytest
from aiohttp import web
from botframework.connector.auth import MicrosoftAppCredentials
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from teams_connector import FakeConnector
from teams_server import BotServer, open_runtime, serve_teams
from teams_support import TeamsUser, personal

from adapters.teams import ChannelTokens
from adapters.web import running_app
from autotask.tools import Tenant

APP_ID = "11111111-2222-3333-4444-555555555555"
ISSUER = "https://api.botframework.com"


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _jwk(key: rsa.RSAPrivateKey, kid: str) -> dict[str, Any]:
    jwk = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
    return {**jwk, "kid": kid, "use": "sig", "endorsements": ["msteams", "skype"]}


@dataclass
class KeyServer:
    """login.botframework.com's OpenID metadata and key set, on a loopback port."""

    keys: list[dict[str, Any]] = field(default_factory=list)
    fetches: int = 0
    url: str = ""

    def app(self) -> web.Application:
        async def metadata(request: web.Request) -> web.Response:
            return web.json_response(
                {
                    "issuer": ISSUER,
                    "jwks_uri": f"{self.url}/keys",
                    "id_token_signing_alg_values_supported": ["RS256"],
                }
            )

        async def keys(request: web.Request) -> web.Response:
            self.fetches += 1
            return web.json_response({"keys": self.keys})

        app = web.Application()
        app.router.add_get("/openidconfiguration", metadata)
        app.router.add_get("/keys", keys)
        return app


def token(key: Any, kid: str | None, service_url: str, *, alg: str = "RS256", **claims: Any) -> str:
    now = int(time.time())
    body = {
        "iss": ISSUER,
        "aud": APP_ID,
        "serviceurl": service_url,
        "nbf": now - 10,
        "exp": now + 3600,
        **claims,
    }
    headers = {"kid": kid} if kid is not None else {}
    return jwt.encode(body, key, algorithm=alg, headers=headers)


class SlowCredentials(MicrosoftAppCredentials):  # type: ignore[misc]
    """An Entra token endpoint that takes its time; records which thread asked."""

    threads: list[int]

    def get_access_token(self, force_refresh: bool = False) -> str:
        self.threads.append(threading.get_ident())
        time.sleep(0.2)
        return "outbound-token-for-tests"


class CountingFactory:
    """Makes credentials like botbuilder's factory does, counting how many it made."""

    def __init__(self) -> None:
        self.made = 0
        self.threads: list[int] = []

    async def is_valid_app_id(self, app_id: str) -> bool:
        return app_id == APP_ID

    async def is_authentication_disabled(self) -> bool:
        return False

    async def create_credentials(self, app_id: str, oauth_scope: str, *_: Any) -> Any:
        self.made += 1
        credentials = SlowCredentials(app_id, "secret", None, oauth_scope)
        credentials.threads = self.threads
        return credentials


@dataclass
class Secured:
    server: BotServer
    keys: KeyServer
    signing: Any
    factory: CountingFactory


@asynccontextmanager
async def secured_server(tenant: Tenant, tmp_path: Path) -> AsyncIterator[Secured]:
    keys = KeyServer()
    signing = _key()
    keys.keys = [_jwk(signing, "key-1")]
    async with running_app(keys.app(), "127.0.0.1", 0) as url:
        keys.url = url
        settings = {
            "app_id": APP_ID,
            "app_password": "not-a-real-secret",
            "tenant_id": "72f988bf-0000-0000-0000-000000000001",
            "openid_metadata_url": f"{url}/openidconfiguration",
        }
        factory = CountingFactory()
        async with (
            open_runtime(tenant, tmp_path, **settings) as runtime,
            serve_teams(runtime, credentials=factory) as server,
        ):
            yield Secured(server=server, keys=keys, signing=signing, factory=factory)


async def test_a_signed_request_is_answered_with_one_credentials_object_off_the_loop(
    tenant: Tenant, tmp_path: Path, connector: FakeConnector, sarah: TeamsUser
) -> None:
    async with secured_server(tenant, tmp_path) as s:
        for text in ("who am i", "my tickets", "help"):
            bearer = token(s.signing, "key-1", connector.url)
            response = await s.server.send(
                personal(sarah, connector.url, text), Authorization=f"Bearer {bearer}"
            )
            assert response.status_code == 201
    assert len(connector.messages()) == 3
    assert set(connector.authorizations) == {"Bearer outbound-token-for-tests"}
    assert s.factory.made == 1, "one credentials object for the process"
    assert len(s.factory.threads) == 1, "the token is fetched once and kept warm"
    assert s.factory.threads[0] != threading.get_ident(), "never on the event loop's thread"
    assert s.keys.fetches == 1, "the signing keys are fetched once"


@pytest.mark.parametrize(
    "case",
    [
        "garbage",
        "basic",
        "none",
        "alg-none",
        "hs256",
        "wrong-key",
        "unknown-kid",
        "no-kid",
        "expired",
        "wrong-audience",
        "wrong-issuer",
        "other-service-url",
    ],
)
async def test_tokens_that_fail_verification_get_401_without_a_traceback(
    tenant: Tenant,
    tmp_path: Path,
    connector: FakeConnector,
    sarah: TeamsUser,
    caplog: pytest.LogCaptureFixture,
    case: str,
) -> None:
    async with secured_server(tenant, tmp_path) as s:
        url, key = connector.url, s.signing
        headers = {
            "garbage": "Bearer garbage",
            "basic": "Basic dXNlcjpwYXNz",
            "none": "",
            "alg-none": "Bearer " + token(None, "key-1", url, alg="none"),
            "hs256": "Bearer "
            + token("a-shared-secret-of-32-bytes-or-more!", "key-1", url, alg="HS256"),
            "wrong-key": "Bearer " + token(_key(), "key-1", url),
            "unknown-kid": "Bearer " + token(_key(), "key-9", url),
            "no-kid": "Bearer " + token(key, None, url),
            "expired": "Bearer " + token(key, "key-1", url, exp=int(time.time()) - 3600),
            "wrong-audience": "Bearer " + token(key, "key-1", url, aud="another-bot"),
            "wrong-issuer": "Bearer " + token(key, "key-1", url, iss="https://evil.example"),
            "other-service-url": "Bearer " + token(key, "key-1", "https://evil.example/"),
        }[case]
        sent = {"Authorization": headers} if headers else {}
        response = await s.server.send(personal(sarah, url, "my tickets"), **sent)
    assert response.status_code == 401 and "Traceback" not in response.text
    assert connector.received == [] and connector.requests == []
    assert [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR] == []


async def test_a_rolled_signing_key_is_fetched_at_its_first_use(
    tenant: Tenant, tmp_path: Path, connector: FakeConnector, sarah: TeamsUser
) -> None:
    now = [1000.0]
    async with secured_server(tenant, tmp_path) as s:
        tokens = ChannelTokens(
            APP_ID, metadata_url=f"{s.keys.url}/openidconfiguration", clock=lambda: now[0]
        )
        s.server.part.tokens = tokens
        first = token(s.signing, "key-1", connector.url)
        activity = personal(sarah, connector.url, "who am i")
        assert (await s.server.send(activity, Authorization=f"Bearer {first}")).status_code == 201
        rolled = _key()
        s.keys.keys = [_jwk(rolled, "key-2")]  # Microsoft rolls its key
        second = token(rolled, "key-2", connector.url)
        now[0] += 61
        activity = personal(sarah, connector.url, "who am i")
        assert (await s.server.send(activity, Authorization=f"Bearer {second}")).status_code == 201
        # a flood of made-up key ids does not make it fetch the keys again and again
        for n in range(5):
            made_up = token(_key(), f"made-up-{n}", connector.url)
            activity = personal(sarah, connector.url, "who am i")
            response = await s.server.send(activity, Authorization=f"Bearer {made_up}")
            assert response.status_code == 401
    assert s.keys.fetches == 2
    assert len(connector.messages()) == 2
