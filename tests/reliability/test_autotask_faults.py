"""Autotask misbehaving under a turn or a click, driven through the sandbox's knobs.

For a list question, a count, a planned change, a question through the model and an approval
click: a fault that retries can absorb still gives an answer; one that persists gives a clear
"Autotask is busy / unreachable / failing" message. Never a stack trace, never a duplicated write.
(The client's own retry rules are in tests/client/test_client_failures.py.)
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, replace
from typing import Any

import pytest
from engine_support import RecordingSurface, say, technician_email
from fault_support import (  # noqa: F401  (fixtures)
    assert_no_leak,
    click,
    closed_port_url,
    db_fixture,
    engine_fixture,
    is_clear,
    open_ticket,
    plan_statuses,
    reply_text,
    statuses,
    surface_fixture,
    tenant_for,
    until,
    writes,
)
from support import FAST_RETRY

from autotask import RetryPolicy
from autotask.sandbox import Sandbox
from autotask.tools import Tenant
from bot.engine import Engine
from bot.messages import Conversation, Reply
from bot.model import ModelToolCall, ModelTurn
from bot.storage import Database

THREADS = {"errors": ["Thread Threshold Exceeded — The Autotask API thread threshold of 3 "
                      "threads has been exceeded. (Itgenatr005)"]}  # fmt: skip
SLOW_DOWN = {"errors": ["Too many requests; please slow down."]}
TIMEOUT = 0.5  # the client's timeout in the timeout cases; the sandbox waits longer
TWICE = replace(FAST_RETRY, attempts=2)  # timeouts are slow to provoke: their client tries twice
PERSISTENT = 50


@dataclass(frozen=True)
class Fault:
    status: int  # 0 drops the connection
    body: Any = None
    delay_ms: float = 0.0

    @property
    def retry(self) -> RetryPolicy:
        return TWICE if self.delay_ms else FAST_RETRY

    def times(self, *, persistent: bool) -> int:
        """Failures to inject: more than any retries, or fewer than the client's attempts."""
        return PERSISTENT if persistent else self.retry.attempts - 1

    @property
    def loses_the_answer(self) -> bool:
        """The request left, but no answer came back (a write's outcome is unknown)."""
        return self.status == 0 or self.delay_ms > 0


FAULTS = {
    "thread-429": Fault(429, THREADS),
    "rate-429": Fault(429, SLOW_DOWN),
    "500": Fault(500),
    "502": Fault(502),
    "503": Fault(503),
    "dropped": Fault(0),
    "timeout": Fault(504, delay_ms=TIMEOUT * 1000 * 1.8),
}


@pytest.fixture
async def short_timeout(sandbox: Sandbox) -> AsyncIterator[Tenant]:
    async with tenant_for(sandbox, client_timeout=TIMEOUT, retry=TWICE) as tenant:
        yield tenant


@pytest.fixture
def engine_for(make_engine: Callable[..., Engine], short_timeout: Tenant) -> Callable[..., Engine]:
    """An engine whose client times out quickly when the fault is a timeout."""

    def build(fault: Fault, model: object = None) -> Engine:
        # the model's questions go to the model, though the grammar could answer them too
        return make_engine(model, on=short_timeout if fault.delay_ms else None, grammar_first=False)

    return build


class RelayModel:
    """Searches for the technician's open tickets, then says what the tool answered, as a
    language model would."""

    def __init__(self) -> None:
        self.tool_results: list[str] = []

    async def complete(
        self, messages: list[dict[str, Any]], tools: list[dict[str, Any]]
    ) -> ModelTurn:
        if messages[-1]["role"] != "tool":
            arguments = {"entity": "Tickets", "filters": [{"field": "assigned", "value": "me"},
                                                          {"field": "open", "value": True}]}  # fmt: skip
            call = ModelToolCall(id="c1", name="search", arguments=json.dumps(arguments))
            return ModelTurn(tool_calls=[call])
        result = str(messages[-1]["content"])
        self.tool_results.append(result)
        if result.startswith(("Error:", "Autotask error:")):
            return ModelTurn(content="I couldn't look that up. " + result.split(":", 1)[1])
        return ModelTurn(content="Here are your open tickets.")


# -- the operations: the requests a fault hits, what is asked, and what counts as an answer -----


