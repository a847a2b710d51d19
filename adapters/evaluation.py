"""``atbot eval``: natural-language questions whose answers are computed from the sandbox's data.

Each question goes through the engine as a technician's message would (grammar-first routing,
the planner, history, plans stored as cards), on a sandbox whose clock is pinned so that verdicts
do not move between runs. A question passes when the turn's tool results are right (the count,
the rows, the one plan) **and** its answer text is: a count question's answer says the number,
no answer claims a change, none shows tool JSON, and nothing is written to Autotask.
The report gives accuracy (overall, by kind, by path), tool calls, tokens and latency.
"""

from __future__ import annotations

import json
import statistics
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from autotask import AutotaskClient
from autotask.sandbox import Sandbox, SandboxConfig
from autotask.tools import Tenant, ToolContext, actor_of, find_resource
from bot.engine import Engine
from bot.messages import Conversation, IncomingMessage
from bot.model import ChatModel, ModelToolCall, ModelTurn
from bot.settings import Settings
from bot.storage import Database

from .evaluation_cases import CASES
from .evaluation_checks import EvalCase, answer_problems
from .shell import DEMO_TECHNICIAN

__all__ = [
    "CASES",
    "EVAL_NOW",
    "EvalCase",
    "EvalOutcome",
    "OracleModel",
    "eval_environment",
    "evaluate",
    "kind_of",
    "report",
    "run_case",
]

EVAL_NOW = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)  # a Wednesday afternoon; the sandbox's "now"


@dataclass
class EvalOutcome:
    question: str
    kind: str
    passed: bool
    path: str = "none"
    tool_calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    first_prompt_tokens: int = 0
    seconds: float = 0.0
    answer: str = ""
    error: str | None = None
    calls: list[str] = field(default_factory=list)


def kind_of(case: EvalCase, box: Sandbox, ctx: ToolContext) -> str:
    """A case's kind as given, or for the plain ones, from its ideal calls."""
    if case.before or case.kind != "counting":
        return case.kind
    calls = case.ideal(box, ctx)
    if any(name == "plan_change" for name, _ in calls):
        return "changes"
    if all(args.get("mode") == "count" for _, args in calls):
        return "counting"
    return "reading"


def _writes(box: Sandbox) -> list[str]:
    return [
        f"{r.method} {r.path}"
        for r in box.requests
        if r.method in {"POST", "PATCH", "PUT", "DELETE"} and "/query" not in r.path
    ]


def _message(ctx: ToolContext, conversation: Conversation, text: str) -> IncomingMessage:
    assert ctx.actor is not None
    return IncomingMessage(
        conversation=conversation,
        user_id="U-eval",
        email=ctx.actor.email,
        display_name=ctx.actor.name,
        text=text,
    )


