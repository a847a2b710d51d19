"""Teams over HTTP: how fast the Bot Framework gets its answer, and how fast the reply arrives.

The bot answers ``POST /api/messages`` before the engine works, so the acknowledgement does not
grow with Autotask's latency; the reply arrives at a local Bot Connector stand-in. Card actions
(``Action.Execute``) are answered in the invoke's own response: a refresh (the requester's view
of a pending card) reads the database only; an Approve applies the change and updates the card
before it answers, so its time includes Autotask's.
"""

from __future__ import annotations

import asyncio
import itertools
import statistics
import time
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

import httpx
from aiohttp import web

from adapters.runtime import Runtime
from adapters.teams import TeamsPart
from adapters.web import build_app, running_app
from autotask import AutotaskClient
from autotask.sandbox import Sandbox, SandboxConfig
from autotask.tools import Tenant
from bot.engine import Engine
from bot.settings import Settings
from bot.storage import Database

from ._report import Figure

TURNS = 60
CLICKS = 30
_IDS = itertools.count(1)  # activity ids: the bot answers an id it has seen once only
USER = "29:bench-user"


class Connector:
    """Accepts the bot's activities and signals each message (not typing) that arrives."""

    def __init__(self, email: str) -> None:
        self.email = email
        self.messages: asyncio.Queue[float] = asyncio.Queue()
        self.cards: asyncio.Queue[tuple[str, str]] = asyncio.Queue()  # (message id, plan id)
        self._ids = itertools.count(1)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/v3/conversations/{conversation}/activities", self._activity)
        app.router.add_put("/v3/conversations/{conversation}/activities/{activity}", self._update)
        app.router.add_get("/v3/conversations/{conversation}/members/{member}", self._member)
        return app

    async def _activity(self, request: web.Request) -> web.Response:
        body = await request.json()
        new_id = str(next(self._ids))
        if body.get("type") == "message":
            cards = [a["content"] for a in body.get("attachments") or []]
            plans = [c["refresh"]["action"]["data"]["plan_id"] for c in cards if "refresh" in c]
            if plans:
                self.cards.put_nowait((new_id, plans[0]))
            self.messages.put_nowait(time.perf_counter())
        return web.json_response({"id": new_id}, status=201)

    async def _update(self, request: web.Request) -> web.Response:
        return web.json_response({"id": request.match_info["activity"]})

    async def _member(self, request: web.Request) -> web.Response:
        return web.json_response({"id": USER, "name": "Bench", "email": self.email})


def _activity(
    service_url: str, n: int, text: str = "open high priority tickets for contoso"
) -> dict[str, Any]:
    return {
        "type": "message",
        "id": f"m{next(_IDS)}",
        "serviceUrl": service_url,
        "channelId": "msteams",
        "from": {"id": USER, "name": "Bench"},
        "recipient": {"id": "28:bench-bot", "name": "Autotask"},
        "conversation": {"id": f"a:bench-{n % 5}", "conversationType": "personal"},
        "channelData": {"tenant": {"id": "bench-tenant"}},
        "text": text,
    }


def _invoke(service_url: str, n: int, card_id: str, verb: str, plan_id: str) -> dict[str, Any]:
    activity = _activity(service_url, n, "")
    del activity["text"]
    data = {"action": verb, "plan_id": plan_id}
    trigger = "automatic" if verb == "refresh" else "manual"
    activity.update(
        type="invoke",
        id=f"i{next(_IDS)}",
        name="adaptiveCard/action",
        replyToId=card_id,
        value={
            "action": {"type": "Action.Execute", "verb": verb, "data": data},
            "trigger": trigger,
        },
    )
    return activity


async def _timed(http: httpx.AsyncClient, url: str, activity: dict[str, Any]) -> float:
    started = time.perf_counter()
    answer = await http.post(url, json=activity)
    answer.raise_for_status()
    if answer.json().get("type") != "application/vnd.microsoft.card.adaptive":
        raise RuntimeError(
            f"the {activity['value']['action']['verb']} was not answered with a card"
        )
    return (time.perf_counter() - started) * 1000


