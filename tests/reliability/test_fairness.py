"""Fairness: per-user rate limits hold, and a user flooding a thread cannot starve anyone else.

Turns in one thread take turns; turns in other threads never wait for them. Ordering, not time,
is asserted: a gate in the scripted model decides when answers come.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from engine_support import RecordingSurface, say, technician_email
from fault_support import (  # noqa: F401  (fixtures)
    db_fixture,
    engine_fixture,
    surface_fixture,
    until,
    writes,
)
from support import ScriptedModel, text_turn

from autotask.sandbox import Sandbox
from bot.engine import Engine
from bot.messages import Conversation
from bot.model import ModelTurn

FLOOD = 10


def room(name: str) -> Conversation:
    return Conversation(platform="test", conversation_id=name)


class GatedModel:
    """Holds every answer until the gate opens; records the question of each call as it starts."""

    def __init__(self) -> None:
        self.gate = asyncio.Event()
        self.started: list[str] = []

    async def complete(
        self, messages: list[dict[str, Any]], tools: list[dict[str, Any]]
    ) -> ModelTurn:
        question = str(messages[-1]["content"])
        self.started.append(question)
        await self.gate.wait()
        return ModelTurn(content=f"answer to {question}")


async def test_a_flooded_thread_does_not_delay_another_users_turn(
    make_engine: Callable[..., Engine], surface: RecordingSurface, sandbox: Sandbox
) -> None:
    model = GatedModel()
    engine = make_engine(model, rate_limit_per_minute=1000)
    flooder, other = technician_email(sandbox, 0), technician_email(sandbox, 1)
    for email in (flooder, other):
        await engine.identity.resolve("test", f"U-{email}", email)
    flood = [asyncio.create_task(engine.handle(say(f"flood {n}", flooder, conversation=room("F")),
                                               surface)) for n in range(FLOOD)]  # fmt: skip
    await until(lambda: model.started == ["flood 0"])
    quick = asyncio.create_task(
        engine.handle(say("quick one", other, conversation=room("O")), surface)
    )
    await until(lambda: len(model.started) == 2)
    assert model.started == ["flood 0", "quick one"], (
        "the other thread did not queue behind the flood"
    )
    model.gate.set()
    await asyncio.gather(*flood, quick)
    answers = [reply.text for _, reply, _ in surface.posts]
    flood_answers = [a for a in answers if a and a.startswith("answer to flood")]
    assert flood_answers == [f"answer to flood {n}" for n in range(FLOOD)], "the flood, in order"
    # the other user's turn was worked on before the flooder's second turn even started
    assert model.started.index("quick one") < model.started.index("flood 1")
    assert "answer to quick one" in answers
    assert len(engine.locks) == 0


async def test_per_user_rate_limits_hold_across_threads_and_spare_others(
    make_engine: Callable[..., Engine], sandbox: Sandbox
) -> None:
    limit = 4
    model = ScriptedModel(*(text_turn(f"answer {n}") for n in range(limit + 1)))
    engine = make_engine(model, rate_limit_per_minute=limit)
    flooder, other = technician_email(sandbox, 0), technician_email(sandbox, 1)
    flooded, spared = RecordingSurface(), RecordingSurface()
    turns = [engine.handle(say(f"question {n}", flooder, conversation=room(f"F{n % 3}")), flooded)
             for n in range(3 * limit)]  # fmt: skip
    await asyncio.gather(*turns)
    # not a data question: a text answer with no tool call stands
    await engine.handle(say("one more thing?", other, conversation=room("O")), spared)
    texts = [reply.text or "" for _, reply, _ in flooded.posts]
    assert len(texts) == 3 * limit
    assert sum(t.startswith("answer") for t in texts) == limit
    assert sum("going fast" in t for t in texts) == 2 * limit
    assert (spared.last.text or "").startswith("answer"), "another user is not limited"
    assert len(model.calls) == limit + 1, "a refused turn costs no model call"
    assert model.turns == []
    assert writes(sandbox) == []
