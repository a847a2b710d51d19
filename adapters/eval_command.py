"""``atbot eval [--oracle]``: the evaluation questions against the configured model."""

from __future__ import annotations

import asyncio
from typing import Any

from autotask import AutotaskClient
from autotask.sandbox import Sandbox, SandboxConfig
from autotask.tools import Tenant, ToolContext, actor_of, find_resource
from bot.settings import Settings
from prompts import load_prompt

from .evaluation import OracleModel, evaluate, report
from .evaluation_checks import EvalCase
from .runtime import build_model
from .shell import DEMO_TECHNICIAN

__all__ = ["add_eval_command"]


def _system(ctx: ToolContext, settings: Settings) -> str:
    assert ctx.actor is not None
    local = ctx.now().astimezone(ctx.tz)
    return load_prompt("system").format(
        msp_name=settings.bot.msp_name, platform="chat", today=local.date().isoformat(),
        weekday=local.strftime("%A"), timezone=settings.timezone, name=ctx.actor.name,
        email=ctx.actor.email, resource_id=ctx.actor.resource_id,
    )  # fmt: skip


async def _eval(oracle: bool) -> int:
    settings = Settings()
    model = None if oracle else build_model(settings)
    if model is None and not oracle:
        print(
            "atbot eval: skipped — no model is configured (set ATBOT_LLM__API_KEY or "
            "OPENAI_API_KEY, and ATBOT_LLM__BASE_URL / ATBOT_LLM__MODEL as needed)."
        )
        return 0
    config = SandboxConfig()
    async with (
        Sandbox(config) as box,
        AutotaskClient(config.credentials(), zone_url=box.api_url) as client,
    ):
        ctx = ToolContext(tenant=Tenant(client=client), timezone=settings.timezone)
        ctx.actor = actor_of(await find_resource(ctx, DEMO_TECHNICIAN) or {})

        def model_for(case: EvalCase, box: Sandbox, ctx: ToolContext) -> Any:
            return OracleModel(case.ideal(box, ctx)) if oracle else model

        outcomes = await evaluate(model_for, ctx, box, _system(ctx, settings))
    print(report(outcomes))
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
    parser.set_defaults(handler=lambda a: asyncio.run(_eval(a.oracle)))