@dataclass(frozen=True)
class Operation:
    method: str
    pattern: str
    model: bool = False

    def text(self, box: Sandbox) -> str:
        raise NotImplementedError

    def answered(self, reply: Reply) -> bool:
        raise NotImplementedError


class ListQuestion(Operation):
    def text(self, box: Sandbox) -> str:
        return "my tickets"

    def answered(self, reply: Reply) -> bool:
        return [card.kind for card in reply.cards] == ["list"]


class CountQuestion(Operation):
    def text(self, box: Sandbox) -> str:
        return "how many open tickets"

    def answered(self, reply: Reply) -> bool:
        return (reply.text or "").startswith("**") and "Tickets (open)" in (reply.text or "")


class PlannedChange(Operation):
    def text(self, box: Sandbox) -> str:
        return f"set priority of {open_ticket(box, not_priority=4)['ticketNumber']} to critical"

    def answered(self, reply: Reply) -> bool:
        return [(c.kind, c.status) for c in reply.cards] == [("change", "pending")]


class ModelQuestion(Operation):
    def text(self, box: Sandbox) -> str:
        return "what's open on my plate?"

    def answered(self, reply: Reply) -> bool:
        kinds = [card.kind for card in reply.cards]
        return reply.text == "Here are your open tickets." and kinds == ["list"]


OPERATIONS: dict[str, Operation] = {
    "list": ListQuestion("POST", r"^Tickets/query$"),
    "count": CountQuestion("POST", r"^Tickets/query/count$"),
    "plan": PlannedChange("*", r"^Tickets/(query|\d+)$"),
    "model": ModelQuestion("POST", r"^Tickets/query$", model=True),
}


async def _warm(engine: Engine, surface: RecordingSurface, email: str) -> None:
    """Identity, metadata and names cached, so that the fault hits the operation itself."""
    await engine.identity.resolve("test", f"U-{email}", email)
    warm_room = Conversation(platform="test", conversation_id="C-warm")
    await engine.handle(
        say("my tickets", email, conversation=warm_room), surface, command_mode=True
    )


@pytest.mark.parametrize("persistent", [False, True], ids=["transient", "persistent"])
@pytest.mark.parametrize("fault_name", FAULTS)
@pytest.mark.parametrize("op_name", OPERATIONS)
async def test_a_turn_through_autotask_trouble(
    op_name: str,
    fault_name: str,
    persistent: bool,
    engine_for: Callable[..., Engine],
    surface: RecordingSurface,
    sandbox: Sandbox,
    db: Database,
) -> None:
    op, fault = OPERATIONS[op_name], FAULTS[fault_name]
    model = RelayModel() if op.model else None
    engine, email = engine_for(fault, model), technician_email(sandbox)
    await _warm(engine, surface, email)
    text = op.text(sandbox)
    sandbox.inject_error(op.method, op.pattern, fault.status, fault.body,
                         times=fault.times(persistent=persistent), delay_ms=fault.delay_ms)  # fmt: skip
    sandbox.clear_requests()
    await engine.handle(say(text, email), surface)
    reply = surface.last
    said = reply_text(reply)
    if persistent:
        assert is_clear(said), said
        assert not op.answered(reply)
        if not op.model:  # through the model, the model words it
            assert "Nothing was changed" in said
        assert await plan_statuses(db) == []
    else:
        assert op.answered(reply), said
    assert not any(card.kind == "error" for card in reply.cards), "no 'went wrong' card"
    assert writes(sandbox) == []
    assert_no_leak(surface)
    if model is not None:
        assert all("Traceback" not in result for result in model.tool_results)


async def _planned(engine: Engine, surface: RecordingSurface, box: Sandbox, email: str) -> str:
    await engine.handle(say(PlannedChange("*", "").text(box), email), surface)
    (card,) = surface.last.cards
    assert card.kind == "change", surface.last
    return card.actions[0].plan_id


@pytest.fixture
def planned(sandbox: Sandbox) -> dict[str, Any]:
    """The ticket the planned change is about, and its priority before."""
    ticket = open_ticket(sandbox, not_priority=4)
    return {"id": ticket["id"], "priority": ticket["priority"]}


