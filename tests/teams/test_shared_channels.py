"""Teams shared channels (Teams Connect) are treated like Slack Connect channels: people of
other organisations read along, so a question asked there is answered in the asker's personal
chat, with a word in the thread that says where and nothing else; no alerts are set up there.

The channel's type comes from the activity (``channelData.channel.type``) or, when the activity
does not say, from the team's channel list (asked once); a sender of another tenant is answered
in private whatever the channel; and when nothing tells, the answer goes to the asker alone."""

from __future__ import annotations

from typing import Any

import pytest
from teams_connector import FakeConnector, Received, personal_chat_id
from teams_server import BotServer
from teams_support import (
    CHANNEL_ID,
    TEAM_ID,
    TENANT_ID,
    TeamsUser,
    channel,
    invoke,
    of_type,
    plan_of,
    submit_data,
    texts,
)

from adapters.runtime import Runtime
from adapters.teams._audience import IN_PRIVATE, NO_PERSONAL_CHAT
from autotask.sandbox import Sandbox
from bot.alerts import SHARED_CHANNEL, AlertService
from bot.messages import Conversation

SHARED_ID = "19:contoso-connect@thread.tacv2"
LIST_ROUTE = ("GET", "/v3/teams/{teamId}/conversations")


def _in_shared(user: TeamsUser, connector: FakeConnector, question: str) -> dict[str, Any]:
    """A question in a shared channel, as Teams sends it (the channel's type in channelData)."""
    activity = channel(user, connector.url, question, channel_id=SHARED_ID)
    activity["channelData"]["channel"]["type"] = "shared"
    return activity


def _in(connector: FakeConnector, conversation_id: str) -> list[Received]:
    return [
        r
        for r in connector.messages()
        if r.conversation_id.split(";")[0] == conversation_id and r.body.get("type") == "message"
    ]


def _all_text(received: list[Received]) -> str:
    return "\n".join(
        [str(r.body.get("text") or "") for r in received]
        + [t for r in received for card in r.cards for t in texts(card)]
    )


async def test_a_question_in_a_shared_channel_is_answered_in_the_askers_personal_chat(
    server: BotServer, connector: FakeConnector, sarah: TeamsUser, runtime: Runtime
) -> None:
    connector.installed_for.add(sarah.id)
    response = await server.send(_in_shared(sarah, connector, "who am i"))

    assert response.status_code == 201
    [note] = _in(connector, SHARED_ID)
    assert note.body["text"] == IN_PRIVATE and not note.cards
    [created] = connector.created
    assert created["members"] == [{"id": sarah.id}]
    chat = personal_chat_id(sarah.id)
    answer = [r for r in _in(connector, chat) if r.cards]
    assert answer and "Sarah Mitchell" in texts(answer[0].cards[0])
    assert await runtime.db.references.get("teams", chat) is not None
    assert LIST_ROUTE not in connector.requests, "the activity said what the channel is"


async def test_the_team_channel_list_tells_a_shared_channel_and_is_asked_once(
    server: BotServer, connector: FakeConnector, sarah: TeamsUser
) -> None:
    connector.installed_for.add(sarah.id)
    connector.teams[TEAM_ID].append({"id": SHARED_ID, "name": "Contoso Connect", "type": "shared"})
    for _ in range(2):
        await server.send(channel(sarah, connector.url, "who am i", channel_id=SHARED_ID))
    await server.send(channel(sarah, connector.url, "who am i"))  # a standard channel

    assert connector.requests.count(LIST_ROUTE) == 1, "one list for the team, kept"
    assert [r.body["text"] for r in _in(connector, SHARED_ID)] == [IN_PRIVATE, IN_PRIVATE]
    assert len(connector.created) == 1, "the personal chat is opened once, then reused"
    answers = [r for r in _in(connector, personal_chat_id(sarah.id)) if r.cards]
    assert len(answers) == 2
    in_standard = [r for r in _in(connector, CHANNEL_ID) if r.cards]
    assert in_standard and "Sarah Mitchell" in texts(in_standard[0].cards[0])


async def test_a_change_asked_in_a_shared_channel_is_approved_in_the_personal_chat(
    server: BotServer, connector: FakeConnector, sarah: TeamsUser, sandbox: Sandbox
) -> None:
    connector.installed_for.add(sarah.id)
    await server.send(_in_shared(sarah, connector, "new ticket for Northwind high: printer outage"))
    chat = personal_chat_id(sarah.id)
    [carrier] = [r for r in _in(connector, chat) if r.cards and plan_of(r.cards[0])]
    plan_id = plan_of(carrier.cards[0])
    assert all(not r.cards for r in _in(connector, SHARED_ID)), "no card in the shared channel"

    # Teams delivers the click (Action.Execute) from the personal chat the card is in.
    in_chat = {
        "serviceUrl": connector.url,
        "conversation": {"conversationType": "personal", "tenantId": TENANT_ID, "id": chat},
        "channelData": {"tenant": {"id": TENANT_ID}},
    }
    approve = {"action": "approve", "plan_id": plan_id}
    response = await server.send(invoke(in_chat, sarah, carrier.new_id or "", "approve", approve))

    assert response.status_code == 200
    assert "Done" in texts(response.json()["value"])
    northwind = {c["id"] for c in sandbox.records("Companies") if "Northwind" in c["companyName"]}
    made = [t for t in sandbox.records("Tickets") if t["title"] == "Printer outage"]
    assert [t["companyID"] in northwind for t in made] == [True]
    assert all(not r.cards for r in _in(connector, SHARED_ID)), "nor after the click"