async def run_case(
    case: EvalCase,
    engine: Engine,
    ctx: ToolContext,
    box: Sandbox,
    number: int,
    *,
    earlier_in_command_mode: bool = False,
) -> EvalOutcome:
    """Ask the case's earlier messages, then its question, in a conversation of its own."""
    conversation = Conversation(platform="eval", conversation_id=f"case-{number}")
    question = case.text(box, ctx)
    kind = kind_of(case, box, ctx)
    for earlier in case.earlier(box, ctx):
        await engine.answer_turn(
            _message(ctx, conversation, earlier), command_mode=earlier_in_command_mode
        )
    box.clear_requests()
    started = time.perf_counter()
    turn = await engine.answer_turn(_message(ctx, conversation, question))
    seconds = time.perf_counter() - started
    text = turn.reply.text or ""
    problems = answer_problems(case, text, box, ctx)
    if _writes(box):
        problems.append(f"wrote to Autotask: {_writes(box)}")
    passed_results = case.check(turn.results, box, ctx)
    if not passed_results:
        problems.append("tool results do not hold the answer")
    usage = turn.planner.usage if turn.planner else None
    return EvalOutcome(
        question=question,
        kind=kind,
        passed=not problems,
        path=turn.path,
        tool_calls=turn.planner.tool_calls if turn.planner else len(turn.results),
        prompt_tokens=usage.prompt_tokens if usage else 0,
        completion_tokens=usage.completion_tokens if usage else 0,
        first_prompt_tokens=turn.planner.first_prompt_tokens if turn.planner else 0,
        seconds=seconds,
        answer=text,
        error="; ".join(problems) or None,
        calls=[f"{call.name}({json.dumps(call.arguments)})" for call, _ in turn.results],
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
            return ModelTurn(content=_oracle_answer(messages))
        self._done = True
        return ModelTurn(
            tool_calls=[
                ModelToolCall(id=f"oracle_{i}", name=name, arguments=json.dumps(args))
                for i, (name, args) in enumerate(self._calls)
            ]
        )


def _oracle_answer(messages: list[dict[str, Any]]) -> str:
    """An answer that states what the tools found: the count when there is one."""
    for message in reversed(messages):
        if message.get("role") != "tool":
            continue
        try:
            data = json.loads(str(message.get("content")).split("\n")[-1])
        except json.JSONDecodeError:
            continue
        if isinstance(data, dict) and data.get("mode") == "count":
            return f"There are {data.get('total')}."
    return "Here you are."


ModelFor = Callable[[EvalCase, Sandbox, ToolContext], ChatModel]


async def evaluate(
    model_for: ModelFor,
    ctx: ToolContext,
    box: Sandbox,
    db: Database,
    settings: Settings,
    *,
    only: int | None = None,
    oracle: bool = False,
    progress: Callable[[int, EvalOutcome], None] | None = None,
) -> list[EvalOutcome]:
    """Every case (or the first ``only``) through an engine on the pinned clock."""
    settings.bot.rate_limit_per_minute = 1_000_000  # the evaluation is one fast technician
    outcomes = []
    for number, case in enumerate(CASES[:only], 1):
        engine = Engine(
            tenant=ctx.tenant,
            db=db,
            settings=settings,
            model=model_for(case, box, ctx),
            clock=ctx.clock,
        )
        try:
            outcome = await run_case(case, engine, ctx, box, number, earlier_in_command_mode=oracle)
        except Exception as exc:  # a failed question is a result, not a crash of the run
            outcome = EvalOutcome(case.text(box, ctx), case.kind, passed=False, error=str(exc))
        outcomes.append(outcome)
        if progress is not None:
            progress(number, outcome)
    return outcomes


def summary(outcomes: list[EvalOutcome]) -> dict[str, Any]:
    passed = sum(o.passed for o in outcomes)
    model = [o for o in outcomes if o.prompt_tokens]
    seconds = [o.seconds for o in outcomes]
    by_kind = {
        kind: f"{sum(o.passed for o in group)}/{len(group)}"
        for kind in ("reading", "counting", "changes", "follow-ups")
        if (group := [o for o in outcomes if o.kind == kind])
    }
    return {
        "questions": len(outcomes),
        "passed": passed,
        "accuracy": passed / max(len(outcomes), 1),
        "by_kind": by_kind,
        "paths": dict(Counter(o.path for o in outcomes)),
        "tool_calls": sum(o.tool_calls for o in outcomes),
        "prompt_tokens": sum(o.prompt_tokens for o in outcomes),
        "completion_tokens": sum(o.completion_tokens for o in outcomes),
        "first_call_prompt_tokens_max": max((o.first_prompt_tokens for o in model), default=0),
        "seconds_total": sum(seconds),
        "seconds_median": statistics.median(seconds) if seconds else 0.0,
        "seconds_max": max(seconds, default=0.0),
    }


def report(outcomes: list[EvalOutcome]) -> str:
    lines = [
        "| # | kind | question | pass | path | tool calls | tokens (in+out) | seconds |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for number, o in enumerate(outcomes, 1):
        mark = "yes" if o.passed else f"NO: {o.error}"
        lines.append(
            f"| {number} | {o.kind} | {o.question} | {mark} | {o.path} | {o.tool_calls} | "
            f"{o.prompt_tokens}+{o.completion_tokens} | {o.seconds:.2f} |"
        )
    s = summary(outcomes)
    kinds = ", ".join(f"{k} {v}" for k, v in s["by_kind"].items())
    paths = ", ".join(f"{k} {v}" for k, v in sorted(s["paths"].items()))
    lines.append(
        f"\naccuracy {s['passed']}/{s['questions']} ({s['accuracy']:.0%}) — {kinds}\n"
        f"answered by: {paths}\n"
        f"{s['tool_calls']} tool calls, {s['prompt_tokens']:,}+{s['completion_tokens']:,} tokens "
        f"(largest first call {s['first_call_prompt_tokens_max']:,}), "
        f"{s['seconds_total']:.1f} s (median {s['seconds_median']:.1f} s, "
        f"max {s['seconds_max']:.1f} s)"
    )
    return "\n".join(lines)


def as_json(outcomes: list[EvalOutcome], **about: Any) -> str:
    return json.dumps(
        {**about, "summary": summary(outcomes), "questions": [asdict(o) for o in outcomes]},
        indent=2,
    )


@asynccontextmanager
async def eval_environment(
    settings: Settings, folder: Path
) -> AsyncIterator[tuple[ToolContext, Sandbox, Database]]:
    """The demo sandbox on the pinned clock, a client for it as the demo technician, and a
    SQLite database in ``folder`` for plans and history."""
    config = SandboxConfig(now=EVAL_NOW)
    db = await Database.open(f"sqlite+aiosqlite:///{folder / 'eval.db'}")
    try:
        await db.migrate()
        async with (
            Sandbox(config) as box,
            AutotaskClient(config.credentials(), zone_url=box.api_url) as client,
        ):
            tenant = Tenant(client=client, export_dir=folder)
            ctx = ToolContext(tenant=tenant, timezone=settings.timezone, clock=lambda: EVAL_NOW)
            ctx.actor = actor_of(await find_resource(ctx, DEMO_TECHNICIAN) or {})
            yield ctx, box, db
    finally:
        await db.close()
