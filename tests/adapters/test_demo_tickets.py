"""The demo's customers open plausible tickets through the API, valid for the sandbox."""

from __future__ import annotations

import random

from adapters.demo_tickets import ISSUES, REPLIES, TicketGenerator
from autotask import AutotaskClient
from autotask.sandbox import Sandbox


async def test_new_tickets_are_plausible_and_valid(
    client: AutotaskClient, sandbox: Sandbox
) -> None:
    generator = TicketGenerator(client, every_seconds=0, rng=random.Random(3))
    before = max(t["id"] for t in sandbox.records("Tickets"))
    opened = [await generator.open_one() for _ in range(4)]
    assert opened == generator.opened and min(opened) > before
    titles = {issue.title for issue in ISSUES}
    for ticket_id in opened:
        ticket = sandbox.get_record("Tickets", ticket_id)
        assert ticket is not None
        assert ticket["title"] in titles and ticket["description"]
        assert ticket["status"] == 1  # New
        assert ticket["companyID"] != 0  # a customer, not the MSP itself
        assert ticket["queueID"] is not None and ticket["priority"] is not None
        if ticket["contactID"] is not None:
            contact = sandbox.get_record("Contacts", ticket["contactID"])
            assert contact is not None and contact["companyID"] == ticket["companyID"]
    generator.start()  # every_seconds=0: no background task
    await generator.stop()


async def test_a_customer_replies_only_on_a_ticket_someone_took(
    client: AutotaskClient, sandbox: Sandbox
) -> None:
    generator = TicketGenerator(client, every_seconds=0, rng=random.Random(5))
    assert await generator.reply_one() is None  # nothing opened yet
    opened = [await generator.open_one() for _ in range(3)]
    assert await generator.reply_one() is None  # nobody took one
    tech = next(r for r in sandbox.records("ResourceServiceDeskRoles") if r["isActive"])
    taken = sandbox.get_record("Tickets", opened[1])
    assert taken is not None
    queue = next(m["queueID"] for m in sandbox.records("ResourceRoleQueues")
                 if m["resourceID"] == tech["resourceID"])  # fmt: skip
    await client.update("Tickets", opened[1], {"assignedResourceID": tech["resourceID"],
                        "assignedResourceRoleID": tech["roleID"], "queueID": queue})  # fmt: skip
    note_id = await generator.reply_one()
    note = sandbox.get_record("TicketNotes", note_id or 0)
    assert note is not None and note["ticketID"] == opened[1]
    assert note["title"] == f"Re: {taken['title']}" and note["description"] in REPLIES
    contact = sandbox.get_record("Contacts", note["createdByContactID"])
    assert contact is not None and contact["companyID"] == taken["companyID"]
