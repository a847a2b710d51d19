"""In-process counters and latency samples for turns, clicks, tools, plans, alerts and the model.

Counters are named ``family_label`` (``turns_command``, ``plans_applied``, ``tool_calls_search``,
``alerts_delivered``); the /metrics endpoint turns the families into labelled Prometheus series.
Latencies go into fixed-bucket histograms by name (``turn``, ``click``, ``planner``).
"""

from __future__ import annotations

import bisect
from collections import Counter, deque
from dataclasses import dataclass, field

__all__ = ["LATENCY_BUCKETS", "Histogram", "Metrics"]

LATENCY_BUCKETS: tuple[float, ...] = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


def _percentile(samples: list[float], fraction: float) -> float:
    if not samples:
        return 0.0
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


@dataclass
class Histogram:
    """Observations in fixed buckets (upper bounds, seconds), with their sum and count."""

    bounds: tuple[float, ...] = LATENCY_BUCKETS
    counts: list[int] = field(default_factory=list)
    total: float = 0.0
    count: int = 0

    def __post_init__(self) -> None:
        self.counts = [0] * (len(self.bounds) + 1)  # the last one is +Inf

    def observe(self, value: float) -> None:
        self.counts[bisect.bisect_left(self.bounds, value)] += 1
        self.total += value
        self.count += 1

    def cumulative(self) -> list[tuple[float, int]]:
        """(upper bound, observations at or below it) per bucket, ending with +Inf."""
        running, out = 0, []
        for bound, count in zip((*self.bounds, float("inf")), self.counts, strict=True):
            running += count
            out.append((bound, running))
        return out


@dataclass
class Metrics:
    counters: Counter[str] = field(default_factory=Counter)
    turn_seconds: deque[float] = field(default_factory=lambda: deque(maxlen=2000))
    latencies: dict[str, Histogram] = field(default_factory=dict)

    def count(self, name: str, amount: int = 1) -> None:
        self.counters[name] += amount

    def observe(self, name: str, seconds: float) -> None:
        """One latency sample of ``name`` (``turn``, ``click``, ``planner``…)."""
        self.latencies.setdefault(name, Histogram()).observe(seconds)

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
