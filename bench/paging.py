"""Paging through 50,000 tickets with 100 ms of injected latency per request."""

from __future__ import annotations

import math
import time

from autotask import AutotaskClient, Query
from autotask.sandbox import Sandbox, SandboxConfig

from ._report import Figure

TICKETS = 50_000
LATENCY_MS = 100.0


async def run() -> list[Figure]:
    config = SandboxConfig(tickets=TICKETS, latency_ms=LATENCY_MS)
    started = time.perf_counter()
    box = Sandbox(config)
    await box.start()
    built = time.perf_counter() - started
    try:
        async with AutotaskClient(config.credentials(), zone_url=box.api_url) as client:
            box.clear_requests()
            started = time.perf_counter()
            rows = 0
            query = Query(include_fields=("ticketNumber", "status", "priority", "companyID"))
            async for _ in client.iterate("Tickets", query):
                rows += 1
            elapsed = time.perf_counter() - started
            requests = len(box.requests)
    finally:
        await box.stop()
    floor = math.ceil(TICKETS / 500)
    name = f"page {TICKETS:,} tickets, {LATENCY_MS:.0f} ms latency"
    return [
        Figure(name, "rows read", f"{rows:,}"),
        Figure(name, "requests", str(requests), f"floor ceil(N/500) = {floor}"),
        Figure(name, "wall time", f"{elapsed:.1f} s", f"{elapsed / requests * 1000:.0f} ms/req"),
        Figure("sandbox start", f"seed {TICKETS:,} tickets", f"{built:.1f} s"),
    ]
