"""The message extension over HTTP: composeExtension/query searches tickets from the compose box,
composeExtension/queryLink unfurls a pasted Autotask ticket link; both answered in the HTTP
response with Adaptive Cards that validate, read as the person typing."""

from __future__ import annotations

from typing import Any

from teams_connector import FakeConnector
from teams_server import BotServer
from teams_support import TeamsUser, card_errors, channel, texts

from autotask.sandbox import Sandbox
from autotask.tools import link


def _invoke(user: TeamsUser, connector: FakeConnector, name: str, value: dict[str, Any]) -> Any:
    activity = channel(user, connector.url, "unused", root="1700000000222")
    for key in ("text", "entities"):
        activity.pop(key, None)
    activity.update(type="invoke", name=name, value=value)
    return activity


def _cards(answer: dict[str, Any]) -> list[dict[str, Any]]:
    result = answer["composeExtension"]
    assert result["type"] == "result" and result["attachmentLayout"] == "list"
    cards = []
    for attachment in result["attachments"]:
        assert attachment["preview"]["contentType"] == "application/vnd.microsoft.card.thumbnail"
        assert card_errors(attachment["content"]) == []
        cards.append(attachment["content"])
    return cards


async def test_search_by_number_and_by_words(
    server: BotServer, connector: FakeConnector, sarah: TeamsUser, sandbox: Sandbox
) -> None:
    ticket = next(t for t in sandbox.records("Tickets") if t["status"] != 5)
    query = {"commandId": "searchTickets", "queryOptions": {"skip": 0, "count": 25},
             "parameters": [{"name": "query", "value": ticket["ticketNumber"]}]}  # fmt: skip
    answer = await server.send(_invoke(sarah, connector, "composeExtension/query", query))
    assert answer.status_code == 200
    (card,) = _cards(answer.json())
    assert any(ticket["ticketNumber"] in t for t in texts(card))

    word = "printer"
    query["parameters"] = [{"name": "query", "value": word}]
    answer = await server.send(_invoke(sarah, connector, "composeExtension/query", query))
    cards = _cards(answer.json())
    expected = [t for t in sandbox.records("Tickets")
                if t["status"] != 5 and word in t["title"].lower()]  # fmt: skip
    assert len(cards) == min(len(expected), 25) > 0
    assert all(word in " ".join(texts(c)).lower() for c in cards)


async def test_a_pasted_ticket_link_unfurls(
    server: BotServer, connector: FakeConnector, sarah: TeamsUser, sandbox: Sandbox,
    runtime: Any,
) -> None:  # fmt: skip
    ticket = next(t for t in sandbox.records("Tickets") if t["status"] != 5)
    url = link(await runtime.tenant.client.web_url(), "Tickets", ticket["id"])
    answer = await server.send(
        _invoke(sarah, connector, "composeExtension/queryLink", {"url": url})
    )
    (card,) = _cards(answer.json())
    assert any(ticket["ticketNumber"] in t for t in texts(card))
    other = await server.send(
        _invoke(sarah, connector, "composeExtension/queryLink", {"url": "https://example.com/"})
    )
    assert other.status_code == 200 and other.json() == {}


async def test_someone_without_a_resource_is_told_why(
    server: BotServer, connector: FakeConnector
) -> None:
    stranger = TeamsUser(id="29:1stranger", name="Stranger", email="someone@customer.example")
    connector.add_member(stranger.id, name=stranger.name, email=stranger.email)
    query = {"commandId": "searchTickets", "parameters": [{"name": "query", "value": "x"}]}
    answer = await server.send(_invoke(stranger, connector, "composeExtension/query", query))
    body = answer.json()["composeExtension"]
    assert body["type"] == "message" and "Autotask" in body["text"]