async def test_alerts_cannot_be_turned_on_in_a_shared_channel(
    server: BotServer, connector: FakeConnector, sarah: TeamsUser, runtime: Runtime
) -> None:
    runtime.engine.alerts = AlertService(runtime.engine, runtime.surfaces)
    connector.installed_for.add(sarah.id)
    await server.send(_in_shared(sarah, connector, "alerts on"))

    chat = personal_chat_id(sarah.id)
    assert SHARED_CHANNEL in _all_text(_in(connector, chat))
    assert await runtime.db.alerts.subscriptions() == [], "neither the channel nor the chat"


async def test_linking_a_shared_channel_links_the_channel_not_the_personal_chat(
    server: BotServer, connector: FakeConnector, sarah: TeamsUser, runtime: Runtime
) -> None:
    connector.installed_for.add(sarah.id)
    await server.send(_in_shared(sarah, connector, "link this channel to Contoso"))

    linked = await runtime.db.channels.company(
        Conversation(platform="teams", conversation_id=SHARED_ID)
    )
    assert linked is not None and "Contoso" in linked.company_name
    chat = Conversation(platform="teams", conversation_id=personal_chat_id(sarah.id))
    assert await runtime.db.channels.company(chat) is None


async def test_someone_of_another_tenant_in_a_standard_channel_gets_nothing_in_it(
    server: BotServer, connector: FakeConnector, runtime: Runtime
) -> None:
    guest = TeamsUser(
        id="29:1olivia-fabrikam", name="Olivia Outsider", email="olivia@fabrikam.example"
    )
    connector.add_member(guest.id, name=guest.name, email=guest.email, tenant="fabrikam-tenant")
    await server.send(channel(guest, connector.url, "my tickets"))  # no app for her: 403

    [note] = _in(connector, CHANNEL_ID)
    assert note.body["text"] == NO_PERSONAL_CHAT and not note.cards
    assert connector.refused == [("POST", 403)]
    shown = _all_text(_in(connector, CHANNEL_ID))
    assert guest.name not in shown and str(guest.email) not in shown and "atbot" not in shown


@pytest.mark.parametrize("lists", [False, True])
async def test_when_nothing_tells_the_answer_goes_to_the_asker_alone(
    server: BotServer, connector: FakeConnector, sarah: TeamsUser, lists: bool
) -> None:
    """The team's list fails (404) or does not have the channel, and the member endpoint
    does not know the sender: the answer goes to the personal chat, not the thread."""
    if not lists:
        del connector.teams[TEAM_ID]
    stranger = TeamsUser(id="29:1unknown", name="Sam Unknown", email=None)
    connector.installed_for.add(stranger.id)
    await server.send(channel(stranger, connector.url, "my tickets", channel_id=SHARED_ID))

    [note] = _in(connector, SHARED_ID)
    assert note.body["text"] == IN_PRIVATE
    told = _all_text(_in(connector, personal_chat_id(stranger.id)))
    assert "atbot link" in told, "the details of the refusal, in private"


def _create_ticket(user: TeamsUser, connector: FakeConnector, name: str, data: Any) -> Any:
    """The "Create Autotask ticket" message action used on a post of the shared channel."""
    activity = _in_shared(user, connector, "unused")
    for key in ("text", "entities"):
        activity.pop(key, None)
    payload = {
        "id": "1700000000999",
        "from": {"user": {"id": "aad-dana", "displayName": "Dana", "userIdentityType": "aadUser"}},
        "body": {"contentType": "html", "content": "<p>Printer on the 3rd floor jams</p>"},
    }
    value = {"commandId": "createTicket", "commandContext": "message", "messagePayload": payload}
    activity.update(type="invoke", name=name, value={**value, **data})
    return activity


async def test_a_ticket_made_from_a_message_in_a_shared_channel_is_previewed_in_private(
    server: BotServer, connector: FakeConnector, sarah: TeamsUser, sandbox: Sandbox
) -> None:
    connector.installed_for.add(sarah.id)
    company = next(c["companyName"] for c in sandbox.records("Companies") if c["id"])
    fetched = await server.send(_create_ticket(sarah, connector, "composeExtension/fetchTask", {}))
    form = fetched.json()["task"]["value"]["card"]["content"]
    (submit,) = submit_data(form)
    filled = {
        i["id"]: i.get("value") for i in of_type(form, "Input.Text") if i.get("value") is not None
    }
    data = {"data": {**submit, **filled, "f:company": company}}

    answer = await server.send(
        _create_ticket(sarah, connector, "composeExtension/submitAction", data)
    )

    assert answer.status_code == 200 and answer.json() == {}
    assert _in(connector, SHARED_ID) == [], "nothing in the shared channel"
    [carrier] = _in(connector, personal_chat_id(sarah.id))
    assert plan_of(carrier.cards[0]) is not None, "the change card"
