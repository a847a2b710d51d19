"""Engine overhead per turn (scripted model, in-process sandbox) and turns per second."""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

from autotask import AutotaskClient
from autotask.sandbox import Sandbox, SandboxConfig
from autotask.tools import Tenant
from bot.engine import Engine
from bot.messages import Conversation, IncomingMessage, MessageRef, Reply
from bot.model import ModelToolCall, ModelTurn
from bot.settings import Settings
from bot.storage import Database

from ._report import Figure

TURNS = 200
CONCURRENT = 50
QUESTION = {"entity": "Tickets", "filters": [{"field": "open", "value": True},
            {"field": "priority", "value": "High"}, {"field": "company", "value": "Contoso"}]}  # fmt: skip


class ToolThenAnswer:
    """A stateless scripted model: a search on the user's turn, then a short answer."""

    def __init__(self) -> None:
        self.seconds = 0.0

    async def complete(
        self, messages: list[dict[str, Any]], tools: list[dict[str, Any]]
    ) -> ModelTurn:
        started = time.perf_counter()
        if messages[-1]["role"] == "tool":
            turn = ModelTurn(content="Here are Contoso's open high-priority tickets.")
        else:
            turn = ModelTurn(
                tool_calls=[ModelToolCall(id="c1", name="search", arguments=json.dumps(QUESTION))]
            )
        self.seconds += time.perf_counter() - started
        return turn


class NullSurface:
    async def post(self, conversation: Conversation, reply: Reply) -> MessageRef:
        return MessageRef(conversation=conversation, message_id="m")

    async def update(self, message: MessageRef, reply: Reply) -> None:
        return None

    async def typing(self, conversation: Conversation) -> None:
        return None

    async def whisper(self, conversation: Conversation, user_id: str, text: str) -> None:
        return None


def _message(n: int, email: str) -> IncomingMessage:
    return IncomingMessage(conversation=Conversation(platform="bench", conversation_id=f"C{n}"),
                           user_id="U1", email=email, text="open high priority tickets for contoso")  # fmt: skip


async def run() -> list[Figure]:
    config = SandboxConfig(tickets=1500)
    with TemporaryDirectory() as folder:
        db = await Database.open(f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}")
        await db.migrate()
        async with Sandbox(config) as box, AutotaskClient(config.credentials(), zone_url=box.api_url) as client:  # fmt: skip
            model = ToolThenAnswer()
            settings = Settings(bot={"rate_limit_per_minute": 100_000})  # type: ignore[arg-type]
            engine = Engine(tenant=Tenant(client=client), db=db, settings=settings, model=model)
            email = next(
                r["email"]
                for r in box.records("Resources")
                if r["isActive"] and r["licenseType"] != 7
            )
            surface = NullSurface()
            await engine.handle(_message(0, email), surface)  # warm caches
            overheads = []
            for n in range(TURNS):
                before_at, before_model = client.request_seconds, model.seconds
                started = time.perf_counter()
                await engine.handle(_message(n, email), surface)
                total = time.perf_counter() - started
                outside = (client.request_seconds - before_at) + (model.seconds - before_model)
                overheads.append((total - outside) * 1000)
            started = time.perf_counter()
            for batch in range(4):
                await asyncio.gather(
                    *(
                        engine.handle(_message(1000 + batch * CONCURRENT + i, email), surface)
                        for i in range(CONCURRENT)
                    )
                )
            rate = 4 * CONCURRENT / (time.perf_counter() - started)
        await db.close()
    cuts = statistics.quantiles(overheads, n=20)
    name = "engine turn (scripted model: search + answer), SQLite, warm caches"
    return [
        Figure(
            name,
            "overhead p50 (excl. Autotask and model)",
            f"{statistics.median(overheads):.1f} ms",
        ),
        Figure(
            name, "overhead p95 (excl. Autotask and model)", f"{cuts[18]:.1f} ms", "target < 20 ms"
        ),
        Figure(
            f"{CONCURRENT} concurrent conversations",
            "turns per second",
            f"{rate:.0f}",
            "sandbox in the same process",
        ),
    ]
