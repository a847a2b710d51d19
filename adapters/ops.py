"""Operations endpoints: /healthz (alive), /readyz (database and Autotask reachable), /metrics."""

from __future__ import annotations

import asyncio
import logging
import re

from aiohttp import web

from autotask import AutotaskError

from .runtime import Runtime

__all__ = ["OpsPart", "prometheus_text"]

logger = logging.getLogger(__name__)

_NAME = re.compile(r"[^a-zA-Z0-9_]")


def _metric(name: str) -> str:
    return "atbot_" + _NAME.sub("_", name)


def prometheus_text(runtime: Runtime) -> str:
    """Counters and gauges in the Prometheus text exposition format."""
    lines: list[str] = []
    for name, value in sorted(runtime.engine.metrics.snapshot().items()):
        kind = "gauge" if name.endswith(("_p50", "_p95")) else "counter"
        metric = _metric(name) + ("_total" if kind == "counter" else "")
        lines += [f"# TYPE {metric} {kind}", f"{metric} {value:g}"]
    client = runtime.tenant.client
    lines.append("# TYPE atbot_autotask_requests_total counter")
    for status, count in sorted(client.status_counts.items()):
        lines.append(f'atbot_autotask_requests_total{{status="{status}"}} {count}')
    lines += [
        "# TYPE atbot_autotask_request_seconds_total counter",
        f"atbot_autotask_request_seconds_total {client.request_seconds:.6f}",
    ]
    return "\n".join(lines) + "\n"


class OpsPart:
    name = "ops"

    def __init__(self, runtime: Runtime, *, timeout: float = 5.0, recheck: float = 30.0) -> None:
        self.runtime = runtime
        self.timeout = timeout
        self.recheck = recheck  # seconds an Autotask answer counts as fresh (probes are frequent)
        self._autotask_ok_at = float("-inf")

    def install(self, app: web.Application) -> None:
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/readyz", self._readyz)
        app.router.add_get("/metrics", self._metrics)

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def _healthz(self, request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def _check_database(self) -> str | None:
        try:
            async with asyncio.timeout(self.timeout):
                await self.runtime.db.ping()
        except Exception as exc:
            logger.warning("readiness: database check failed: %s", type(exc).__name__)
            return "database unreachable"
        return None

    async def _check_autotask(self) -> str | None:
        loop = asyncio.get_running_loop()
        if loop.time() - self._autotask_ok_at < self.recheck:
            return None
        try:
            async with asyncio.timeout(self.timeout):
                await self.runtime.tenant.client.threshold_information()
        except (AutotaskError, TimeoutError) as exc:
            logger.warning("readiness: Autotask check failed: %s", type(exc).__name__)
            return "Autotask unreachable"
        self._autotask_ok_at = loop.time()
        return None

    async def _readyz(self, request: web.Request) -> web.Response:
        problems = [p for p in (await self._check_database(), await self._check_autotask()) if p]
        status = 503 if problems else 200
        return web.json_response({"status": "ready" if not problems else "not ready",
                                  "problems": problems}, status=status)  # fmt: skip

    async def _metrics(self, request: web.Request) -> web.Response:
        return web.Response(text=prometheus_text(self.runtime), content_type="text/plain")
