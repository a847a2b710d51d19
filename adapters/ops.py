"""Operations endpoints: /healthz (alive), /readyz (database and Autotask reachable), /metrics."""

from __future__ import annotations

import asyncio
import logging
import re

from aiohttp import web

from autotask import AutotaskError
from bot.metrics import Metrics

from .runtime import Runtime

__all__ = ["OpsPart", "prometheus_text"]

logger = logging.getLogger(__name__)

_NAME = re.compile(r"[^a-zA-Z0-9_]")

# Counter families: a counter named ``<prefix><label>`` becomes ``atbot_<family>_total{key=label}``.
_FAMILIES: tuple[tuple[str, str, str], ...] = (
    ("turns_", "turns", "kind"),
    ("tool_calls_", "tool_calls", "tool"),
    ("plans_", "plans", "outcome"),
    ("alerts_", "alerts", "outcome"),
)
_TOKENS = {"model_prompt_tokens": "prompt", "model_completion_tokens": "completion"}
_HELP = {
    "turns": "Conversation turns by kind (command, model, failed, refused_identity).",
    "tool_calls": "Tool calls by tool.",
    "plans": "Change plans by outcome (planned, applied, stale, failed, cancelled, ...).",
    "alerts": "New-ticket alert deliveries by outcome.",
    "model_tokens": "Language model tokens by kind.",
}
_LATENCY_HELP = {
    "turn": "Time to answer one message.",
    "click": "Time to handle one Approve/Cancel click, apply included.",
    "planner": "Time of the model's tool loop in one turn.",
}


def _metric(name: str) -> str:
    return "atbot_" + _NAME.sub("_", name)


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _family(name: str) -> tuple[str, str, str] | None:
    """(family, label key, label value) of a counter, or None for a plain counter."""
    if name in _TOKENS:
        return "model_tokens", "kind", _TOKENS[name]
    for prefix, family, key in _FAMILIES:
        if name.startswith(prefix):
            return family, key, name[len(prefix) :]
    return None


def _counter_lines(counters: dict[str, float]) -> list[str]:
    grouped: dict[str, list[str]] = {}
    for name, value in sorted(counters.items()):
        family = _family(name)
        if family is None:
            metric = _metric(name) + "_total"
            grouped.setdefault(metric, [f"# TYPE {metric} counter"]).append(f"{metric} {value:g}")
            continue
        short, key, label = family
        metric = f"atbot_{short}_total"
        header = [f"# HELP {metric} {_HELP[short]}", f"# TYPE {metric} counter"]
        grouped.setdefault(metric, header).append(f'{metric}{{{key}="{_label(label)}"}} {value:g}')
    return [line for metric in sorted(grouped) for line in grouped[metric]]


def _histogram_lines(metrics: Metrics) -> list[str]:
    lines: list[str] = []
    for name, histogram in sorted(metrics.latencies.items()):
        metric = _metric(name) + "_seconds"
        lines.append(f"# HELP {metric} {_LATENCY_HELP.get(name, name + ' latency.')}")
        lines.append(f"# TYPE {metric} histogram")
        for bound, count in histogram.cumulative():
            le = "+Inf" if bound == float("inf") else f"{bound:g}"
            lines.append(f'{metric}_bucket{{le="{le}"}} {count}')
        lines += [f"{metric}_sum {histogram.total:.6f}", f"{metric}_count {histogram.count}"]
    return lines


def prometheus_text(runtime: Runtime) -> str:
    """Counters, latency histograms and gauges in the Prometheus text exposition format."""
    metrics = runtime.engine.metrics
    snapshot = metrics.snapshot()
    counters = {k: v for k, v in snapshot.items() if not k.endswith(("_p50", "_p95"))}
    lines = _counter_lines(counters) + _histogram_lines(metrics)
    for name in ("turn_seconds_p50", "turn_seconds_p95"):
        lines += [f"# TYPE {_metric(name)} gauge", f"{_metric(name)} {snapshot[name]:g}"]
    client = runtime.tenant.client
    lines += [
        "# HELP atbot_autotask_requests_total Autotask API responses by HTTP status.",
        "# TYPE atbot_autotask_requests_total counter",
    ]
    for status, count in sorted(client.status_counts.items()):
        lines.append(f'atbot_autotask_requests_total{{status="{_label(status)}"}} {count}')
    lines += [
        "# HELP atbot_autotask_request_seconds Time spent waiting on Autotask.",
        "# TYPE atbot_autotask_request_seconds summary",
        f"atbot_autotask_request_seconds_sum {client.request_seconds:.6f}",
        f"atbot_autotask_request_seconds_count {sum(client.status_counts.values())}",
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
