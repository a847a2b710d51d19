"""What the bot keeps across restarts, on SQLite (embedded) or PostgreSQL (several replicas).

Open with ``await Database.open(url)``, then ``await db.migrate()``. Each concern has its store:
``db.plans``, ``db.audit``, ``db.identities``, ``db.channels``, ``db.history``, ``db.references``,
``db.addresses``, ``db.alerts``, ``db.leases``, ``db.credentials``, ``db.timers``,
``db.deliveries``, ``db.exports``, ``db.notices``. All times are timezone-aware UTC datetimes.
"""

from __future__ import annotations

from ._addresses import AddressStore, PersonalAddress
from ._alerts import AlertStore, Subscription
from ._audit import AUDIT_KINDS, AuditEvent, AuditLog
from ._channels import ChannelCompany, ChannelStore
from ._credentials import CredentialKeyError, CredentialStore
from ._database import Database, DialectName, normalize_url
from ._deliveries import DEFAULT_DELIVERY_RETENTION, DeliveryStore
from ._exports import CHUNK_BYTES, DEFAULT_EXPORT_RETENTION, ExportStore, StoredExport
from ._history import HistoryStore
from ._identities import IdentityStore
from ._leases import LeaseStore
from ._notices import Assignee, NoticeStore
from ._plans import PlanStatus, PlanStore, StoredPlan
from ._references import ReferenceStore
from ._tables import StorageError
from ._timers import RunningTimer, TimerStore

__all__ = [
    "AUDIT_KINDS",
    "CHUNK_BYTES",
    "DEFAULT_DELIVERY_RETENTION",
    "DEFAULT_EXPORT_RETENTION",
    "AddressStore",
    "AlertStore",
    "Assignee",
    "AuditEvent",
    "AuditLog",
    "ChannelCompany",
    "ChannelStore",
    "CredentialKeyError",
    "CredentialStore",
    "Database",
    "DeliveryStore",
    "DialectName",
    "ExportStore",
    "HistoryStore",
    "IdentityStore",
    "LeaseStore",
    "NoticeStore",
    "PersonalAddress",
    "PlanStatus",
    "PlanStore",
    "ReferenceStore",
    "RunningTimer",
    "StorageError",
    "StoredExport",
    "StoredPlan",
    "Subscription",
    "TimerStore",
    "normalize_url",
]
