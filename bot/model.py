"""The narrow port to a language model: one ``complete(messages, tools)`` call per step.

Messages and tool specs use the widespread chat-completions shapes (role/content/tool_calls);
an adapter turns them into a particular SDK's calls.
"""

from __future__ import annotations

from typing import Any, Protocol

from pydantic import BaseModel, Field

__all__ = ["ChatModel", "ModelError", "ModelToolCall", "ModelTurn", "Usage"]


class Usage(BaseModel):
    prompt_tokens: int = 0
    completion_tokens: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            prompt_tokens=self.prompt_tokens + other.prompt_tokens,
            completion_tokens=self.completion_tokens + other.completion_tokens,
        )


class ModelToolCall(BaseModel):
    id: str
    name: str
    arguments: str = Field(description="The raw JSON text the model produced.")


class ModelTurn(BaseModel):
    content: str | None = None
    tool_calls: list[ModelToolCall] = Field(default_factory=list)
    usage: Usage = Field(default_factory=Usage)


class ModelError(Exception):
    """The model could not answer (timeout, refused key, server error); the message is for users."""


class ChatModel(Protocol):
    async def complete(
        self, messages: list[dict[str, Any]], tools: list[dict[str, Any]]
    ) -> ModelTurn: ...
