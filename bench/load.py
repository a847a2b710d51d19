"""Load: 50 concurrent conversations for a few minutes, through the engine, with a scripted model.

The sandbox runs in a process of its own (so that its work is not counted as the bot's) with
80 ms of latency plus 0-70 ms of network jitter per request; the model takes 150-450 ms per call;
each conversation's technician reads for 2-8 s between questions. Mix: searches, counts, a ticket
with its notes, "my tickets" in command mode, and time entries that are planned and approved.

Measured: errors (target 0); Autotask requests in flight per endpoint (the client's peak, and the
sandbox's refusals of a 4th, target 0); turn latency and the engine's own overhead per turn (the
turn's time minus the time it spent on Autotask — queueing for a slot included — and on the model);
resident memory every 10 s (target: flat).

    BENCH_LOAD_SECONDS=180 BENCH_LOAD_CONVERSATIONS=50 python -m bench load
    BENCH_LOAD_DATABASE_URL=postgresql+asyncpg://… python -m bench load   (default: SQLite)
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import statistics
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

import httpx

from autotask import AutotaskClient, EndpointLimiter, Filter, Query
from autotask.sandbox import SandboxConfig
from autotask.tools import Tenant
from bot.engine import Engine
from bot.messages import Click, Conversation, IncomingMessage, MessageRef, Reply
from bot.model import ModelToolCall, ModelTurn
from bot.settings import Settings
from bot.storage import Database

from ._report import Figure
from ._sandbox_process import rss_mb, sandbox_process

SECONDS = float(os.environ.get("BENCH_LOAD_SECONDS", "180"))
CONVERSATIONS = int(os.environ.get("BENCH_LOAD_CONVERSATIONS", "50"))
DATABASE_URL = os.environ.get("BENCH_LOAD_DATABASE_URL")  # default: a SQLite file
LATENCY_MS, JITTER_MS = 80.0, 70.0
MODEL_SECONDS = (0.15, 0.45)
THINK_SECONDS = (2.0, 8.0)
SAMPLE_SECONDS = 10.0
COMPANIES = ("Contoso", "Northwind Traders", "Acme Corporation", "Fabrikam", "Litware")
TROUBLE = ("went wrong", "Autotask is busy", "Could not reach", "could not be reached",
           "temporarily unavailable", "internal error", "hourly", "could not finish",
           "going fast", "Error")  # fmt: skip

Span = tuple[float, float]
_SPANS: ContextVar[list[Span] | None] = ContextVar("load_spans", default=None)


def _note_span(started: float) -> None:
    spans = _SPANS.get()
    if spans is not None:
        spans.append((started, time.perf_counter()))


class TimedLimiter(EndpointLimiter):
    """The client's limiter, noting each request's time (queueing for a slot included)."""

    @asynccontextmanager
    async def slot(self, endpoint: str) -> AsyncIterator[None]:
        started = time.perf_counter()
        try:
            async with super().slot(endpoint):
                yield
        finally:
            _note_span(started)


class JitterTransport(httpx.AsyncBaseTransport):
    """The network between the bot and Autotask: 0 to ``jitter`` seconds more per request."""

    def __init__(self, jitter: float, rng: random.Random) -> None:
        self._inner = httpx.AsyncHTTPTransport()
        self._jitter = jitter
        self._rng = rng

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(self._rng.uniform(0, self._jitter))
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


class LoadModel:
    """A scripted model: the tool call that fits the question, then a short answer."""

    def __init__(self, calls: dict[str, tuple[str, dict[str, Any]]], rng: random.Random) -> None:
        self.calls = calls
        self.rng = rng

    async def complete(
        self, messages: list[dict[str, Any]], tools: list[dict[str, Any]]
    ) -> ModelTurn:
        started = time.perf_counter()
        await asyncio.sleep(self.rng.uniform(*MODEL_SECONDS))
        try:
            if messages[-1]["role"] == "tool":
                return ModelTurn(content="Here is what I found.")
            name, arguments = self.calls[str(messages[-1]["content"])]
            call = ModelToolCall(id="c1", name=name, arguments=json.dumps(arguments))
            return ModelTurn(tool_calls=[call])
        finally:
            _note_span(started)


class LoadSurface:
    """Keeps the last reply (or card update) of each message, and counts refusals."""

    def __init__(self) -> None:
        self.replies: dict[str, Reply] = {}
        self.whispers: list[str] = []
        self._ids = iter(range(1, 10**9))

    async def post(self, conversation: Conversation, reply: Reply) -> MessageRef:
        ref = MessageRef(conversation=conversation, message_id=f"m{next(self._ids)}")
        self.replies[ref.message_id] = reply
        return ref

    async def update(self, message: MessageRef, reply: Reply) -> None:
        self.replies[message.message_id] = reply

    async def typing(self, conversation: Conversation) -> None:
        return None

    async def whisper(self, conversation: Conversation, user_id: str, text: str) -> None:
        self.whispers.append(text)


@dataclass
class Results:
    turn_ms: list[float] = field(default_factory=list)
    overhead_ms: list[float] = field(default_factory=list)
    click_overhead_ms: list[float] = field(default_factory=list)
    clicks: int = 0
    errors: list[str] = field(default_factory=list)
    rss_mb: list[tuple[float, float]] = field(default_factory=list)  # (seconds, MB)
    refused: int = 0  # 429s the sandbox answered
    dropped: int = 0
    requests: int = 0  # Autotask requests sent while measured


def _union(spans: list[Span], start: float, end: float) -> float:
    """Seconds of [start, end] covered by at least one span."""
    covered, reach = 0.0, start
    for low, high in sorted(spans):
        low, high = max(low, reach), min(high, end)
        if high > low:
            covered += high - low
            reach = high
    return covered


@contextmanager
def _timed(results: Results, *, click: bool = False) -> Iterator[None]:
    spans: list[Span] = []
    token = _SPANS.set(spans)
    started = time.perf_counter()
    try:
        yield
    finally:
        ended = time.perf_counter()
        _SPANS.reset(token)
        outside = _union(spans, started, ended)
        overhead = (ended - started - outside) * 1000
        if click:
            results.click_overhead_ms.append(overhead)
        else:
            results.turn_ms.append((ended - started) * 1000)
            results.overhead_ms.append(overhead)


def _trouble(reply: Reply | None) -> str | None:
    """What went wrong in a reply (its text only: cards hold customer text that may say anything)."""
    if reply is None:
        return "no reply"
    if any(card.kind == "error" for card in reply.cards):
        return "error card"
    if not reply.text and not reply.cards:
        return "empty reply"
    return next((word for word in TROUBLE if word in (reply.text or "")), None)


async def _sandbox_log(http: httpx.AsyncClient, base: str, results: Results) -> None:
    """Count the sandbox's refusals, then clear its log (it would grow for the whole run)."""
    logged = (await http.get(f"{base}/_sandbox/requests")).json()["requests"]
    await http.delete(f"{base}/_sandbox/requests")
    results.refused += sum(1 for r in logged if r["status"] == 429)
    results.dropped += sum(1 for r in logged if r["status"] == 0)


