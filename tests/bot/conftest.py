"""Engine fixtures: a SQLite file, the sandbox tenant, and a surface that records what it is sent."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from engine_support import RecordingSurface, make_settings
from pg import PostgresServer
from support import FIXED_NOW

from autotask.tools import Tenant
from bot.engine import Engine
from bot.model import ChatModel
from bot.storage import Database


@pytest.fixture
def surface() -> RecordingSurface:
    return RecordingSurface()


@pytest.fixture(params=["sqlite", "postgresql"])
async def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Approvals and the engine run on a SQLite file and on a real PostgreSQL server."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'atbot.db'}"
    server: PostgresServer = request.getfixturevalue("postgres")
    return await server.create_database()


@pytest.fixture
async def db(db_url: str) -> AsyncIterator[Database]:
    database = await Database.open(db_url)
    await database.migrate()
    yield database
    await database.close()


@pytest.fixture
def make_engine(tenant: Tenant, db: Database) -> Callable[..., Engine]:
    def build(
        model: ChatModel | None = None,
        *,
        database: Database | None = None,
        grammar_first: bool = True,
        **bot: Any,
    ) -> Engine:
        settings = make_settings(**bot)
        settings.llm.grammar_first = grammar_first
        return Engine(
            tenant=tenant,
            db=database or db,
            settings=settings,
            model=model,
            clock=lambda: FIXED_NOW,
        )

    return build
