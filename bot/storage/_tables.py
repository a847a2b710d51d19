"""The schema at its latest version, the column types it uses, and the storage errors.

Every table here must be reachable by the migrations in ``_migrations.py``; a test compares the
migrated database with this metadata, so a column added here without a migration fails it.
Times are stored in UTC: ``timestamptz`` on PostgreSQL, naive UTC text on SQLite.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Table,
    Text,
    TypeDecorator,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import TypeEngine

__all__ = [
    "Id",
    "Json",
    "StorageError",
    "UTCDateTime",
    "alert_cursors",
    "alert_deliveries",
    "alert_notices",
    "alert_subscriptions",
    "audit_events",
    "channel_companies",
    "conversation_references",
    "credentials",
    "export_chunks",
    "exports",
    "history_messages",
    "identity_links",
    "leases",
    "metadata",
    "personal_addresses",
    "plans",
    "platform_deliveries",
    "schema_migrations",
    "signing_keys",
    "ticket_assignees",
    "timers",
    "webhook_events",
]


class StorageError(Exception):
    """The storage cannot do what was asked; the message says what to change."""


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware datetime, stored in UTC; naive datetimes are refused."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("storage times must be timezone-aware (UTC)")
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def without_nul(value: Any) -> Any:
    """``value`` with every NUL character replaced by U+FFFD: PostgreSQL's text and jsonb cannot
    hold NUL, and customer text (a ticket pasted from a binary file) sometimes has one."""
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd") if "\x00" in value else value
    if isinstance(value, dict):
        return {without_nul(k): without_nul(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [without_nul(v) for v in value]
    return value


class _JsonDocument(TypeDecorator[Any]):
    """JSON documents: JSONB on PostgreSQL (NUL-free); Python None is SQL NULL, not the JSON
    literal null."""

    impl = JSON(none_as_null=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(JSONB(none_as_null=True))
        return dialect.type_descriptor(JSON(none_as_null=True))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        return without_nul(value) if dialect.name == "postgresql" else value


class Prose(TypeDecorator[str]):
    """Free text (summaries, Autotask's answers): NUL-free on PostgreSQL."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return without_nul(value) if dialect.name == "postgresql" else value


Json = _JsonDocument()
# Surrogate keys: 64-bit on PostgreSQL, SQLite's rowid alias (INTEGER PRIMARY KEY) there.
Id = BigInteger().with_variant(Integer(), "sqlite")

metadata = MetaData()

schema_migrations = Table(
    "schema_migrations",
    metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("name", Text, nullable=False),
    Column("applied_at", UTCDateTime, nullable=False),
)


plans = Table(
    "plans",
    metadata,
    Column("id", Text, primary_key=True),
    Column("status", Text, nullable=False),
    Column("plan", Json, nullable=False),
    Column("requester_user_id", Text, nullable=False),
    Column("requester_email", Text),
    Column("requester_resource_id", BigInteger),
    Column("requester_name", Prose),
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
)

audit_events = Table(
    "audit_events",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("at", UTCDateTime, nullable=False),
    Column("plan_id", Text),
    Column("kind", Text, nullable=False),
    Column("actor_user_id", Text),
    Column("actor_resource_id", BigInteger),
    Column("summary", Prose, nullable=False),
    Column("changes", Json, nullable=False),
    Column("autotask_answer", Prose),
    Column("details", Json, nullable=False),
    Index("ix_audit_events_at", "at"),
    Index("ix_audit_events_plan_id", "plan_id"),
)

identity_links = Table(
    "identity_links",
    metadata,
    Column("platform", Text, primary_key=True),
    Column("user_id", Text, primary_key=True),
    Column("resource_id", BigInteger, nullable=False),
    Column("linked_by", Text, nullable=False),
    Column("linked_at", UTCDateTime, nullable=False),
)

channel_companies = Table(
    "channel_companies",
    metadata,
    Column("platform", Text, primary_key=True),
    Column("conversation_id", Text, primary_key=True),
    Column("company_id", BigInteger, nullable=False),
    Column("company_name", Text, nullable=False),
    Column("linked_by", Text, nullable=False),
    Column("linked_at", UTCDateTime, nullable=False),
)

history_messages = Table(
    "history_messages",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("thread_key", Text, nullable=False),
    Column("role", Text, nullable=False),
    Column("content", Json, nullable=False),
    Column("tokens", Integer, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_history_messages_thread_key_id", "thread_key", "id"),
)

conversation_references = Table(
    "conversation_references",
    metadata,
    Column("platform", Text, primary_key=True),
    Column("conversation_id", Text, primary_key=True),
    Column("reference", Json, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

personal_addresses = Table(
    "personal_addresses",
    metadata,
    Column("platform", Text, primary_key=True),
    Column("user_id", Text, primary_key=True),
    Column("address", Json, nullable=False),
    Column("personal_conversation_id", Text),
    Column("updated_at", UTCDateTime, nullable=False),
)

alert_subscriptions = Table(
    "alert_subscriptions",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("platform", Text, nullable=False),
    Column("conversation_id", Text, nullable=False),
    Column("thread_id", Text),
    Column("filters", Json, nullable=False),
    Column("created_by", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("created_by_user_id", Text),
    Index("ix_alert_subscriptions_conversation", "platform", "conversation_id"),
)


def _subscription_key() -> Column[int]:
    """The subscription a delivery row belongs to (gone with it)."""
    return Column(
        "subscription_id",
        Id,
        ForeignKey("alert_subscriptions.id", ondelete="CASCADE"),
        primary_key=True,
        autoincrement=False,
    )


def _delivery_state() -> tuple[Column[Any], ...]:
    """When a delivery was claimed and posted, and where it went (to update the message)."""
    return (
        Column("claimed_at", UTCDateTime, nullable=False),
        Column("delivered_at", UTCDateTime),
        Column("message", Json),
    )


alert_cursors = Table(
    "alert_cursors",
    metadata,
    Column("name", Text, primary_key=True),
    Column("value", BigInteger, nullable=False),
)

alert_deliveries = Table(
    "alert_deliveries",
    metadata,
    _subscription_key(),
    Column("ticket_id", BigInteger, primary_key=True, autoincrement=False),
    *_delivery_state(),
)

alert_notices = Table(
    "alert_notices",
    metadata,
    _subscription_key(),
    Column("key", Text, primary_key=True),
    Column("ticket_id", BigInteger, nullable=False),
    *_delivery_state(),
)

ticket_assignees = Table(
    "ticket_assignees",
    metadata,
    Column("ticket_id", BigInteger, primary_key=True, autoincrement=False),
    Column("resource_id", BigInteger),
    Column("modified_ms", BigInteger, nullable=False),
    Column("changes", Integer, nullable=False),
    Column("flip_token", Text),
)

webhook_events = Table(
    "webhook_events",
    metadata,
    Column("key", Text, primary_key=True),
    Column("seen_at", UTCDateTime, nullable=False),
    Index("ix_webhook_events_seen_at", "seen_at"),
)

leases = Table(
    "leases",
    metadata,
    Column("name", Text, primary_key=True),
    Column("holder", Text, nullable=False),
    Column("acquired_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
)

credentials = Table(
    "credentials",
    metadata,
    Column("name", Text, primary_key=True),
    Column("token", Text, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

timers = Table(
    "timers",
    metadata,
    Column("resource_id", BigInteger, primary_key=True, autoincrement=False),
    Column("ticket_id", BigInteger, nullable=False),
    Column("ticket_label", Prose, nullable=False),
    Column("summary", Prose),
    Column("platform", Text, nullable=False),
    Column("user_id", Text, nullable=False),
    Column("started_at", UTCDateTime, nullable=False),
)

platform_deliveries = Table(
    "platform_deliveries",
    metadata,
    Column("key", Text, primary_key=True),
    Column("seen_at", UTCDateTime, nullable=False),
    Index("ix_platform_deliveries_seen_at", "seen_at"),
)

exports = Table(
    "exports",
    metadata,
    Column("id", Text, primary_key=True),
    Column("file_name", Text, nullable=False),
    Column("media_type", Text, nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("rows", BigInteger),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Index("ix_exports_expires_at", "expires_at"),
)

export_chunks = Table(
    "export_chunks",
    metadata,
    Column(
        "export_id",
        Text,
        ForeignKey("exports.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("data", LargeBinary, nullable=False),
)

signing_keys = Table(
    "signing_keys",
    metadata,
    Column("name", Text, primary_key=True),
    Column("secret", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)
