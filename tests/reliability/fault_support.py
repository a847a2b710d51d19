"""Engine-level fixtures and helpers of the fault tests (importable as ``fault_support``).

The fixtures are imported by the test modules that use them (this folder's conftest belongs to the
replica tests): ``from fault_support import db_fixture, engine_fixture, surface_fixture``.
"""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from engine_support import CHANNEL, RecordingSurface, make_settings
from support import FAST_RETRY, FIXED_NOW, credentials_for

from autotask import AutotaskClient, RetryPolicy
from autotask.sandbox import Sandbox
from autotask.tools import Tenant
from bot.engine import Engine
from bot.messages import Click, Conversation, Reply
from bot.model import ChatModel
from bot.storage import Database

WRITES = {"POST", "PATCH", "PUT", "DELETE"}
# Words a technician reads when Autotask is the trouble: busy, unreachable, failing, or rationed.
CLEAR_WORDS = (
    "Autotask is busy",
    "Could not reach Autotask",
    "could not be reached",
    "temporarily unavailable",
    "internal error",
    "hourly API",
    "did not answer",
)
LEAKS = ("Traceback", 'File "', "site-packages", "httpx.", "aiohttp.", "asyncio.", "Exception:")


@pytest.fixture(name="surface")
def surface_fixture() -> RecordingSurface:
    return RecordingSurface()


@pytest.fixture(name="db")
async def db_fixture(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(f"sqlite+aiosqlite:///{tmp_path / 'atbot.db'}")
    await database.migrate()
    yield database
    await database.close()


@pytest.fixture(name="make_engine")
def engine_fixture(tenant: Tenant, db: Database) -> Callable[..., Engine]:
    """``make_engine(model=None, *, on=None, grammar_first=True, **bot_settings)`` on the test's
    database; ``grammar_first=False`` sends every message to the model."""

    def build(
        model: ChatModel | None = None,
        *,
        on: Tenant | None = None,
        grammar_first: bool = True,
        **bot: Any,
    ) -> Engine:
        settings = make_settings(**bot)
        settings.llm.grammar_first = grammar_first
        return Engine(
            tenant=on or tenant,
            db=db,
            settings=settings,
            model=model,
            clock=lambda: FIXED_NOW,
        )

    return build


@asynccontextmanager
async def tenant_for(
    box: Sandbox,
    *,
    client_timeout: float = 30.0,
    zone_url: str | None = None,
    retry: RetryPolicy = FAST_RETRY,
) -> AsyncIterator[Tenant]:
    """A tenant of ``box`` (or of ``zone_url``) with fast retries and the given timeout."""
    async with AutotaskClient(
        credentials_for(box),
        zone_url=zone_url or box.api_url,
        web_url=box.web_url,
        retry=retry,
        timeout=client_timeout,
    ) as client:
        yield Tenant(client=client)


def closed_port_url() -> str:
    """An Autotask zone URL on a loopback port where nothing listens (connection refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    return f"http://127.0.0.1:{port}/ATServicesRest/"


def writes(box: Sandbox) -> list[str]:
    """Every write request the sandbox received, refused ones included."""
    return [
        f"{r.method} {r.path.split('/V1.0/', 1)[-1]} -> {r.status}"
        for r in box.requests
        if r.method in WRITES and "/query" not in r.path
    ]


def statuses(box: Sandbox, status: int) -> int:
    return sum(1 for r in box.requests if r.status == status)


def everything_said(surface: RecordingSurface) -> str:
    """Every post, card update and whisper the surface received, as one text."""
    replies = [reply for _, reply, _ in surface.posts] + [reply for _, reply in surface.updates]
    return "\n".join(
        [reply.model_dump_json() for reply in replies] + [text for _, text in surface.whispers]
    )


def assert_no_leak(surface: RecordingSurface) -> None:
    said = everything_said(surface)
    leaked = [word for word in LEAKS if word in said]
    assert not leaked, f"internals reached the chat ({leaked}): {said[:600]}"


def reply_text(reply: Reply) -> str:
    """A reply's text, its cards' texts and notes, as a technician would read them."""
    parts = [reply.text or ""]
    for card in reply.cards:
        parts += [card.title, card.text or "", *card.notes]
    return "\n".join(parts)


def is_clear(text: str) -> bool:
    return any(word in text for word in CLEAR_WORDS)


def click(plan_id: str, email: str, *, conversation: Conversation = CHANNEL) -> Click:
    return Click(
        conversation=conversation,
        user_id=f"U-{email}",
        email=email,
        action="approve",
        plan_id=plan_id,
    )


def open_ticket(box: Sandbox, *, not_priority: int | None = None) -> dict[str, Any]:
    return next(
        t
        for t in box.records("Tickets")
        if t["status"] != 5 and (not_priority is None or t["priority"] != not_priority)
    )


async def plan_statuses(db: Database) -> list[str]:
    """The status of every stored plan, oldest first."""
    from sqlalchemy import text

    async with db.engine.connect() as connection:
        rows = await connection.execute(text("SELECT status FROM plans ORDER BY created_at"))
        return [str(row[0]) for row in rows]


async def until(check: Callable[[], bool], *, within: float = 10.0) -> None:
    """Wait for ``check`` to hold (the sandbox logs a request when its handler ends, which for
    a timed-out request is after the client gave up)."""
    import asyncio

    for _ in range(int(within / 0.02)):
        if check():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the condition did not come true in time")
