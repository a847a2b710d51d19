"""``atbot eval``: natural-language questions whose answers are computed from the sandbox's data.

Each case names the question, the ideal tool calls (used to check the checker itself, with a
scripted model) and a check over the tool results the planner produced. Run against the configured
real model it reports accuracy, tool calls, tokens and latency per question.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from autotask.sandbox import Sandbox
from autotask.tools import ToolContext
from bot.model import ChatModel, ModelToolCall, ModelTurn
from bot.planner import Planner

from .evaluation_cases import CASES
from .evaluation_checks import EvalCase

__all__ = ["CASES", "EvalCase", "EvalOutcome", "OracleModel", "evaluate", "report", "run_case"]


@dataclass
class EvalOutcome:
    question: str
    passed: bool
    tool_calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    seconds: float = 0.0
    answer: str = ""
    error: str | None = None
    calls: list[str] = field(default_factory=list)


async def run_case(
    case: EvalCase, model: ChatModel, ctx: ToolContext, box: Sandbox, system: str
) -> EvalOutcome:
    started = time.perf_counter()
    question = case.text(box, ctx)
    messages = [{"role": "system", "content": system}, {"role": "user", "content": question}]
    try:
        outcome = await Planner(model).run(ctx, messages)
    except Exception as exc:  # a failed question is a result, not a crash of the whole run
        return EvalOutcome(
            question=question,
            passed=False,
            error=str(exc),
            seconds=time.perf_counter() - started,
        )
    return EvalOutcome(
        question=question,
        passed=case.check(outcome.results, box, ctx),
        tool_calls=outcome.tool_calls,
        prompt_tokens=outcome.usage.prompt_tokens,
        completion_tokens=outcome.usage.completion_tokens,
        seconds=time.perf_counter() - started,
        answer=outcome.text,
        calls=[f"{call.name}({call.arguments})" for call, _ in outcome.results],
    )


class OracleModel:
    """Replays the ideal tool calls of a case, then answers: `atbot eval --oracle`."""

    def __init__(self, calls: list[tuple[str, dict[str, Any]]]) -> None:
        self._calls = calls
        self._done = False

    async def complete(
        self, messages: list[dict[str, Any]], tools: list[dict[str, Any]]
    ) -> ModelTurn:
        if self._done:
            return ModelTurn(content="Here you are.")
        self._done = True
        return ModelTurn(
            tool_calls=[
                ModelToolCall(id=f"oracle_{i}", name=name, arguments=json.dumps(args))
                for i, (name, args) in enumerate(self._calls)
            ]
        )


async def evaluate(
    model_for: Callable[[EvalCase, Sandbox, ToolContext], ChatModel],
    ctx: ToolContext,
    box: Sandbox,
    system: str,
) -> list[EvalOutcome]:
    outcomes = []
    for case in CASES:
        outcomes.append(await run_case(case, model_for(case, box, ctx), ctx, box, system))
    return outcomes


def report(outcomes: list[EvalOutcome]) -> str:
    lines = [
        "| # | question | pass | tool calls | tokens (in+out) | seconds |",
        "|---|---|---|---|---|---|",
    ]
    for number, o in enumerate(outcomes, 1):
        mark = "yes" if o.passed else f"NO{': ' + o.error if o.error else ''}"
        lines.append(
            f"| {number} | {o.question} | {mark} | {o.tool_calls} | "
            f"{o.prompt_tokens}+{o.completion_tokens} | {o.seconds:.2f} |"
        )
    passed = sum(o.passed for o in outcomes)
    tokens = sum(o.prompt_tokens + o.completion_tokens for o in outcomes)
    lines.append(
        f"\naccuracy {passed}/{len(outcomes)} ({passed / max(len(outcomes), 1):.0%}), "
        f"{sum(o.tool_calls for o in outcomes)} tool calls, {tokens:,} tokens, "
        f"{sum(o.seconds for o in outcomes):.1f} s"
    )
    return "\n".join(lines)
