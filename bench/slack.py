"""Slack acknowledgement latency: signed Events API requests to the bot's real web server (HTTP
mode) while every turn waits 2 s for a scripted model; the answers still arrive afterwards."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import socket
import statistics
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

import aiohttp
from aiohttp import web
from pydantic import SecretStr

from adapters.runtime import Runtime
from adapters.slack import SlackPart
from adapters.web import build_app, running_app
from autotask import AutotaskClient, Credentials
from autotask.sandbox import Sandbox, SandboxConfig
from autotask.tools import Tenant
from bot.engine import Engine
from bot.model import ModelTurn
from bot.settings import BotSettings, Settings, SlackSettings
from bot.storage import Database

from ._report import Figure

CONCURRENT = 50
ROUNDS = 4
MODEL_SECONDS = 2.0
SECRET = "bench-signing-secret"
TOKEN = "xoxb-bench"


class SlowModel:
    """A scripted model that takes MODEL_SECONDS per turn and then answers in words."""

    async def complete(
        self, messages: list[dict[str, Any]], tools: list[dict[str, Any]]
    ) -> ModelTurn:
        await asyncio.sleep(MODEL_SECONDS)
        return ModelTurn(content="Here is what I found.")


class FakeSlackApi:
    """Just enough of Slack's Web API: auth.test, users.info and chat.* answer ok."""

    def __init__(self, email: str) -> None:
        self.email = email
        self.updates = 0
        self._ts = itertools.count(1)

    async def handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        await request.read()
        if method == "auth.test":
            return web.json_response(
                {"ok": True, "user_id": "UBOT", "bot_id": "BBOT", "team_id": "T1"}
            )
        if method == "users.info":
            return web.json_response(
                {"ok": True, "user": {"id": "U", "profile": {"email": self.email}}}
            )
        if method == "chat.update":
            self.updates += 1
        return web.json_response({"ok": True, "ts": f"1.{next(self._ts)}", "channel": "D"})

    @asynccontextmanager
    async def serving(self) -> AsyncIterator[str]:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self.handle)
        async with running_app(app, "127.0.0.1", 0) as url:
            yield url + "/api/"


def _signed(n: int) -> tuple[bytes, dict[str, str]]:
    event = {"type": "message", "channel": f"D{n}", "channel_type": "im", "user": f"U{n}",
             "text": "what is open for contoso?", "ts": f"1700000000.{n:06d}"}  # fmt: skip
    body = json.dumps(
        {"type": "event_callback", "team_id": "T1", "event_id": f"Ev{n}", "event": event}
    )
    stamp = str(int(time.time()))
    signature = hmac.new(SECRET.encode(), f"v0:{stamp}:{body}".encode(), hashlib.sha256).hexdigest()
    headers = {"Content-Type": "application/json", "X-Slack-Request-Timestamp": stamp,
               "X-Slack-Signature": f"v0={signature}"}  # fmt: skip
    return body.encode(), headers


async def _ack(http: aiohttp.ClientSession, url: str, n: int) -> float:
    body, headers = _signed(n)
    started = time.perf_counter()
    async with http.post(url, data=body, headers=headers) as response:
        await response.read()
        assert response.status == 200, response.status
    return (time.perf_counter() - started) * 1000


async def _burst(
    http: aiohttp.ClientSession, url: str, part: SlackPart, first: int
) -> tuple[list[float], float]:
    """CONCURRENT events at once: their ack latencies, and when the last answer was posted."""
    started = time.perf_counter()
    ids = range(first, first + CONCURRENT)
    latencies = await asyncio.gather(*(_ack(http, f"{url}/slack/events", n) for n in ids))
    await asyncio.sleep(0.05)  # let the listeners hand their work over
    await part.bot.work.drain()
    return list(latencies), time.perf_counter() - started


async def _measure(
    part: SlackPart, url: str, api: FakeSlackApi
) -> tuple[list[float], list[float], float]:
    """The first burst (50 new connections) apart, then ROUNDS bursts on kept-alive connections."""
    async with aiohttp.ClientSession() as http:
        cold, _ = await _burst(http, url, part, 0)
        warm: list[float] = []
        answered: list[float] = []
        for round_ in range(1, ROUNDS + 1):
            latencies, seconds = await _burst(http, url, part, round_ * CONCURRENT)
            warm += latencies
            answered.append(seconds)
    assert api.updates == (ROUNDS + 1) * CONCURRENT, f"{api.updates} answers"
    return cold, warm, statistics.median(answered)


def _settings(folder: str, api_url: str) -> Settings:
    slack = SlackSettings(bot_token=SecretStr(TOKEN), signing_secret=SecretStr(SECRET), mode="http",
                          api_url=api_url)  # fmt: skip
    return Settings(
        data_dir=Path(folder), bot=BotSettings(rate_limit_per_minute=100_000), slack=slack
    )


@asynccontextmanager
async def _sandbox_process(config: SandboxConfig) -> AsyncIterator[str]:
    """The sandbox in its own process, as Autotask is for a real bot: its work does not share
    the bot's event loop. Yields its base URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    script = ("from autotask.sandbox import SandboxConfig, run_sandbox\n"
              f"run_sandbox(SandboxConfig.model_validate_json({config.model_dump_json()!r}), "
              f"host='127.0.0.1', port={port})\n")  # fmt: skip
    process = await asyncio.create_subprocess_exec(sys.executable, "-c", script)
    base = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as http:
            for _ in range(300):  # bounded wait for the port to open
                try:
                    async with http.get(f"{base}/ATServicesRest/VersionInformation"):
                        break
                except aiohttp.ClientError:
                    await asyncio.sleep(0.1)
        yield base
    finally:
        process.terminate()
        await process.wait()


async def run() -> list[Figure]:
    config = SandboxConfig(tickets=300)
    credentials = Credentials(username=config.username, secret=config.secret,
                              integration_code=config.integration_code)  # fmt: skip
    email = next(r["email"] for r in Sandbox(config).records("Resources")
                 if r["isActive"] and r["userName"] != config.username)  # fmt: skip
    with TemporaryDirectory() as folder:
        db = await Database.open(f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}")
        await db.migrate()
        async with (
            _sandbox_process(config) as base,
            AutotaskClient(credentials, zone_url=f"{base}/ATServicesRest/") as client,
        ):
            api = FakeSlackApi(email)
            async with api.serving() as api_url:
                settings = _settings(folder, api_url)
                engine = Engine(
                    tenant=Tenant(client=client), db=db, settings=settings, model=SlowModel()
                )
                runtime = Runtime(
                    settings=settings, tenant=engine.tenant, db=db, engine=engine, model=None
                )
                part = SlackPart(runtime)
                async with running_app(build_app(runtime, [part]), "127.0.0.1", 0) as url:
                    cold, warm, answered = await _measure(part, url, api)
        await db.close()
    cuts = statistics.quantiles(warm, n=100)
    name = f"Slack ack, {CONCURRENT} concurrent signed events, model {MODEL_SECONDS:.0f} s per turn"
    return [
        Figure(name, "ack latency p50", f"{statistics.median(warm):.1f} ms",
               f"{ROUNDS} bursts, {ROUNDS * CONCURRENT} requests on kept-alive loopback connections"),
        Figure(name, "ack latency p99", f"{cuts[98]:.1f} ms", "target < 100 ms"),
        Figure(name, "ack latency, first burst (max)", f"{max(cold):.1f} ms",
               f"{CONCURRENT} new connections at once, client in the same process"),
        Figure(name, f"all {CONCURRENT} answers posted after", f"{answered:.2f} s",
               "every event answered once"),
    ]  # fmt: skip
