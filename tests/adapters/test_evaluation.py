"""The evaluation's checks are themselves checked: the ideal calls pass, wrong calls and wrong
answer texts fail, and a model that makes answers up never passes on its own words."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from support import ScriptedModel, text_turn

from adapters.evaluation import (
    CASES,
    EVAL_NOW,
    EvalOutcome,
    OracleModel,
    eval_environment,
    evaluate,
    kind_of,
    report,
)
from autotask.sandbox import Sandbox
from autotask.tools import ToolContext
from bot.model import ModelTurn
from bot.settings import Settings
from bot.storage import Database

REPO = Path(__file__).resolve().parents[2]
Env = tuple[ToolContext, Sandbox, Database]


@pytest.fixture
async def env(tmp_path: Path) -> AsyncIterator[Env]:
    async with eval_environment(Settings(), tmp_path) as found:
        yield found


async def _run(
    env: Env, model_for: Any, *, grammar_first: bool = False, **kw: Any
) -> list[EvalOutcome]:
    ctx, box, db = env
    settings = Settings()
    settings.llm.grammar_first = grammar_first
    return await evaluate(model_for, ctx, box, db, settings, **kw)


async def test_at_least_60_questions_of_every_kind(env: Env) -> None:
    ctx, box, _ = env
    assert len(CASES) >= 60
    kinds = Counter(kind_of(case, box, ctx) for case in CASES)
    assert set(kinds) == {"reading", "counting", "changes", "follow-ups"}
    assert min(kinds.values()) >= 8, kinds
    questions = [case.text(box, ctx) for case in CASES]
    assert len(set(questions)) == len(questions)
    assert ctx.now() == EVAL_NOW, "the clock is pinned: verdicts do not move between runs"


async def test_the_ideal_calls_pass_every_check(env: Env) -> None:
    outcomes = await _run(env, lambda case, box, c: OracleModel(case.ideal(box, c)), oracle=True)
    failed = [(o.question, o.error) for o in outcomes if not o.passed]
    assert failed == []
    assert f"accuracy {len(CASES)}/{len(CASES)} (100%)" in report(outcomes)


async def test_a_wrong_number_in_the_answer_fails(env: Env) -> None:
    class WrongNumber(OracleModel):
        async def complete(
            self, messages: list[dict[str, Any]], tools: list[dict[str, Any]]
        ) -> ModelTurn:
            turn = await super().complete(messages, tools)
            return turn if turn.tool_calls else ModelTurn(content="There are 100001 of them.")

    outcomes = await _run(
        env, lambda case, box, c: WrongNumber(case.ideal(box, c)), oracle=True, only=12
    )
    counting = [o for o in outcomes if o.kind == "counting"]
    assert counting and not any(o.passed for o in counting)
    assert all("answer also states 100001" in (o.error or "") for o in counting)


async def test_a_model_that_answers_without_looking_never_passes_on_its_words(env: Env) -> None:
    outcomes = await _run(
        env, lambda case, box, c: ScriptedModel(text_turn("About 12."), text_turn("About 12."))
    )
    passed = [o for o in outcomes if o.passed]
    assert all(o.path == "fallback" for o in passed), "only command mode's lookups can pass"
    assert not any(o.path == "model" and o.passed for o in outcomes)


async def test_crossed_answers_fail(env: Env) -> None:
    shifted = {id(case): CASES[(i + 1) % len(CASES)] for i, case in enumerate(CASES)}
    outcomes = await _run(
        env, lambda case, box, c: OracleModel(shifted[id(case)].ideal(box, c)), oracle=True
    )
    assert sum(o.passed for o in outcomes) <= 4, "a check must not accept another question's answer"


async def test_grammar_first_answers_without_the_model(env: Env) -> None:
    outcomes = await _run(env, lambda case, box, c: ScriptedModel(), grammar_first=True, only=20)
    by_grammar = [o for o in outcomes if o.path == "grammar"]
    assert by_grammar and all(o.prompt_tokens == 0 for o in by_grammar)
    assert all(o.passed for o in by_grammar), [
        (o.question, o.error) for o in by_grammar if not o.passed
    ]


def test_eval_without_a_model_is_skipped() -> None:
    env = {"PATH": "/usr/bin:/bin", "ATBOT_BLOCK_REMOTE_MODEL": "1", "HOME": str(REPO)}
    done = subprocess.run(
        [sys.executable, "-m", "adapters.cli", "eval"],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0 and "skipped" in done.stdout
