"""Edit before approve in Teams, over HTTP: the change card's Edit is an ``Action.Execute``; its
``adaptiveCard/action`` invokes are answered in the HTTP response by the bot's own path (the form,
a refused value with the form again, the replaced card), and the new preview is posted in the
thread through the connector."""

from __future__ import annotations

from typing import Any

import pytest
from botbuilder.core import serializer_helper
from teams_connector import FakeConnector, Received
from teams_server import BotServer
from teams_support import (
    TeamsUser,
    card_errors,
    channel,
    click,
    invoke,
    of_type,
    submit_data,
    texts,
)

from autotask.sandbox import Sandbox


def _change_cards(connector: FakeConnector) -> list[tuple[Received, dict[str, Any], str]]:
    """Every change card posted so far: its message, the card, its plan id."""
    return [
        (item, card, card["refresh"]["action"]["data"]["plan_id"])
        for item in connector.messages()
        for card in item.cards
        if card.get("refresh")
    ]


def _change_card(connector: FakeConnector) -> tuple[Received, dict[str, Any], str]:
    found = _change_cards(connector)
    assert found, "no change card was posted"
    return found[0]


async def _ask(server: BotServer, connector: FakeConnector, user: TeamsUser, box: Sandbox) -> Any:
    ticket = next(t for t in box.records("Tickets") if t["status"] != 5)
    question = channel(user, connector.url, f"log 30m on {ticket['ticketNumber']} teams edit")
    await server.send(question)
    return question


async def test_edit_form_preview_and_approve_over_http(
    server: BotServer, connector: FakeConnector, sarah: TeamsUser, sandbox: Sandbox
) -> None:
    question = await _ask(server, connector, sarah, sandbox)
    carrier, _, plan_id = _change_card(connector)
    card_id = carrier.new_id or ""
    refresh = {"action": "refresh", "plan_id": plan_id}
    mine = await server.send(invoke(question, sarah, card_id, "refresh", refresh,
                                    trigger="automatic"))  # fmt: skip
    card = mine.json()["value"]
    (edit,) = [a for a in of_type(card, "Action.Execute") if a["verb"] == "edit"]
    assert edit["data"] == {"action": "edit", "plan_id": plan_id}

    opened = await server.send(invoke(question, sarah, card_id, "edit", edit["data"]))
    assert opened.status_code == 200, opened.text
    answer = opened.json()
    assert answer["statusCode"] == 200
    assert answer["type"] == "application/vnd.microsoft.card.adaptive"
    form = answer["value"]
    assert card_errors(form) == []
    inputs = {i["id"]: i for i in of_type(form, "Input.Text")}
    assert list(inputs) == ["f:duration", "f:start", "f:summaryNotes"]
    assert inputs["f:duration"]["value"] == "30m" and inputs["f:summaryNotes"]["isMultiline"]

    preview = next(a for a in of_type(form, "Action.Execute") if a["title"] == "Preview")
    refused = await server.send(invoke(question, sarah, card_id, preview["verb"],
                                       {**preview["data"], "f:duration": "soon"}))  # fmt: skip
    again = refused.json()["value"]
    assert refused.status_code == 200 and card_errors(again) == []
    assert any("'soon' is not a duration" in t for t in texts(again))
    assert connector.updates() == [], "nothing changed"

    typed = {**preview["data"], "f:duration": "1h", "f:summaryNotes": "teams edit, edited"}
    done = await server.send(invoke(question, sarah, card_id, preview["verb"], typed))
    assert done.status_code == 200
    replaced = done.json()["value"]
    assert card_errors(replaced) == [] and submit_data(replaced) == []
    assert "Replaced by an edited preview" in texts(replaced)
    (update,) = connector.updates()
    assert update.activity_id == card_id
    (_, (new_carrier, new_card, new_plan)) = _change_cards(connector)
    assert new_plan != plan_id and card_errors(new_card) == []
    assert new_carrier.conversation_id == question["conversation"]["id"], "in the thread"
    back = await server.send(invoke(question, sarah, card_id, "edit_back",
                                    {"action": "edit_back", "plan_id": plan_id}))  # fmt: skip
    assert "Replaced by an edited preview" in texts(back.json()["value"]), "Back: as it stands"

    before = len(sandbox.records("TimeEntries"))
    approve = {"action": "approve", "plan_id": new_plan}
    await server.send(click(question, sarah, new_carrier.new_id or "", approve))
    entries = sandbox.records("TimeEntries")
    assert len(entries) == before + 1 and entries[-1]["hoursWorked"] == 1.0
    assert entries[-1]["summaryNotes"] == "teams edit, edited"


async def test_someone_else_gets_a_message_not_the_form(
    server: BotServer, connector: FakeConnector, sarah: TeamsUser, priya: TeamsUser,
    sandbox: Sandbox,
) -> None:  # fmt: skip
    question = await _ask(server, connector, sarah, sandbox)
    carrier, _, plan_id = _change_card(connector)
    data = {"action": "edit", "plan_id": plan_id}
    answer = await server.send(invoke(question, priya, carrier.new_id or "", "edit", data))
    assert answer.status_code == 200
    body = answer.json()
    assert body["type"] == "application/vnd.microsoft.activity.message"
    assert body["value"].startswith("Only Sarah")


def test_botbuilders_serializer_fails_on_a_plain_invoke_body() -> None:
    """Why the route serialises invoke bodies itself: CloudAdapter.process passes the body to
    serializer_helper, which fails on a dict, and the request ends in HTTP 500."""
    with pytest.raises(AttributeError):
        serializer_helper({"statusCode": 200, "type": "x", "value": {}})
