"""The language model misbehaving: errors, timeouts, malformed tool calls, tools that do not exist,
an endless tool loop, no answer at all. The technician always gets a clear message, and nothing is
written to Autotask (the model never holds apply_change). Planner-level details are in
tests/bot/test_planner.py; these run whole turns through the engine, and through the real
OpenAI-compatible adapter against a local fake model server.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from aiohttp import web
from engine_support import RecordingSurface, say, technician_email
from fault_support import (  # noqa: F401  (fixtures)
    assert_no_leak,
    db_fixture,
    engine_fixture,
    open_ticket,
    plan_statuses,
    reply_text,
    surface_fixture,
    writes,
)
from pydantic import SecretStr
from support import ScriptedModel, text_turn, tool_turn

from adapters.openai_model import OpenAIChatModel
from autotask.sandbox import Sandbox
from bot.engine import Engine
from bot.model import ModelError, ModelToolCall, ModelTurn
from bot.settings import LlmSettings
from bot.storage import Database

QUESTION = "what's going on with the printers at fabrikam?"  # not a command: no fallback


def _plan(box: Sandbox) -> tuple[str, dict[str, Any]]:
    ticket = open_ticket(box)
    args = {
        "action": "update",
        "entity": "Tickets",
        "id": ticket["id"],
        "fields": {"priority": "Low"},
    }
    return "plan_change", args


def _broken(*calls: tuple[str, str]) -> ModelTurn:
    """A model turn with tool calls whose raw arguments are given as text."""
    return ModelTurn(tool_calls=[ModelToolCall(id=f"b{n}", name=name, arguments=raw)
                                 for n, (name, raw) in enumerate(calls)])  # fmt: skip


async def _nothing_written(box: Sandbox, db: Database) -> None:
    assert writes(box) == []
    assert all(status == "pending" for status in await plan_statuses(db))


@pytest.mark.parametrize(
    "failure",
    [
        ModelError("The language model did not answer in time."),
        ModelError("The language model service is rate-limiting the bot."),
        ModelError("The language model service failed (HTTP 500)."),
    ],
    ids=["timeout", "rate-limited", "server-error"],
)
async def test_a_model_that_fails_gets_its_reason_said_and_commands_offered(
    failure: ModelError,
    make_engine: Callable[..., Engine],
    surface: RecordingSurface,
    sandbox: Sandbox,
    db: Database,
) -> None:
    sandbox.clear_requests()
    await make_engine(ScriptedModel(failure)).handle(
        say(QUESTION, technician_email(sandbox)), surface
    )
    text = surface.last.text or ""
    assert text.startswith(str(failure)) and "type **help**" in text
    await _nothing_written(sandbox, db)
    assert await plan_statuses(db) == []


async def test_a_model_failing_mid_loop_leaves_no_plan_behind(
    make_engine: Callable[..., Engine], surface: RecordingSurface, sandbox: Sandbox, db: Database
) -> None:
    model = ScriptedModel(
        tool_turn(_plan(sandbox)), ModelError("The language model did not answer in time.")
    )
    sandbox.clear_requests()
    await make_engine(model).handle(say(QUESTION, technician_email(sandbox)), surface)
    assert "did not answer in time" in (surface.last.text or "")
    assert surface.last.cards == () and await plan_statuses(db) == [], "no card, no plan to click"
    await _nothing_written(sandbox, db)


@pytest.mark.parametrize(
    "failure",
    [RuntimeError("socket exploded"), TimeoutError(), KeyError("choices")],
    ids=["runtime-error", "bare-timeout", "key-error"],
)
async def test_an_unexpected_model_failure_is_a_reference_not_a_trace(
    failure: Exception,
    make_engine: Callable[..., Engine],
    surface: RecordingSurface,
    sandbox: Sandbox,
    db: Database,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.ERROR)
    await make_engine(ScriptedModel(failure)).handle(
        say(QUESTION, technician_email(sandbox)), surface
    )
    (card,) = surface.last.cards
    assert card.kind == "error" and "Nothing was changed" in reply_text(surface.last)
    reference = re.search(r"[0-9a-f]{8}", card.model_dump_json())
    assert reference and f"reference {reference.group(0)}" in caplog.text, "logs carry the id"
    assert "socket exploded" not in reply_text(surface.last)
    assert_no_leak(surface)
    await _nothing_written(sandbox, db)


async def test_malformed_and_invented_tool_calls_are_explained_to_the_model(
    make_engine: Callable[..., Engine], surface: RecordingSurface, sandbox: Sandbox, db: Database
) -> None:
    entry = sandbox.records("TimeEntries")[0]
    model = ScriptedModel(
        _broken(
            ("search", "{not json"),
            ("search", '["Tickets"]'),
            ("search", '{"entity": "Tickets", "mode": "delete-everything"}'),
            ("http_request", '{"url": "https://evil.example"}'),
            ("apply_change", '{"plan": {"action": "delete", "entity": "TimeEntries"}}'),
            ("", "{}"),
        ),
        tool_turn(
            (
                "plan_change",
                {"action": "delete", "entity": "TimeEntries", "id": entry["id"], "bogus": True},
            )
        ),
        text_turn("Sorry, I could not do that."),
    )
    sandbox.clear_requests()
    asked = f"{QUESTION} See time entry {entry['id']}."  # the id the plan names is grounded
    await make_engine(model).handle(say(asked, technician_email(sandbox)), surface)
    assert surface.last.text == "Sorry, I could not do that."
    told = [str(m["content"]) for m in model.calls[1][0] if m["role"] == "tool"]
    assert len(told) == 6 and all(t.startswith("Error:") for t in told), told
    assert "not valid JSON" in told[0] and "JSON object" in told[1]
    assert "Invalid arguments for search" in told[2]
    assert "no tool 'http_request'" in told[3] and "no tool 'apply_change'" in told[4]
    assert "no tool ''" in told[5]
    assert str(model.calls[2][0][-1]["content"]).startswith("Error: Invalid arguments")
    assert surface.last.cards == ()
    await _nothing_written(sandbox, db)
    assert await plan_statuses(db) == []


async def test_an_endless_tool_loop_stops_with_a_clear_message(
    make_engine: Callable[..., Engine], surface: RecordingSurface, sandbox: Sandbox, db: Database
) -> None:
    steps = 4
    loop = [tool_turn(("search", {"entity": "Tickets", "mode": "count"}), _plan(sandbox))
            for _ in range(steps)]  # fmt: skip
    model = ScriptedModel(*loop, text_turn("never reached"))
    sandbox.clear_requests()
    engine = make_engine(model)
    assert engine.planner is not None
    engine.planner.max_steps = steps  # the setting is ATBOT_LLM__MAX_STEPS (default 8)
    asked = f"{QUESTION} Ticket {open_ticket(sandbox)['id']}."
    await engine.handle(say(asked, technician_email(sandbox)), surface)
    assert len(model.calls) == steps, "the loop is cut at the step limit"
    assert f"could not finish that in {steps} steps" in (surface.last.text or "")
    changes = [c for c in surface.last.cards if c.kind == "change"]
    assert len(changes) == 1 and changes[0].status == "pending", "the same plan is made once"
    await _nothing_written(sandbox, db)


async def test_a_model_that_says_nothing_still_gets_an_answer(
    make_engine: Callable[..., Engine], surface: RecordingSurface, sandbox: Sandbox
) -> None:
    model = ScriptedModel(ModelTurn(content=None), ModelTurn(content="   "))
    engine = make_engine(model)
    for _ in range(2):
        await engine.handle(say(QUESTION, technician_email(sandbox)), surface)
        said = reply_text(surface.last).strip()
        assert said and "rephras" in said, surface.last
    assert len(model.calls) == 2


# -- through the real adapter, against a local fake model server -------------------------------


class FakeModelServer:
    """A chat-completions endpoint that answers from a queue: (status, body), or "hang"."""

    def __init__(self) -> None:
        self.answers: list[tuple[int, Any] | str] = []
        self.calls = 0

    async def completions(self, request: web.Request) -> web.StreamResponse:
        self.calls += 1
        answer = self.answers.pop(0) if self.answers else "hang"
        if answer == "hang":
            await asyncio.sleep(2)
            return web.json_response({}, status=504)
        assert not isinstance(answer, str)
        status, body = answer
        return web.json_response(body, status=status)


def _completion(message: dict[str, Any]) -> dict[str, Any]:
    return {"id": "c", "object": "chat.completion", "created": 1, "model": "m",
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", **message}}],
            "usage": {"prompt_tokens": 10, "completion_tokens": 2, "total_tokens": 12}}  # fmt: skip


@pytest.fixture
async def model_server() -> AsyncIterator[tuple[FakeModelServer, OpenAIChatModel]]:
    server = FakeModelServer()
    app = web.Application()
    app.router.add_post("/v1/chat/completions", server.completions)
    runner = web.AppRunner(app, shutdown_timeout=0.1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    model = OpenAIChatModel(LlmSettings(base_url=f"http://127.0.0.1:{port}/v1", api_key=SecretStr("sk-test"),
                                        model="m", max_retries=0, timeout_seconds=0.3))  # fmt: skip
    yield server, model
    await model.aclose()
    await runner.cleanup()


@pytest.mark.parametrize(
    ("answer", "says"),
    [
        ("hang", "did not answer in time"),
        ((500, {"error": {"message": "boom"}}), "failed (HTTP 500: boom)"),
        ((429, {"error": {"message": "slow"}}), "rate-limiting"),
        ((401, {"error": {"message": "bad key"}}), "rejected the bot's API key"),
        (
            (
                200,
                {"id": "c", "object": "chat.completion", "created": 1, "model": "m", "choices": []},
            ),
            "returned no answer",
        ),
    ],
    ids=["timeout", "500", "429", "401", "no-choices"],
)
async def test_the_real_adapter_turns_model_trouble_into_a_clear_message(
    answer: tuple[int, Any] | str,
    says: str,
    model_server: tuple[FakeModelServer, OpenAIChatModel],
    make_engine: Callable[..., Engine],
    surface: RecordingSurface,
    sandbox: Sandbox,
    db: Database,
) -> None:
    server, model = model_server
    server.answers.append(answer)
    sandbox.clear_requests()
    await make_engine(model).handle(say(QUESTION, technician_email(sandbox)), surface)
    text = surface.last.text or ""
    assert says in text and "type **help**" in text, text
    assert server.calls == 1
    assert_no_leak(surface)
    await _nothing_written(sandbox, db)


async def test_the_real_adapter_with_a_broken_tool_call_then_an_answer(
    model_server: tuple[FakeModelServer, OpenAIChatModel],
    make_engine: Callable[..., Engine],
    surface: RecordingSurface,
    sandbox: Sandbox,
    db: Database,
) -> None:
    server, model = model_server
    calls = [{"id": "t1", "type": "function", "function": {"name": "search", "arguments": "{oops"}},
             {"id": "t2", "type": "function", "function": {"name": "delete_all", "arguments": "{}"}}]  # fmt: skip
    server.answers += [(200, _completion({"content": None, "tool_calls": calls})),
                       (200, _completion({"content": "I could not search just now."}))]  # fmt: skip
    sandbox.clear_requests()
    await make_engine(model).handle(say(QUESTION, technician_email(sandbox)), surface)
    assert surface.last.text == "I could not search just now."
    assert server.calls == 2
    await _nothing_written(sandbox, db)
