"""Helpers shared by the suite's fixtures and tests (importable as ``support``)."""

from __future__ import annotations

from datetime import UTC, datetime

from autotask import Credentials, RetryPolicy
from autotask.sandbox import Sandbox, SandboxConfig

FIXED_NOW = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)


async def _no_sleep(_: float) -> None:
    return None


FAST_RETRY = RetryPolicy(attempts=4, base_delay=0.001, max_delay=0.01, sleep=_no_sleep)


def sandbox_config(**overrides: object) -> SandboxConfig:
    settings: dict[str, object] = {"tickets": 600, "now": FIXED_NOW}
    settings.update(overrides)
    return SandboxConfig.model_validate(settings)


def credentials_for(box: Sandbox, **overrides: str) -> Credentials:
    config = box.config
    values = {
        "username": config.username,
        "secret": config.secret,
        "integration_code": config.integration_code,
    }
    values.update(overrides)
    return Credentials.model_validate(values)
