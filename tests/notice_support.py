"""Helpers for the personal-notice tests (importable from every test folder): technicians and
their roles, a reassignment as a dispatcher makes it, a note as a contact or a technician adds it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from autotask.sandbox import Sandbox
from autotask.tools import Tenant


def technicians(box: Sandbox) -> list[dict[str, Any]]:
    """Active resources who may be impersonated and hold a service desk role."""
    with_roles = {r["resourceID"] for r in box.records("ResourceServiceDeskRoles") if r["isActive"]}
    return [
        r
        for r in box.records("Resources")
        if r["isActive"]
        and r["licenseType"] != 7
        and r["userName"] != box.config.username
        and r["id"] in with_roles
    ]


def role_of(box: Sandbox, resource: dict[str, Any]) -> int:
    """A service desk role the resource holds (Autotask needs one with every assignment)."""
    return int(next(r["roleID"] for r in box.records("ResourceServiceDeskRoles")
                    if r["resourceID"] == resource["id"] and r["isActive"]))  # fmt: skip


def assigned_to(box: Sandbox, resource: dict[str, Any]) -> dict[str, int]:
    """The ticket fields that assign it to ``resource``."""
    return {
        "assignedResourceID": int(resource["id"]),
        "assignedResourceRoleID": role_of(box, resource),
    }


async def reassign(tenant: Tenant, box: Sandbox, ticket_id: int, to: dict[str, Any]) -> None:
    """What a dispatcher does in Autotask: the ticket goes to ``to`` (with their role)."""
    dispatcher = technicians(box)[-1]
    await tenant.client.update("Tickets", ticket_id, assigned_to(box, to),
                               impersonate=int(dispatcher["id"]))  # fmt: skip


def contact_of(box: Sandbox, company_name: str = "Contoso") -> dict[str, Any]:
    """An active contact of the company."""
    company = next(
        int(c["id"]) for c in box.records("Companies") if c["companyName"] == company_name
    )
    return next(c for c in box.records("Contacts") if c["companyID"] == company and c["isActive"])


async def add_note(
    tenant: Tenant, ticket_id: int, *, title: str, text: str, contact: int | None = None
) -> int:
    """A note as the client portal or the e-mail processor adds it (by a contact), or as a
    technician writes it (no contact)."""
    body: dict[str, Any] = {"title": title, "description": text, "noteType": 1, "publish": 1}
    if contact is not None:
        body["createdByContactID"] = contact
    return await tenant.client.create(f"Tickets/{ticket_id}/Notes", body)


async def open_for(tenant: Tenant, box: Sandbox, resource: dict[str, Any], title: str) -> int:
    """A Contoso ticket assigned to ``resource``, in a queue they work."""
    queue = next(int(m["queueID"]) for m in box.records("ResourceRoleQueues")
                 if m["resourceID"] == resource["id"])  # fmt: skip
    company = next(int(c["id"]) for c in box.records("Companies") if c["companyName"] == "Contoso")
    body = {"companyID": company, "title": title, "status": 1, "priority": 2, "queueID": queue}
    return await tenant.client.create("Tickets", {**body, **assigned_to(box, resource)})


async def reassigned_then_a_customer_note(
    tenant: Tenant,
    box: Sandbox,
    poll: Callable[[], Awaitable[object]],
    *,
    me: dict[str, Any],
    note: str,
) -> int:
    """A colleague's ticket (seen by a poll), reassigned to ``me``, then a customer's note on it
    (``note`` as its text), then two polls; returns the ticket id."""
    other = next(t for t in technicians(box) if t["id"] != me["id"])
    ticket = await open_for(tenant, box, other, "Badge reader broken")
    await poll()
    await reassign(tenant, box, ticket, me)
    await add_note(tenant, ticket, title="Re: badge", text=note,
                   contact=int(contact_of(box)["id"]))  # fmt: skip
    await poll()
    await poll()
    return ticket
