"""What real small models do, scripted: calls written as text, repeated failures, invented ids,
duplicate plans, claimed changes, answers made up without a tool call, slow servers."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from support import ScriptedModel, text_turn, tool_turn

from autotask.sandbox import Sandbox
from autotask.tools import ChangePlan, GetResult, ListEntitiesResult, SearchResult, ToolContext
from bot.honesty import READY_TEXT
from bot.model import ModelError, ModelTurn, Usage
from bot.planner import Planner, estimate_tokens, tool_specs, trim_result
from prompts import load_prompt

SYSTEM = {"role": "system", "content": "You help technicians."}


def _ask(text: str) -> list[dict[str, Any]]:
    return [SYSTEM, {"role": "user", "content": text}]


def _open_ticket(box: Sandbox) -> dict[str, Any]:
    return next(t for t in box.records("Tickets") if t["status"] != 5)


def _said(model: ScriptedModel, call: int) -> str:
    """The last message the model was sent on its ``call``-th call (a tool result, usually)."""
    return str(model.calls[call][0][-1]["content"])


COUNT = {"entity": "Tickets", "mode": "count", "filters": [{"field": "open", "value": True}]}


@pytest.mark.parametrize(
    "content",
    [
        '```json\n{"name": "search", "arguments": ' + json.dumps(COUNT) + "}\n```",
        'Let me check.\n{"name": "search", "arguments": ' + json.dumps(COUNT) + "}",
        '<tool_call>\n{"name": "search", "arguments": ' + json.dumps(COUNT) + "}\n</tool_call>",
    ],
    ids=["fenced", "bare", "tagged"],
)
async def test_a_call_written_as_text_is_run(
    ctx: ToolContext, sandbox: Sandbox, content: str
) -> None:
    model = ScriptedModel(ModelTurn(content=content), text_turn("There are some open tickets."))
    outcome = await Planner(model).run(ctx, _ask("how many open tickets?"))
    ((call, result),) = outcome.results
    assert call.name == "search" and isinstance(result, SearchResult)
    assert result.total == sum(1 for t in sandbox.records("Tickets") if t["status"] != 5)
    assert outcome.text_calls == 1 and outcome.text == "There are some open tickets."
    assistant = model.calls[1][0][-2]
    assert assistant["tool_calls"][0]["function"]["name"] == "search"


async def test_tool_json_is_never_shown(ctx: ToolContext) -> None:
    sneaky = '```json\n{"name": "apply_change", "arguments": {"plan": {}}}\n```'
    model = ScriptedModel(ModelTurn(content="Here you go.\n" + sneaky))
    outcome = await Planner(model).run(ctx, _ask("hello"))
    assert outcome.results == [] and "apply_change" not in outcome.text
    assert "{" not in outcome.text and outcome.text == "Here you go."
    only_json = ScriptedModel(ModelTurn(content=sneaky))
    outcome = await Planner(only_json).run(ctx, _ask("hello"))
    assert "{" not in outcome.text and "rephrase" in outcome.text


async def test_a_repeated_failing_call_is_stopped(ctx: ToolContext) -> None:
    bad = ("search", {"entity": "Tickets", "filters": [{"field": "status", "value": "High"}]})
    model = ScriptedModel(tool_turn(bad), tool_turn(bad), tool_turn(bad), text_turn("unused"))
    outcome = await Planner(model, max_steps=8).run(ctx, _ask("high status tickets"))
    first = _said(model, 1)
    assert first.startswith("Error:") and "'High' is a priority" in first
    assert "already made this exact call" in _said(model, 2)
    assert outcome.steps == 3 and outcome.gave_up and outcome.repeated_calls == 2
    assert outcome.text.startswith("I could not do that:") and "priority" in outcome.text
    assert len(model.turns) == 1, "the loop stopped instead of spending every step"


async def test_errors_point_at_the_fix(ctx: ToolContext) -> None:
    model = ScriptedModel(
        tool_turn(("search", {"entity": "Tickets", "filters": [{"field": "status", "value": "Open"}]})),
        tool_turn(("get", {"ticket": 99999999})),
        text_turn("Sorry."),
    )  # fmt: skip
    await Planner(model).run(ctx, _ask("open tickets and ticket 99999999"))
    assert "use the filter field 'open' with value true" in _said(model, 1)
    missing = _said(model, 2)
    assert "No ticket 99999999" in missing and "use ticket (T20241122.0004)" in missing


async def test_identical_plans_in_a_turn_are_merged(ctx: ToolContext, sandbox: Sandbox) -> None:
    plan = ("plan_change", {"action": "create", "entity": "Tickets",
                            "fields": {"company": "Contoso", "title": "Printer outage"}})  # fmt: skip
    model = ScriptedModel(tool_turn(plan, plan), tool_turn(plan), text_turn("Ready to confirm."))
    outcome = await Planner(model).run(ctx, _ask("open a ticket for Contoso: printer outage"))
    plans = [r for _, r in outcome.results if isinstance(r, ChangePlan)]
    assert len(plans) == 1 and outcome.merged_plans == 2
    assert "already prepared" in _said(model, 1)


async def test_a_plan_naming_an_invented_ticket_is_refused(
    ctx: ToolContext, sandbox: Sandbox
) -> None:
    invented = ("plan_change", {"action": "create", "entity": "TimeEntries", "ticket": "T20261201.0008",
                                "fields": {"duration": "1h", "summaryNotes": "export"}})  # fmt: skip
    model = ScriptedModel(tool_turn(invented), text_turn("I could not find it."))
    outcome = await Planner(model).run(ctx, _ask("export the open tickets"))
    assert outcome.results == [] and outcome.refused_plans == 1
    assert "T20261201.0008 appears in no message" in _said(model, 1)


async def test_a_plan_on_a_ticket_a_tool_returned_is_allowed(
    ctx: ToolContext, sandbox: Sandbox
) -> None:
    assert ctx.actor is not None
    mine = next(
        t for t in sandbox.records("Tickets")
        if t["status"] != 5 and t["assignedResourceID"] == ctx.actor.resource_id
    )  # fmt: skip
    search = ("search", {"entity": "Tickets", "sort": "id", "limit": 200,
                         "filters": [{"field": "assigned", "value": "me"}, {"field": "open", "value": True}]})  # fmt: skip
    plan = ("plan_change", {"action": "update", "entity": "Tickets", "ticket": mine["ticketNumber"],
                            "fields": {"status": "Complete"}})  # fmt: skip
    model = ScriptedModel(tool_turn(search), tool_turn(plan), text_turn("I have closed it."))
    outcome = await Planner(model).run(ctx, _ask("close my oldest open ticket"))
    (plan_result,) = [r for _, r in outcome.results if isinstance(r, ChangePlan)]
    assert plan_result.record_id == mine["id"]
    assert outcome.text == READY_TEXT and outcome.corrected_claim, "a pending plan is no change"


async def test_a_note_for_a_ticket_is_a_new_note_on_it(ctx: ToolContext, sandbox: Sandbox) -> None:
    ticket = _open_ticket(sandbox)
    note = ("plan_change", {"action": "update", "entity": "TicketNotes", "ticket": ticket["ticketNumber"],
                            "fields": {"description": "Called the customer, no answer"}})  # fmt: skip
    model = ScriptedModel(tool_turn(note), text_turn("Ready for your approval."))
    text = f"add a note to {ticket['ticketNumber']}: called the customer, no answer"
    outcome = await Planner(model).run(ctx, _ask(text))
    ((_, plan),) = outcome.results
    assert isinstance(plan, ChangePlan) and plan.action == "create"
    assert plan.entity == "TicketNotes" and plan.payload["ticketID"] == ticket["id"]


async def test_get_takes_one_ticket_argument(ctx: ToolContext, sandbox: Sandbox) -> None:
    ticket = _open_ticket(sandbox)
    model = ScriptedModel(
        tool_turn(("get", {"ticket": ticket["ticketNumber"]})),
        tool_turn(("get", {"ticket": str(ticket["id"]), "entity": "TicketNotes"})),
        text_turn("Here it is."),
    )
    outcome = await Planner(model).run(ctx, _ask(f"show {ticket['ticketNumber']} and its notes"))
    first, second = (r for _, r in outcome.results)
    assert isinstance(first, GetResult) and first.id == ticket["id"]
    assert isinstance(second, GetResult) and "notes" in second.related


async def test_a_claimed_change_without_a_plan_is_corrected(ctx: ToolContext) -> None:
    model = ScriptedModel(
        tool_turn(("who_am_i", {})),
        text_turn("The ticket T20261201.0008 has been set to Complete."),
    )
    outcome = await Planner(model).run(ctx, _ask("close T20261201.0008"))
    assert outcome.text == "I have not changed anything." and outcome.corrected_claim


async def test_a_data_question_answered_from_nothing_is_asked_again(
    ctx: ToolContext, sandbox: Sandbox
) -> None:
    model = ScriptedModel(
        text_turn("There are 12 open tickets."),
        tool_turn(("search", COUNT)),
        text_turn("Counted."),
    )
    outcome = await Planner(model).run(ctx, _ask("how many open tickets are there?"))
    assert outcome.reasked and "call a tool first" in _said(model, 1)
    assert isinstance(outcome.results[0][1], SearchResult) and outcome.text == "Counted."
    chat = ScriptedModel(text_turn("You're welcome!"))
    outcome = await Planner(chat).run(ctx, _ask("thanks a lot"))
    assert not outcome.reasked and outcome.text == "You're welcome!"


class _SlowModel:
    def __init__(self, first: ModelTurn) -> None:
        self.first: ModelTurn | None = first

    async def complete(
        self, messages: list[dict[str, Any]], tools: list[dict[str, Any]]
    ) -> ModelTurn:
        if self.first is not None:
            turn, self.first = self.first, None
            return turn  # type: ignore[return-value]
        await asyncio.sleep(5)
        return ModelTurn(content="too late")


async def test_a_turn_ends_at_its_deadline(ctx: ToolContext) -> None:
    slow = _SlowModel(ModelTurn(content="…"))
    slow.first = None  # slow from the first call
    with pytest.raises(ModelError, match=r"did not finish within 0\.5 s"):
        await Planner(slow, turn_seconds=0.5).run(ctx, _ask("hello"))
    found_first = _SlowModel(tool_turn(("search", COUNT)))  # type: ignore[arg-type]
    outcome = await Planner(found_first, turn_seconds=0.5).run(ctx, _ask("how many open?"))
    assert outcome.gave_up and len(outcome.results) == 1 and "so far" in outcome.text


async def test_big_results_stay_valid_json_within_budget(ctx: ToolContext) -> None:
    model = ScriptedModel(tool_turn(("list_entities", {})), text_turn("Many."))
    outcome = await Planner(model, result_tokens=300).run(ctx, _ask("what can you see"))
    assert isinstance(outcome.results[0][1], ListEntitiesResult)
    sent = _said(model, 1)
    assert estimate_tokens(sent) <= 300 and "trimmed" in json.loads(sent)
    assert json.loads(trim_result(outcome.results[0][1], 20)) == {
        "trimmed": "Some items are left out here to fit; the technician sees them all on the card."
    }


async def test_the_transcript_is_fitted_to_the_context(ctx: ToolContext) -> None:
    search = ("search", {"entity": "Tickets", "limit": 100})
    companies = ("search", {"entity": "Companies", "limit": 100})
    model = ScriptedModel(tool_turn(search), tool_turn(companies), text_turn("Done."))
    budget = 4000
    await Planner(model, context_tokens=budget, result_tokens=1800).run(ctx, _ask("everything"))
    last = model.calls[2][0]
    size = estimate_tokens(json.dumps(tool_specs())) + sum(
        estimate_tokens(json.dumps(m)) for m in last
    )
    assert size <= budget and "removed to fit" in str(last[2]["content"]) + str(last[3]["content"])


def test_the_first_call_is_small_with_the_static_text_first() -> None:
    system = load_prompt("system")
    tools = json.dumps(tool_specs())
    assert (len(system) + len(tools)) / 4 < 1_500, "prompt and schemas stay compact"
    assert system.index("{today}") > len(system) * 0.8, "per-turn facts come last"
    assert "resource_id" not in system and "Autotask resource" not in system
    assert all(
        '"title":' not in json.dumps(t) and "anyOf" not in json.dumps(t) for t in tool_specs()
    )


async def test_usage_counts_every_step(ctx: ToolContext) -> None:
    model = ScriptedModel(
        ModelTurn(
            content='{"name": "who_am_i", "arguments": {}}',
            usage=Usage(prompt_tokens=1000, completion_tokens=10),
        ),
        text_turn("You."),
    )
    outcome = await Planner(model).run(ctx, _ask("who am i?"))
    assert outcome.usage.prompt_tokens == 1120 and outcome.steps == 2


async def test_tool_markup_in_other_shapes_is_never_shown(ctx: ToolContext) -> None:
    xml = "<tools>\n  <function>\n    <name>search</name>\n    <arguments><entity>Tickets"
    model = ScriptedModel(tool_turn(("search", COUNT)), ModelTurn(content="<tools>\n\n</tools>"))
    outcome = await Planner(model).run(ctx, _ask("how many open tickets?"))
    assert outcome.text == "" and len(outcome.results) == 1, "the results speak for themselves"
    again = ScriptedModel(tool_turn(("search", COUNT)), ModelTurn(content="Found.\n" + xml))
    assert (await Planner(again).run(ctx, _ask("how many open tickets?"))).text == "Found."


async def test_a_short_follow_up_of_a_lookup_is_asked_again(ctx: ToolContext) -> None:
    history = [
        {"role": "user", "content": "How many open tickets does Contoso have?"},
        {"role": "assistant", "content": "[tools used this turn]\n- search Tickets → 12 (count)\n[answer]\n12."},
    ]  # fmt: skip
    model = ScriptedModel(
        text_turn("15 open tickets in Fabrikam."),
        tool_turn(("search", COUNT)),
        text_turn("Counted."),
    )
    messages = [SYSTEM, *history, {"role": "user", "content": "And Fabrikam?"}]
    outcome = await Planner(model).run(ctx, messages)
    assert outcome.reasked and len(outcome.results) == 1
