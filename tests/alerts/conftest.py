"""Alert fixtures: a database, the sandbox tenant, and an engine with its alert service."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from alert_support import Alerts, alert_settings
from engine_support import RecordingSurface
from pg import PostgresServer
from support import FIXED_NOW

from autotask.tools import Tenant
from bot.alerts import AlertService
from bot.engine import Engine
from bot.messages import ChatSurface
from bot.storage import Database


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'atbot.db'}"


@pytest.fixture(params=["sqlite", "postgresql"])
async def any_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """For the exactly-once tests: a SQLite file and a real PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'atbot.db'}"
    server: PostgresServer = request.getfixturevalue("postgres")
    return await server.create_database()


async def _open(url: str) -> Database:
    database = await Database.open(url)
    await database.migrate()
    return database


@pytest.fixture
async def open_db() -> AsyncIterator[Callable[[str], Any]]:
    """``await open_db(url)``: a migrated database, closed after the test."""
    opened: list[Database] = []

    async def opener(url: str) -> Database:
        database = await _open(url)
        opened.append(database)
        return database

    yield opener
    for database in opened:
        await database.close()


@pytest.fixture
async def db(db_url: str, open_db: Callable[[str], Any]) -> Database:
    database: Database = await open_db(db_url)
    return database


@pytest.fixture
def make_alerts(tenant: Tenant, db: Database) -> Callable[..., Alerts]:
    """``make_alerts(database=…, holder=…, **alert settings)`` → engine + alert service."""

    def build(
        *, database: Database | None = None, holder: str = "holder-a", **alerts: Any
    ) -> Alerts:
        chosen = database or db
        engine = Engine(
            tenant=tenant, db=chosen, settings=alert_settings(**alerts), clock=lambda: FIXED_NOW
        )
        surface = RecordingSurface()
        surfaces: dict[str, ChatSurface] = {"test": surface}
        service = AlertService(engine, surfaces, holder=holder)
        engine.alerts = service
        return Alerts(engine, service, surface, surfaces, chosen)

    return build
