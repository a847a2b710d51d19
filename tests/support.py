"""Helpers shared by the suite's fixtures and tests (importable as ``support``)."""

from __future__ import annotations

import subprocess
import time
from datetime import UTC, datetime

import httpx

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
    return box.config.model_copy(update=overrides).credentials()


class ScriptedModel:
    """A ChatModel fake: answers from a queue of turns, records what it was sent, and fails the
    test on a call it was not scripted for."""

    def __init__(self, *turns: object) -> None:
        from bot.model import ModelTurn

        self.turns: list[object] = list(turns)
        self.calls: list[tuple[list[dict[str, object]], list[dict[str, object]]]] = []
        self._turn_type = ModelTurn

    async def complete(
        self, messages: list[dict[str, object]], tools: list[dict[str, object]]
    ) -> object:
        self.calls.append(([dict(m) for m in messages], tools))
        if not self.turns:
            raise AssertionError("the model was called more often than scripted")
        turn = self.turns.pop(0)
        if isinstance(turn, BaseException):
            raise turn
        return turn


def tool_turn(*calls: tuple[str, dict[str, object]], content: str | None = None) -> object:
    """A model turn that calls tools: tool_turn(("search", {...}), ("get", {...}))."""
    import json

    from bot.model import ModelToolCall, ModelTurn, Usage

    return ModelTurn(
        content=content,
        tool_calls=[
            ModelToolCall(id=f"call_{i}", name=name, arguments=json.dumps(args))
            for i, (name, args) in enumerate(calls)
        ],
        usage=Usage(prompt_tokens=100, completion_tokens=20),
    )


def text_turn(content: str) -> object:
    from bot.model import ModelTurn, Usage

    return ModelTurn(content=content, usage=Usage(prompt_tokens=120, completion_tokens=15))


def wait_for_sandbox_process(process: subprocess.Popen[str], base: str, *, seconds: float) -> None:
    """Wait (bounded) until a sandbox started as a process answers at ``base``; fail with its
    output if it exits first."""
    for _ in range(int(seconds * 10)):
        try:
            httpx.get(f"{base}/ATServicesRest/VersionInformation", timeout=1)
            return
        except httpx.TransportError:
            assert process.poll() is None, process.communicate()
            time.sleep(0.1)
