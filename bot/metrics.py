"""Counters and latency histograms for turns, clicks, tools, plans, alerts and the model, kept in
a ``prometheus_client`` registry of their own (one per engine, so several engines in a process,
as in tests, never share or clash).

Code counts by a short name, ``family_label`` (``turns_command``, ``plans_applied``,
``tool_calls_search``, ``alerts_delivered``): a name of a known family becomes a labelled series
(``atbot_turns_total{kind="command"}``), any other name a counter of its own
(``atbot_slack_events_redelivered_total``). Latencies go into histograms by name (``turn``,
``click``, ``planner`` → ``atbot_turn_seconds``…). The /metrics endpoint exposes the registry.
"""

from __future__ import annotations

import re
from collections import Counter as Tally
from collections import deque
from dataclasses import dataclass, field
from functools import partial

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client import disable_created_metrics as _disable_created_metrics

__all__ = ["LATENCY_BUCKETS", "Metrics"]

# No ``*_created`` series next to every counter: these metrics never had them, and dashboards
# built on the names above would only see more series.
_disable_created_metrics()  # type: ignore[no-untyped-call]

LATENCY_BUCKETS: tuple[float, ...] = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

_NAME = re.compile(r"[^a-zA-Z0-9_]")


@dataclass(frozen=True)
class _Family:
    prefix: str
    metric: str
    label: str
    help: str


_FAMILIES: tuple[_Family, ...] = (
    _Family("turns_", "atbot_turns", "kind",
            "Conversation turns by kind (command, model, failed, refused_identity)."),
    _Family("tool_calls_", "atbot_tool_calls", "tool", "Tool calls by tool."),
    _Family("plans_", "atbot_plans", "outcome",
            "Change plans by outcome (planned, applied, stale, failed, cancelled, ...)."),
    _Family("alerts_", "atbot_alerts", "outcome", "New-ticket alert deliveries by outcome."),
    _Family("answered_by_", "atbot_answered", "path",
            "Turns by the path that answered (grammar, model, command, fallback)."),
)  # fmt: skip
_TOKENS = _Family("model_", "atbot_model_tokens", "kind", "Language model tokens by kind.")
_TOKEN_NAMES = {"model_prompt_tokens": "prompt", "model_completion_tokens": "completion"}
_LATENCY_HELP = {
    "turn": "Time to answer one message.",
    "click": "Time to handle one Approve/Cancel click, apply included.",
    "planner": "Time of the model's tool loop in one turn.",
}


def _percentile(samples: list[float], fraction: float) -> float:
    if not samples:
        return 0.0
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def _family_of(name: str) -> tuple[_Family, str] | None:
    if name in _TOKEN_NAMES:
        return _TOKENS, _TOKEN_NAMES[name]
    for family in _FAMILIES:
        if name.startswith(family.prefix):
            return family, name[len(family.prefix) :]
    return None


@dataclass
class Metrics:
    registry: CollectorRegistry = field(
        default_factory=lambda: CollectorRegistry(auto_describe=True)
    )
    turn_seconds: deque[float] = field(default_factory=lambda: deque(maxlen=2000))
    counters: Tally[str] = field(default_factory=Tally)  # by short name, for snapshots and tests
    _counters: dict[str, Counter] = field(default_factory=dict)
    _histograms: dict[str, Histogram] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for quantile, fraction in (("p50", 0.50), ("p95", 0.95)):
            gauge = Gauge(f"atbot_turn_seconds_{quantile}",
                          f"The {quantile} of the last 2,000 turns' durations, seconds.",
                          registry=self.registry)  # fmt: skip
            gauge.set_function(partial(self._turn_percentile, fraction))

    def _turn_percentile(self, fraction: float) -> float:
        return _percentile(list(self.turn_seconds), fraction)

    def count(self, name: str, amount: int = 1) -> None:
        self.counters[name] += amount
        found = _family_of(name)
        if found is None:
            self._counter(f"atbot_{_NAME.sub('_', name)}", name, ()).inc(amount)
            return
        family, label = found
        counter = self._counter(family.metric, family.help, (family.label,))
        counter.labels(label).inc(amount)

    def _counter(self, metric: str, help_text: str, labels: tuple[str, ...]) -> Counter:
        counter = self._counters.get(metric)
        if counter is None:
            counter = Counter(metric, help_text, labels, registry=self.registry)
            self._counters[metric] = counter
        return counter

    def observe(self, name: str, seconds: float) -> None:
        """One latency sample of ``name`` (``turn``, ``click``, ``planner``…)."""
        histogram = self._histograms.get(name)
        if histogram is None:
            metric = f"atbot_{_NAME.sub('_', name)}_seconds"
            help_text = _LATENCY_HELP.get(name, f"{name} latency.")
            histogram = Histogram(
                metric, help_text, buckets=LATENCY_BUCKETS, registry=self.registry
            )
            self._histograms[name] = histogram
        histogram.observe(seconds)

    def observe_turn(self, seconds: float) -> None:
        self.turn_seconds.append(seconds)
        self.observe("turn", seconds)

    def snapshot(self) -> dict[str, float]:
        samples = list(self.turn_seconds)
        return {
            **{name: float(value) for name, value in self.counters.items()},
            "turn_seconds_p50": _percentile(samples, 0.50),
            "turn_seconds_p95": _percentile(samples, 0.95),
        }
