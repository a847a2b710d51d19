"""The demo MSP's projects: phases, tasks, the work logged on them and project notes."""

from __future__ import annotations

from datetime import datetime, timedelta

from ._seed_content import PHASES, PROJECTS, PUBLISH_ALL, ProjectSpec
from ._seed_state import DAY, MINUTE, Row, SeedState, Tech, midnight
from ._seed_time import add_time_entry

__all__ = ["add_projects"]


def add_projects(seed: SeedState) -> None:
    for spec in PROJECTS:
        _project(seed, seed.next_id("Projects", 29687001), spec)


def _project(seed: SeedState, pid: int, spec: ProjectSpec) -> None:
    name, company, status, kind, start_days, end_days, lead_name, description = spec
    picks = seed.pick("Projects")
    customer_id = next((c.id for c in seed.customers if c.name == company), 0)
    lead = seed.by_first[lead_name]
    start = midnight(seed.days(start_days)) + timedelta(hours=9)
    end = midnight(seed.days(end_days)) + timedelta(hours=17)
    created = min(start - timedelta(days=7), seed.now - timedelta(days=3))
    contracts = seed.table("Contracts").rows
    contract = next((r["id"] for r in contracts if name in str(r["contractName"])), None)
    row = seed.table("Projects").add(
        {
            "id": pid,
            "projectName": name,
            "projectNumber": f"P{created:%Y%m%d}.{pid % 1000:04d}",
            "companyID": customer_id,
            "projectType": picks.by_label("projectType", kind),
            "status": picks.by_label("status", status),
            "statusDateTime": seed.iso(created),
            "statusDetail": description,
            "description": description,
            "startDateTime": seed.iso(start),
            "endDateTime": seed.iso(end),
            "duration": (end - start).days,
            "projectLeadResourceID": lead.id,
            "companyOwnerResourceID": seed.techs[0].id,
            "contractID": contract,
            "department": seed.departments["Projects & Engineering"],
            "createDateTime": seed.iso(created),
            "creatorResourceID": lead.id,
            "completedDateTime": seed.iso(end) if status == "Complete" else None,
        }
    )
    tasks = _phases(seed, pid, (start, end), status, lead, created)
    _project_totals(seed, row, tasks)
    if status != "New":
        _project_notes(seed, pid, lead.id, start)


def _phases(
    seed: SeedState,
    pid: int,
    span: tuple[datetime, datetime],
    status: str,
    lead: Tech,
    created: datetime,
) -> list[Row]:
    length = (span[1] - span[0]) / len(PHASES)
    tasks: list[Row] = []
    for position, (title, task_titles) in enumerate(PHASES):
        phase_start = span[0] + length * position
        phase = seed.table("Phases").add(
            {
                "id": seed.next_id("Phases", 29688001),
                "projectID": pid,
                "title": title,
                "description": f"{title} phase",
                "phaseNumber": str(position + 1),
                "startDate": seed.iso(phase_start),
                "dueDate": seed.iso(phase_start + length),
                "isScheduled": True,
                "createDate": seed.iso(created),
                "creatorResourceID": lead.id,
                "lastActivityDateTime": seed.iso(created),
            }
        )
        step = length / len(task_titles)
        for order, task_title in enumerate(task_titles):
            window = (phase_start + step * order, phase_start + step * (order + 1))
            state = _task_state(status, position, order)
            tasks.append(_task(seed, phase, task_title, state, window, lead, created))
        phase["estimatedHours"] = sum((float(t["estimatedHours"]) for t in tasks[-3:]), 0.0)
    return tasks


def _task_state(project_status: str, phase: int, order: int) -> str:
    if project_status in ("Complete", "New"):
        return project_status
    if phase == 0 or (phase == 1 and order == 0):
        return "Complete"
    return "In Progress" if phase == 1 and order == 1 else "New"


def _task_worker(seed: SeedState, title: str, lead: Tech) -> tuple[Tech, int]:
    if title.startswith("Kick-off") and seed.roles["Project Manager"] in lead.roles:
        return lead, seed.roles["Project Manager"]
    engineers = [t for t in seed.techs if seed.roles["Engineer"] in t.roles]
    worker = engineers[len(seed.table("Tasks").rows) % len(engineers)]
    return worker, seed.roles["Engineer"]


