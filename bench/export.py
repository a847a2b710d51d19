"""Export of 19k and 100k time entries at 100 ms latency: requests, wall time against the floor
of three concurrent requests per endpoint, and peak memory; then the same export after a list of
the same query, and again, each starting from where the rows lie.

The sandbox runs in a process of its own, as Autotask is a remote server: its work of answering
does not share the bot's event loop.
"""

from __future__ import annotations

import gc
import math
import multiprocessing
import os
import statistics
import time
import tracemalloc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from tempfile import TemporaryDirectory

import httpx

from adapters.heap import settle_heap
from autotask import AutotaskClient, Query
from autotask._limiter import EndpointLimiter
from autotask.sandbox import SandboxConfig
from autotask.tools import SearchArgs, Tenant, ToolContext, search

from ._report import Figure
from ._sandbox_process import sandbox_process
from .tools import NOW

LATENCY_MS = 100.0
SIZES = (15_200, 80_000)  # tickets, seeding about 19,000 and 100,000 time entries
THREADS = 3  # Autotask's concurrent requests per endpoint
EXPORT = SearchArgs(entity="TimeEntries", mode="export", format="csv")


async def _requests(http: httpx.AsyncClient, base: str) -> list[str]:
    logged = (await http.get(f"{base}/_sandbox/requests")).json()["requests"]
    await http.delete(f"{base}/_sandbox/requests")
    return [str(r["path"]) for r in logged]


class BusyLimiter(EndpointLimiter):
    """The client's limiter, adding up how long each endpoint's slots are held."""

    def __init__(self, max_in_flight: int) -> None:
        super().__init__(max_in_flight)
        self.busy: dict[str, float] = {}

    @asynccontextmanager
    async def slot(self, endpoint: str) -> AsyncIterator[None]:
        async with super().slot(endpoint):
            started = time.perf_counter()
            try:
                yield
            finally:
                held = time.perf_counter() - started
                self.busy[endpoint] = self.busy.get(endpoint, 0.0) + held


