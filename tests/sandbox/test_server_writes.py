"""Create / update / replace / delete, child collections and server-maintained fields (§5, §7)."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from autotask.sandbox import Sandbox


def error_text(response: httpx.Response) -> str:
    assert response.status_code == 500, response.text
    body = response.json()
    assert set(body) == {"errors"} and len(body["errors"]) == 1, body
    return str(body["errors"][0])


def customer_id(box: Sandbox) -> int:
    return int(box.records("Companies")[1]["id"])


def ticket_body(box: Sandbox, **extra: Any) -> dict[str, Any]:
    body = {"companyID": customer_id(box), "title": "Printer on fire", "status": 1, "priority": 2}
    body.update(extra)
    return body


async def item(api: httpx.AsyncClient, path: str) -> dict[str, Any]:
    response = await api.get(path)
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()["item"]
    return found


def old_ticket(box: Sandbox) -> dict[str, Any]:
    """A seeded open ticket whose last activity is before the fixed clock."""
    return next(
        t
        for t in box.records("Tickets")
        if t["status"] != 5 and t["lastActivityDate"] < "2026-11-25" and t["assignedResourceID"]
    )


async def test_create_ticket_fills_the_server_maintained_fields(
    box: Sandbox, api: httpx.AsyncClient, api_user_id: int, now_text: str
) -> None:
    seeded_today = [
        int(t["ticketNumber"].split(".")[1])
        for t in box.records("Tickets")
        if t["ticketNumber"].startswith("T20261125.")
    ]
    body = {"COMPANYID": customer_id(box), "Title": "Printer on fire", "status": "1", "priority": 2}
    response = await api.post("Tickets", json=body)
    assert response.status_code == 200, response.text
    assert set(response.json()) == {"itemId"}
    new_id = response.json()["itemId"]
    assert new_id > max(t["id"] for t in box.records("Tickets")[:-1])

    ticket = await item(api, f"Tickets/{new_id}")
    meta = box.metadata.get("Tickets")
    assert meta is not None
    assert set(ticket) == {f["name"] for f in meta.fields} | {"userDefinedFields"}
    assert ticket["title"] == "Printer on fire" and ticket["companyID"] == customer_id(box)
    assert ticket["status"] == 1
    assert ticket["ticketNumber"] == f"T20261125.{max(seeded_today, default=0) + 1:04d}"
    assert ticket["createDate"] == ticket["lastActivityDate"] == now_text
    assert ticket["creatorResourceID"] == api_user_id == ticket["lastActivityResourceID"]
    assert ticket["impersonatorCreatorResourceID"] is None
    assert ticket["completedDate"] is None and ticket["completedByResourceID"] is None
    assert ticket["queueID"] == int(meta.default_value("queueID") or 0)  # optional → default
    assert ticket["ticketType"] == int(meta.default_value("ticketType") or 0)
    assert ticket["userDefinedFields"] == [{"name": u["name"], "value": None} for u in meta.udfs]

    again = (await api.post("Tickets", json=ticket_body(box))).json()["itemId"]
    numbers = [ticket["ticketNumber"], (await item(api, f"Tickets/{again}"))["ticketNumber"]]
    assert [int(n.split(".")[1]) for n in numbers][1] == int(numbers[0].split(".")[1]) + 1


async def test_required_picklists_get_no_default(box: Sandbox, api: httpx.AsyncClient) -> None:
    body = ticket_body(box)
    del body["status"]
    assert error_text(await api.post("Tickets", json=body)) == "Ticket: status is required."


async def test_impersonation_attributes_the_write(
    box: Sandbox, api: httpx.AsyncClient, tech: dict[str, Any]
) -> None:
    headers = {"ImpersonationResourceId": str(tech["id"])}
    new_id = (await api.post("Tickets", json=ticket_body(box), headers=headers)).json()["itemId"]
    ticket = await item(api, f"Tickets/{new_id}")
    assert ticket["creatorResourceID"] == tech["id"]
    assert ticket["impersonatorCreatorResourceID"] == tech["id"]
    note = {"description": "Called the user.", "noteType": 1, "publish": 1}
    note_id = (await api.post(f"Tickets/{new_id}/Notes", json=note, headers=headers)).json()[
        "itemId"
    ]
    await api.patch(
        f"Tickets/{new_id}/Notes", json={"id": note_id, "title": "Call"}, headers=headers
    )
    stored = await item(api, f"TicketNotes/{note_id}")
    assert stored["creatorResourceID"] == stored["impersonatorCreatorResourceID"] == tech["id"]
    assert stored["impersonatorUpdaterResourceID"] == tech["id"]
    patch = [r for r in box.requests if r.method == "PATCH"][-1]
    assert patch.impersonation_id == tech["id"] and patch.body == {"id": note_id, "title": "Call"}


async def test_patch_changes_only_the_given_fields(
    box: Sandbox, api: httpx.AsyncClient, api_user_id: int, now_text: str
) -> None:
    before = dict(old_ticket(box))
    body = {"id": before["id"], "TITLE": "Renamed", "createDate": "2001-01-01T00:00:00Z"}
    response = await api.patch("Tickets", json=body)
    assert response.json() == {"itemId": before["id"]}
    after = await item(api, f"Tickets/{before['id']}")
    changed = {k for k in after if after[k] != before[k]}
    assert changed - {"lastActivityResourceID", "lastActivityPersonType"} == {
        "title",
        "lastActivityDate",
        "lastTrackedModificationDateTime",
    }
    assert after["title"] == "Renamed" and after["lastActivityDate"] == now_text
    assert after["lastActivityResourceID"] == api_user_id
    assert after["createDate"] == before["createDate"]  # read-only: silently ignored


async def test_patch_needs_an_existing_id(box: Sandbox, api: httpx.AsyncClient) -> None:
    missing = await api.patch("Tickets", json={"title": "x"})
    assert error_text(missing) == "Value cannot be null.\r\nParameter name: id"
    unknown = await api.patch("Tickets", json={"id": 987654321, "title": "x"})
    assert error_text(unknown).startswith("No message. No matching records found.")


async def test_put_nulls_omitted_writable_fields(box: Sandbox, api: httpx.AsyncClient) -> None:
    before = dict(next(t for t in box.records("Tickets") if t["description"] and t["status"] != 5))
    body = {k: before[k] for k in ("id", "companyID", "title", "status", "priority")}
    assert (await api.put("Tickets", json=body)).json() == {"itemId": before["id"]}
    after = await item(api, f"Tickets/{before['id']}")
    assert after["description"] is None and after["queueID"] is None
    assert after["title"] == before["title"] and after["createDate"] == before["createDate"]
    assert after["ticketNumber"] == before["ticketNumber"]
    del body["title"]
    assert error_text(await api.put("Tickets", json=body)) == "Ticket: title is required."


async def test_completing_and_reopening_a_ticket(
    box: Sandbox, api: httpx.AsyncClient, tech: dict[str, Any], now_text: str
) -> None:
    ticket_id = old_ticket(box)["id"]
    headers = {"ImpersonationResourceId": str(tech["id"])}
    await api.patch("Tickets", json={"id": ticket_id, "status": 5}, headers=headers)
    done = await item(api, f"Tickets/{ticket_id}")
    assert (done["completedDate"], done["completedByResourceID"]) == (now_text, tech["id"])
    await api.patch("Tickets", json={"id": ticket_id, "status": 8})
    reopened = await item(api, f"Tickets/{ticket_id}")
    assert reopened["completedDate"] is None and reopened["completedByResourceID"] is None


async def test_notes_are_created_under_their_ticket(
    box: Sandbox, api: httpx.AsyncClient, now_text: str
) -> None:
    ticket = old_ticket(box)
    other = next(t["id"] for t in box.records("Tickets") if t["id"] != ticket["id"])
    body = {
        "ticketID": other,
        "title": "Update",
        "description": "Rebooted.",
        "noteType": 1,
        "publish": 1,
    }
    response = await api.post(f"tickets/{ticket['id']}/notes", json=body)
    assert response.status_code == 200, response.text
    note_id = response.json()["itemId"]
    note = await item(api, f"Tickets/{ticket['id']}/Notes/{note_id}")
    assert note["ticketID"] == ticket["id"]  # the URL's parent wins over the body
    assert note["createDateTime"] == now_text
    assert (await api.get(f"Tickets/{other}/Notes/{note_id}")).json() == {"item": None}
    assert (await item(api, f"Tickets/{ticket['id']}"))["lastActivityDate"] == now_text

    patched = await api.patch(f"Tickets/{ticket['id']}/Notes", json={"id": note_id, "title": "New"})
    assert patched.json() == {"itemId": note_id}
    assert (await item(api, f"TicketNotes/{note_id}"))["title"] == "New"
    elsewhere = await api.patch(f"Tickets/{other}/Notes", json={"id": note_id, "title": "x"})
    assert error_text(elsewhere).startswith("No message. No matching records found.")
    orphan = await api.post("Tickets/987654321/Notes", json=body)
    assert error_text(orphan) == "Value does not reference an existing entity for ticketID . "


@pytest.mark.parametrize("missing", ["description", "noteType", "publish"])
async def test_ticket_notes_need_description_type_and_publish(
    box: Sandbox, api: httpx.AsyncClient, missing: str
) -> None:
    body = {"description": "Rebooted.", "noteType": 1, "publish": 1}
    del body[missing]
    response = await api.post(f"Tickets/{old_ticket(box)['id']}/Notes", json=body)
    assert error_text(response) == f"TicketNote: {missing} is required."


async def test_contacts_under_a_company_and_deleting_them(
    box: Sandbox, api: httpx.AsyncClient
) -> None:
    company = customer_id(box)
    body = {
        "firstName": "Ada",
        "lastName": "Lovelace",
        "isActive": True,
        "emailAddress": "ada@x.example",
    }
    contact_id = (await api.post(f"Companies/{company}/Contacts", json=body)).json()["itemId"]
    contact = await item(api, f"Contacts/{contact_id}")
    assert contact["companyID"] == company and contact["isActive"] == 1
    deleted = await api.delete(f"Companies/{company}/Contacts/{contact_id}")
    assert deleted.json() == {"itemId": contact_id}
    assert (await api.get(f"Contacts/{contact_id}")).json() == {"item": None}


async def test_time_entries_on_tickets(
    box: Sandbox,
    api: httpx.AsyncClient,
    tech: dict[str, Any],
    tech_role: int,
    api_user_id: int,
    now_text: str,
) -> None:
    ticket = old_ticket(box)
    body = {
        "ticketID": ticket["id"],
        "resourceID": tech["id"],
        "roleID": tech_role,
        "startDateTime": "2026-11-24T10:00:00Z",
        "endDateTime": "2026-11-24T12:30:00Z",
        "summaryNotes": "Initial triage",
    }
    response = await api.post("TimeEntries", json=body)
    assert response.status_code == 200, response.text
    entry = await item(api, f"TimeEntries/{response.json()['itemId']}")
    assert entry["hoursWorked"] == entry["hoursToBill"] == 2.5
    assert entry["timeEntryType"] == 2 and entry["dateWorked"] == "2026-11-24T00:00:00.000Z"
    assert entry["startDateTime"] == "2026-11-24T10:00:00.000Z"
    assert entry["creatorUserID"] == api_user_id and entry["createDateTime"] == now_text
    assert (await item(api, f"Tickets/{ticket['id']}"))["lastActivityDate"] == now_text

    await api.patch("TimeEntries", json={"id": entry["id"], "hoursWorked": 1.75})
    assert (await item(api, f"TimeEntries/{entry['id']}"))["hoursToBill"] == 1.75
    deleted = await api.delete(f"TimeEntries/{entry['id']}")
    assert deleted.json() == {"itemId": entry["id"]}
    assert (await api.get(f"TimeEntries/{entry['id']}")).json() == {"item": None}
    again = await api.delete(f"TimeEntries/{entry['id']}")
    assert error_text(again) == (
        "No message. No matching records found. The logged in Resource may not have the "
        "required permissions to delete the data."
    )


def time_body(box: Sandbox, tech: dict[str, Any], role: int, **extra: Any) -> dict[str, Any]:
    body = {
        "ticketID": old_ticket(box)["id"],
        "resourceID": tech["id"],
        "roleID": role,
        "dateWorked": "2026-11-24",
        "hoursWorked": 1,
        "summaryNotes": "Work",
    }
    body.update(extra)
    return {k: v for k, v in body.items() if v is not None}


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ({"roleID": None}, "TimeEntries for Tickets must have a roleID"),
        ({"hoursWorked": 0}, "hoursWorked must be greater than 0 and no more than 24."),
        ({"hoursWorked": 24.5}, "hoursWorked must be greater than 0 and no more than 24."),
        (
            {"startDateTime": "2026-11-24T23:00:00Z", "endDateTime": "2026-11-25T01:00:00Z"},
            "A time entry cannot span midnight (UTC).",
        ),
        ({"dateWorked": None}, "TimeEntry: dateWorked is required."),
    ],
)
async def test_time_entry_rules(
    box: Sandbox,
    api: httpx.AsyncClient,
    tech: dict[str, Any],
    tech_role: int,
    extra: dict[str, Any],
    expected: str,
) -> None:
    response = await api.post("TimeEntries", json=time_body(box, tech, tech_role, **extra))
    assert error_text(response) == expected


async def test_time_entry_resource_must_be_active(
    box: Sandbox, api: httpx.AsyncClient, tech: dict[str, Any], tech_role: int
) -> None:
    box.put_record("Resources", dict(tech, id=990002, isActive=False))
    body = time_body(box, tech, tech_role, resourceID=990002)
    assert "not active" in error_text(await api.post("TimeEntries", json=body))
    task_time = time_body(box, tech, tech_role, ticketID=None, taskID=box.records("Tasks")[0]["id"])
    del task_time["roleID"]
    assert error_text(await api.post("TimeEntries", json=task_time)) == (
        "TimeEntries for Tasks must have a roleID"
    )


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ({"shoeSize": 9}, "Unable to find shoeSize in the Ticket Entity"),
        ({"createDate": "2020-01-01"}, "The createDate field is read only and cannot be set."),
        ({"title": None}, "Ticket: title is required."),
        (
            {"priority": "high"},
            "Unable to convert the value 'high' to integer for the field priority.",
        ),
        ({"title": "x" * 256}, "title exceeds the maximum length of 255 characters (256)."),
        ({"priority": 99}, "The value 99 is not a valid value for the field priority."),
        ({"status": 14}, "The value 14 of the field status is inactive."),
        ({"dueDateTime": "next tuesday"}, "Unable to convert the value 'next tuesday' to datetime"),
        ({"companyID": 987654}, "Value does not reference an existing entity for companyID . "),
        ({"issueType": 1, "subIssueType": 21}, "The value 21 of subIssueType does not belong to"),
        (
            {"userDefinedFields": [{"name": "Shoe Size", "value": "9"}]},
            "Unable to find user-defined field Shoe Size.",
        ),
        (
            {"userDefinedFields": [{"name": "Customer Impact", "value": "Galaxy"}]},
            "The value Galaxy is not a valid value for the field Customer Impact.",
        ),
    ],
)
async def test_ticket_validation(
    box: Sandbox, api: httpx.AsyncClient, extra: dict[str, Any], expected: str
) -> None:
    body = ticket_body(box, **extra)
    body = {k: v for k, v in body.items() if v is not None or k != "title"}
    response = await api.post("Tickets", json=body)
    assert error_text(response).startswith(expected)
    assert len(box.records("Tickets")) == 40, "nothing was written"


async def test_valid_dependent_picklist_and_udfs_are_accepted(
    box: Sandbox, api: httpx.AsyncClient
) -> None:
    udfs = [{"name": "customer impact", "value": "whole company"}]
    body = ticket_body(box, issueType=2, subIssueType=21, userDefinedFields=udfs)
    new_id = (await api.post("Tickets", json=body)).json()["itemId"]
    ticket = await item(api, f"Tickets/{new_id}")
    assert (ticket["issueType"], ticket["subIssueType"]) == (2, 21)
    assert {"name": "Customer Impact", "value": "Whole company"} in ticket["userDefinedFields"]
    moved = await api.patch("Tickets", json={"id": new_id, "issueType": 3})
    assert "subIssueType" in error_text(moved)


async def test_assignment_needs_a_resource_and_a_matching_role(
    box: Sandbox, api: httpx.AsyncClient, tech: dict[str, Any], tech_role: int
) -> None:
    alone = await api.post("Tickets", json=ticket_body(box, assignedResourceID=tech["id"]))
    assert error_text(alone) == (
        "When assigning a Resource, you must assign both a assignedResourceID and "
        "assignedResourceRoleID."
    )
    roles = {
        r["roleID"]
        for r in box.records("ResourceServiceDeskRoles")
        if r["resourceID"] == tech["id"]
    }
    foreign = next(r["id"] for r in box.records("Roles") if r["id"] not in roles)
    wrong = ticket_body(box, assignedResourceID=tech["id"], assignedResourceRoleID=foreign)
    assert "valid pair" in error_text(await api.post("Tickets", json=wrong))
    right = ticket_body(box, assignedResourceID=tech["id"], assignedResourceRoleID=tech_role)
    new_id = (await api.post("Tickets", json=right)).json()["itemId"]
    assert (await item(api, f"Tickets/{new_id}"))["assignedResourceID"] == tech["id"]


async def test_entities_without_sandbox_data_refuse_writes(api: httpx.AsyncClient) -> None:
    response = await api.post("Opportunities", json={"title": "Big deal"})
    assert error_text(response) == (
        "The logged in Resource does not have the adequate permissions to create this entity type."
    )
    assert (await api.get("Opportunities/1")).json() == {"item": None}
    listed = await api.post(
        "Opportunities/query", json={"filter": [{"op": "exist", "field": "id"}]}
    )
    assert listed.json()["items"] == []


async def test_ticket_numbers_follow_the_pattern(box: Sandbox) -> None:
    pattern = re.compile(r"^T\d{8}\.\d{4}$")
    assert all(pattern.match(t["ticketNumber"]) for t in box.records("Tickets"))
