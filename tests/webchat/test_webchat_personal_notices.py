"""Personal notices in the web chat: said in the technician's own conversation of the demo, a
ticket reassigned to them and a customer note on it arrive there as cards, once each."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from engine_support import technician_email
from notice_support import reassigned_then_a_customer_note
from webchat_client import WebChatClient, bot_after

from adapters.demo import Demo

NOTE = "Front door still locked."


@pytest.fixture
async def chat(demo: Demo) -> AsyncIterator[WebChatClient]:
    async with httpx.AsyncClient(timeout=30) as http:
        yield WebChatClient(http, demo.url)


async def test_a_reassignment_and_a_customer_note_reach_my_own_conversation(
    demo: Demo, chat: WebChatClient
) -> None:
    alerts = demo.runtime.engine.alerts
    if alerts is None:
        pytest.skip("the alerts part is not in this build")
    box, tenant = demo.sandbox, demo.runtime.tenant
    email = technician_email(box)
    me = next(r for r in box.records("Resources") if r["email"] == email)
    await chat.open(email)
    said = await chat.say("notify me when a ticket is assigned to me")
    await chat.wait_for(bot_after(said, "reassigned"))
    said = await chat.say("tell me when customers reply on my tickets")
    await chat.wait_for(bot_after(said, "once per note"))

    ticket = await reassigned_then_a_customer_note(
        tenant, box, alerts.poller.cycle, me=me, note=NOTE
    )

    number = str(box.get_record("Tickets", ticket)["ticketNumber"])  # type: ignore[index]
    assigned = await chat.wait_for(
        lambda ms: next((m for m in ms if f"Assigned to {me['firstName']}" in m["html"]), None)
    )
    note = await chat.wait_for(
        lambda ms: next((m for m in ms if f"Customer note on {number}" in m["html"]), None)
    )
    assert number in assigned["html"] and NOTE in note["html"]
    history = await chat.history()
    assert sum(number in m["html"] and m["author"] == "bot" for m in history) == 2
