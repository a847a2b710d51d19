"""The evaluation's checks are themselves checked: the ideal calls pass, wrong ones fail."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from support import ScriptedModel, text_turn

from adapters.evaluation import CASES, OracleModel, evaluate, report
from autotask.sandbox import Sandbox
from autotask.tools import ToolContext

REPO = Path(__file__).resolve().parents[2]


async def test_there_are_at_least_25_questions() -> None:
    assert len(CASES) >= 25
    assert len({c.question for c in CASES if isinstance(c.question, str)}) == len(
        [c for c in CASES if isinstance(c.question, str)]
    )


async def test_the_ideal_calls_pass_every_check(ctx: ToolContext, sandbox: Sandbox) -> None:
    outcomes = await evaluate(
        lambda case, box, c: OracleModel(case.ideal(box, c)), ctx, sandbox, "sys"
    )
    failed = [o.question for o in outcomes if not o.passed]
    assert failed == []
    assert "accuracy 26/26" in report(outcomes) or f"accuracy {len(CASES)}/{len(CASES)}" in report(
        outcomes
    )


async def test_a_model_that_answers_without_looking_fails_them_all(
    ctx: ToolContext, sandbox: Sandbox
) -> None:
    outcomes = await evaluate(
        lambda case, box, c: ScriptedModel(text_turn("About 12.")), ctx, sandbox, "sys"
    )
    assert not any(o.passed for o in outcomes)


async def test_crossed_answers_fail(ctx: ToolContext, sandbox: Sandbox) -> None:
    shifted = {id(case): CASES[(i + 1) % len(CASES)] for i, case in enumerate(CASES)}
    outcomes = await evaluate(
        lambda case, box, c: OracleModel(shifted[id(case)].ideal(box, c)), ctx, sandbox, "sys"
    )
    assert sum(o.passed for o in outcomes) <= 3, "a check must not accept another question's answer"


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