def _task(
    seed: SeedState,
    phase: Row,
    title: str,
    state: str,
    window: tuple[datetime, datetime],
    lead: Tech,
    created: datetime,
) -> Row:
    picks = seed.pick("Tasks")
    worker, role = _task_worker(seed, title, lead)
    tid = seed.next_id("Tasks", 29689001)
    estimate = float(4 + (tid * 5) % 13)
    done = state == "Complete"
    finished = min(window[1], seed.now - MINUTE)
    task = seed.table("Tasks").add(
        {
            "id": tid,
            "projectID": phase["projectID"],
            "phaseID": phase["id"],
            "title": title,
            "description": f"{title}.",
            "status": picks.by_label("status", state),
            "taskType": picks.by_label("taskType", "Fixed Work"),
            "taskNumber": f"T{created:%Y%m%d}.{tid % 1000 + 900:04d}",
            "assignedResourceID": worker.id,
            "assignedResourceRoleID": role,
            "departmentID": seed.departments["Projects & Engineering"],
            "billingCodeID": seed.billing["Project Labour"],
            "startDateTime": seed.iso(window[0]),
            "endDateTime": seed.iso(window[1]),
            "estimatedHours": estimate,
            "remainingHours": 0.0 if done else estimate / (2 if state == "In Progress" else 1),
            "priorityLabel": picks.by_label("priorityLabel", "Medium"),
            "priority": tid % 1000,
            "isTaskBillable": True,
            "isVisibleInClientPortal": False,
            "canClientPortalUserCompleteTask": False,
            "createDateTime": seed.iso(created),
            "creatorResourceID": lead.id,
            "creatorType": picks.by_label("creatorType", "Resource"),
            "completedDateTime": seed.iso(finished) if done else None,
            "completedByResourceID": worker.id if done else None,
            "completedByType": picks.by_label("completedByType", "Resource") if done else None,
            "lastActivityDateTime": seed.iso(finished if state != "New" else created),
        }
    )
    if state != "New":
        _task_work(seed, task, worker.id, role, window, done=done)
    return task


def _task_work(
    seed: SeedState,
    task: Row,
    resource: int,
    role: int,
    window: tuple[datetime, datetime],
    *,
    done: bool,
) -> None:
    """Time and a note on a task; work in progress is logged in this quarter's last days."""
    first, last = window[0], min(window[1], seed.now - MINUTE)
    if not done:
        quarter = midnight(seed.now).replace(day=1, month=(seed.now.month - 1) // 3 * 3 + 1)
        first = max(first, seed.now - timedelta(days=14), quarter)
        last = seed.now - MINUTE
    if last <= first:
        first = last - timedelta(hours=8)
    count = 2 + int(task["id"]) % 3
    for index in range(count):
        moment = first + (last - first) * ((index + 0.5) / count)
        hours = seed.rng.choice((1.0, 1.5, 2.0, 2.5, 3.0, 4.0))
        add_time_entry(seed, resource, role, moment, hours, task=int(task["id"]))
    picks = seed.pick("TaskNotes")
    seed.table("TaskNotes").add(
        {
            "id": seed.next_id("TaskNotes", 29692001),
            "taskID": task["id"],
            "title": "Completed" if done else "Progress update",
            "description": "Work complete and checked." if done else "On track; next steps agreed.",
            "noteType": picks.by_label("noteType", "Task Detail"),
            "publish": picks.by_label("publish", PUBLISH_ALL),
            "creatorResourceID": resource,
            "createDateTime": seed.iso(last),
            "lastActivityDate": seed.iso(last),
        }
    )


def _project_totals(seed: SeedState, row: Row, tasks: list[Row]) -> None:
    ids = {task["id"] for task in tasks}
    entries = seed.table("TimeEntries").rows
    hours = sum((float(e["hoursWorked"]) for e in entries if e["taskID"] in ids), 0.0)
    done = sum(1 for task in tasks if task["completedDateTime"])
    activity = max((str(t["lastActivityDateTime"]) for t in tasks), default=None)
    row.update(
        {
            "estimatedTime": sum((float(task["estimatedHours"]) for task in tasks), 0.0),
            "actualHours": hours,
            "actualBilledHours": hours,
            "completedPercentage": round(100 * done / len(tasks)) if tasks else 0,
            "lastActivityDateTime": activity,
            "lastActivityResourceID": row["projectLeadResourceID"],
            "lastActivityPersonType": seed.pick("Projects").by_label(
                "lastActivityPersonType", "Resource"
            ),
        }
    )


def _project_notes(seed: SeedState, pid: int, lead: int, start: datetime) -> None:
    picks = seed.pick("ProjectNotes")
    later = min(start + timedelta(days=7), seed.now - DAY)
    for kind, title, text, moment in (
        ("Status Update", "Kick-off held", "Scope, plan and contacts agreed.", start),
        ("Risk", "Risk: supplier lead times", "Hardware delivery may slip by a week.", later),
    ):
        seed.table("ProjectNotes").add(
            {
                "id": seed.next_id("ProjectNotes", 29691001),
                "projectID": pid,
                "title": title,
                "description": text,
                "noteType": picks.by_label("noteType", kind),
                "publish": picks.by_label("publish", PUBLISH_ALL),
                "isAnnouncement": False,
                "creatorResourceID": lead,
                "createDateTime": seed.iso(moment),
                "lastActivityDate": seed.iso(moment),
            }
        )
