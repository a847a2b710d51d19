"""Storage fixtures: every ``db`` test runs on a SQLite file and on a real PostgreSQL server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from pg import PostgresServer
from storage_samples import CREDENTIAL_KEY

from bot.storage import Database


@pytest.fixture(params=["sqlite", "postgresql"])
async def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty database: a SQLite file under tmp_path, or a new PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'data' / 'atbot.db'}"
    server: PostgresServer = request.getfixturevalue("postgres")
    return await server.create_database()


@pytest.fixture
async def db(db_url: str) -> AsyncIterator[Database]:
    database = await Database.open(db_url, credential_key=CREDENTIAL_KEY)
    await database.migrate()
    try:
        yield database
    finally:
        await database.close()
