"""New-ticket alerts: Autotask requests and dispatch time for a big cycle, and alert latency.

A cycle with 200 subscriptions and 1,000 new tickets: how many Autotask requests it makes (the
target is ceil(new/500) ticket pages and nothing per subscription) and how long the dispatch
takes. Then the time from a ticket's creation to its alert being posted, by polling and by the
sandbox's signed webhook callouts into the alerts part of the web server.
"""

from __future__ import annotations

import asyncio
import itertools
import math
import os
import random
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

from adapters.alerts_part import WEBHOOK_PATH, AlertsPart
from adapters.runtime import Runtime
from adapters.web import build_app, running_app
from adapters.webhooks_command import install_ticket_webhook
from autotask import AutotaskClient
from autotask.sandbox import Sandbox, SandboxConfig
from autotask.tools import Tenant
from bot.alerts import AlertService, resolve_filters
from bot.engine import Engine
from bot.messages import Conversation, MessageRef, Reply
from bot.settings import Settings
from bot.storage import Database

from ._report import Figure

SUBSCRIPTIONS = 200
NEW_TICKETS = 1_000  # a catch-up after an outage
USUAL_TICKETS = 20  # a busy service desk's 30 seconds
LATENCY_TICKETS = 15
POLL_SECONDS = 2.0
SECRET = "bench-webhook-secret-0123456789"
COMPANIES = ("Contoso", "Northwind Traders", "Acme Corporation", "Fabrikam")
QUEUES = ("Client Portal", "Post Sale", "Monitoring Alert", "Service Desk", "Level II Support",
          "Projects", "Recurring Tickets")  # fmt: skip
PRIORITIES = ("Critical", "High", "Medium", "Low")


class TimingSurface:
    """Counts posts and remembers when each ticket's alert was posted."""

    def __init__(self) -> None:
        self.posts = 0
        self.posted_at: dict[str, float] = {}
        self._waiting: dict[str, asyncio.Event] = {}
        self._ids = itertools.count(1)

    async def post(self, conversation: Conversation, reply: Reply) -> MessageRef:
        self.posts += 1
        for card in reply.cards:
            if card.kind == "alert":
                number = card.title.removeprefix("New ticket ")
                self.posted_at.setdefault(number, time.perf_counter())
                self._waiting.setdefault(number, asyncio.Event()).set()
        return MessageRef(conversation=conversation, message_id=str(next(self._ids)))

    async def posted(self, number: str) -> float:
        """When the alert for ticket ``number`` was posted (waits for it)."""
        await self._waiting.setdefault(number, asyncio.Event()).wait()
        return self.posted_at[number]

    async def update(self, message: MessageRef, reply: Reply) -> None:
        return None

    async def typing(self, conversation: Conversation) -> None:
        return None

    async def whisper(self, conversation: Conversation, user_id: str, text: str) -> None:
        return None


def _pick(box: Sandbox, field: str, label: str) -> int:
    meta = box.metadata.get("Tickets")
    assert meta is not None
    return next(int(v["value"]) for v in meta.picklist(field) if v["label"] == label)


def _ticket(box: Sandbox, rng: random.Random, companies: dict[str, int]) -> dict[str, Any]:
    return {
        "companyID": companies[rng.choice(COMPANIES)],
        "title": f"Bench ticket {rng.randrange(10**6)}",
        "description": "Something broke. " * rng.randrange(1, 30),
        "priority": _pick(box, "priority", rng.choice(PRIORITIES)),
        "queueID": _pick(box, "queueID", rng.choice(QUEUES)),
        "status": _pick(box, "status", "New"),
    }


def _technician(box: Sandbox) -> int:
    roles = {r["resourceID"] for r in box.records("ResourceServiceDeskRoles") if r["isActive"]}
    return next(
        int(r["id"])
        for r in box.records("Resources")
        if r["isActive"] and r["licenseType"] != 7 and r["id"] in roles
    )


async def _subscribe(engine: Engine, count: int, rng: random.Random) -> None:
    ctx = engine.context(None)
    for n in range(count):
        words = {"queue": rng.choice(QUEUES)}  # a channel per team queue; one in ten takes all
        if rng.random() < 0.1:
            words = {}
        if rng.random() < 0.6:
            words["priority"] = rng.choice(PRIORITIES)
        if rng.random() < 0.3:
            words["company"] = rng.choice(COMPANIES)
        filters = await resolve_filters(ctx, words)
        room = Conversation(platform="bench", conversation_id=f"C{n}")
        await engine.db.alerts.subscribe(
            room, filters.model_dump(mode="json"), created_by="bench", now=datetime.now(UTC)
        )


async def _open(
    client: AutotaskClient, box: Sandbox, count: int, rng: random.Random
) -> dict[int, float]:
    """Create tickets as a technician; returns the time each creation returned, by id."""
    companies = {c["companyName"]: int(c["id"]) for c in box.records("Companies")}
    tech = _technician(box)
    made: dict[int, float] = {}
    for _ in range(count):
        ticket_id = await client.create("Tickets", _ticket(box, rng, companies), impersonate=tech)
        made[ticket_id] = time.perf_counter()
    return made


