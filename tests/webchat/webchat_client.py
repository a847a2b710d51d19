"""A small client for the web chat's JSON API and event stream, as the page uses them."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx

Message = dict[str, Any]


class WebChatClient:
    def __init__(self, http: httpx.AsyncClient, base: str) -> None:
        self.http = http
        self.base = base
        self.token: str | None = None
        self.session: dict[str, Any] = {}

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    @property
    def own(self) -> str:
        return str(self.session["conversations"][0]["id"])

    async def technicians(self) -> dict[str, Any]:
        answer = await self.http.get(f"{self.base}/webchat/api/technicians")
        answer.raise_for_status()
        return dict(answer.json())

    async def open(self, email: str) -> dict[str, Any]:
        answer = await self.http.post(f"{self.base}/webchat/api/session", json={"email": email})
        assert answer.status_code == 200, answer.text
        self.session = dict(answer.json())
        self.token = self.session["token"]
        return self.session

    async def say(
        self, text: str, conversation: str | None = None, *, timezone: str | None = None
    ) -> str:
        answer = await self.http.post(
            f"{self.base}/webchat/api/messages",
            json={"conversation": conversation or self.own, "text": text, "timezone": timezone},
            headers=self.headers,
        )
        assert answer.status_code == 202, answer.text
        return str(answer.json()["id"])

    async def click(
        self, message: Message, action: str, plan_id: str, conversation: str | None = None
    ) -> httpx.Response:
        return await self.http.post(
            f"{self.base}/webchat/api/click",
            json={
                "conversation": conversation or message["conversation"],
                "message_id": message["id"],
                "action": action,
                "plan_id": plan_id,
            },
            headers=self.headers,
        )

    async def history(self, conversation: str | None = None) -> list[Message]:
        answer = await self.http.get(
            f"{self.base}/webchat/api/history",
            params={"conversation": conversation or self.own},
            headers=self.headers,
        )
        assert answer.status_code == 200, answer.text
        return list(answer.json()["messages"])

    async def wait_for(
        self, found: Callable[[list[Message]], Message | None], conversation: str | None = None
    ) -> Message:
        """Poll the transcript until ``found`` picks a message (a generous safety deadline)."""
        for _ in range(300):
            hit = found(await self.history(conversation))
            if hit is not None:
                return hit
            await asyncio.sleep(0.05)
        raise AssertionError(f"not found in {await self.history(conversation)}")


def bot_after(message_id: str, marker: str) -> Callable[[list[Message]], Message | None]:
    """The first bot message after ``message_id`` whose HTML contains ``marker``."""

    def find(messages: list[Message]) -> Message | None:
        ids = [m["id"] for m in messages]
        later = messages[ids.index(message_id) + 1 :] if message_id in ids else []
        return next((m for m in later if m["author"] == "bot" and marker in m["html"]), None)

    return find


@contextlib.asynccontextmanager
async def event_stream(
    http: httpx.AsyncClient, base: str, token: str
) -> AsyncIterator[list[dict[str, Any]]]:
    """Collect the stream's events into a list while the block runs."""
    events: list[dict[str, Any]] = []
    opened = asyncio.Event()

    async def read() -> None:
        async with http.stream(
            "GET", f"{base}/webchat/api/events", params={"token": token}, timeout=None
        ) as response:
            async for line in response.aiter_lines():
                if line.startswith("data: "):
                    events.append(json.loads(line[6:]))
                    opened.set()

    task = asyncio.create_task(read())
    await asyncio.wait_for(opened.wait(), timeout=10)
    try:
        yield events
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, httpx.HTTPError):
            await task
