"""Business rules of particular entities, checked on every create and update.

Messages quote Autotask where API-NOTES has its wording (§6.1, §7.1, §7.3); the others say
what is wrong in the same style. Every failure is HTTP 500 ``{"errors": [...]}``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from ._store import ApiError, FieldSource, Record, RecordStore, format_datetime, parse_datetime
from ._write_context import Target

__all__ = ["EntityRules"]


class EntityRules:
    """The rules of Tickets, TimeEntries and TicketNotes (other entities have none)."""

    def __init__(
        self,
        store: RecordStore,
        metadata: Callable[[str], FieldSource | None],
        *,
        queue_membership_required: bool = False,
    ) -> None:
        self._store = store
        self._metadata = metadata
        self._queue_membership_required = queue_membership_required

    def check(self, target: Target, record: Record, changed: set[str]) -> None:
        """Raise when ``record`` (``changed`` names the fields the body set) breaks a rule."""
        rule = _RULES.get(target.entity.lower())
        if rule is not None:
            rule(self, target, record, changed)

    def _ticket_rule(self, target: Target, record: Record, changed: set[str]) -> None:
        resource = record.get("assignedResourceID")
        role = record.get("assignedResourceRoleID")
        if (resource is None) != (role is None):
            # Exact text from API-NOTES §7.1 / §6.1.
            raise ApiError.error(
                "When assigning a Resource, you must assign both a assignedResourceID and "
                "assignedResourceRoleID."
            )
        self._check_queue_member(record, changed)
        if resource is None or not {"assignedResourceID", "assignedResourceRoleID"} & changed:
            return
        if self._metadata("ResourceServiceDeskRoles") is None:
            return
        pairs = self._store.records("ResourceServiceDeskRoles")
        if not any(
            p.get("resourceID") == resource and p.get("roleID") == role and p.get("isActive", True)
            for p in pairs
        ):
            raise ApiError.error(
                f"The role {role} is not a service desk role of resource {resource}; "
                "assignedResourceID and assignedResourceRoleID must be a valid pair."
            )

    def _check_queue_member(self, record: Record, changed: set[str]) -> None:
        """Where the tenant requires it, the assignee works the ticket's queue (official
        ``TicketsEntity.htm``: the resource and role must belong to the queue)."""
        resource, queue = record.get("assignedResourceID"), record.get("queueID")
        moved = {"assignedResourceID", "assignedResourceRoleID", "queueID"} & changed
        if not self._queue_membership_required or resource is None or queue is None or not moved:
            return
        if self._metadata("ResourceRoleQueues") is None:
            return
        if not any(
            m.get("resourceID") == resource
            and m.get("queueID") == queue
            and m.get("isActive", True)
            for m in self._store.records("ResourceRoleQueues")
        ):
            raise ApiError.error(
                f"The resource {resource} is not a member of the queue {queue}; assign a resource "
                "of that queue, or change the queue."
            )

    def _time_entry_rule(self, target: Target, record: Record, changed: set[str]) -> None:
        for parent, label in (("ticketID", "Tickets"), ("taskID", "Tasks")):
            if record.get(parent) is not None and record.get("roleID") is None:
                raise ApiError.error(f"TimeEntries for {label} must have a roleID")
        start = parse_datetime(record.get("startDateTime"))
        end = parse_datetime(record.get("endDateTime"))
        if start and end:
            if end <= start:
                raise ApiError.error("The endDateTime must be later than the startDateTime.")
            ends_at_midnight = end.time() == datetime.min.time() and (end - start).days < 1
            if end.date() != start.date() and not ends_at_midnight:
                # Official TimeEntriesEntity: entries may not span midnight (UTC).
                raise ApiError.error("A time entry cannot span midnight (UTC).")
            if record.get("hoursWorked") is None:
                record["hoursWorked"] = round((end - start).total_seconds() / 3600, 4)
        if record.get("dateWorked") is None:
            if start is None:
                raise ApiError.error("TimeEntry: dateWorked is required.")
            record["dateWorked"] = format_datetime(start.replace(hour=0, minute=0, second=0))
        hours = record.get("hoursWorked")
        if hours is not None and not 0 < float(hours) <= 24:
            raise ApiError.error("hoursWorked must be greater than 0 and no more than 24.")
        self._check_active_resource(record.get("resourceID"), changed)

    def _check_active_resource(self, resource_id: object, changed: set[str]) -> None:
        if resource_id is None or "resourceID" not in changed:
            return
        resource = self._store.get("Resources", int(str(resource_id)))
        if resource is not None and resource.get("isActive") is False:
            raise ApiError.error(f"The resource {resource_id} is not active.")

    def _note_rule(self, target: Target, record: Record, changed: set[str]) -> None:
        for name in ("description", "noteType", "publish"):
            if record.get(name) in (None, ""):
                raise ApiError.error(f"{target.singular}: {name} is required.")


_RULES: dict[str, Callable[[EntityRules, Target, Record, set[str]], None]] = {
    "tickets": EntityRules._ticket_rule,
    "timeentries": EntityRules._time_entry_rule,
    "ticketnotes": EntityRules._note_rule,
}