async def _cycle(folder: Path, new_tickets: int) -> list[Figure]:
    """One cycle with SUBSCRIPTIONS subscriptions after ``new_tickets`` tickets were opened."""
    config = SandboxConfig(tickets=1500)
    rng = random.Random(11)
    default = f"sqlite+aiosqlite:///{folder / f'cycle-{new_tickets}.db'}"
    db = await Database.open(os.environ.get("ATBOT_BENCH_DATABASE_URL") or default)
    await db.migrate()
    async with Sandbox(config) as box, AutotaskClient(config.credentials(), zone_url=box.api_url) as client:  # fmt: skip
        engine = Engine(tenant=Tenant(client=client), db=db, settings=Settings())
        service = AlertService(engine, {"bench": TimingSurface()}, holder="bench")
        await service.poller.cycle()  # the first start
        await _subscribe(engine, SUBSCRIPTIONS, rng)
        await _open(client, box, new_tickets, rng)
        await client.fields("Tickets")  # metadata is cached for an hour in a running bot
        box.clear_requests()
        report = await service.poller.cycle()
        pages = [r for r in box.requests if "/tickets/query" in r.path.lower()]
        others = len(box.requests) - len(pages)
    await db.close()
    delivery, dialect = report.delivery, db.dialect
    name = f"alerts: {SUBSCRIPTIONS} subscriptions, {new_tickets:,} new tickets in one cycle"
    floor = math.ceil(new_tickets / 500)
    per_pair = report.seconds_dispatching / max(1, delivery.matched) * 1000
    return [
        Figure(name, "Autotask requests in the cycle", f"{len(pages) + others}",
               f"{len(pages)} ticket page(s), the floor ceil({new_tickets:,}/500) = {floor}; "
               f"{others} name lookups (cached); none per subscription"),
        Figure(name, "matches / alerts / digests",
               f"{delivery.matched:,} / {delivery.alerts:,} / {delivery.digests}",
               f"a digest past {Settings().alerts.digest_after} new tickets per subscription"),
        Figure(name, f"dispatch time ({dialect})", f"{report.seconds_dispatching:.1f} s",
               f"{per_pair:.1f} ms per (subscription, ticket): each alert claimed on its own, a digest's tickets in one statement"),
        Figure(name, "whole cycle", f"{report.seconds:.1f} s", "poll, match, dispatch, cursor"),
    ]  # fmt: skip


async def _first_poll(db: Database) -> None:
    for _ in range(2000):
        if await db.alerts.cursor() is not None:
            return
        await asyncio.sleep(0.05)
    raise RuntimeError("the first poll did not happen")


def _quantiles(values: list[float]) -> str:
    cuts = statistics.quantiles(values, n=20)
    return f"{statistics.median(values):.2f} s / {cuts[18]:.2f} s"


async def _latency(folder: Path) -> list[Figure]:
    config = SandboxConfig(tickets=300, webhook_retry_seconds=1.0)
    rng = random.Random(5)
    db = await Database.open(f"sqlite+aiosqlite:///{folder / 'latency.db'}")
    await db.migrate()
    async with Sandbox(config) as box, AutotaskClient(config.credentials(), zone_url=box.api_url) as client:  # fmt: skip
        settings = Settings(alerts={"poll_seconds": POLL_SECONDS, "webhook_secret": SECRET})  # type: ignore[arg-type]
        tenant = Tenant(client=client)
        engine = Engine(tenant=tenant, db=db, settings=settings)
        surface = TimingSurface()
        runtime = Runtime(settings=settings, tenant=tenant, db=db, engine=engine, model=None,
                          surfaces={"bench": surface})  # fmt: skip
        part = AlertsPart(runtime, holder="bench")
        async with running_app(build_app(runtime, [part]), "127.0.0.1", 0) as url:
            await _first_poll(db)
            every = await resolve_filters(engine.context(None), {})
            await db.alerts.subscribe(Conversation(platform="bench", conversation_id="all"),
                                      every.model_dump(mode="json"), created_by="bench", now=datetime.now(UTC))  # fmt: skip
            polled = await _measure(
                client, box, surface, rng, pause=lambda: rng.uniform(0, POLL_SECONDS)
            )
            await install_ticket_webhook(client, url + WEBHOOK_PATH, secret=SECRET)
            hooked = await _measure(client, box, surface, rng, pause=lambda: 0.2)
    await db.close()
    name = "alert latency, ticket created → alert posted"
    return [
        Figure(
            name,
            f"by polling every {POLL_SECONDS:g} s, p50 / p95",
            _quantiles(polled),
            "≈ half the interval on average; the default 30 s gives about 15 s",
        ),
        Figure(
            name,
            "by webhook, p50 / p95",
            _quantiles(hooked),
            "signed callout → verify → fetch the ticket → post; the poll still sweeps",
        ),
    ]


async def _measure(
    client: AutotaskClient,
    box: Sandbox,
    surface: TimingSurface,
    rng: random.Random,
    pause: Callable[[], float],
) -> list[float]:
    latencies = []
    for _ in range(LATENCY_TICKETS):
        await asyncio.sleep(pause())
        made = await _open(client, box, 1, rng)
        ((ticket_id, created),) = made.items()
        number = str(box.get_record("Tickets", ticket_id)["ticketNumber"])  # type: ignore[index]
        posted = await asyncio.wait_for(surface.posted(number), timeout=120)
        latencies.append(posted - created)
    return latencies


async def run() -> list[Figure]:
    with TemporaryDirectory() as folder:
        figures = await _cycle(Path(folder), NEW_TICKETS)
        figures += await _cycle(Path(folder), USUAL_TICKETS)
        figures += await _latency(Path(folder))
    return figures