@pytest.mark.parametrize("fault_name", FAULTS)
async def test_an_approval_whose_write_fails_writes_once_and_says_so(
    fault_name: str,
    engine_for: Callable[..., Engine],
    surface: RecordingSurface,
    sandbox: Sandbox,
    db: Database,
    planned: dict[str, Any],
) -> None:
    fault = FAULTS[fault_name]
    engine, email = engine_for(fault), technician_email(sandbox)
    plan_id = await _planned(engine, surface, sandbox, email)
    sandbox.inject_error("PATCH", r"^Tickets$", fault.status, fault.body, times=PERSISTENT,
                         delay_ms=fault.delay_ms)  # fmt: skip
    sandbox.clear_requests()
    await engine.click(click(plan_id, email), surface)
    await engine.click(click(plan_id, email), surface)  # the technician tries again
    await until(lambda: len(sandbox.requests) >= 2)  # the stale check and the write
    assert len(writes(sandbox)) == 1, "a write is never repeated, whatever Autotask answered"
    card = surface.updates[-1][1].cards[0]
    said = reply_text(surface.updates[-1][1])
    if fault.loses_the_answer:
        assert card.status == "unknown" and card.link is not None
        assert "may or may not have been applied" in said
    else:
        assert card.status == "failed" and "nothing was written" in said
        assert is_clear(said) or "The change failed" in said
    assert await plan_statuses(db) == [card.status]
    assert "already" in surface.whispers[-1][1]
    assert sandbox.get_record("Tickets", planned["id"])["priority"] == planned["priority"]  # type: ignore[index]
    assert_no_leak(surface)


@pytest.mark.parametrize("persistent", [False, True], ids=["transient", "persistent"])
@pytest.mark.parametrize("fault_name", FAULTS)
async def test_an_approval_whose_recheck_fails_applies_once_or_not_at_all(
    fault_name: str,
    persistent: bool,
    engine_for: Callable[..., Engine],
    surface: RecordingSurface,
    sandbox: Sandbox,
    db: Database,
    planned: dict[str, Any],
) -> None:
    fault = FAULTS[fault_name]
    engine, email = engine_for(fault), technician_email(sandbox)
    plan_id = await _planned(engine, surface, sandbox, email)
    sandbox.inject_error("GET", r"^Tickets/\d+$", fault.status, fault.body,
                         times=fault.times(persistent=persistent), delay_ms=fault.delay_ms)  # fmt: skip
    sandbox.clear_requests()
    await engine.click(click(plan_id, email), surface)
    card = surface.updates[-1][1].cards[0]
    said = reply_text(surface.updates[-1][1])
    priority = sandbox.get_record("Tickets", planned["id"])["priority"]  # type: ignore[index]
    if persistent:
        assert writes(sandbox) == [] and priority == planned["priority"]
        assert card.status == "failed" and "nothing was written" in said
        assert is_clear(said) or "The change failed" in said
    else:
        assert writes(sandbox) == ["PATCH Tickets -> 200"] and priority == 4
        assert card.status == "applied"
    assert await plan_statuses(db) == [card.status]
    assert_no_leak(surface)


async def test_a_spent_hourly_limit_is_said_plainly_and_not_hammered(
    make_engine: Callable[..., Engine], surface: RecordingSurface, sandbox: Sandbox, db: Database
) -> None:
    engine, email = make_engine(), technician_email(sandbox)
    await _warm(engine, surface, email)
    plan_id = await _planned(engine, surface, sandbox, email)
    sandbox.set_hourly_count(sandbox.config.hourly_threshold)
    sandbox.clear_requests()
    for op in ("list", "count", "plan"):
        await engine.handle(say(OPERATIONS[op].text(sandbox), email), surface)
        said = reply_text(surface.last)
        assert "hourly API request limit" in said and "Nothing was changed" in said
    await engine.click(click(plan_id, email), surface)
    card = surface.updates[-1][1].cards[0]
    assert card.status == "failed" and "Autotask is busy" in reply_text(surface.updates[-1][1])
    assert writes(sandbox) == []
    assert statuses(sandbox, 429) == len(sandbox.requests) == 4, "one refused request each"
    assert await plan_statuses(db) == ["failed"]
    assert_no_leak(surface)


async def test_an_unreachable_autotask_is_said_plainly(
    make_engine: Callable[..., Engine], surface: RecordingSurface, sandbox: Sandbox
) -> None:
    email = technician_email(sandbox)
    async with tenant_for(sandbox, zone_url=closed_port_url()) as dead:
        engine = make_engine(on=dead)
        for op in ("list", "count", "plan"):
            await engine.handle(say(OPERATIONS[op].text(sandbox), email), surface)
            said = reply_text(surface.last)
            assert "Could not reach Autotask" in said and "Nothing was changed" in said
        assert dead.client.requests_sent == 3 * FAST_RETRY.attempts, "bounded retries"
    assert_no_leak(surface)


