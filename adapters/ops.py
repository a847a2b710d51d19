"""Operations endpoints: /healthz (alive), /readyz (database and Autotask reachable), /metrics."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, Metric, SummaryMetricFamily

from autotask import AutotaskClient, AutotaskError

from .runtime import Runtime

__all__ = ["AutotaskCollector", "OpsPart", "metrics_registry", "prometheus_text"]

logger = logging.getLogger(__name__)


class AutotaskCollector:
    """The Autotask client's own tallies (responses by status, time waiting), read at each scrape:
    the client keeps them itself, outside any registry (the autotask package knows no metrics)."""

    def __init__(self, client: AutotaskClient) -> None:
        self._client = client

    def collect(self) -> Iterator[Metric]:
        client = self._client
        requests = CounterMetricFamily(
            "atbot_autotask_requests", "Autotask API responses by HTTP status.", labels=["status"]
        )
        for status, count in sorted(client.status_counts.items()):
            requests.add_metric([status], count)
        yield requests
        yield SummaryMetricFamily(
            "atbot_autotask_request_seconds",
            "Time spent waiting on Autotask.",
            count_value=sum(client.status_counts.values()),
            sum_value=client.request_seconds,
        )


def metrics_registry(runtime: Runtime) -> CollectorRegistry:
    """What /metrics exposes: the engine's registry and the Autotask client's tallies."""
    registry = CollectorRegistry()
    registry.register(runtime.engine.metrics.registry)
    registry.register(AutotaskCollector(runtime.tenant.client))
    return registry


def prometheus_text(registry: CollectorRegistry) -> bytes:
    """The registry in the Prometheus text exposition format."""
    return generate_latest(registry)


class OpsPart:
    name = "ops"

    def __init__(self, runtime: Runtime, *, timeout: float = 5.0, recheck: float = 30.0) -> None:
        self.runtime = runtime
        self.timeout = timeout
        self.recheck = recheck  # seconds an Autotask answer counts as fresh (probes are frequent)
        self._autotask_ok_at = float("-inf")
        self._registry: CollectorRegistry | None = None  # built at the first scrape

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
        if self._registry is None:
            self._registry = metrics_registry(self.runtime)
        return web.Response(
            body=prometheus_text(self._registry), headers={"Content-Type": CONTENT_TYPE_LATEST}
        )
