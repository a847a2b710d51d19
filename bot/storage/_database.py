"""The database: URL handling, the engine, connections, SQLite pragmas, and the stores on top.

SQLite is the embedded default (one file, WAL, foreign keys, a busy timeout); PostgreSQL serves
several replicas. Writes on SQLite start with ``BEGIN IMMEDIATE`` so that a write transaction
holds the database's write lock from its first statement: compare-and-set updates serialise
across tasks and processes instead of failing with "database is locked" half-way.
"""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

from sqlalchemy import Connection, Table, event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from ._addresses import AddressStore
from ._alerts import AlertStore
from ._audit import AuditLog
from ._channels import ChannelStore
from ._credentials import CredentialStore
from ._deliveries import DeliveryStore
from ._exports import ExportStore
from ._history import HistoryStore
from ._identities import IdentityStore
from ._leases import LeaseStore
from ._migrations import migrate
from ._notices import NoticeStore
from ._plans import PlanStore
from ._references import ReferenceStore
from ._tables import StorageError
from ._timers import TimerStore

__all__ = ["Database", "DialectName", "Gateway", "normalize_url"]

logger = logging.getLogger(__name__)

DialectName = Literal["sqlite", "postgresql"]

_IMMEDIATE = "atbot_sqlite_immediate"
_EXAMPLES = "sqlite:///data/atbot.db or postgresql://user:password@host:5432/atbot"


def normalize_url(url: str) -> URL:
    """The URL with the async driver this package uses (aiosqlite, asyncpg)."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise StorageError(f"The database URL is not valid; use {_EXAMPLES}.") from exc
    backend = parsed.get_backend_name()
    if backend in ("postgresql", "postgres"):
        return parsed.set(drivername="postgresql+asyncpg")
    if backend != "sqlite":
        raise StorageError(f"Unsupported database {backend!r}; use {_EXAMPLES}.")
    database = parsed.database or ""
    if database in ("", ":memory:") or database.startswith("file:"):
        raise StorageError(f"SQLite storage needs a file path, as in {_EXAMPLES.split(' or ')[0]}.")
    return parsed.set(drivername="sqlite+aiosqlite", database=str(Path(database).expanduser()))


def _where(url: URL) -> str:
    """Where the database is, for messages and logs: never the password."""
    if url.get_backend_name() == "sqlite":
        return str(url.database)
    return f"{url.host or 'localhost'}:{url.port or 5432}/{url.database or ''}"


def _on_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # SQLAlchemy, not the driver, emits BEGIN (see _on_sqlite_begin); pragmas run outside it.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA busy_timeout = 15000")  # milliseconds a writer waits for the lock
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
    finally:
        cursor.close()


def _on_sqlite_begin(conn: Connection) -> None:
    if conn.get_execution_options().get(_IMMEDIATE):
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        conn.exec_driver_sql("BEGIN")


class Gateway:
    """Connections for the stores: ``read()`` for queries, ``write()`` for one transaction."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.dialect: DialectName = "sqlite" if engine.dialect.name == "sqlite" else "postgresql"
        if self.dialect == "sqlite":
            event.listen(engine.sync_engine, "connect", _on_sqlite_connect)
            event.listen(engine.sync_engine, "begin", _on_sqlite_begin)
            self._writer = engine.execution_options(**{_IMMEDIATE: True})
        else:
            self._writer = engine

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        async with self.engine.connect() as conn:
            yield conn

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncConnection]:
        """One transaction, committed when the block ends without an error."""
        async with self._writer.begin() as conn:
            yield conn

    def insert(self, table: Table) -> postgresql.Insert | sqlite.Insert:
        """An INSERT that supports ``ON CONFLICT`` on this dialect."""
        if self.dialect == "postgresql":
            return postgresql.insert(table)
        return sqlite.insert(table)

    def upsert(
        self, table: Table, values: dict[str, Any], *, keys: tuple[str, ...]
    ) -> postgresql.Insert | sqlite.Insert:
        """INSERT ``values``, or on a row with the same ``keys`` set its other columns to them."""
        stmt = self.insert(table).values(**values)
        changed = {name: stmt.excluded[name] for name in values if name not in keys}
        return stmt.on_conflict_do_update(
            index_elements=[table.c[name] for name in keys], set_=changed
        )

    async def ping(self) -> None:
        async with self.read() as conn:
            await conn.execute(text("SELECT 1"))


def _private_file(database: str | None) -> None:
    """Create the SQLite file readable by its owner only (it holds plans, conversation history and
    encrypted credentials); SQLite gives its -wal and -shm files the same mode."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))


class Database:
    """Everything the bot keeps across restarts, one store per concern."""

    def __init__(self, gateway: Gateway, *, credential_key: bytes | str | None = None) -> None:
        self._gateway = gateway
        self.dialect: DialectName = gateway.dialect
        self.plans = PlanStore(gateway)
        self.audit = AuditLog(gateway)
        self.identities = IdentityStore(gateway)
        self.channels = ChannelStore(gateway)
        self.history = HistoryStore(gateway)
        self.references = ReferenceStore(gateway)
        self.addresses = AddressStore(gateway)
        self.alerts = AlertStore(gateway)
        self.leases = LeaseStore(gateway)
        self.timers = TimerStore(gateway)
        self.credentials = CredentialStore(gateway, credential_key)
        self.deliveries = DeliveryStore(gateway)
        self.exports = ExportStore(gateway)
        self.notices = NoticeStore(gateway)

    @classmethod
    async def open(cls, url: str, *, credential_key: bytes | str | None = None) -> Database:
        """Connect to ``url`` (``sqlite:///…`` or ``postgresql://…``); run ``migrate()`` next."""
        parsed = normalize_url(url)
        if parsed.get_backend_name() == "sqlite":
            _private_file(parsed.database)
            engine = create_async_engine(parsed)
        else:
            engine = create_async_engine(parsed, pool_pre_ping=True)
        gateway = Gateway(engine)
        try:
            database = cls(gateway, credential_key=credential_key)
            await gateway.ping()
        except (OSError, SQLAlchemyError) as exc:
            await engine.dispose()
            cause = getattr(exc, "orig", None) or exc
            raise StorageError(
                f"Cannot open the {gateway.dialect} database at {_where(parsed)}: "
                f"{type(cause).__name__}: {cause}"
            ) from exc
        except BaseException:
            await engine.dispose()
            raise
        logger.info("storage opened: %s at %s", gateway.dialect, _where(parsed))
        return database

    @property
    def engine(self) -> AsyncEngine:
        """The SQLAlchemy engine (for operations tooling; the stores are the way to the data)."""
        return self._gateway.engine

    async def ping(self) -> None:
        """Raise if the database cannot be reached."""
        await self._gateway.ping()

    async def migrate(self) -> None:
        """Bring the schema up to date; safe to run again and from several processes at once."""
        await migrate(self._gateway)

    async def close(self) -> None:
        await self._gateway.engine.dispose()

    async def __aenter__(self) -> Database:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()
