"""The demo's customers open plausible tickets through the API, valid for the sandbox."""

from __future__ import annotations

import random

from adapters.demo_tickets import ISSUES, TicketGenerator
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
