"""The OpenAI-compatible model client against a local fake chat-completions server."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from aiohttp import web
from pydantic import SecretStr

from adapters.openai_model import OpenAIChatModel, RemoteModelBlocked
from bot.model import ModelError
from bot.planner import tool_specs
from bot.settings import LlmSettings


class FakeOpenAI:
    """Answers /v1/chat/completions from a queue and records each request body."""

    def __init__(self) -> None:
        self.answers: list[tuple[int, dict[str, Any]] | str] = []
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []

    async def completions(self, request: web.Request) -> web.StreamResponse:
        self.requests.append(await request.json())
        self.headers.append(dict(request.headers))
        answer = self.answers.pop(0)
        if answer == "hang":
            await asyncio.sleep(1.5)
        assert not isinstance(answer, str)
        status, body = answer
        return web.json_response(body, status=status)


def _completion(message: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1,
        "model": "test-model",
        "choices": [
            {"index": 0, "message": {"role": "assistant", **message}, "finish_reason": "stop"}
        ],
        "usage": {"prompt_tokens": 321, "completion_tokens": 12, "total_tokens": 333},
    }


@pytest.fixture
async def fake() -> AsyncIterator[tuple[FakeOpenAI, str]]:
    server = FakeOpenAI()
    app = web.Application()
    app.router.add_post("/v1/chat/completions", server.completions)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield server, f"http://127.0.0.1:{port}/v1"
    await runner.cleanup()


@asynccontextmanager
async def _model(base_url: str, **extra: Any) -> AsyncIterator[OpenAIChatModel]:
    model = OpenAIChatModel(_settings(base_url, **extra))
    try:
        yield model
    finally:
        await model.aclose()


def _settings(base_url: str, **extra: Any) -> LlmSettings:
    return LlmSettings(
        base_url=base_url, api_key=SecretStr("sk-test"), model="test-model", max_retries=0, **extra
    )


async def test_tool_calls_round_trip(fake: tuple[FakeOpenAI, str]) -> None:
    server, url = fake
    call = {
        "id": "call_1",
        "type": "function",
        "function": {"name": "search", "arguments": '{"entity": "Tickets", "mode": "count"}'},
    }
    server.answers.append((200, _completion({"content": None, "tool_calls": [call]})))
    async with _model(url) as model:
        turn = await model.complete(
            [{"role": "user", "content": "how many tickets?"}], tool_specs()
        )
    assert [(c.id, c.name) for c in turn.tool_calls] == [("call_1", "search")]
    assert json.loads(turn.tool_calls[0].arguments) == {"entity": "Tickets", "mode": "count"}
    assert turn.usage.prompt_tokens == 321
    sent = server.requests[0]
    assert sent["model"] == "test-model" and sent["messages"][0]["content"] == "how many tickets?"
    assert {t["function"]["name"] for t in sent["tools"]} == {
        "list_entities",
        "describe",
        "search",
        "get",
        "who_am_i",
        "plan_change",
    }
    assert server.headers[0]["Authorization"] == "Bearer sk-test"


async def test_plain_answer(fake: tuple[FakeOpenAI, str]) -> None:
    server, url = fake
    server.answers.append((200, _completion({"content": "Hello!"})))
    async with _model(url) as model:
        turn = await model.complete([{"role": "user", "content": "hi"}], [])
    assert turn.content == "Hello!" and turn.tool_calls == []


async def test_server_error_is_a_model_error(fake: tuple[FakeOpenAI, str]) -> None:
    server, url = fake
    server.answers.append((500, {"error": {"message": "boom", "type": "server_error"}}))
    async with _model(url) as model:
        with pytest.raises(ModelError, match="HTTP 500"):
            await model.complete([{"role": "user", "content": "hi"}], [])


async def test_bad_key_is_a_model_error(fake: tuple[FakeOpenAI, str]) -> None:
    server, url = fake
    server.answers.append((401, {"error": {"message": "bad key", "type": "invalid_request_error"}}))
    async with _model(url) as model:
        with pytest.raises(ModelError, match="rejected the bot's API key"):
            await model.complete([{"role": "user", "content": "hi"}], [])


async def test_timeout_is_a_model_error(fake: tuple[FakeOpenAI, str]) -> None:
    server, url = fake
    server.answers.append("hang")
    async with _model(url, timeout_seconds=0.3) as model:
        with pytest.raises(ModelError, match="in time"):
            await model.complete([{"role": "user", "content": "hi"}], [])


def test_remote_models_are_blocked_in_tests() -> None:
    with pytest.raises(RemoteModelBlocked):
        OpenAIChatModel(LlmSettings(api_key=SecretStr("sk-real")))


async def test_the_server_reason_is_kept_and_max_tokens_sent(fake: tuple[FakeOpenAI, str]) -> None:
    server, url = fake
    overflow = "the request exceeds the available context size, try increasing it"
    server.answers.append((400, {"error": {"message": overflow, "type": "exceed_context"}}))
    async with _model(url, max_tokens=300) as model:
        with pytest.raises(ModelError) as raised:
            await model.complete([{"role": "user", "content": "hi"}], [])
    assert "HTTP 400" in str(raised.value) and "exceeds the available context" in str(raised.value)
    assert server.requests[0]["max_tokens"] == 300


async def test_a_local_server_is_never_asked_twice(fake: tuple[FakeOpenAI, str]) -> None:
    server, url = fake
    server.answers.extend([(500, {"error": {"message": "busy"}})] * 3)
    model = OpenAIChatModel(
        LlmSettings(base_url=url, api_key=SecretStr("k"), model="m", max_retries=2)
    )
    try:
        with pytest.raises(ModelError, match="busy"):
            await model.complete([{"role": "user", "content": "hi"}], [])
    finally:
        await model.aclose()
    assert len(server.requests) == 1, "a loopback server that failed is not retried"
