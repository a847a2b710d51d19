"""Time entries of the demo MSP's technicians, on tickets and on project tasks."""

from __future__ import annotations

from datetime import datetime, timedelta

from ._seed_content import WORK_SUMMARIES
from ._seed_state import DAY, SeedState, midnight

__all__ = ["add_time_entry"]


def _slot(seed: SeedState, moment: datetime, hours: float) -> tuple[datetime, datetime]:
    """A work slot near ``moment`` that ends by ``now`` and does not cross UTC midnight."""
    span = timedelta(hours=hours)
    start = moment.replace(minute=moment.minute - moment.minute % 15, second=0, microsecond=0)
    if midnight(start) != midnight(start + span):
        start = midnight(start) + DAY - span - timedelta(minutes=15)
    if start + span > seed.now:
        latest = seed.now - span
        start = latest.replace(minute=latest.minute - latest.minute % 15, second=0)
        if midnight(start) != midnight(start + span):
            start = midnight(seed.now) - DAY + timedelta(hours=14)
    return start, start + span


def add_time_entry(
    seed: SeedState,
    resource: int,
    role: int,
    moment: datetime,
    hours: float,
    *,
    ticket: int | None = None,
    task: int | None = None,
    contract: int | None = None,
) -> None:
    rng = seed.rng
    start, end = _slot(seed, moment, hours)
    code = "Project Labour" if task else "Remote Support"
    if ticket and (start.weekday() >= 5 or not 8 <= start.hour < 18):
        code = "After Hours Support"
    elif ticket and rng.random() < 0.12:
        code = "Onsite Support"
    billable = rng.random() >= 0.05
    entered = seed.iso(min(end + timedelta(minutes=rng.randint(2, 30)), seed.now))
    seed.table("TimeEntries").add(
        {
            "id": seed.next_id("TimeEntries", 29800001),
            "ticketID": ticket,
            "taskID": task,
            "resourceID": resource,
            "roleID": role,
            "dateWorked": seed.iso_date(start),
            "startDateTime": seed.iso(start),
            "endDateTime": seed.iso(end),
            "hoursWorked": hours,
            "hoursToBill": hours if billable else 0.0,
            "isNonBillable": not billable,
            "showOnInvoice": billable,
            "summaryNotes": rng.choice(WORK_SUMMARIES),
            "timeEntryType": seed.pick("TimeEntries").by_label(
                "timeEntryType", "Task" if task else "Ticket"
            ),
            "billingCodeID": seed.billing[code],
            "contractID": contract,
            "createDateTime": entered,
            "creatorUserID": resource,
            "lastModifiedDateTime": entered,
            "lastModifiedUserID": resource,
            "isInternalNotesVisibleToComanaged": False,
        }
    )