async def _monitor(base: str, results: Results, started: float, stop: asyncio.Event) -> None:
    async with httpx.AsyncClient() as http:
        while not stop.is_set():
            results.rss_mb.append((time.perf_counter() - started, rss_mb()))
            await _sandbox_log(http, base, results)
            try:
                await asyncio.wait_for(stop.wait(), timeout=SAMPLE_SECONDS)
            except TimeoutError:
                pass
        results.rss_mb.append((time.perf_counter() - started, rss_mb()))
        await _sandbox_log(http, base, results)


# -- conversations --------------------------------------------------------------------------------


@dataclass
class World:
    engine: Engine
    surface: LoadSurface
    emails: list[str]
    tickets: list[str]
    calls: dict[str, tuple[str, dict[str, Any]]]
    results: Results
    deadline: float


def _questions(tickets: list[str], rng: random.Random) -> dict[str, tuple[str, dict[str, Any]]]:
    """Question → the tool call a model would make for it."""
    open_ = {"field": "open", "value": True}
    calls: dict[str, tuple[str, dict[str, Any]]] = {
        "what's on my plate?": ("search", {"entity": "Tickets",
                                           "filters": [{"field": "assigned", "value": "me"}, open_]}),
    }  # fmt: skip
    for company in COMPANIES:
        where = {"field": "company", "value": company}
        calls[f"open tickets for {company}"] = (
            "search",
            {"entity": "Tickets", "filters": [where, open_]},
        )
        calls[f"how many open tickets does {company} have?"] = (
            "search", {"entity": "Tickets", "mode": "count", "filters": [where, open_]})  # fmt: skip
    chosen = rng.sample(tickets, min(20, len(tickets)))
    for number in chosen:
        calls[f"what's the story with {number}?"] = (
            "get",
            {"ticket_number": number, "include": ["notes"]},
        )
    for number in chosen[:4]:  # about one question in nine is a change, approved a moment later
        calls[f"log 15m on {number}: remote check"] = ("plan_change", {
            "action": "create", "entity": "TimeEntries",
            "fields": {"ticket": number, "duration": "15m", "summaryNotes": "remote check"}})  # fmt: skip
    return calls


