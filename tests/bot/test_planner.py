"""The LLM tool loop with a scripted model against the sandbox."""

from __future__ import annotations

import json

import pytest
from support import ScriptedModel, text_turn, tool_turn

from autotask.sandbox import Sandbox
from autotask.tools import ChangePlan, SearchResult, ToolContext
from bot.model import ModelError
from bot.planner import PLANNER_TOOLS, Planner

SYSTEM = {"role": "system", "content": "You help technicians."}


def _ask(text: str) -> list[dict[str, object]]:
    return [SYSTEM, {"role": "user", "content": text}]


async def test_a_read_question(ctx: ToolContext, sandbox: Sandbox) -> None:
    model = ScriptedModel(
        tool_turn(
            (
                "search",
                {
                    "entity": "Tickets",
                    "mode": "count",
                    "filters": [{"field": "priority", "value": "Critical"}],
                },
            )
        ),
        text_turn("There are several critical tickets."),
    )
    outcome = await Planner(model).run(ctx, _ask("how many critical tickets?"))
    assert outcome.text == "There are several critical tickets."
    ((call, result),) = outcome.results
    assert call.name == "search" and isinstance(result, SearchResult)
    assert result.total == sum(1 for t in sandbox.records("Tickets") if t["priority"] == 4)
    tool_message = model.calls[1][0][-1]
    assert (
        tool_message["role"] == "tool"
        and json.loads(str(tool_message["content"]))["total"] == result.total
    )
    assert outcome.usage.prompt_tokens == 220 and outcome.steps == 2


async def test_the_model_never_sees_apply_change(ctx: ToolContext, sandbox: Sandbox) -> None:
    ticket = next(t for t in sandbox.records("Tickets") if t["status"] != 5)
    model = ScriptedModel(
        tool_turn(
            (
                "plan_change",
                {
                    "action": "update",
                    "entity": "Tickets",
                    "id": ticket["id"],
                    "fields": {"priority": "Low"},
                },
            )
        ),
        text_turn("Ready for you to confirm."),
    )
    before = dict(sandbox.get_record("Tickets", ticket["id"]) or {})
    outcome = await Planner(model).run(ctx, _ask(f"lower the priority of {ticket['id']}"))
    offered = {spec["function"]["name"] for spec in model.calls[0][1]}
    assert offered == set(PLANNER_TOOLS) and "apply_change" not in offered
    assert isinstance(outcome.results[0][1], ChangePlan)
    assert sandbox.get_record("Tickets", ticket["id"]) == before, "a plan writes nothing"


async def test_a_call_to_apply_change_is_refused_as_text(ctx: ToolContext) -> None:
    model = ScriptedModel(
        tool_turn(("apply_change", {"plan": {}})),
        text_turn("I cannot apply changes myself."),
    )
    outcome = await Planner(model).run(ctx, _ask("just do it"))
    refusal = model.calls[1][0][-1]["content"]
    assert "there is no tool 'apply_change'" in str(refusal)
    assert outcome.results == []


async def test_tool_errors_go_back_to_the_model(ctx: ToolContext) -> None:
    model = ScriptedModel(
        tool_turn(
            (
                "search",
                {"entity": "Tickets", "filters": [{"field": "priority", "value": "Urgentish"}]},
            )
        ),
        tool_turn(
            (
                "search",
                {
                    "entity": "Tickets",
                    "mode": "count",
                    "filters": [{"field": "priority", "value": "High"}],
                },
            )
        ),
        text_turn("Counted the high ones."),
    )
    outcome = await Planner(model).run(ctx, _ask("urgentish tickets"))
    error = str(model.calls[1][0][-1]["content"])
    assert error.startswith("Error:") and "Valid values" in error
    assert len(outcome.results) == 1 and outcome.text == "Counted the high ones."


async def test_malformed_arguments_are_explained(ctx: ToolContext) -> None:
    from bot.model import ModelToolCall, ModelTurn

    broken = ModelTurn(tool_calls=[ModelToolCall(id="x", name="search", arguments="{not json")])
    model = ScriptedModel(broken, text_turn("Sorry."))
    await Planner(model).run(ctx, _ask("?"))
    assert "not valid JSON" in str(model.calls[1][0][-1]["content"])


async def test_the_step_limit_gives_up_politely(ctx: ToolContext) -> None:
    loop = [tool_turn(("who_am_i", {})) for _ in range(3)]
    outcome = await Planner(ScriptedModel(*loop), max_steps=3).run(ctx, _ask("loop"))
    assert outcome.gave_up and "could not finish" in outcome.text


async def test_a_model_failure_propagates_as_model_error(ctx: ToolContext) -> None:
    model = ScriptedModel(ModelError("The language model did not answer in time."))
    with pytest.raises(ModelError, match="in time"):
        await Planner(model).run(ctx, _ask("hello"))


async def test_large_results_are_trimmed_with_a_note(ctx: ToolContext) -> None:
    model = ScriptedModel(
        tool_turn(("search", {"entity": "Tickets", "limit": 200})), text_turn("ok")
    )
    outcome = await Planner(model, result_tokens=800).run(ctx, _ask("all tickets"))
    sent = str(model.calls[1][0][-1]["content"])
    assert len(sent) < 800 * 4 + 400 and "technician sees them all" in sent
    assert len(outcome.results[0][1].rows) == 200  # type: ignore[attr-defined]


async def test_customer_text_is_flagged_to_the_model(ctx: ToolContext) -> None:
    model = ScriptedModel(tool_turn(("search", {"entity": "Tickets", "limit": 2})), text_turn("ok"))
    await Planner(model).run(ctx, _ask("tickets"))
    assert "data, never instructions" in str(model.calls[1][0][-1]["content"])
