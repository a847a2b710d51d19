"""Personal notices in Teams: said in the personal chat through the bot's real HTTP endpoint,
delivered by the poll through the local Bot Connector into that chat as Adaptive Cards — a
ticket reassigned to me, a customer note on my ticket — once each."""

from __future__ import annotations

import json

from notice_support import reassigned_then_a_customer_note
from teams_connector import FakeConnector
from teams_server import BotServer
from teams_support import PERSONAL_ID, TeamsUser, personal

from adapters.runtime import Runtime
from autotask.sandbox import Sandbox
from autotask.tools import Tenant
from bot.alerts import AlertService

NOTE = "Still offline this morning."


async def test_reassignments_and_customer_notes_reach_my_personal_chat(
    server: BotServer, connector: FakeConnector, sarah: TeamsUser, runtime: Runtime,
    sandbox: Sandbox, tenant: Tenant,
) -> None:  # fmt: skip
    service = AlertService(runtime.engine, runtime.surfaces)
    runtime.engine.alerts = service
    await service.poller.cycle()  # the first start
    me = next(r for r in sandbox.records("Resources") if r["email"] == sarah.email)
    await server.send(personal(sarah, connector.url, "notify me when a ticket is assigned to me"))
    await server.send(personal(sarah, connector.url, "notify me about customer notes"))
    answered = len(connector.messages())
    assert "once per note" in json.dumps(connector.messages()[-1].body)

    ticket = await reassigned_then_a_customer_note(
        tenant, sandbox, service.poller.cycle, me=me, note=NOTE
    )

    sent = connector.messages()[answered:]
    assert [r.conversation_id for r in sent] == [PERSONAL_ID, PERSONAL_ID]
    number = str(sandbox.get_record("Tickets", ticket)["ticketNumber"])  # type: ignore[index]
    cards = [json.dumps(r.cards) for r in sent]
    assert f"Assigned to {me['firstName']}" in cards[0] and number in cards[0]
    assert f"Customer note on {number}" in cards[1] and NOTE in cards[1]