async def _turn(world: World, n: int, text: str, rng: random.Random) -> None:
    email = world.emails[n % len(world.emails)]
    room = Conversation(platform="bench", conversation_id=f"C{n}")
    message = IncomingMessage(conversation=room, user_id=f"U{n % len(world.emails)}",
                              email=email, text=text)  # fmt: skip
    command = text == "my tickets"
    with _timed(world.results):
        posted = await world.engine.handle(message, world.surface, command_mode=command)
    reply = world.surface.replies.pop(posted.message_id, None) if posted else None
    problem = _trouble(reply)
    if problem is not None:
        world.results.errors.append(f"{text!r}: {problem}")
        return
    plans = [card for card in reply.cards if card.kind == "change"] if reply else []
    if plans and posted is not None:
        await asyncio.sleep(rng.uniform(1.0, 3.0))  # the technician reads the card
        await _approve(world, message, posted, plans[0].actions[0].plan_id)


async def _approve(
    world: World, message: IncomingMessage, posted: MessageRef, plan_id: str
) -> None:
    click = Click(conversation=message.conversation, user_id=message.user_id,
                  email=message.email, action="approve", plan_id=plan_id)  # fmt: skip
    whispers = len(world.surface.whispers)
    with _timed(world.results, click=True):
        await world.engine.click(click, world.surface)
    updated = world.surface.replies.pop(posted.message_id, None)  # kept no longer than needed
    card = updated.cards[0] if updated else None
    world.results.clicks += 1
    if card is None or card.status != "applied" or len(world.surface.whispers) != whispers:
        world.results.errors.append(f"click on {plan_id[:6]}: {card.status if card else 'no card'}")


async def _conversation(world: World, n: int, seed: int) -> None:
    rng = random.Random(seed)
    texts = [*world.calls, "my tickets"]
    await asyncio.sleep(rng.uniform(0, THINK_SECONDS[1]))  # technicians do not all start at once
    while time.perf_counter() < world.deadline:
        await _turn(world, n, rng.choice(texts), rng)
        await asyncio.sleep(rng.uniform(*THINK_SECONDS))


async def _warm_up(world: World) -> None:
    """One question of each kind (and an approval) before the clock starts: a bot that has run
    for a minute has its metadata and names cached, and so is what is measured."""
    rng = random.Random(0)
    kinds: dict[str, str] = {}
    for text in [*world.calls, "my tickets"]:
        name, arguments = world.calls.get(text, ("command", {}))
        kinds.setdefault(f"{name} {sorted(arguments)}", text)
    for text in kinds.values():
        await _turn(world, 0, text, rng)
    if world.results.errors:
        raise RuntimeError(f"the warm-up failed: {world.results.errors}")


# -- the run --------------------------------------------------------------------------------------


async def _setup(client: AutotaskClient) -> tuple[list[str], list[str]]:
    """Technicians' e-mails and open ticket numbers, read before the clock starts."""
    resources = await client.query("Resources", Query(filter=(Filter.eq("isActive", True),)))
    emails = [str(r["email"]) for r in resources if r.get("licenseType") != 7 and r.get("email")]
    tickets = await client.query("Tickets", Query(filter=(Filter.noteq("status", 5),)), limit=200)
    return emails, [str(t["ticketNumber"]) for t in tickets]


async def _load(base: str, folder: Path, results: Results) -> dict[str, int]:
    config = SandboxConfig()
    db = await Database.open(DATABASE_URL or f"sqlite+aiosqlite:///{folder / 'load.db'}")
    await db.migrate()
    rng = random.Random(11)
    transport = JitterTransport(JITTER_MS / 1000, rng)
    async with AutotaskClient(config.credentials(), zone_url=f"{base}/ATServicesRest/",
                              web_url=f"{base}/", transport=transport) as client:  # fmt: skip
        client.limiter = TimedLimiter(client.limiter.max_in_flight)
        emails, tickets = await _setup(client)
        calls = _questions(tickets, rng)
        settings = Settings(bot={"rate_limit_per_minute": 100_000}, data_dir=folder)
        engine = Engine(tenant=Tenant(client=client, export_dir=folder / "exports"), db=db,
                        settings=settings, model=LoadModel(calls, rng))  # fmt: skip
        await _warm_up(World(engine, LoadSurface(), emails, tickets, calls, Results(), 0.0))
        world = World(engine, LoadSurface(), emails, tickets, calls, results,
                      deadline=time.perf_counter() + SECONDS)  # fmt: skip
        stop = asyncio.Event()
        monitor = asyncio.create_task(_monitor(base, results, time.perf_counter(), stop))
        sent = client.requests_sent
        await asyncio.gather(*(_conversation(world, n, 1000 + n) for n in range(CONVERSATIONS)))
        results.requests = client.requests_sent - sent
        stop.set()
        await monitor
        peaks = dict(client.limiter.peak)
    await db.close()
    return peaks


