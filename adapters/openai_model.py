"""The ChatModel port on the ``openai`` package: OpenAI, Azure OpenAI, or any compatible server."""

from __future__ import annotations

import logging
import os
import time
from typing import Any

import httpx
import openai

from bot.model import ModelError, ModelToolCall, ModelTurn, Usage
from bot.settings import LlmSettings

__all__ = ["OpenAIChatModel", "RemoteModelBlocked", "is_local"]

logger = logging.getLogger(__name__)

BLOCK_ENV = "ATBOT_BLOCK_REMOTE_MODEL"  # set by the test suite: only loopback model servers
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


class RemoteModelBlocked(RuntimeError):
    """A test tried to reach a real model service."""


def _check_allowed(base_url: str | None) -> None:
    if os.environ.get(BLOCK_ENV) != "1":
        return
    host = httpx.URL(base_url or "https://api.openai.com/v1").host
    if host not in _LOOPBACK:
        raise RemoteModelBlocked(f"model requests to {host} are blocked in tests")


def is_local(base_url: str | None) -> bool:
    """A model server on this machine: one that timed out is busy, and a retry only queues
    behind the same work."""
    return base_url is not None and httpx.URL(base_url).host in _LOOPBACK


def _reason(exc: openai.APIStatusError) -> str:
    """The server's own words for a failure (context overflow, bad request), shortened."""
    body = exc.body
    message = body.get("message") if isinstance(body, dict) else None
    text = str(message or exc.message or "").strip()
    return text[:300] + ("…" if len(text) > 300 else "")


class OpenAIChatModel:
    def __init__(self, settings: LlmSettings) -> None:
        _check_allowed(settings.base_url)
        key = settings.api_key.get_secret_value() if settings.api_key else "not-needed"
        self.settings = settings
        retries = 0 if is_local(settings.base_url) else settings.max_retries
        if settings.api_version:
            self._client: openai.AsyncOpenAI = openai.AsyncAzureOpenAI(
                azure_endpoint=settings.base_url or "",
                api_key=key,
                api_version=settings.api_version,
                timeout=settings.timeout_seconds,
                max_retries=retries,
            )
        else:
            self._client = openai.AsyncOpenAI(
                base_url=settings.base_url,
                api_key=key,
                timeout=settings.timeout_seconds,
                max_retries=retries,
            )

    async def aclose(self) -> None:
        await self._client.close()

    async def complete(
        self, messages: list[dict[str, Any]], tools: list[dict[str, Any]]
    ) -> ModelTurn:
        started = time.perf_counter()
        options: dict[str, Any] = {}
        if self.settings.temperature is not None:
            options["temperature"] = self.settings.temperature
        if self.settings.max_tokens is not None:
            options["max_tokens"] = self.settings.max_tokens
        try:
            response = await self._client.chat.completions.create(
                model=self.settings.model,
                messages=messages,  # type: ignore[arg-type]
                tools=tools,  # type: ignore[arg-type]
                **options,
            )
        except openai.APITimeoutError as exc:
            raise ModelError("The language model did not answer in time.") from exc
        except openai.AuthenticationError as exc:
            raise ModelError("The language model service rejected the bot's API key.") from exc
        except openai.RateLimitError as exc:
            raise ModelError("The language model service is rate-limiting the bot.") from exc
        except openai.APIConnectionError as exc:
            raise ModelError("The language model service could not be reached.") from exc
        except openai.APIStatusError as exc:
            reason = _reason(exc)
            logger.warning("model server answered HTTP %s: %s", exc.status_code, reason)
            raise ModelError(
                f"The language model service failed (HTTP {exc.status_code}"
                + (f": {reason}" if reason else "")
                + ")."
            ) from exc
        turn = _turn(response)
        logger.info(
            "model %s -> %d tool calls, %d+%d tokens in %.0f ms",
            self.settings.model,
            len(turn.tool_calls),
            turn.usage.prompt_tokens,
            turn.usage.completion_tokens,
            (time.perf_counter() - started) * 1000,
        )
        return turn


def _turn(response: Any) -> ModelTurn:
    if not response.choices:
        raise ModelError("The language model returned no answer.")
    message = response.choices[0].message
    calls = [
        ModelToolCall(id=c.id, name=c.function.name, arguments=c.function.arguments or "{}")
        for c in message.tool_calls or []
        if getattr(c, "function", None) is not None
    ]
    usage = response.usage
    return ModelTurn(
        content=message.content,
        tool_calls=calls,
        usage=Usage(
            prompt_tokens=getattr(usage, "prompt_tokens", 0) or 0,
            completion_tokens=getattr(usage, "completion_tokens", 0) or 0,
        ),
    )
