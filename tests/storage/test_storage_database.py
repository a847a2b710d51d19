"""Opening, URLs, SQLite pragmas, migrations (idempotent, concurrent) and the public names."""

from __future__ import annotations

import asyncio
import importlib
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, inspect, select, text

import bot.storage
from bot.storage import Database, StorageError, normalize_url
from bot.storage._database import Gateway
from bot.storage._migrations import MIGRATIONS, Migration, migrate
from bot.storage._tables import metadata, schema_migrations


@pytest.mark.parametrize(
    ("url", "driver"),
    [
        ("sqlite:///data/atbot.db", "sqlite+aiosqlite"),
        ("sqlite+aiosqlite:///data/atbot.db", "sqlite+aiosqlite"),
        ("sqlite+pysqlite:///data/atbot.db", "sqlite+aiosqlite"),
        ("postgresql://bot:pw@db.internal:5432/atbot", "postgresql+asyncpg"),
        ("postgresql+psycopg2://bot:pw@db.internal/atbot", "postgresql+asyncpg"),
        ("postgresql+asyncpg://bot:pw@db.internal/atbot", "postgresql+asyncpg"),
        ("postgres://bot:pw@db.internal/atbot", "postgresql+asyncpg"),
    ],
)
def test_urls_get_the_async_driver(url: str, driver: str) -> None:
    normalized = normalize_url(url)
    assert normalized.drivername == driver
    assert normalized.database in ("data/atbot.db", "atbot")


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("not a url", "not valid"),
        ("mysql://u@h/db", "Unsupported database 'mysql'"),
        ("sqlite://", "needs a file path"),
        ("sqlite:///:memory:", "needs a file path"),
    ],
)
def test_unusable_urls_are_refused_clearly(url: str, says: str) -> None:
    with pytest.raises(StorageError, match=says):
        normalize_url(url)


async def test_an_unreachable_server_is_a_clear_error_without_the_password() -> None:
    with pytest.raises(StorageError) as caught:
        await Database.open("postgresql://bot:s3cret-pw@127.0.0.1:1/atbot")
    message = str(caught.value)
    assert "postgresql database at 127.0.0.1:1/atbot" in message
    assert "s3cret-pw" not in message


async def test_sqlite_creates_its_folder_and_sets_its_pragmas(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "deeper" / "atbot.db"
    db = await Database.open(f"sqlite:///{path}")
    try:
        assert db.dialect == "sqlite"
        assert path.exists()
        gateway: Gateway = db._gateway
        async with gateway.read() as conn:
            pragmas = {
                name: (await conn.execute(text(f"PRAGMA {name}"))).scalar_one()
                for name in ("journal_mode", "foreign_keys", "busy_timeout")
            }
        assert pragmas == {"journal_mode": "wal", "foreign_keys": 1, "busy_timeout": 15000}
    finally:
        await db.close()


def _schema(conn: Connection) -> dict[str, Any]:
    inspector = inspect(conn)
    return {
        table: {
            "columns": {c["name"]: c["nullable"] for c in inspector.get_columns(table)},
            "primary_key": inspector.get_pk_constraint(table)["constrained_columns"],
            "indexes": sorted(i["name"] or "" for i in inspector.get_indexes(table)),
        }
        for table in inspector.get_table_names()
    }


def _expected_schema() -> dict[str, Any]:
    return {
        table.name: {
            "columns": {c.name: c.nullable for c in table.columns},
            "primary_key": [c.name for c in table.primary_key.columns],
            "indexes": sorted(i.name or "" for i in table.indexes),
        }
        for table in metadata.sorted_tables
    }


async def test_migrations_build_exactly_the_declared_schema(db: Database) -> None:
    async with db._gateway.read() as conn:
        assert await conn.run_sync(_schema) == _expected_schema()


async def test_migrate_twice_changes_nothing(db: Database) -> None:
    await db.plans.get("warm-up")
    assert await migrate(db._gateway) == []
    await db.migrate()
    async with db._gateway.read() as conn:
        versions = (await conn.execute(select(schema_migrations.c.version))).scalars().all()
    assert sorted(versions) == [m.version for m in MIGRATIONS]


async def test_two_migrations_at_once_apply_each_migration_once(db_url: str) -> None:
    first = await Database.open(db_url)
    second = await Database.open(db_url)
    try:
        results = await asyncio.gather(migrate(first._gateway), migrate(second._gateway))
        assert sorted(results) == [[], [m.version for m in MIGRATIONS]]
        async with first._gateway.read() as conn:
            rows = (await conn.execute(select(schema_migrations.c.version))).scalars().all()
        assert sorted(rows) == [m.version for m in MIGRATIONS]
    finally:
        await first.close()
        await second.close()


async def test_a_failing_migration_leaves_nothing_half_done(db_url: str) -> None:
    def broken(conn: Connection) -> None:
        conn.execute(text("CREATE TABLE half_done (id INTEGER PRIMARY KEY)"))
        raise RuntimeError("migration bug")

    db = await Database.open(db_url)
    try:
        with pytest.raises(RuntimeError, match="migration bug"):
            await migrate(db._gateway, (*MIGRATIONS, Migration(99, "broken", broken)))
        async with db._gateway.read() as conn:
            tables = await conn.run_sync(lambda c: inspect(c).get_table_names())
        assert "half_done" not in tables
        assert "plans" not in tables  # the whole run was one transaction
        assert await migrate(db._gateway) == [m.version for m in MIGRATIONS]
    finally:
        await db.close()


def test_public_names_are_curated() -> None:
    module = importlib.import_module("bot.storage")
    exported = module.__all__
    assert sorted(exported) == sorted(set(exported))
    assert all(hasattr(module, name) for name in exported)
    public = {
        name
        for name, value in vars(module).items()
        if not name.startswith("_") and not isinstance(value, type(importlib))
    }
    assert public - {"annotations"} == set(exported)
    assert bot.storage.Database is Database


async def test_the_sqlite_file_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "fresh" / "atbot.db"
    database = await Database.open(f"sqlite:///{path}")
    try:
        await database.migrate()
    finally:
        await database.close()
    assert path.stat().st_mode & 0o777 == 0o600
