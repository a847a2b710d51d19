"""The newest 25 of 100,000 tickets: Autotask requests and wall time at 100 ms latency.

Autotask has no server-side sort (rows come oldest first), so "newest" is found through a
creation-date window; reading from the start would cost 200 requests.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path
from tempfile import TemporaryDirectory

from autotask import AutotaskClient
from autotask.sandbox import Sandbox, SandboxConfig
from autotask.tools import SearchArgs, Tenant, ToolContext, search

from ._report import Figure

NOW = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)
TICKETS = 100_000
LATENCY_MS = 100.0
NEWEST = SearchArgs(entity="Tickets", sort="-createDate", limit=25)


async def run() -> list[Figure]:
    box = Sandbox(SandboxConfig(tickets=TICKETS, now=NOW, threshold_delay_scale=0.0))
    await box.start()
    try:
        async with AutotaskClient(box.config.credentials(), zone_url=box.api_url) as client:
            with TemporaryDirectory() as folder:
                ctx = ToolContext(tenant=Tenant(client=client, export_dir=Path(folder)),
                                  clock=lambda: NOW)  # fmt: skip
                await search(ctx, NEWEST.model_copy(update={"limit": 1}))  # metadata cached
                box.set_latency(LATENCY_MS)
                box.clear_requests()
                started = time.perf_counter()
                result = await search(ctx, NEWEST)
                elapsed = time.perf_counter() - started
                cold = len(box.requests)  # with the names of companies and technicians
                box.clear_requests()
                started = time.perf_counter()
                await search(ctx, NEWEST)
                warm_elapsed = time.perf_counter() - started
                warm = len(box.requests)
        expected = sorted(box.records("Tickets"), key=lambda t: (t["createDate"], t["id"]))
        right = [r["id"] for r in result.rows] == [t["id"] for t in reversed(expected[-25:])]
    finally:
        await box.stop()
    name = f'"newest 25 of {TICKETS:,} tickets", {LATENCY_MS:.0f} ms latency'
    note = "count, oldest row, one creation-date window (+ names when not cached); from the oldest: 200"
    return [
        Figure(name, "Autotask requests, names cached / not", f"{warm} / {cold}", note),
        Figure(
            name,
            "wall time, names cached / not",
            f"{warm_elapsed:.2f} s / {elapsed:.2f} s",
            "the right 25" if right else "WRONG ROWS",
        ),
    ]
