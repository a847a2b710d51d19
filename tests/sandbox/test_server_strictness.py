"""The sandbox refuses what Autotask refuses: impersonating a resource whose security level does
not allow it, assigning a ticket to someone outside its queue, unknown filter fields, pages above
500 rows, creates without their required fields."""

from __future__ import annotations

from typing import Any

import httpx

from autotask._catalogue import entity_type
from autotask.sandbox import Sandbox

PERMISSION = (
    "The logged in Resource does not have the adequate permissions to create this entity type."
)


def _level(box: Sandbox, label: str) -> int:
    levels = box.metadata.get("Resources")
    assert levels is not None
    return int(next(v["value"] for v in levels.picklist("userType") if v["label"] == label))


def _errors(response: httpx.Response) -> list[str]:
    assert response.status_code == 500, response.text
    return list(response.json()["errors"])


async def test_impersonation_follows_the_security_level(
    box: Sandbox, api: httpx.AsyncClient, tech: dict[str, Any]
) -> None:
    body = {"companyID": box.records("Companies")[1]["id"], "title": "t", "status": 1,
            "priority": 2}  # fmt: skip
    allowed = await api.post(
        "Tickets", json=body, headers={"ImpersonationResourceId": str(tech["id"])}
    )
    assert allowed.status_code == 200, allowed.text
    box.put_record("Resources", dict(tech, userType=_level(box, "Project Manager")))
    refused = await api.post(
        "Tickets", json=body, headers={"ImpersonationResourceId": str(tech["id"])}
    )
    assert _errors(refused) == [PERMISSION]


async def test_an_assignee_must_work_the_tickets_queue(
    box: Sandbox, api: httpx.AsyncClient, tech: dict[str, Any], tech_role: int
) -> None:
    member_of = {
        m["queueID"] for m in box.records("ResourceRoleQueues") if m["resourceID"] == tech["id"]
    }
    tickets = box.metadata.get("Tickets")
    assert tickets is not None and member_of
    queues = [int(v["value"]) for v in tickets.picklist("queueID") if v.get("isActive", True)]
    outside = next(q for q in queues if q not in member_of)
    body = {"companyID": box.records("Companies")[1]["id"], "title": "t", "status": 1,
            "priority": 2, "assignedResourceID": tech["id"], "assignedResourceRoleID": tech_role}  # fmt: skip
    inside = await api.post("Tickets", json=dict(body, queueID=min(member_of)))
    assert inside.status_code == 200, inside.text
    (message,) = _errors(await api.post("Tickets", json=dict(body, queueID=outside)))
    assert "not a member of the queue" in message
    moved = await api.patch("Tickets", json={"id": inside.json()["itemId"], "queueID": outside})
    assert "not a member of the queue" in _errors(moved)[0]


async def test_unknown_fields_and_oversized_pages_are_refused(api: httpx.AsyncClient) -> None:
    unknown = {"filter": [{"op": "eq", "field": "projectID", "value": 1}]}
    assert _errors(await api.post("TimeEntries/query", json=unknown)) == [
        "Unable to find projectID in the TimeEntry Entity"
    ]
    big = {"maxRecords": 501, "filter": [{"op": "exist", "field": "id"}]}
    assert "MaxRecords" in _errors(await api.post("Tickets/query", json=big))[0]
    two_udfs = {"filter": [{"op": "exist", "field": "Customer Impact", "udf": True},
                           {"op": "exist", "field": "Root Cause", "udf": True}]}  # fmt: skip
    assert "one user-defined field" in _errors(await api.post("Tickets/query", json=two_udfs))[0]


async def test_creates_need_their_required_fields(box: Sandbox, api: httpx.AsyncClient) -> None:
    no_priority = {"companyID": box.records("Companies")[1]["id"], "title": "t", "status": 1}
    assert _errors(await api.post("Tickets", json=no_priority)) == ["Ticket: priority is required."]
    ticket = box.records("Tickets")[0]["id"]
    no_type = {"description": "d", "publish": 1, "title": "t"}
    assert _errors(await api.post(f"Tickets/{ticket}/Notes", json=no_type)) == [
        "TicketNote: noteType is required."
    ]


async def test_every_entity_served_has_its_fields_and_refuses_unknown_ones(
    box: Sandbox, api: httpx.AsyncClient
) -> None:
    served = [name for name in box.metadata.names() if box.records(name)]
    assert {"Tickets", "TicketNotes", "TimeEntries", "Companies", "Contacts"} <= set(served)
    for name in served:
        fields = (await api.get(f"{name}/entityInformation/fields")).json()["fields"]
        assert fields and any(f["name"] == "id" for f in fields), name
        if "query" not in entity_type(name).root_verbs:
            continue
        body = {"filter": [{"op": "eq", "field": "noSuchField", "value": 1}]}
        singular = entity_type(name).singular
        assert _errors(await api.post(f"{name}/query", json=body)) == [
            f"Unable to find noSuchField in the {singular} Entity"
        ], name