async def _clicks(bot_url: str, service_url: str, connector: Connector) -> tuple[list[float], ...]:
    """A change previewed, its card refreshed (the requester's view) and approved, by invokes."""
    refreshes, approvals = [], []
    url = f"{bot_url}/api/messages"
    async with httpx.AsyncClient(timeout=60) as http:
        for n in range(CLICKS + 1):
            ask = _activity(service_url, n, f"new ticket for Contoso low: bench printer {n}")
            (await http.post(url, json=ask)).raise_for_status()
            async with asyncio.timeout(60):
                card_id, plan_id = await connector.cards.get()
            refresh = await _timed(http, url, _invoke(service_url, n, card_id, "refresh", plan_id))
            approve = await _timed(http, url, _invoke(service_url, n, card_id, "approve", plan_id))
            if n:  # the first warms the caches
                refreshes.append(refresh)
                approvals.append(approve)
    return refreshes, approvals


async def _turns(bot_url: str, service_url: str, connector: Connector) -> tuple[list[float], ...]:
    acks, replies = [], []
    async with httpx.AsyncClient(timeout=60) as http:
        for n in range(TURNS + 1):
            started = time.perf_counter()
            answer = await http.post(f"{bot_url}/api/messages", json=_activity(service_url, n))
            acked = time.perf_counter()
            answer.raise_for_status()
            arrived = await connector.messages.get()
            if n:  # the first turn warms the caches
                acks.append((acked - started) * 1000)
                replies.append((arrived - started) * 1000)
    return acks, replies


def _p(values: list[float], q: int) -> str:
    return f"{statistics.quantiles(values, n=20)[q - 1]:.1f} ms"


async def run() -> list[Figure]:
    config = SandboxConfig(tickets=1500)
    figures: list[Figure] = []
    with TemporaryDirectory() as folder:
        db = await Database.open(f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}")
        await db.migrate()
        async with Sandbox(config) as box, AutotaskClient(config.credentials(), zone_url=box.api_url) as client:  # fmt: skip
            email = next(r["email"] for r in box.records("Resources") if r["isActive"] and r["licenseType"] != 7)  # fmt: skip
            settings = Settings(teams={"enabled": True}, bot={"rate_limit_per_minute": 100_000})  # type: ignore[arg-type]
            tenant = Tenant(client=client)
            engine = Engine(tenant=tenant, db=db, settings=settings)
            runtime = Runtime(settings=settings, tenant=tenant, db=db, engine=engine, model=None)
            connector = Connector(email)
            part = TeamsPart(runtime)
            app = build_app(runtime, [part])
            async with running_app(connector.app(), "127.0.0.1", 0) as service_url, running_app(app, "127.0.0.1", 0) as bot_url:  # fmt: skip
                for latency in (0, 100):
                    box.set_latency(latency)
                    acks, replies = await _turns(bot_url, service_url + "/", connector)
                    name = f"Teams turn over HTTP, command mode, {latency} ms Autotask latency"
                    acked = f"{_p(acks, 10)} / {_p(acks, 19)}"
                    replied = f"{_p(replies, 10)} / {_p(replies, 19)}"
                    figures += [
                        Figure(name, "POST /api/messages answered, p50 / p95", acked, "ack first"),
                        Figure(name, "reply at the Bot Connector, p50 / p95", replied),
                    ]
                box.set_latency(0)
                refreshes, approvals = await _clicks(bot_url, service_url + "/", connector)
                name = "Teams Action.Execute invokes, 0 ms Autotask latency"
                figures += [
                    Figure(name, "refresh answered, p50 / p95",
                           f"{_p(refreshes, 10)} / {_p(refreshes, 19)}", "reads only"),
                    Figure(name, "Approve answered with the applied card, p50 / p95",
                           f"{_p(approvals, 10)} / {_p(approvals, 19)}",
                           "ticket created and card updated first"),
                ]  # fmt: skip
                await part.drain()
        await db.close()
    return figures
