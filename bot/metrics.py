"""In-process counters and latency samples for turns, clicks and the model."""

from __future__ import annotations

from collections import Counter, deque
from dataclasses import dataclass, field

__all__ = ["Metrics"]


def _percentile(samples: list[float], fraction: float) -> float:
    if not samples:
        return 0.0
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


@dataclass
class Metrics:
    counters: Counter[str] = field(default_factory=Counter)
    turn_seconds: deque[float] = field(default_factory=lambda: deque(maxlen=2000))

    def count(self, name: str, amount: int = 1) -> None:
        self.counters[name] += amount

    def observe_turn(self, seconds: float) -> None:
        self.turn_seconds.append(seconds)

    def snapshot(self) -> dict[str, float]:
        samples = list(self.turn_seconds)
        return {
            **{name: float(value) for name, value in self.counters.items()},
            "turn_seconds_p50": _percentile(samples, 0.50),
            "turn_seconds_p95": _percentile(samples, 0.95),
        }
