"""The web chat's ChatSurface: transcripts per conversation and live listeners (the browsers).

Each browser tab holds one listener: a queue of events for the conversations its technician may
see (their own conversation with the bot, and the shared demo channel). Posting renders the reply
to HTML once and hands the same event to every listener of that conversation; an update replaces
a message in place; a whisper reaches only the listeners of one user.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bot.messages import Conversation, FileAttachment, MessageRef, Reply

from ._render import render_plain, render_reply

__all__ = ["DEMO_CHANNEL", "PLATFORM", "Listener", "WebChatSurface"]

logger = logging.getLogger(__name__)

PLATFORM = "webchat"
DEMO_CHANNEL = "demo"
QUEUE_SIZE = 256


@dataclass(eq=False)
class Listener:
    """One open event stream: whose it is, what it may see, and its queue of events."""

    user_id: str
    conversations: frozenset[str]
    queue: asyncio.Queue[dict[str, Any] | None] = field(
        default_factory=lambda: asyncio.Queue(QUEUE_SIZE)
    )
    closed: bool = False

    def offer(self, event: dict[str, Any]) -> bool:
        """Queue the event; False when this listener is too far behind (it is then closed)."""
        try:
            self.queue.put_nowait(event)
        except asyncio.QueueFull:
            self.close()
            return False
        return True

    def close(self) -> None:
        """The stream ends once the events already queued are sent."""
        self.closed = True
        if not self.queue.full():
            self.queue.put_nowait(None)  # wakes a reader waiting on an empty queue


class WebChatSurface:
    """Where the engine posts for the web chat; what the browsers read from."""

    platform = PLATFORM

    def __init__(
        self,
        *,
        file_link: Callable[[FileAttachment], str | None],
        history: int = 200,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._file_link = file_link
        self._history = history
        self._clock = clock
        self._ids = itertools.count(1)
        self._transcripts: dict[str, deque[dict[str, Any]]] = {}
        self._listeners: set[Listener] = set()

    # -- the ChatSurface port -------------------------------------------------------------

    async def post(self, conversation: Conversation, reply: Reply) -> MessageRef:
        html = render_reply(reply, file_link=self._file_link)
        entry = self._append(conversation.conversation_id, author="bot", name="atbot", html=html)
        return MessageRef(conversation=conversation, message_id=entry["id"])

    async def update(self, message: MessageRef, reply: Reply) -> None:
        conversation_id = message.conversation.conversation_id
        entry = next(
            (
                m
                for m in self._transcripts.get(conversation_id, ())
                if m["id"] == message.message_id
            ),
            None,
        )
        if entry is None:
            logger.info("web chat: message %s is no longer shown; not updated", message.message_id)
            return
        entry["html"] = render_reply(reply, file_link=self._file_link)
        entry["edited"] = self._clock().isoformat()
        self._send(conversation_id, {"type": "update", "message": dict(entry)})

    async def typing(self, conversation: Conversation) -> None:
        self._send(
            conversation.conversation_id,
            {"type": "typing", "conversation": conversation.conversation_id},
        )

    async def whisper(self, conversation: Conversation, user_id: str, text: str) -> None:
        event = {"type": "notice", "conversation": conversation.conversation_id, "text": text}
        self._send(conversation.conversation_id, event, only=user_id)

    # -- what the web part uses ----------------------------------------------------------

    def add_user_message(self, conversation_id: str, *, name: str, text: str) -> dict[str, Any]:
        """Show what a technician wrote to everyone in the conversation."""
        return self._append(conversation_id, author="user", name=name, html=render_plain(text))

    def history(self, conversation_id: str) -> list[dict[str, Any]]:
        return [dict(entry) for entry in self._transcripts.get(conversation_id, ())]

    @contextmanager
    def listen(self, user_id: str, conversations: frozenset[str]) -> Iterator[Listener]:
        listener = Listener(user_id=user_id, conversations=conversations)
        self._listeners.add(listener)
        try:
            yield listener
        finally:
            self._listeners.discard(listener)

    def close_listeners(self) -> None:
        """End every open stream (the server is stopping)."""
        for listener in list(self._listeners):
            listener.close()
        self._listeners.clear()

    @property
    def listener_count(self) -> int:
        return len(self._listeners)

    # -- internals -----------------------------------------------------------------------

    def _append(self, conversation_id: str, *, author: str, name: str, html: str) -> dict[str, Any]:
        entry = {
            "id": f"w{next(self._ids)}",
            "conversation": conversation_id,
            "author": author,
            "name": name,
            "html": html,
            "at": self._clock().isoformat(),
        }
        transcript = self._transcripts.setdefault(conversation_id, deque(maxlen=self._history))
        transcript.append(entry)
        self._send(conversation_id, {"type": "message", "message": dict(entry)})
        return entry

    def _send(
        self, conversation_id: str, event: dict[str, Any], *, only: str | None = None
    ) -> None:
        for listener in list(self._listeners):
            if conversation_id not in listener.conversations:
                continue
            if only is not None and listener.user_id != only:
                continue
            if not listener.offer(event):
                logger.warning("web chat: a browser fell behind; closing its stream")
                self._listeners.discard(listener)
