"""``atbot eval``: the evaluation questions against the configured model (or the ideal calls)."""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path
from typing import Any

from autotask.sandbox import Sandbox
from bot.settings import Settings

from .evaluation import EVAL_NOW, OracleModel, as_json, eval_environment, evaluate, report
from .evaluation_checks import EvalCase
from .runtime import build_model

__all__ = ["add_eval_command"]


def _progress(number: int, outcome: Any) -> None:
    mark = "pass" if outcome.passed else f"FAIL ({outcome.error})"
    print(
        f"{number:3d} {outcome.path:8s} {outcome.seconds:6.1f}s {mark}: {outcome.question}",
        file=sys.stderr,
        flush=True,
    )


async def _eval(oracle: bool, grammar_first: bool, only: int | None, out: Path | None) -> int:
    settings = Settings()
    settings.llm.grammar_first = grammar_first and not oracle  # the oracle checks the checks
    model = None if oracle else build_model(settings)
    if model is None and not oracle:
        print(
            "atbot eval: skipped — no model is configured (set ATBOT_LLM__API_KEY or "
            "OPENAI_API_KEY, and ATBOT_LLM__BASE_URL / ATBOT_LLM__MODEL as needed)."
        )
        return 0
    with tempfile.TemporaryDirectory(prefix="atbot-eval-") as folder:
        async with eval_environment(settings, Path(folder)) as (ctx, box, db):

            def model_for(case: EvalCase, box: Sandbox, ctx: Any) -> Any:
                return OracleModel(case.ideal(box, ctx)) if oracle else model

            outcomes = await evaluate(
                model_for, ctx, box, db, settings, only=only, oracle=oracle, progress=_progress
            )
    print(report(outcomes))
    if out is not None:
        about = {
            "model": "oracle" if oracle else settings.llm.model,
            "base_url": settings.llm.base_url,
            "grammar_first": settings.llm.grammar_first,
            "now": EVAL_NOW.isoformat(),
        }
        await asyncio.to_thread(out.write_text, as_json(outcomes, **about), encoding="utf-8")
    return 0 if all(o.passed for o in outcomes) or not oracle else 1


def add_eval_command(commands: Any) -> None:
    parser = commands.add_parser(
        "eval", help="ask the evaluation questions of the configured model"
    )
    parser.add_argument(
        "--oracle",
        action="store_true",
        help="replay each question's ideal tool calls instead (checks the checks)",
    )
    parser.add_argument(
        "--grammar-first",
        choices=("on", "off"),
        default="on",
        help="answer what the command grammar reads without the model (default on)",
    )
    parser.add_argument("--only", type=int, default=None, help="only the first N questions")
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    parser.set_defaults(
        handler=lambda a: asyncio.run(_eval(a.oracle, a.grammar_first == "on", a.only, a.json))
    )
