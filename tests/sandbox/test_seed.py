"""The demo MSP: deterministic, in Autotask's shape, valid against its metadata, realistic."""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

import pytest
from contracts import TENANT_SAMPLE, require

from autotask._catalogue import entity_type
from autotask.sandbox._metadata import EntityMetadata, MetadataRegistry
from autotask.sandbox._seed import DemoData, build_demo_msp

NOW = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)
DATE_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$")
CUSTOMERS = {
    "Contoso", "Northwind Traders", "Acme Corporation", "Fabrikam", "Adventure Works",
    "Tailspin Toys", "Wide World Importers", "Litware", "Proseware", "Woodgrove Bank",
    "Alpine Ski House", "Coho Winery",
}  # fmt: skip


@cache
def registry() -> MetadataRegistry:
    return MetadataRegistry()


@cache
def demo() -> DemoData:
    return build_demo_msp(registry(), seed=7, tickets=1500, now=NOW)


def meta(entity: str, metadata: MetadataRegistry | None = None) -> EntityMetadata:
    found = (metadata or registry()).get(entity)
    assert found is not None, entity
    return found


def parse(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def by_id(entity: str, data: DemoData | None = None) -> dict[int, dict[str, Any]]:
    return {row["id"]: row for row in (data or demo())[entity]}


def label_of(entity: str, field: str, label: str) -> int:
    values = [v for v in meta(entity).picklist(field) if v["label"] == label]
    assert values, (entity, field, label)
    return int(values[0]["value"])


def check_records(data: DemoData, metadata: MetadataRegistry) -> None:
    """Every record has exactly its metadata's fields and valid, active picklist values."""
    for entity, rows in data.items():
        info = meta(entity, metadata)
        names = {f["name"] for f in info.fields}
        udf_names = [u["name"] for u in info.udfs]
        for row in rows:
            extra = {"userDefinedFields"} if info.supports_udfs else set()
            assert set(row) == names | extra, entity
            if info.supports_udfs:
                assert [u["name"] for u in row["userDefinedFields"]] == udf_names
                assert all(u["value"] is None or isinstance(u["value"], str)
                           for u in row["userDefinedFields"])  # fmt: skip
        for field in info.fields:
            check_field(entity, field, [row[field["name"]] for row in rows])


def check_field(entity: str, field: dict[str, Any], values: list[Any]) -> None:
    present = [v for v in values if v is not None]
    where = f"{entity}.{field['name']}"
    if field["isPickList"]:
        active = {v["value"] for v in field["picklistValues"] or [] if v["isActive"]}
        assert all(str(v) in active for v in present), where
    if field["dataType"] in ("integer", "long"):
        assert all(isinstance(v, int) and not isinstance(v, bool) for v in present), where
    elif field["dataType"] == "datetime":
        assert all(DATE_TIME.match(v) for v in present), where
    elif field["dataType"] == "boolean":
        assert all(isinstance(v, bool) for v in present), where
    elif field["dataType"] == "decimal":
        assert all(isinstance(v, float) for v in present), where
    elif field["dataType"] == "string":
        assert all(isinstance(v, str) and len(v) <= field["length"] for v in present), where


def test_the_same_inputs_give_byte_identical_data() -> None:
    first = json.dumps(build_demo_msp(registry(), seed=3, tickets=300, now=NOW))
    again = json.dumps(build_demo_msp(registry(), seed=3, tickets=300, now=NOW))
    other = json.dumps(build_demo_msp(registry(), seed=4, tickets=300, now=NOW))
    assert first == again
    assert first != other


def test_a_naive_now_counts_as_utc() -> None:
    naive = build_demo_msp(registry(), tickets=50, now=NOW.replace(tzinfo=None))
    assert naive == build_demo_msp(registry(), tickets=50, now=NOW)


def test_records_have_exactly_their_metadata_fields_and_valid_values() -> None:
    check_records(demo(), registry())


def test_every_entity_with_metadata_is_present_and_ids_ascend() -> None:
    data = demo()
    assert set(data) == set(registry().names())
    assert data["TicketWebhooks"] == [] and data["TicketWebhookFields"] == []
    for entity, rows in data.items():
        ids = [row["id"] for row in rows]
        assert ids == sorted(set(ids)), entity


def test_every_reference_resolves() -> None:
    data = demo()
    ids = {entity: set(by_id(entity)) for entity in data}
    checked = 0
    for entity, rows in data.items():
        for field in meta(entity).fields:
            if not field["isReference"]:
                continue
            target = entity_type(field["referenceEntityType"]).name
            if target not in ids:
                assert all(row[field["name"]] is None for row in rows), f"{entity}.{field['name']}"
                continue
            for row in rows:
                value = row[field["name"]]
                assert value is None or value in ids[target], f"{entity}.{field['name']}={value}"
                checked += value is not None
    assert checked > 10_000


def test_companies_contacts_and_people() -> None:
    companies = by_id("Companies")
    assert companies[0]["companyName"] == "Bluewave IT"
    customer = label_of("Companies", "companyType", "Customer")
    names = {c["companyName"] for c in companies.values() if c["companyType"] == customer}
    assert CUSTOMERS <= names
    contacts = demo()["Contacts"]
    assert 50 <= len(contacts) <= 70
    assert any(c["isActive"] == 0 for c in contacts)
    for contact in contacts:
        domain = str(companies[contact["companyID"]]["webAddress"]).removeprefix("https://www.")
        assert contact["emailAddress"].endswith("@" + domain)
    resources = demo()["Resources"]
    api = [r for r in resources if r["userName"] == "demo-api@bluewave-it.example"]
    assert len(api) == 1 and api[0]["email"] == api[0]["userName"]
    assert api[0]["licenseType"] == label_of("Resources", "licenseType", "API User")
    assert sum(1 for r in resources if not r["isActive"]) == 1
    technicians = [r for r in resources if r["isActive"] and r is not api[0]]
    assert len(technicians) == 15
    assert all(r["email"].endswith("@bluewave-it.example") for r in technicians)


def test_each_technician_has_roles_with_one_default_and_queues() -> None:
    desk_roles: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in demo()["ResourceServiceDeskRoles"]:
        desk_roles[row["resourceID"]].append(row)
    queues = Counter(row["resourceID"] for row in demo()["ResourceRoleQueues"])
    for resource in demo()["Resources"]:
        if resource["licenseType"] == label_of("Resources", "licenseType", "API User"):
            assert resource["id"] not in desk_roles
            continue
        roles = desk_roles[resource["id"]]
        defaults = [r["roleID"] for r in roles if r["isDefault"]]
        assert defaults == [resource["defaultServiceDeskRoleID"]]
        assert queues[resource["id"]] >= 1 or not resource["isActive"]


def test_tickets_are_consistent() -> None:
    tickets = demo()["Tickets"]
    contacts = by_id("Contacts")
    pairs = {(r["resourceID"], r["roleID"]) for r in demo()["ResourceServiceDeskRoles"]}
    subs = {v["value"]: v["parentValue"] for v in meta("Tickets").picklist("subIssueType")}
    complete = label_of("Tickets", "status", "Complete")
    assert len(tickets) == 1500
    for ticket in tickets:
        if ticket["contactID"] is not None:
            assert contacts[ticket["contactID"]]["companyID"] == ticket["companyID"]
        assigned = (ticket["assignedResourceID"], ticket["assignedResourceRoleID"])
        assert assigned == (None, None) or assigned in pairs
        if ticket["subIssueType"] is not None:
            assert subs[str(ticket["subIssueType"])] == str(ticket["issueType"])
        done = ticket["status"] == complete
        assert (ticket["completedDate"] is not None) == done
        assert (ticket["completedByResourceID"] is not None) == done
        assert ticket["ticketCategory"] == 3


def test_ticket_numbers_follow_the_create_date_with_a_daily_sequence() -> None:
    tickets = demo()["Tickets"]
    numbers = [t["ticketNumber"] for t in tickets]
    assert len(set(numbers)) == len(numbers)
    per_day: dict[str, list[int]] = defaultdict(list)
    for ticket in tickets:
        match = re.fullmatch(r"T(\d{8})\.(\d{4})", ticket["ticketNumber"])
        assert match is not None
        assert match.group(1) == ticket["createDate"][:10].replace("-", "")
        per_day[match.group(1)].append(int(match.group(2)))
    for sequence in per_day.values():
        assert sequence == list(range(1, len(sequence) + 1))


def test_tickets_span_the_last_180_days_and_recent_ones_are_more_open() -> None:
    tickets = demo()["Tickets"]
    complete = label_of("Tickets", "status", "Complete")
    created = [parse(t["createDate"]) for t in tickets]
    assert min(created) >= NOW - timedelta(days=180) and max(created) <= NOW
    assert min(created) <= NOW - timedelta(days=170)
    recent = [t for t, c in zip(tickets, created, strict=True) if c > NOW - timedelta(days=7)]
    old = [t for t, c in zip(tickets, created, strict=True) if c < NOW - timedelta(days=60)]
    open_share = sum(t["status"] != complete for t in recent) / len(recent)
    assert open_share > 0.4
    assert sum(t["status"] != complete for t in old) / len(old) < 0.05
    assigned = sum(t["assignedResourceID"] is not None for t in tickets) / len(tickets)
    assert 0.6 < assigned < 0.85
    high = sum(t["priority"] == label_of("Tickets", "priority", "High") for t in tickets)
    assert 0.1 < high / len(tickets) < 0.2


def test_open_high_priority_tickets_exist_for_contoso() -> None:
    contoso = next(c["id"] for c in demo()["Companies"] if c["companyName"] == "Contoso")
    high = label_of("Tickets", "priority", "High")
    complete = label_of("Tickets", "status", "Complete")
    hits = [
        t
        for t in demo()["Tickets"]
        if t["companyID"] == contoso and t["priority"] == high and t["status"] != complete
    ]
    assert hits
    few = build_demo_msp(registry(), tickets=3, now=NOW)["Tickets"]
    assert any(t["companyID"] == contoso and t["priority"] == high for t in few)


def test_time_entries_are_plausible() -> None:
    entries = demo()["TimeEntries"]
    tickets = by_id("Tickets")
    tasks = by_id("Tasks")
    pairs = {(r["resourceID"], r["roleID"]) for r in demo()["ResourceServiceDeskRoles"]}
    for entry in entries:
        start, end = parse(entry["startDateTime"]), parse(entry["endDateTime"])
        assert 0 < entry["hoursWorked"] <= 24
        assert end - start == timedelta(hours=entry["hoursWorked"])
        assert start.date() == end.date() and end <= NOW
        assert entry["dateWorked"] == f"{start:%Y-%m-%d}T00:00:00.000Z"
        assert (entry["ticketID"] is None) != (entry["taskID"] is None)
        assert (entry["resourceID"], entry["roleID"]) in pairs
        if entry["ticketID"] is not None:
            ticket = tickets[entry["ticketID"]]
            if ticket["assignedResourceID"] == entry["resourceID"]:
                assert entry["roleID"] == ticket["assignedResourceRoleID"]
        else:
            assert entry["resourceID"] == tasks[entry["taskID"]]["assignedResourceID"]
    total = sum(e["hoursWorked"] for e in entries)
    assert 1500 < total < 6000  # a few hours a day per technician over six months


def test_notes_belong_to_their_tickets_in_time() -> None:
    tickets = by_id("Tickets")
    notes = demo()["TicketNotes"]
    assert len(notes) > len(tickets)
    for note in notes:
        ticket = tickets[note["ticketID"]]
        assert parse(ticket["createDate"]) <= parse(note["createDateTime"]) <= NOW
        assert (note["creatorResourceID"] is None) != (note["createdByContactID"] is None)


def test_contracts_some_ending_soon_and_some_ended() -> None:
    contracts = demo()["Contracts"]
    assert len(contracts) == 20
    ends = [parse(c["endDate"]) for c in contracts]
    assert sum(NOW <= end <= NOW + timedelta(days=60) for end in ends) >= 3
    assert sum(end < NOW for end in ends) >= 2
    assert all(parse(c["startDate"]) < parse(c["endDate"]) for c in contracts)
    active = label_of("Contracts", "status", "Active")
    assert sum(c["status"] == active for c in contracts) >= 15
    assert all(c["endDate"].endswith("T00:00:00.000Z") for c in contracts)


def test_the_acme_migration_project_is_in_progress_with_tasks_and_time_this_quarter() -> None:
    acme = next(c["id"] for c in demo()["Companies"] if c["companyName"] == "Acme Corporation")
    project = next(p for p in demo()["Projects"] if p["projectName"] == "Acme migration")
    assert project["companyID"] == acme
    assert project["status"] == label_of("Projects", "status", "In Progress")
    tasks = [t for t in demo()["Tasks"] if t["projectID"] == project["id"]]
    phases = [p for p in demo()["Phases"] if p["projectID"] == project["id"]]
    assert len(tasks) >= 3 and len(phases) >= 2
    assert all(t["phaseID"] in {p["id"] for p in phases} for t in tasks)
    quarter = datetime(NOW.year, (NOW.month - 1) // 3 * 3 + 1, 1, tzinfo=UTC)
    task_ids = {t["id"] for t in tasks}
    this_quarter = [
        e for e in demo()["TimeEntries"]
        if e["taskID"] in task_ids and parse(e["startDateTime"]) >= quarter
    ]  # fmt: skip
    assert this_quarter


def test_invoices_are_monthly_per_customer() -> None:
    invoices = demo()["Invoices"]
    months = Counter(i["invoiceDateTime"][:7] for i in invoices)
    assert len(months) == 6 and set(months.values()) == {12}
    assert all(parse(i["invoiceDateTime"]) <= NOW for i in invoices)


def test_configuration_items_are_named_per_customer() -> None:
    items = demo()["ConfigurationItems"]
    companies = by_id("Companies")
    assert 70 <= len(items) <= 100
    assert any(i["referenceTitle"] == "CONTOSO-DC01" for i in items)
    assert all(i["serialNumber"] for i in items)
    assert any(not i["isActive"] for i in items)
    assert all(i["companyID"] in companies for i in items)


def test_a_tenants_metadata_gives_that_tenants_values() -> None:
    tenant = MetadataRegistry(require(TENANT_SAMPLE))
    data = build_demo_msp(tenant, tickets=300, now=NOW)
    check_records(data, tenant)
    priorities = {v["label"]: int(v["value"]) for v in meta("Tickets", tenant).picklist("priority")}
    used = {t["priority"] for t in data["Tickets"]}
    assert priorities["High"] in used and 4 not in used
    assert len(data["Tickets"][0]["userDefinedFields"]) == 8


@pytest.mark.parametrize("count", [0, 1])
def test_tiny_data_sets_build(count: int) -> None:
    data = build_demo_msp(registry(), tickets=count, now=NOW)
    assert len(data["Tickets"]) == count
    check_records(data, registry())
