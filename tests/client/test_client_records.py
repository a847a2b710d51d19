"""Get, create, update, delete, child collections, zone discovery, metadata cache."""

from __future__ import annotations

import pytest
from support import FAST_RETRY, credentials_for

from autotask import (
    AutotaskClient,
    Filter,
    InvalidRequestError,
    NotFoundError,
    PermissionDeniedError,
    Query,
)
from autotask.sandbox import Sandbox


async def test_get_returns_the_record(client: AutotaskClient, sandbox: Sandbox) -> None:
    first = sandbox.records("Tickets")[0]
    ticket = await client.get("Tickets", first["id"])
    assert ticket["ticketNumber"] == first["ticketNumber"]


async def test_missing_record_is_not_found_whatever_the_shape(
    client: AutotaskClient, sandbox: Sandbox
) -> None:
    with pytest.raises(NotFoundError, match="no Tickets record with id 999999999"):
        await client.get("Tickets", 999_999_999)  # 200 {"item": null}
    sandbox.inject_error("GET", r"^Tickets/\d+$", 404, times=1)
    with pytest.raises(NotFoundError):
        await client.get("Tickets", sandbox.records("Tickets")[0]["id"])  # 404


async def test_create_child_note_and_read_it_back(client: AutotaskClient, sandbox: Sandbox) -> None:
    ticket_id = sandbox.records("Tickets")[0]["id"]
    note_id = await client.create(
        f"Tickets/{ticket_id}/Notes",
        {"title": "Called customer", "description": "Left voicemail.", "noteType": 1, "publish": 1},
    )
    notes = await client.children("Tickets", ticket_id, "Notes")
    assert note_id in [note["id"] for note in notes]
    note = await client.get("TicketNotes", note_id)
    assert note["ticketID"] == ticket_id and note["description"] == "Left voicemail."


async def test_update_patches_only_the_given_fields(
    client: AutotaskClient, sandbox: Sandbox
) -> None:
    ticket = sandbox.records("Tickets")[0]
    before = dict(ticket)
    sandbox.clear_requests()
    await client.update("Tickets", ticket["id"], {"title": "Printer on fire"})
    patch = sandbox.requests[-1]
    assert patch.method == "PATCH"
    assert patch.body == {"id": ticket["id"], "title": "Printer on fire"}
    after = await client.get("Tickets", ticket["id"])
    assert after["title"] == "Printer on fire"
    assert after["priority"] == before["priority"] and after["status"] == before["status"]


async def test_delete_where_autotask_allows_it(client: AutotaskClient, sandbox: Sandbox) -> None:
    entry = sandbox.records("TimeEntries")[0]
    assert await client.delete("TimeEntries", entry["id"]) == entry["id"]
    with pytest.raises(NotFoundError):
        await client.get("TimeEntries", entry["id"])
    with pytest.raises(NotFoundError, match="No matching records found"):
        await client.delete("TimeEntries", entry["id"])


async def test_validation_errors_carry_autotask_text(
    client: AutotaskClient, sandbox: Sandbox
) -> None:
    company = sandbox.records("Companies")[1]["id"]
    with pytest.raises(InvalidRequestError) as caught:
        await client.create("Tickets", {"companyID": company, "title": "No status or priority"})
    assert caught.value.errors, "Autotask's own texts are kept"
    assert "Autotask refused the request" in str(caught.value)


async def test_impersonation_of_an_inactive_resource_is_permission_denied(
    client: AutotaskClient, sandbox: Sandbox
) -> None:
    inactive = next(r for r in sandbox.records("Resources") if not r["isActive"])
    ticket = sandbox.records("Tickets")[0]
    with pytest.raises(PermissionDeniedError, match="security level"):
        await client.update("Tickets", ticket["id"], {"title": "x"}, impersonate=inactive["id"])


async def test_impersonation_header_only_on_writes(
    client: AutotaskClient, sandbox: Sandbox
) -> None:
    tech = next(
        r
        for r in sandbox.records("Resources")
        if r["isActive"] and r["userName"] != sandbox.config.username
    )
    ticket = sandbox.records("Tickets")[0]
    sandbox.clear_requests()
    await client.update("Tickets", ticket["id"], {"title": "As a tech"}, impersonate=tech["id"])
    await client.query("Tickets", Query(filter=(Filter.eq("id", ticket["id"]),)))
    patch, query = sandbox.requests
    assert patch.impersonation_id == tech["id"]
    assert query.impersonation_id is None


async def test_zone_is_looked_up_once_and_skipped_when_configured(sandbox: Sandbox) -> None:
    async with AutotaskClient(
        credentials_for(sandbox), zone_lookup_url=sandbox.api_url, retry=FAST_RETRY
    ) as at:
        await at.count("Companies")
        await at.count("Contacts")
        zone = await at.zone()
    lookups = [r for r in sandbox.requests if "zoneinformation" in r.path.lower()]
    assert len(lookups) == 1
    assert zone.url == sandbox.api_url and zone.web_url == sandbox.web_url
    sandbox.clear_requests()
    async with AutotaskClient(credentials_for(sandbox), zone_url=sandbox.api_url) as at:
        await at.count("Companies")
    assert not [r for r in sandbox.requests if "zoneinformation" in r.path.lower()]


async def test_metadata_is_cached_until_invalidated(
    client: AutotaskClient, sandbox: Sandbox
) -> None:
    sandbox.clear_requests()
    fields = await client.fields("Tickets")
    await client.fields("tickets")
    info = await client.entity_information("Tickets")
    await client.entity_information("Tickets")
    assert len(sandbox.requests) == 2
    status = next(f for f in fields if f.name == "status")
    assert status.is_pick_list and status.picklist_label(1) == "New"
    assert info.can_create and not info.can_delete
    client.invalidate_metadata("Tickets")
    await client.fields("Tickets")
    assert len(sandbox.requests) == 3


async def test_threshold_information(client: AutotaskClient, sandbox: Sandbox) -> None:
    sandbox.set_hourly_count(7_600)
    info = await client.threshold_information()
    assert info.external_request_threshold == 10_000
    assert info.used_fraction > 0.75
