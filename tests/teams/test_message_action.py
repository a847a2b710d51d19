"""The "Create Autotask ticket" message action over HTTP: composeExtension/fetchTask answers a task
module with the pre-filled form, composeExtension/submitAction posts the confirmation card in the
message's thread, Approve creates the ticket."""

from __future__ import annotations

from typing import Any

from teams_connector import FakeConnector
from teams_server import BotServer
from teams_support import (
    TeamsUser,
    card_errors,
    channel,
    click,
    of_type,
    plan_of,
    submit_data,
    texts,
)

from autotask.sandbox import Sandbox

AUTHOR_AAD = "aad-dana-customer"
ROOT = "1700000000111"  # the thread of the message the action was used on
TEXT_HTML = "<p>Printer on the 3rd floor jams</p><p>Since this morning &amp; every job.</p>"


def _action(user: TeamsUser, connector: FakeConnector, name: str, value: dict[str, Any]) -> Any:
    activity = channel(user, connector.url, "unused", root=ROOT)
    for key in ("text", "entities"):
        activity.pop(key, None)
    payload = {
        "id": "1700000000999", "createdDateTime": "2026-11-25T14:00:00.000Z",
        "from": {"user": {"id": AUTHOR_AAD, "displayName": "Dana Customer",
                          "userIdentityType": "aadUser"}},
        "body": {"contentType": "html", "content": TEXT_HTML},
        "linkToMessage": "https://teams.microsoft.com/l/message/19:service-desk/1700000000999",
    }  # fmt: skip
    activity.update(
        type="invoke", name=name,
        value={"commandId": "createTicket", "commandContext": "message",
               "messagePayload": payload, "context": {"theme": "default"}, **value},
    )  # fmt: skip
    return activity


def _form_of(answer: dict[str, Any]) -> dict[str, Any]:
    task = answer["task"]
    assert task["type"] == "continue"
    card: dict[str, Any] = task["value"]["card"]["content"]
    assert card_errors(card) == []
    return card


async def test_a_teams_message_becomes_a_ticket_preview(
    server: BotServer, connector: FakeConnector, sarah: TeamsUser, sandbox: Sandbox
) -> None:
    contact = next(c for c in sandbox.records("Contacts") if c.get("companyID") and c["isActive"])
    company = next(c["companyName"] for c in sandbox.records("Companies")
                   if c["id"] == contact["companyID"])  # fmt: skip
    connector.add_member(AUTHOR_AAD, name="Dana Customer", email=contact["emailAddress"])

    fetched = await server.send(_action(sarah, connector, "composeExtension/fetchTask", {}))
    assert fetched.status_code == 200, fetched.text
    form = _form_of(fetched.json())
    inputs = {i["id"]: i for i in of_type(form, "Input.Text")}
    assert inputs["f:company"]["value"] == company
    assert inputs["f:title"]["value"] == "Printer on the 3rd floor jams"
    assert "Since this morning & every job." in inputs["f:description"]["value"]
    assert "https://teams.microsoft.com/l/message/" in inputs["f:description"]["value"]
    assert {c["id"] for c in of_type(form, "Input.ChoiceSet")} == {"f:priority", "f:queueID"}
    (submit,) = submit_data(form)

    bad = {**submit, **{k: i.get("value") for k, i in inputs.items()}, "f:company": "Zzyzx Ltd"}
    refused = await server.send(
        _action(sarah, connector, "composeExtension/submitAction", {"data": bad})
    )
    again = _form_of(refused.json())
    assert any("Zzyzx" in t for t in texts(again)), "the reason is on the form"
    assert connector.messages() == []

    good = {**bad, "f:company": company}
    answer = await server.send(
        _action(sarah, connector, "composeExtension/submitAction", {"data": good})
    )
    assert answer.status_code == 200 and answer.json() == {}
    (carrier,) = connector.messages()
    assert carrier.conversation_id.endswith(";messageid=" + ROOT), "in the message's thread"
    plan = {"action": "approve", "plan_id": next(p for c in carrier.cards if (p := plan_of(c)))}
    question = channel(sarah, connector.url, "x", root=ROOT)
    await server.send(click(question, sarah, carrier.new_id or "", plan))
    (ticket,) = [
        t for t in sandbox.records("Tickets") if t["title"] == "Printer on the 3rd floor jams"
    ]
    assert next(c["companyName"] for c in sandbox.records("Companies")
                if c["id"] == ticket["companyID"]) == company  # fmt: skip


async def test_a_linked_channels_company_fills_the_form(
    server: BotServer, connector: FakeConnector, sarah: TeamsUser, sandbox: Sandbox
) -> None:
    contact = next(c for c in sandbox.records("Contacts") if c.get("companyID") and c["isActive"])
    linked = next(c["companyName"] for c in sandbox.records("Companies")
                  if c["id"] not in {contact["companyID"], 0})  # fmt: skip
    connector.add_member(AUTHOR_AAD, name="Dana Customer", email=contact["emailAddress"])
    await server.send(channel(sarah, connector.url, f"this channel is for {linked}"))
    (said,) = connector.messages()
    assert f"now linked to {linked}" in said.body["text"]

    fetched = await server.send(_action(sarah, connector, "composeExtension/fetchTask", {}))
    inputs = {i["id"]: i for i in of_type(_form_of(fetched.json()), "Input.Text")}
    assert inputs["f:company"]["value"] == linked, "the channel's company, not the author's"
    assert inputs["f:company"]["placeholder"] == "this channel's company"