async def test_a_click_while_autotask_is_away_keeps_the_plan_for_later(
    make_engine: Callable[..., Engine],
    surface: RecordingSurface,
    sandbox: Sandbox,
    db: Database,
    planned: dict[str, Any],
) -> None:
    email = technician_email(sandbox)
    plan_id = await _planned(make_engine(), surface, sandbox, email)
    async with tenant_for(sandbox, zone_url=closed_port_url()) as dead:
        await make_engine(on=dead).click(click(plan_id, email), surface)  # a fresh replica
    ((_, whisper),) = surface.whispers
    assert is_clear(whisper) and "Nothing was changed" in whisper, whisper
    assert await plan_statuses(db) == ["pending"], "the button still works later"
    sandbox.clear_requests()
    await make_engine().click(click(plan_id, email), surface)  # Autotask is back
    assert writes(sandbox) == ["PATCH Tickets -> 200"]
    assert surface.updates[-1][1].cards[0].status == "applied"
    assert_no_leak(surface)


async def test_a_storm_of_turns_stays_within_three_requests_per_endpoint(
    make_engine: Callable[..., Engine], surface: RecordingSurface, sandbox: Sandbox
) -> None:
    engine = make_engine(rate_limit_per_minute=1000)
    emails = [technician_email(sandbox, n) for n in range(3)]
    for email in emails:
        await engine.identity.resolve("test", f"U-{email}", email)
    tickets = [t["ticketNumber"] for t in sandbox.records("Tickets")[:10]]
    texts = ["my tickets", "how many open tickets", "open tickets for Contoso",
             *(f"ticket {number}" for number in tickets)]  # fmt: skip
    sandbox.set_latency(25)
    # another integration takes the threads now and then: fewer refusals than a read's attempts,
    # so however they fall, no request can run out of retries
    refusals = FAST_RETRY.attempts - 1
    sandbox.inject_error("POST", r"^Tickets/query", 429, THREADS, times=refusals)
    sandbox.clear_requests()
    turns = [
        engine.handle(say(texts[n % len(texts)], emails[n % 3],
                          conversation=Conversation(platform="test", conversation_id=f"C{n}")), surface)
        for n in range(36)
    ]  # fmt: skip
    await asyncio.gather(*turns)
    assert len(surface.posts) == 36
    for _, reply, _ in surface.posts:
        said = reply_text(reply)
        assert not is_clear(said) and "busy" not in said, said
        assert reply.cards or (reply.text or "").startswith("**"), said
    assert statuses(sandbox, 429) == refusals, "the sandbox never refused a 4th request"
    assert engine.tenant.client.limiter.peak["tickets"] == 3
    assert max(engine.tenant.client.limiter.peak.values()) <= 3


async def test_concurrent_approvals_under_latency_write_each_plan_once(
    make_engine: Callable[..., Engine], surface: RecordingSurface, sandbox: Sandbox, db: Database
) -> None:
    engine, email = make_engine(rate_limit_per_minute=1000), technician_email(sandbox)
    tickets = [t for t in sandbox.records("Tickets") if t["status"] != 5][:8]
    plan_ids = []
    for n, ticket in enumerate(tickets):
        room = Conversation(platform="test", conversation_id=f"C{n}")
        await engine.handle(say(f"log 15m on {ticket['ticketNumber']} checked backups", email,
                                conversation=room), surface)  # fmt: skip
        plan_ids.append((room, surface.last.cards[0].actions[0].plan_id))
    sandbox.set_latency(25)
    sandbox.clear_requests()
    clicks = [engine.click(click(plan_id, email, conversation=room), surface)
              for room, plan_id in plan_ids for _ in range(3)]  # fmt: skip
    await asyncio.gather(*clicks)
    assert sorted(writes(sandbox)) == ["POST TimeEntries -> 200"] * len(tickets)
    assert await plan_statuses(db) == ["applied"] * len(tickets)
    assert statuses(sandbox, 429) == 0
    assert sum("already" in text for _, text in surface.whispers) == 2 * len(tickets)