def _sandbox_cpu() -> float:
    """CPU seconds the sandbox process has used so far (Linux), 0 where that is unknown."""
    children = multiprocessing.active_children()
    try:
        fields = Path(f"/proc/{children[0].pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (IndexError, OSError, ValueError):
        return 0.0


async def _page_seconds(client: AutotaskClient) -> float:
    """How long one 500-row page takes here, alone (the latency plus this machine's share)."""
    query = Query(include_fields=("dateWorked", "resourceID", "ticketID", "hoursWorked"))
    times = []
    for _ in range(5):
        started = time.perf_counter()
        await client.query_page("TimeEntries", query)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


async def _after_a_list(
    config: SandboxConfig, base: str, http: httpx.AsyncClient, folder: Path
) -> tuple[float, list[str]]:
    """A technician lists the time entries (25 of them, newest work first, as command mode
    does), then exports them all: a new client, so only the list tells where the rows lie."""
    async with AutotaskClient(
        config.credentials(), zone_url=f"{base}/ATServicesRest/", web_url=f"{base}/"
    ) as client:
        ctx = ToolContext(tenant=Tenant(client=client, export_dir=folder), clock=lambda: NOW)
        listing = {"mode": "list", "limit": 25, "sort": "-dateWorked"}
        await search(ctx, EXPORT.model_copy(update=listing))
        await _requests(http, base)
        started = time.perf_counter()
        await search(ctx, EXPORT)
        elapsed = time.perf_counter() - started
    return elapsed, [p for p in await _requests(http, base) if "/TimeEntries/query" in p]


async def _one(tickets: int, folder: Path) -> list[Figure]:
    config = SandboxConfig(tickets=tickets, now=NOW, latency_ms=LATENCY_MS,
                           hourly_threshold=10_000_000)  # fmt: skip
    async with (
        sandbox_process(config) as base,
        httpx.AsyncClient() as http,
        AutotaskClient(
            config.credentials(), zone_url=f"{base}/ATServicesRest/", web_url=f"{base}/"
        ) as client,  # fmt: skip
    ):
        ctx = ToolContext(tenant=Tenant(client=client, export_dir=folder), clock=lambda: NOW)
        counted = await search(ctx, EXPORT.model_copy(update={"mode": "count"}))  # warm metadata
        one_page = await _page_seconds(client)
        await _requests(http, base)
        client.limiter = limiter = BusyLimiter(THREADS)
        started, cpu, served = time.perf_counter(), time.process_time(), _sandbox_cpu()
        result = await search(ctx, EXPORT)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        served = _sandbox_cpu() - served
        paths = await _requests(http, base)
        busy = limiter.busy.get("timeentries", 0.0) / (THREADS * elapsed)
        after_list, after_paths = await _after_a_list(config, base, http, folder)
        # the same export again, as a tenant asks it after the names have expired: the client
        # remembers where the rows lay, so its windows go out at once and no count is asked
        again_ctx = ToolContext(tenant=Tenant(client=client, export_dir=folder), clock=lambda: NOW)
        started = time.perf_counter()
        repeated = await search(again_ctx, EXPORT)
        again = time.perf_counter() - started
        again_paths = [p for p in await _requests(http, base) if "/TimeEntries/query" in p]
        tracemalloc.start()  # a second export for memory: tracing slows the first one's clock
        await search(ctx, EXPORT)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        in_flight = client.limiter.peak.get("timeentries", 0)
    total = counted.total or 0
    assert result.export is not None and result.export.rows == total
    assert repeated.export is not None and repeated.export.rows == total
    queries = [p for p in paths if "/TimeEntries/query" in p]
    pages = math.ceil(total / 500)
    rounds = math.ceil(pages / THREADS)
    floor = rounds * LATENCY_MS / 1000
    # the first page alone (it sizes the windows), the rest three at a time, the last names
    shape = (1 + math.ceil((pages - 1) / THREADS) + 1) * LATENCY_MS / 1000
    again_shape = (rounds + 1) * LATENCY_MS / 1000  # every slot from the start, the last names
    name = f"export {total:,} time entries to CSV, {LATENCY_MS:.0f} ms latency"
    return [
        Figure(name, "TimeEntries requests", str(len(queries)), f"pages ceil(N/500) = {pages}, plus the count; {len(queries) - pages - 1} more"),
        Figure(name, "name lookups (batched)", str(len(paths) - len(queries)), "Resources/Tickets/Tasks names per page, cached"),
        Figure(name, "peak TimeEntries requests in flight", str(in_flight), f"Autotask allows {THREADS}"),
        Figure(name, "wall time", f"{elapsed:.2f} s", f"floor ceil(pages/3) x latency = {floor:.2f} s; CPU: bot {cpu:.2f} s, sandbox {served:.2f} s"),
        Figure(name, "share of the 3-request floor", f"{floor / elapsed:.0%}", "floor ÷ wall time; goal ≥ 80 %"),
        Figure(name, "the best share this export's shape allows", f"{floor / shape:.0%}", f"at zero overhead: the first page alone, ceil((pages - 1)/3) rounds, then the last page's names = {shape:.2f} s"),
        Figure(name, "TimeEntries slots in use", f"{busy:.0%}", "time the 3 slots held a request ÷ (3 x wall time): the client's share of the floor"),
        Figure(name, "share of the floor at this machine's page time", f"{rounds * one_page / elapsed:.0%}", f"one page alone took {one_page * 1000:.0f} ms here"),
        Figure(name, "peak Python memory during export", f"{peak / 1e6:.1f} MB", "tracemalloc, bot side"),
        Figure(name, "after a list of the same query: TimeEntries requests", str(len(after_paths)), f"pages {pages}; the list's first rows and count stand for the first page and the count"),
        Figure(name, "after a list of the same query: wall time", f"{after_list:.2f} s", f"a new client (no layout but the list's), names looked up; {floor / after_list:.0%} of the floor"),
        Figure(name, "the same export again: TimeEntries requests", str(len(again_paths)), f"pages {pages}, no count: the layout of the first read stands for it"),
        Figure(name, "the same export again: wall time", f"{again:.2f} s", f"names looked up again (a new tenant cache), at most {floor / again_shape:.0%} of the floor at zero overhead"),
        Figure(name, "the same export again: share of the 3-request floor", f"{floor / again:.0%}", "floor ÷ wall time; goal ≥ 80 %"),
    ]  # fmt: skip


async def run() -> list[Figure]:
    figures: list[Figure] = []
    settle_heap()  # as `atbot run` does at start
    try:
        with TemporaryDirectory() as folder:
            for tickets in SIZES:
                figures.extend(await _one(tickets, Path(folder)))
    finally:
        gc.unfreeze()  # the benchmarks that follow start as they did
    return figures
