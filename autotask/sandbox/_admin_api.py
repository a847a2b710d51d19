"""``/_sandbox/...``: the sandbox's test controls, for tests that run it in another process.

These requests are the sandbox's own (no Autotask auth, not counted, not logged):
``GET|DELETE requests``, ``POST errors`` (the arguments of ``Sandbox.inject_error``),
``POST latency {ms}``, ``POST hourly-count {count}``, ``GET|PUT records/{entity}/{id}`` and
``GET webhook-deliveries``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from pydantic import BaseModel, ValidationError

from ._limits import ErrorRule, Gate, RequestLog
from ._store import RecordStore

__all__ = ["AdminApi"]


class _Latency(BaseModel):
    ms: float


class _HourlyCount(BaseModel):
    count: int


class AdminApi:
    """Answers one control request with (HTTP status, JSON body)."""

    def __init__(
        self,
        log: RequestLog,
        gate: Gate,
        store: RecordStore,
        deliveries: Callable[[], Sequence[BaseModel]],
    ) -> None:
        self._log = log
        self._gate = gate
        self._store = store
        self._deliveries = deliveries

    def handle(self, method: str, parts: list[str], body: Any) -> tuple[int, Any]:
        key = "/".join(p.lower() for p in parts[:1])
        try:
            if key == "requests" and method == "GET":
                return 200, {"requests": [r.model_dump(mode="json") for r in self._log.entries]}
            if key == "requests" and method == "DELETE":
                return 200, {"cleared": self._log.clear()}
            if key == "errors" and method == "POST":
                self._gate.errors.add(ErrorRule.model_validate(body))
                return 200, {"ok": True}
            if key == "latency" and method == "POST":
                self._gate.latency_ms = _Latency.model_validate(body).ms
                return 200, {"ok": True}
            if key == "hourly-count" and method == "POST":
                self._gate.hourly.set_count(_HourlyCount.model_validate(body).count)
                return 200, {"ok": True, "count": self._gate.hourly.count}
            if key == "webhook-deliveries" and method == "GET":
                shown = [d.model_dump(mode="json") for d in self._deliveries()]
                return 200, {"deliveries": shown}
            if key == "records" and len(parts) == 3:
                return self._record(method, parts[1], parts[2], body)
        except (ValidationError, ValueError, TypeError, re.error) as exc:
            return 400, {"error": str(exc)}
        return 404, {"error": "unknown sandbox control"}

    def _record(self, method: str, entity: str, raw_id: str, body: Any) -> tuple[int, Any]:
        if not raw_id.lstrip("-").isdigit():
            raise ValueError(f"not a record id: {raw_id}")
        if method == "GET":
            record = self._store.get_copy(entity, int(raw_id))
            return (200 if record is not None else 404), {"item": record}
        if method == "PUT" and isinstance(body, dict):
            self._store.put(entity, {**body, "id": int(raw_id)})
            return 200, {"itemId": int(raw_id)}
        raise ValueError("use GET, or PUT with a JSON object")
