"""The demo MSP's tickets over the last months, with their notes and time.

Each ticket is first planned (customer, template, status, who and when), then written as a
record; older tickets are mostly complete, recent ones a realistic open mix.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ._seed_content import FIRST_NAMES, LAST_NAMES, PUBLISH_ALL, PUBLISH_INTERNAL
from ._seed_state import (
    DAY,
    MINUTE,
    Customer,
    Row,
    SeedState,
    Tech,
    midnight,
    sla_of,
    weighted,
)
from ._seed_ticket_content import (
    CONTACT_SOURCES,
    CUSTOMER_REPLIES,
    HISTORY_DAYS,
    NOTE_TEXTS,
    OPEN_STATUSES,
    PRIORITY_WEIGHTS,
    RESOLUTIONS,
    RESPONSE_HOURS,
    SOURCES,
    TICKET_TEMPLATES,
    TICKET_TYPES,
    WORK_HOURS,
)
from ._seed_time import add_time_entry

__all__ = ["add_tickets"]


@dataclass
class TicketPlan:
    """What one ticket is about, before its record is written."""

    id: int
    number: str
    created: datetime
    customer: Customer
    template: tuple[str, str, str, str, str, str]
    status: str
    priority: str
    source: str = "Email"
    queue: str = "Service Desk"
    contact: int | None = None
    tech: Tech | None = None
    role: int | None = None
    finished: datetime | None = None
    last_activity: datetime | None = None


def add_tickets(seed: SeedState, count: int) -> None:
    moments = sorted(_ticket_moment(seed) for _ in range(count))
    pinned = {max(count - back, 0) for back in (2, 7, 15)} if count else set()
    per_day: Counter[str] = Counter()
    for index, created in enumerate(moments):
        day = f"{created:%Y%m%d}"
        per_day[day] += 1
        number = f"T{day}.{per_day[day]:04d}"
        plan = _plan(seed, 7001 + index, number, created, pinned=index in pinned)
        seed.table("Tickets").add(_ticket(seed, plan), _ticket_udfs(plan))
        _ticket_notes(seed, plan)
        _ticket_time(seed, plan)


def _ticket_moment(seed: SeedState) -> datetime:
    """A creation time in the last 180 days, mostly in office hours on working days."""
    rng = seed.rng
    moment = seed.now - timedelta(minutes=rng.uniform(3, HISTORY_DAYS * 1440))
    if rng.random() < 0.85 and (moment.weekday() >= 5 or not 8 <= moment.hour < 18):
        earliest = seed.now - timedelta(days=HISTORY_DAYS)
        day = midnight(moment)
        step = -DAY if day - 2 * DAY > earliest else DAY
        while day.weekday() >= 5:
            day += step
        moment = day + timedelta(minutes=rng.uniform(8 * 60, 18 * 60))
        if moment <= earliest:
            moment = earliest + timedelta(minutes=rng.uniform(1, 240))
        if moment >= seed.now:
            moment = seed.now - timedelta(minutes=rng.uniform(3, 90))
    return moment.replace(second=0, microsecond=0)


def _plan(seed: SeedState, tid: int, number: str, created: datetime, *, pinned: bool) -> TicketPlan:
    """Who, what and when; a pinned ticket is an open High one for Contoso."""
    rng = seed.rng
    weights = [c.seats for c in seed.customers]
    customer = seed.customers[0] if pinned else rng.choices(seed.customers, weights)[0]
    template = rng.choice(TICKET_TEMPLATES)
    while pinned and template[2] == "alert":
        template = rng.choice(TICKET_TEMPLATES)
    priority = "High" if pinned else weighted(rng, PRIORITY_WEIGHTS)
    status = _status(seed, (seed.now - created) / DAY, pinned)
    plan = TicketPlan(tid, number, created, customer, template, status, priority)
    if template[2] == "alert":
        plan.source = "Monitoring Alert"
    else:
        plan.source = weighted(rng, SOURCES)
        if customer.contacts and rng.random() < 0.95:
            plan.contact = rng.choice(customer.contacts)
    _schedule(seed, plan)
    _assign(seed, plan)
    return plan


def _status(seed: SeedState, age: float, pinned: bool) -> str:
    """Older tickets are mostly complete; recent ones are a realistic open mix."""
    rng = seed.rng
    if pinned:
        return rng.choice(("In Progress", "New", "Waiting Customer"))
    thresholds = ((2, 0.85), (7, 0.6), (21, 0.3), (60, 0.08))
    chance = next((share for days, share in thresholds if age < days), 0.015)
    if rng.random() >= chance:
        return "Complete"
    return "New" if age < 0.1 else weighted(rng, OPEN_STATUSES)


def _schedule(seed: SeedState, plan: TicketPlan) -> None:
    rng = seed.rng
    if plan.status == "Complete":
        budget = RESPONSE_HOURS.get(plan.priority, 24.0) * rng.uniform(0.1, 1.4)
        finished = plan.created + timedelta(hours=budget, minutes=rng.uniform(10, 40))
        plan.finished = max(min(finished, seed.now - MINUTE), plan.created + MINUTE)
        plan.last_activity = plan.finished
    else:
        plan.last_activity = plan.created + (seed.now - plan.created) * rng.random()


def _assign(seed: SeedState, plan: TicketPlan) -> None:
    """Assign a technician of the ticket's queue, with one of that technician's roles."""
    rng = seed.rng
    plan.queue = _queue_label(plan)
    if rng.random() >= {"Complete": 0.75, "New": 0.2}.get(plan.status, 1.0):
        return
    queue = seed.pick("ResourceRoleQueues").by_label("queueID", plan.queue)
    desk = [t for t in seed.techs if t.id != seed.admin]
    tech = rng.choice([t for t in desk if queue in t.queues] or desk)
    plan.tech = tech
    plan.role = tech.roles[0] if rng.random() < 0.7 else rng.choice(tech.roles)


def _queue_label(plan: TicketPlan) -> str:
    if plan.template[2] == "alert":
        return "Monitoring Alert"
    if plan.status == "Escalated" or plan.priority == "Critical" or plan.id % 5 == 0:
        return "Level II Support"
    if plan.source == "Client Portal" and plan.id % 2 == 0:
        return "Client Portal"
    return "Recurring Tickets" if plan.id % 41 == 0 else "Service Desk"


def _classification(seed: SeedState, issue: str, sub: str) -> tuple[Any, Any]:
    """Issue and sub-issue values; the sub-issue always belongs to the issue."""
    key = f"{issue}/{sub}"
    if key not in seed.classes:
        picks = seed.pick("Tickets")
        issue_value = picks.by_label("issueType", issue)
        subs = picks.children("subIssueType", issue_value)
        named = [
            value
            for value, label, parent in picks.values("subIssueType")
            if label.lower() == sub.lower() and parent == str(issue_value)
        ]
        seed.classes[key] = (issue_value, (named or subs or [None])[0])
    return seed.classes[key]


def _ticket(seed: SeedState, plan: TicketPlan) -> Row:
    picks = seed.pick("Tickets")
    issue, sub, kind, ci_kind, title, description = plan.template
    issue_value, sub_value = _classification(seed, issue, sub)
    cis = plan.customer.cis.get(ci_kind) or []
    ci = seed.rng.choice(cis) if cis else None
    return {
        "id": plan.id,
        "ticketNumber": plan.number,
        "title": _title(seed, title, plan, ci),
        "description": description,
        "companyID": plan.customer.id,
        "contactID": plan.contact,
        "status": picks.by_label("status", plan.status),
        "priority": picks.by_label("priority", plan.priority),
        "queueID": picks.by_label("queueID", plan.queue),
        "issueType": issue_value,
        "subIssueType": sub_value,
        "ticketType": picks.by_label("ticketType", TICKET_TYPES[kind]),
        "source": picks.by_label("source", plan.source),
        "ticketCategory": picks.by_label("ticketCategory", "Standard"),
        "serviceLevelAgreementID": sla_of(picks, plan.customer),
        "configurationItemID": ci[0] if ci else None,
        "contractID": plan.customer.contract_at(plan.created),
        "estimatedHours": 0.5 if kind == "alert" else 2.0,
        "isVisibleToComanaged": False,
        "isAssignedToComanaged": False,
        **_ticket_people(seed, plan),
        **_ticket_times(seed, plan),
    }


def _title(seed: SeedState, title: str, plan: TicketPlan, ci: tuple[int, str] | None) -> str:
    if "{" not in title:
        return title
    first, last = seed.rng.choice(FIRST_NAMES), seed.rng.choice(LAST_NAMES)
    host = ci[1] if ci else f"{plan.customer.short}-SRV01"
    return title.format(host=host, first=first, last=last, initial=first[0])


def _worker(seed: SeedState, plan: TicketPlan) -> Tech | None:
    """Who worked the ticket: its technician, or a first-line one for closed unassigned ones."""
    if plan.tech is not None or plan.finished is None:
        return plan.tech
    return seed.first_line[plan.id % len(seed.first_line)]


def _ticket_people(seed: SeedState, plan: TicketPlan) -> Row:
    picks = seed.pick("Tickets")
    resource = picks.by_label("creatorType", "Resource")
    contact = picks.by_label("creatorType", "Contact")
    by_contact = plan.contact is not None and plan.source in CONTACT_SOURCES
    worker = _worker(seed, plan)
    creator = worker or seed.first_line[plan.id % len(seed.first_line)]
    if plan.template[2] == "alert":
        creator_id = seed.api_user  # raised by the monitoring integration
    else:
        creator_id = creator.id
    return {
        "assignedResourceID": plan.tech.id if plan.tech else None,
        "assignedResourceRoleID": plan.role,
        "creatorType": contact if by_contact else resource,
        "creatorResourceID": None if by_contact else creator_id,
        "createdByContactID": plan.contact if by_contact else None,
        "lastActivityPersonType": resource if worker else contact,
        "lastActivityResourceID": worker.id if worker else None,
        "completedByResourceID": worker.id if worker and plan.finished else None,
        "firstResponseAssignedResourceID": plan.tech.id if plan.tech else None,
    }


def _ticket_times(seed: SeedState, plan: TicketPlan) -> Row:
    rng = seed.rng
    created, last, finished = plan.created, plan.last_activity or plan.created, plan.finished
    due = created + timedelta(hours=RESPONSE_HOURS.get(plan.priority, 24.0))
    responded = min(created + timedelta(minutes=rng.uniform(5, 90)), last)
    answered = plan.status != "New" or plan.tech is not None
    return {
        "createDate": seed.iso(created),
        "lastActivityDate": seed.iso(last),
        "lastTrackedModificationDateTime": seed.iso(last),
        "dueDateTime": seed.iso(due),
        "firstResponseDueDateTime": seed.iso(created + timedelta(hours=1)),
        "firstResponseDateTime": seed.iso(responded) if answered else None,
        "resolvedDueDateTime": seed.iso(due),
        "completedDate": seed.iso(finished) if finished else None,
        "resolvedDateTime": seed.iso(finished) if finished else None,
        "serviceLevelAgreementHasBeenMet": finished <= due if finished else None,
        "resolution": rng.choice(RESOLUTIONS) if finished else None,
    }


def _ticket_udfs(plan: TicketPlan) -> dict[str, str | None]:
    impact = None
    if plan.template[2] == "inc":
        impact = ("Single user", "Single user", "Department", "Whole company")[plan.id % 4]
    cause = "Configuration" if plan.finished and plan.id % 3 == 0 else None
    return {"Customer Impact": impact, "Root Cause": cause, "Follow-up Date": None}


def _ticket_notes(seed: SeedState, plan: TicketPlan) -> None:
    rng = seed.rng
    if plan.finished:
        count = 1 + (rng.random() < 0.35) + (rng.random() < 0.1)
    else:
        count = int(rng.random() < 0.3) if plan.status == "New" else rng.randint(0, 2)
    last = plan.last_activity or plan.created
    for index in range(count):
        moment = plan.created + (last - plan.created) * ((index + 1) / (count + 1))
        _ticket_note(seed, plan, moment, closing=plan.finished is not None and index == count - 1)


def _ticket_note(seed: SeedState, plan: TicketPlan, moment: datetime, *, closing: bool) -> None:
    rng = seed.rng
    picks = seed.pick("TicketNotes")
    from_contact = not closing and plan.contact is not None and rng.random() < 0.15
    if closing:
        title, text = "Resolution", rng.choice(RESOLUTIONS)
        moment = plan.finished or moment
    else:
        title, text = rng.choice(CUSTOMER_REPLIES if from_contact else NOTE_TEXTS)
    internal = not from_contact and not closing and rng.random() < 0.3
    author = _worker(seed, plan) or seed.first_line[plan.id % len(seed.first_line)]
    seed.table("TicketNotes").add(
        {
            "id": seed.next_id("TicketNotes", 29700001),
            "ticketID": plan.id,
            "title": title,
            "description": text,
            "noteType": picks.by_label("noteType", "Internal" if internal else "General"),
            "publish": picks.by_label("publish", PUBLISH_INTERNAL if internal else PUBLISH_ALL),
            "createDateTime": seed.iso(moment),
            "lastActivityDate": seed.iso(moment),
            "creatorResourceID": None if from_contact else author.id,
            "createdByContactID": plan.contact if from_contact else None,
        }
    )


def _ticket_time(seed: SeedState, plan: TicketPlan) -> None:
    rng = seed.rng
    worker = _worker(seed, plan)
    if worker is None or plan.status == "New":
        return
    if plan.finished:
        count = 1 + (rng.random() < 0.25) + (rng.random() < 0.05)
    else:
        count = (rng.random() < 0.7) + (rng.random() < 0.2)
    role = plan.role if plan.tech and plan.role else worker.roles[0]
    end = plan.finished or seed.now
    contract = plan.customer.contract_at(plan.created)
    for _ in range(count):
        moment = plan.created + (end - plan.created) * rng.random()
        hours = rng.choice(WORK_HOURS)
        add_time_entry(seed, worker.id, role, moment, hours, ticket=plan.id, contract=contract)
