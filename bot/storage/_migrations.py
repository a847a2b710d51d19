"""Ordered schema migrations, recorded in ``schema_migrations``.

``migrate`` is idempotent and safe when several processes run it at once: on PostgreSQL the
whole run holds a transaction-scoped advisory lock; on SQLite it runs in one ``BEGIN IMMEDIATE``
transaction, which takes the database's write lock. DDL is transactional on both, so a run
that fails leaves no half-applied migration behind.

A migration's DDL is frozen once released: it describes the schema as it was at that version,
not ``_tables.py`` as it is now. A schema change is a new migration appended to ``MIGRATIONS``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Connection,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Table,
    Text,
    insert,
    select,
    text,
)

from ._tables import Id, Json, UTCDateTime, schema_migrations

if TYPE_CHECKING:
    from ._database import Gateway

__all__ = ["MIGRATIONS", "Migration", "migrate"]

logger = logging.getLogger(__name__)

# pg_advisory_xact_lock key of the migration runner (any constant 64-bit number, fixed forever).
_LOCK_KEY = 0x6174_626F_745F_6D69


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    upgrade: Callable[[Connection], None]


def _v1_initial_schema(conn: Connection) -> None:
    meta = MetaData()
    _v1_plans(meta)
    _v1_conversations(meta)
    _v1_alerts(meta)
    _v1_system(meta)
    meta.create_all(conn, checkfirst=False)


def _v1_plans(meta: MetaData) -> None:
    Table(
        "plans", meta,
        Column("id", Text, primary_key=True),
        Column("status", Text, nullable=False),
        Column("plan", Json, nullable=False),
        Column("requester_user_id", Text, nullable=False),
        Column("requester_email", Text),
        Column("requester_resource_id", BigInteger),
        Column("requester_name", Text),
        Column("platform", Text, nullable=False),
        Column("conversation_id", Text, nullable=False),
        Column("thread_id", Text),
        Column("message", Json),
        Column("created_at", UTCDateTime, nullable=False),
        Column("expires_at", UTCDateTime, nullable=False),
        Column("updated_at", UTCDateTime, nullable=False),
        Column("decided_by_user_id", Text),
        Column("decided_by_resource_id", BigInteger),
        Column("outcome", Json),
        Index("ix_plans_status_expires_at", "status", "expires_at"),
        Index("ix_plans_status_updated_at", "status", "updated_at"),
    )  # fmt: skip
    Table(
        "audit_events", meta,
        Column("id", Id, primary_key=True, autoincrement=True),
        Column("at", UTCDateTime, nullable=False),
        Column("plan_id", Text),
        Column("kind", Text, nullable=False),
        Column("actor_user_id", Text),
        Column("actor_resource_id", BigInteger),
        Column("summary", Text, nullable=False),
        Column("changes", Json, nullable=False),
        Column("autotask_answer", Text),
        Column("details", Json, nullable=False),
        Index("ix_audit_events_at", "at"),
        Index("ix_audit_events_plan_id", "plan_id"),
    )  # fmt: skip


def _v1_conversations(meta: MetaData) -> None:
    Table(
        "identity_links", meta,
        Column("platform", Text, primary_key=True),
        Column("user_id", Text, primary_key=True),
        Column("resource_id", BigInteger, nullable=False),
        Column("linked_by", Text, nullable=False),
        Column("linked_at", UTCDateTime, nullable=False),
    )  # fmt: skip
    Table(
        "history_messages", meta,
        Column("id", Id, primary_key=True, autoincrement=True),
        Column("thread_key", Text, nullable=False),
        Column("role", Text, nullable=False),
        Column("content", Json, nullable=False),
        Column("tokens", Integer, nullable=False),
        Column("created_at", UTCDateTime, nullable=False),
        Index("ix_history_messages_thread_key_id", "thread_key", "id"),
    )  # fmt: skip
    Table(
        "conversation_references", meta,
        Column("platform", Text, primary_key=True),
        Column("conversation_id", Text, primary_key=True),
        Column("reference", Json, nullable=False),
        Column("updated_at", UTCDateTime, nullable=False),
    )  # fmt: skip


def _v1_system(meta: MetaData) -> None:
    Table(
        "leases", meta,
        Column("name", Text, primary_key=True),
        Column("holder", Text, nullable=False),
        Column("acquired_at", UTCDateTime, nullable=False),
        Column("expires_at", UTCDateTime, nullable=False),
    )  # fmt: skip
    Table(
        "credentials", meta,
        Column("name", Text, primary_key=True),
        Column("token", Text, nullable=False),
        Column("updated_at", UTCDateTime, nullable=False),
    )  # fmt: skip


def _v1_alerts(meta: MetaData) -> None:
    Table(
        "alert_subscriptions", meta,
        Column("id", Id, primary_key=True, autoincrement=True),
        Column("platform", Text, nullable=False),
        Column("conversation_id", Text, nullable=False),
        Column("thread_id", Text),
        Column("filters", Json, nullable=False),
        Column("created_by", Text, nullable=False),
        Column("created_at", UTCDateTime, nullable=False),
        Column("active", Boolean, nullable=False),
        Index("ix_alert_subscriptions_conversation", "platform", "conversation_id"),
    )  # fmt: skip
    Table(
        "alert_cursors", meta,
        Column("name", Text, primary_key=True),
        Column("value", BigInteger, nullable=False),
    )  # fmt: skip
    Table(
        "alert_deliveries", meta,
        Column("subscription_id", Id, ForeignKey("alert_subscriptions.id", ondelete="CASCADE"),
               primary_key=True, autoincrement=False),
        Column("ticket_id", BigInteger, primary_key=True, autoincrement=False),
        Column("claimed_at", UTCDateTime, nullable=False),
        Column("delivered_at", UTCDateTime),
        Column("message", Json),
    )  # fmt: skip
    Table(
        "webhook_events", meta,
        Column("key", Text, primary_key=True),
        Column("seen_at", UTCDateTime, nullable=False),
        Index("ix_webhook_events_seen_at", "seen_at"),
    )  # fmt: skip


def _v2_timers(conn: Connection) -> None:
    meta = MetaData()
    Table(
        "timers", meta,
        Column("resource_id", BigInteger, primary_key=True, autoincrement=False),
        Column("ticket_id", BigInteger, nullable=False),
        Column("ticket_label", Text, nullable=False),
        Column("summary", Text),
        Column("platform", Text, nullable=False),
        Column("user_id", Text, nullable=False),
        Column("started_at", UTCDateTime, nullable=False),
    )  # fmt: skip
    meta.create_all(conn, checkfirst=False)


def _v3_platform_deliveries(conn: Connection) -> None:
    meta = MetaData()
    Table(
        "platform_deliveries", meta,
        Column("key", Text, primary_key=True),
        Column("seen_at", UTCDateTime, nullable=False),
        Index("ix_platform_deliveries_seen_at", "seen_at"),
    )  # fmt: skip
    meta.create_all(conn, checkfirst=False)


def _v4_exports(conn: Connection) -> None:
    meta = MetaData()
    Table(
        "exports", meta,
        Column("id", Text, primary_key=True),
        Column("file_name", Text, nullable=False),
        Column("media_type", Text, nullable=False),
        Column("size", BigInteger, nullable=False),
        Column("rows", BigInteger),
        Column("created_at", UTCDateTime, nullable=False),
        Column("expires_at", UTCDateTime, nullable=False),
        Index("ix_exports_expires_at", "expires_at"),
    )  # fmt: skip
    Table(
        "export_chunks", meta,
        Column("export_id", Text, ForeignKey("exports.id", ondelete="CASCADE"), primary_key=True),
        Column("seq", Integer, primary_key=True, autoincrement=False),
        Column("data", LargeBinary, nullable=False),
    )  # fmt: skip
    Table(
        "signing_keys", meta,
        Column("name", Text, primary_key=True),
        Column("secret", Text, nullable=False),
        Column("created_at", UTCDateTime, nullable=False),
    )  # fmt: skip
    meta.create_all(conn, checkfirst=False)


def _v5_channel_companies(conn: Connection) -> None:
    meta = MetaData()
    Table(
        "channel_companies", meta,
        Column("platform", Text, primary_key=True),
        Column("conversation_id", Text, primary_key=True),
        Column("company_id", BigInteger, nullable=False),
        Column("company_name", Text, nullable=False),
        Column("linked_by", Text, nullable=False),
        Column("linked_at", UTCDateTime, nullable=False),
    )  # fmt: skip
    meta.create_all(conn, checkfirst=False)


def _v6_personal_addresses(conn: Connection) -> None:
    conn.execute(text("ALTER TABLE alert_subscriptions ADD COLUMN created_by_user_id TEXT"))
    meta = MetaData()
    Table(
        "personal_addresses", meta,
        Column("platform", Text, primary_key=True),
        Column("user_id", Text, primary_key=True),
        Column("address", Json, nullable=False),
        Column("personal_conversation_id", Text),
        Column("updated_at", UTCDateTime, nullable=False),
    )  # fmt: skip
    meta.create_all(conn, checkfirst=False)


def _v7_personal_notices(conn: Connection) -> None:
    meta = MetaData()
    Table("alert_subscriptions", meta, Column("id", Id, primary_key=True))
    Table(
        "alert_notices", meta,
        Column("subscription_id", Id, ForeignKey("alert_subscriptions.id", ondelete="CASCADE"),
               primary_key=True, autoincrement=False),
        Column("key", Text, primary_key=True),
        Column("ticket_id", BigInteger, nullable=False),
        Column("claimed_at", UTCDateTime, nullable=False),
        Column("delivered_at", UTCDateTime),
        Column("message", Json),
    )  # fmt: skip
    Table(
        "ticket_assignees", meta,
        Column("ticket_id", BigInteger, primary_key=True, autoincrement=False),
        Column("resource_id", BigInteger),
        Column("modified_ms", BigInteger, nullable=False),
        Column("changes", Integer, nullable=False),
        Column("flip_token", Text),
    )  # fmt: skip
    meta.tables["alert_notices"].create(conn, checkfirst=False)
    meta.tables["ticket_assignees"].create(conn, checkfirst=False)


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "initial schema", _v1_initial_schema),
    Migration(2, "timers", _v2_timers),
    Migration(3, "platform deliveries seen", _v3_platform_deliveries),
    Migration(4, "exports and link-signing keys", _v4_exports),
    Migration(5, "channel companies", _v5_channel_companies),
    Migration(6, "subscribers' personal addresses", _v6_personal_addresses),
    Migration(7, "personal notices and ticket assignees", _v7_personal_notices),
)


def _apply_pending(conn: Connection, migrations: tuple[Migration, ...]) -> list[int]:
    schema_migrations.create(conn, checkfirst=True)
    done = set(conn.execute(select(schema_migrations.c.version)).scalars())
    known = {m.version for m in migrations}
    if unknown := sorted(done - known):
        logger.warning(
            "the database has schema versions %s that this version of the bot does not know; "
            "it was migrated by a newer release",
            unknown,
        )
    applied: list[int] = []
    for migration in sorted(migrations, key=lambda m: m.version):
        if migration.version in done:
            continue
        migration.upgrade(conn)
        conn.execute(
            insert(schema_migrations).values(
                version=migration.version, name=migration.name, applied_at=datetime.now(UTC)
            )
        )
        applied.append(migration.version)
    return applied


async def migrate(gateway: Gateway, migrations: tuple[Migration, ...] = MIGRATIONS) -> list[int]:
    """Apply the migrations the database lacks, in order; returns the versions applied."""
    async with gateway.write() as conn:
        if gateway.dialect == "postgresql":
            await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
        applied = await conn.run_sync(_apply_pending, migrations)
    for version in applied:
        logger.info("storage migration %d applied", version)
    return applied