def _cut(samples: list[float], percent: int) -> float:
    return statistics.quantiles(samples, n=100)[percent - 1] if len(samples) > 1 else 0.0


def _memory(results: Results) -> tuple[str, str]:
    series = results.rss_mb
    warm = [mb for seconds, mb in series if seconds >= 60] or [mb for _, mb in series]
    slope = 0.0
    if len(series) > 2:
        xs, ys = [s / 60 for s, _ in series[1:]], [mb for _, mb in series[1:]]
        slope = statistics.linear_regression(xs, ys).slope
    shown = ", ".join(f"{mb:.0f}" for _, mb in series[:: max(1, len(series) // 10)])
    return (f"{warm[0]:.0f} → {series[-1][1]:.0f} MB (max {max(mb for _, mb in series):.0f})",
            f"{slope:+.2f} MB/min over the run; samples: {shown}")  # fmt: skip


def _figures(results: Results, peaks: dict[str, int]) -> list[Figure]:
    store = "PostgreSQL" if DATABASE_URL and "postgres" in DATABASE_URL else "SQLite"
    name = f"load: {CONVERSATIONS} conversations, {SECONDS / 60:.0f} min, {store}"
    turns, busiest = len(results.turn_ms), sorted(peaks.items(), key=lambda kv: -kv[1])[:4]
    overhead, total = results.overhead_ms, results.turn_ms
    memory, trend = _memory(results)
    rate = results.requests / SECONDS
    return [
        Figure(name, "turns / approvals", f"{turns:,} / {results.clicks:,}",
               f"{turns / SECONDS:.1f} turns/s; Autotask {LATENCY_MS:.0f}-{LATENCY_MS + JITTER_MS:.0f} ms, "
               f"model {MODEL_SECONDS[0] * 1000:.0f}-{MODEL_SECONDS[1] * 1000:.0f} ms per call"),
        Figure(name, "Autotask requests", f"{results.requests:,} ({rate:.1f}/s)",
               f"Autotask's 10,000 an hour would last {10_000 / max(rate, 0.001) / 60:.0f} min at this rate"),
        Figure(name, "errors", f"{len(results.errors)}", "target 0; " + "; ".join(results.errors[:3])),
        Figure(name, "Autotask requests in flight per endpoint (peak)", f"{max(peaks.values(), default=0)}",
               ", ".join(f"{k} {v}" for k, v in busiest) + f"; sandbox refused {results.refused}, dropped {results.dropped}"),
        Figure(name, "turn latency p50 / p95 / p99",
               f"{statistics.median(total):.0f} / {_cut(total, 95):.0f} / {_cut(total, 99):.0f} ms",
               "what a technician waits, model and Autotask included"),
        Figure(name, "engine overhead per turn p50 / p95 / p99",
               f"{statistics.median(overhead):.1f} / {_cut(overhead, 95):.1f} / {_cut(overhead, 99):.1f} ms",
               "excluding Autotask (queueing included) and model time"),
        Figure(name, "engine overhead per approval p50 / p95",
               f"{statistics.median(results.click_overhead_ms or [0]):.1f} / {_cut(results.click_overhead_ms, 95):.1f} ms", ""),
        Figure(name, "resident memory (after 1 min → end)", memory, trend),
    ]  # fmt: skip


async def run() -> list[Figure]:
    results = Results()
    config = SandboxConfig(latency_ms=LATENCY_MS, hourly_threshold=10_000_000)
    with TemporaryDirectory() as folder:
        async with sandbox_process(config) as base:
            peaks = await _load(base, Path(folder), results)
    if not results.turn_ms:
        return [Figure("load", "turns", "0", "nothing ran")]
    return _figures(results, peaks)
