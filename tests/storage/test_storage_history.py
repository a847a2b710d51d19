"""Conversation history: the newest messages within a token budget, and pruning."""

from __future__ import annotations

from typing import Any

from storage_samples import NOW

from bot.storage import Database

THREAD = "slack:C0HELPDESK:1732526400.0001"


def _message(role: str, text: str) -> dict[str, Any]:
    return {"role": role, "content": text}


async def _fill(db: Database, thread: str, *tokens: int) -> list[dict[str, Any]]:
    messages = []
    for n, count in enumerate(tokens):
        message = _message("user" if n % 2 == 0 else "assistant", f"message {n}")
        await db.history.append(thread, message["role"], message, tokens=count, now=NOW)
        messages.append(message)
    return messages


async def test_recent_keeps_the_newest_messages_within_the_budget(db: Database) -> None:
    messages = await _fill(db, THREAD, 40, 30, 20, 10)
    await _fill(db, "slack:C0OTHER:-", 1, 1)
    assert await db.history.recent(THREAD, max_tokens=100) == messages
    assert await db.history.recent(THREAD, max_tokens=60) == messages[1:]
    assert await db.history.recent(THREAD, max_tokens=59) == messages[2:]
    assert await db.history.recent(THREAD, max_tokens=10) == messages[3:]
    assert await db.history.recent(THREAD, max_tokens=9) == []
    assert await db.history.recent("slack:C0NONE:-", max_tokens=100) == []


async def test_the_window_stops_at_the_first_message_that_does_not_fit(db: Database) -> None:
    messages = await _fill(db, THREAD, 5, 50, 5)
    assert await db.history.recent(THREAD, max_tokens=20) == messages[2:]


async def test_the_window_never_starts_with_an_orphaned_tool_result(db: Database) -> None:
    call = {"role": "assistant", "content": None, "tool_calls": [{"id": "call_1"}]}
    result = {"role": "tool", "tool_call_id": "call_1", "content": "{...}"}
    answer = {"role": "assistant", "content": "Ticket 18420 is open."}
    for message, tokens in ((call, 30), (result, 30), (answer, 10)):
        await db.history.append(THREAD, str(message["role"]), message, tokens=tokens, now=NOW)
    assert await db.history.recent(THREAD, max_tokens=100) == [call, result, answer]
    assert await db.history.recent(THREAD, max_tokens=45) == [answer]


async def test_prune_deletes_what_no_longer_fits(db: Database) -> None:
    messages = await _fill(db, THREAD, 40, 30, 20, 10)
    other = await _fill(db, "slack:C0OTHER:-", 500)
    assert await db.history.prune(THREAD, keep_tokens=35) == 2
    assert await db.history.recent(THREAD, max_tokens=10_000) == messages[2:]
    assert await db.history.prune(THREAD, keep_tokens=35) == 0
    assert await db.history.prune(THREAD, keep_tokens=5) == 2
    assert await db.history.recent(THREAD, max_tokens=10_000) == []
    assert await db.history.recent("slack:C0OTHER:-", max_tokens=10_000) == other
