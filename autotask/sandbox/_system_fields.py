"""Fields the server maintains on writes: stamps, creator/updater, ticket numbers, completion.

Create and update fill what Autotask fills itself (API-NOTES §2, §7.1, §7.3): creation and
modification stamps, who created or last changed the record (the impersonated resource when
there is one), ``ticketNumber``, completion fields and the computed time-entry fields.
"""

from __future__ import annotations

import re
from datetime import datetime

from ._store import Record, RecordStore, format_datetime
from ._write_context import Target, WriteContext

__all__ = ["COMPLETE_STATUS", "SystemFields"]

COMPLETE_STATUS = 5  # Tickets status "Complete" (API-NOTES §7.1)
_CREATED = ("createDate", "createDateTime")
_MODIFIED = (
    "lastActivityDate",
    "lastActivityDateTime",
    "lastModifiedDate",
    "lastModifiedDateTime",
    "lastModifiedTime",
    "lastTrackedModificationDateTime",
    "lastTrackedModifiedDateTime",
)
_CREATOR = ("creatorResourceID", "createdByResourceID", "creatorUserID")
_UPDATER = ("lastActivityResourceID", "lastModifiedUserID", "lastModifiedByResourceID")


class SystemFields:
    """Fills the server-maintained fields of a record that is about to be stored."""

    def __init__(self, store: RecordStore) -> None:
        self._store = store
        self._ticket_numbers: dict[str, int] = {}

    def on_create(self, target: Target, record: Record, ctx: WriteContext) -> None:
        stamp = format_datetime(ctx.now)
        names = {str(f["name"]) for f in target.meta.fields}
        system = {str(f["name"]) for f in target.meta.fields if f.get("isReadOnly")}
        for name in names.intersection(_CREATED + _MODIFIED):
            if name in system or record.get(name) is None:
                record[name] = stamp
        for name in names.intersection(_CREATOR + _UPDATER):
            if name in system or record.get(name) is None:
                record[name] = ctx.actor_id
        for name in names.intersection(("creatorType", "lastActivityPersonType")):
            record[name] = 1  # 1 = Resource (API-NOTES §7.1 picklists)
        if "impersonatorCreatorResourceID" in names:
            record["impersonatorCreatorResourceID"] = ctx.impersonation_id
        entity = target.entity.lower()
        if entity == "tickets":
            record["ticketNumber"] = self._next_ticket_number(ctx.now)
            self._completion(record, None, ctx)
        elif entity == "timeentries":
            self._time_entry_fields(record)

    def on_update(self, target: Target, before: Record, record: Record, ctx: WriteContext) -> None:
        names = {str(f["name"]) for f in target.meta.fields}
        for name in names.intersection(_MODIFIED):
            record[name] = format_datetime(ctx.now)
        for name in names.intersection(_UPDATER):
            record[name] = ctx.actor_id
        if "lastActivityPersonType" in names:
            record["lastActivityPersonType"] = 1
        if "impersonatorUpdaterResourceID" in names:
            record["impersonatorUpdaterResourceID"] = ctx.impersonation_id
        entity = target.entity.lower()
        if entity == "tickets":
            record["ticketNumber"] = before.get("ticketNumber")
            self._completion(record, before.get("status"), ctx)
        elif entity == "timeentries":
            self._time_entry_fields(record)

    def _completion(self, record: Record, previous: object, ctx: WriteContext) -> None:
        """Complete (5) fills completedDate/completedByResourceID; reopening clears them."""
        if record.get("status") == COMPLETE_STATUS and previous != COMPLETE_STATUS:
            record["completedDate"] = format_datetime(ctx.now)
            record["completedByResourceID"] = ctx.actor_id
        elif record.get("status") != COMPLETE_STATUS:
            record["completedDate"] = None
            record["completedByResourceID"] = None

    def _time_entry_fields(self, record: Record) -> None:
        record["hoursToBill"] = record.get("hoursWorked")
        if record.get("ticketID") is not None:
            record["timeEntryType"] = 2  # ticket time (API-NOTES §7.3)
        elif record.get("taskID") is not None:
            record["timeEntryType"] = 6  # task time
        else:
            record["timeEntryType"] = 3  # regular (internal) time

    def _next_ticket_number(self, now: datetime) -> str:
        """``T{yyyymmdd}.{nnnn}``, continuing the day's sequence (API-NOTES §7.1)."""
        day = now.strftime("%Y%m%d")
        if day not in self._ticket_numbers:
            pattern = re.compile(rf"^T{day}\.(\d+)$")
            highest = 0
            for ticket in self._store.records("Tickets"):
                match = pattern.match(str(ticket.get("ticketNumber") or ""))
                if match:
                    highest = max(highest, int(match.group(1)))
            self._ticket_numbers[day] = highest
        self._ticket_numbers[day] += 1
        return f"T{day}.{self._ticket_numbers[day]:04d}"

    def touch_parents(self, entity: str, record: Record, ctx: WriteContext) -> None:
        """New notes and time entries count as activity on their ticket or task."""
        if entity.lower() not in ("ticketnotes", "timeentries", "tasknotes"):
            return
        for field, parent in (("ticketID", "Tickets"), ("taskID", "Tasks")):
            target = self._store.get(parent, int(record[field])) if record.get(field) else None
            if target is None:
                continue
            for name in ("lastActivityDate", "lastActivityDateTime"):
                if name in target:
                    target[name] = format_datetime(ctx.now)
            if "lastActivityResourceID" in target:
                target["lastActivityResourceID"] = ctx.actor_id
