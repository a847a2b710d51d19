"""Helpers for engine and adapter tests: a recording ChatSurface, messages, settings."""

from __future__ import annotations

import itertools
from typing import Any

from autotask.sandbox import Sandbox
from bot.messages import Conversation, IncomingMessage, MessageRef, Reply
from bot.settings import Settings

CHANNEL = Conversation(platform="test", conversation_id="C1", thread_id="T1")


class RecordingSurface:
    def __init__(self) -> None:
        self.posts: list[tuple[Conversation, Reply, MessageRef]] = []
        self.updates: list[tuple[MessageRef, Reply]] = []
        self.whispers: list[tuple[str, str]] = []
        self.typing_count = 0
        self._ids = itertools.count(1)

    async def post(self, conversation: Conversation, reply: Reply) -> MessageRef:
        ref = MessageRef(conversation=conversation, message_id=f"m{next(self._ids)}")
        self.posts.append((conversation, reply, ref))
        return ref

    async def update(self, message: MessageRef, reply: Reply) -> None:
        self.updates.append((message, reply))

    async def typing(self, conversation: Conversation) -> None:
        self.typing_count += 1

    async def whisper(self, conversation: Conversation, user_id: str, text: str) -> None:
        self.whispers.append((user_id, text))

    @property
    def last(self) -> Reply:
        return self.posts[-1][1]


def make_settings(**bot: Any) -> Settings:
    return Settings(timezone="America/New_York", bot=bot or {})  # type: ignore[arg-type]


def technician_email(box: Sandbox, index: int = 0) -> str:
    assigned = {t["assignedResourceID"] for t in box.records("Tickets") if t["status"] != 5}
    techs = [
        r
        for r in box.records("Resources")
        if r["isActive"] and r["userName"] != box.config.username and r["id"] in assigned
    ]
    return str(techs[index]["email"])


def say(
    text: str, email: str, *, user_id: str | None = None, conversation: Conversation = CHANNEL
) -> IncomingMessage:
    return IncomingMessage(
        conversation=conversation,
        user_id=user_id or f"U-{email}",
        email=email,
        display_name=email.split("@")[0],
        text=text,
    )
