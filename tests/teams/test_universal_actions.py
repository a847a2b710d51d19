"""Approve/Cancel as ``Action.Execute`` with user-specific views, over HTTP through botbuilder and
the local connector: the posted card is read-only for everyone and refreshes to the buttons for
the requester; clicks are answered in the invoke's response; every click is checked again, a
forged, replayed or automatic invoke applies nothing, and a card posted with ``Action.Submit``
buttons before this change still works."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from support import FIXED_NOW
from teams_connector import FakeConnector, Received
from teams_server import BotServer
from teams_support import (
    CHANNEL_ID,
    TeamsUser,
    card_errors,
    channel,
    click,
    execute_data,
    invoke,
    of_type,
    submit_data,
    texts,
)

from adapters.runtime import Runtime
from autotask.sandbox import Sandbox
from bot.alerts import AlertTicket, alert_card, store_assign_plan
from bot.messages import Conversation, Reply
from bot.storage import Subscription

ASK = "new ticket for Northwind high: printer outage"
CARD_TYPE = "application/vnd.microsoft.card.adaptive"
MESSAGE_TYPE = "application/vnd.microsoft.activity.message"


def _printer_tickets(box: Sandbox) -> list[dict[str, Any]]:
    return [t for t in box.records("Tickets") if t["title"] == "Printer outage"]


async def _preview(
    server: BotServer, connector: FakeConnector, user: TeamsUser
) -> tuple[dict[str, Any], Received, dict[str, Any], str]:
    """Ask for a change in the channel: (the question, its card's message, the card, plan id)."""
    question = channel(user, connector.url, ASK)
    await server.send(question)
    (carrier,) = [m for m in connector.messages() if m.cards and m.cards[0].get("refresh")]
    card = carrier.cards[0]
    return question, carrier, card, card["refresh"]["action"]["data"]["plan_id"]


async def _invoke(server: BotServer, activity: dict[str, Any]) -> dict[str, Any]:
    response = await server.send(activity)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    assert answer["statusCode"] == 200 and answer["type"] in {CARD_TYPE, MESSAGE_TYPE}
    if answer["type"] == CARD_TYPE:
        assert card_errors(answer["value"]) == []
    return answer


def _verbs(card: dict[str, Any]) -> list[str]:
    return [d["action"] for d in execute_data(card)]


async def test_everyone_sees_who_may_approve_and_the_requester_gets_the_buttons(
    server: BotServer, connector: FakeConnector, sarah: TeamsUser, priya: TeamsUser,
    sandbox: Sandbox,
) -> None:  # fmt: skip
    question, carrier, card, plan_id = await _preview(server, connector, sarah)
    assert card_errors(card) == [] and float(card["version"]) >= 1.4
    refresh = card["refresh"]
    assert refresh["userIds"] == [sarah.id]
    assert refresh["action"] == {"type": "Action.Execute", "title": "Refresh", "verb": "refresh",
                                 "data": {"action": "refresh", "plan_id": plan_id}}  # fmt: skip
    assert _verbs(card) == [] and submit_data(card) == [], "no buttons in everyone's view"
    assert any(t.startswith("Waiting for Sarah Mitchell to approve") for t in texts(card))
    card_id = carrier.new_id or ""
    data = {"action": "refresh", "plan_id": plan_id}

    mine = await _invoke(server, invoke(question, sarah, card_id, "refresh", data,
                                        trigger="automatic"))  # fmt: skip
    view = mine["value"]
    assert _verbs(view) == ["approve", "edit", "cancel"]
    approve = next(a for a in of_type(view, "Action.Execute") if a["verb"] == "approve")
    assert approve["fallback"] == {"type": "Action.Submit", "title": "Approve",
                                   "style": "positive", "data": approve["data"]}  # fmt: skip
    assert all(set(d) == {"action", "plan_id"} for d in execute_data(view) + submit_data(view))
    assert view["refresh"] == refresh, "the requester's view keeps refreshing"
    assert not any(t.startswith("Waiting for") for t in texts(view))

    theirs = await _invoke(server, invoke(question, priya, card_id, "refresh", data))
    assert _verbs(theirs["value"]) == [] and "Waiting for" in " ".join(texts(theirs["value"]))
    assert connector.updates() == [] and _printer_tickets(sandbox) == [], "a refresh only reads"


async def test_an_approver_who_refreshes_gets_the_buttons(
    server: BotServer, connector: FakeConnector, sarah: TeamsUser, priya: TeamsUser,
    runtime: Runtime,
) -> None:  # fmt: skip
    runtime.settings.bot.approvers = [str(priya.email).upper()]
    question, carrier, _, plan_id = await _preview(server, connector, sarah)
    data = {"action": "refresh", "plan_id": plan_id}
    answer = await _invoke(server, invoke(question, priya, carrier.new_id or "", "refresh", data))
    assert _verbs(answer["value"]) == ["approve", "edit", "cancel"]


async def test_approve_by_the_requester_applies_once_and_updates_the_card_for_everyone(
    server: BotServer, connector: FakeConnector, sarah: TeamsUser, sandbox: Sandbox,
    runtime: Runtime,
) -> None:  # fmt: skip
    question, carrier, _, plan_id = await _preview(server, connector, sarah)
    card_id = carrier.new_id or ""
    approve = {"action": "approve", "plan_id": plan_id}

    answer = await _invoke(server, invoke(question, sarah, card_id, "approve", approve))
    assert answer["type"] == CARD_TYPE
    done = answer["value"]
    assert "Done" in texts(done) and _verbs(done) == [] and "refresh" not in done
    (ticket,) = _printer_tickets(sandbox)
    assert ticket["companyID"] in {c["id"] for c in sandbox.records("Companies")
                                   if c["companyName"].startswith("Northwind")}  # fmt: skip
    (update,) = connector.updates()
    assert update.activity_id == card_id and update.cards == [done], "everyone sees the outcome"
    stored = await runtime.db.plans.get(plan_id)
    assert stored is not None and stored.status == "applied"

    again = await _invoke(server, invoke(question, sarah, card_id, "approve", approve))
    assert again == {"statusCode": 200, "type": MESSAGE_TYPE,
                     "value": "This change is already applied."}  # fmt: skip
    old_style = click(question, sarah, card_id, approve)
    await server.send(old_style)
    assert len(_printer_tickets(sandbox)) == 1 and len(connector.updates()) == 1
    refreshed = await _invoke(server, invoke(question, sarah, card_id, "refresh",
                                             {"action": "refresh", "plan_id": plan_id}))  # fmt: skip
    assert "Done" in texts(refreshed["value"]) and _verbs(refreshed["value"]) == []


async def test_approve_by_someone_not_allowed_is_refused_and_nothing_changes(
    server: BotServer, connector: FakeConnector, sarah: TeamsUser, priya: TeamsUser,
    sandbox: Sandbox, runtime: Runtime,
) -> None:  # fmt: skip
    question, carrier, _, plan_id = await _preview(server, connector, sarah)
    card_id = carrier.new_id or ""
    for verb in ("approve", "cancel"):
        data = {"action": verb, "plan_id": plan_id}
        answer = await _invoke(server, invoke(question, priya, card_id, verb, data))
        assert answer == {"statusCode": 200, "type": MESSAGE_TYPE,
                          "value": "Only Sarah Mitchell (or an approver) can confirm this change."}  # fmt: skip
    assert connector.updates() == [] and _printer_tickets(sandbox) == []
    assert len(connector.messages()) == 1, "the refusal went to the clicker, not the thread"
    refused = [e for e in await runtime.db.audit.list(plan_id=plan_id) if e.kind == "refused"]
    assert [e.actor_user_id for e in refused] == [priya.id, priya.id]
    stored = await runtime.db.plans.get(plan_id)
    assert stored is not None and stored.status == "pending"

    cancel = {"action": "cancel", "plan_id": plan_id}
    answer = await _invoke(server, invoke(question, sarah, card_id, "cancel", cancel))
    assert "Cancelled" in texts(answer["value"]) and _printer_tickets(sandbox) == []


async def test_an_automatic_invoke_never_applies(
    server: BotServer, connector: FakeConnector, sarah: TeamsUser, sandbox: Sandbox,
    runtime: Runtime,
) -> None:  # fmt: skip
    question, carrier, _, plan_id = await _preview(server, connector, sarah)
    approve = {"action": "approve", "plan_id": plan_id}
    sneaky = invoke(question, sarah, carrier.new_id or "", "approve", approve, trigger="automatic")
    answer = await _invoke(server, sneaky)
    assert answer["type"] == CARD_TYPE and _verbs(answer["value"]) == ["approve", "edit", "cancel"]
    assert _printer_tickets(sandbox) == [] and connector.updates() == []
    stored = await runtime.db.plans.get(plan_id)
    assert stored is not None and stored.status == "pending"


@pytest.mark.parametrize(
    "forge",
    [
        pytest.param(lambda plan: ("approve", {"action": "approve"}), id="no plan id"),
        pytest.param(lambda plan: ("approve", {"plan_id": "x" * 5000}), id="huge plan id"),
        pytest.param(lambda plan: ("approve", {"plan_id": "plan_doesnotexist"}), id="unknown plan"),
        pytest.param(lambda plan: ("approve", {"plan_id": ["a", "list"]}), id="plan id not text"),
        pytest.param(lambda plan: ("delete_everything", {"plan_id": plan}), id="unknown verb"),
        pytest.param(lambda plan: ("refresh", {"plan_id": "plan_doesnotexist"}), id="refresh"),
        pytest.param(lambda plan: ("approve", "not an object"), id="data not an object"),
    ],
)
async def test_a_forged_invoke_is_refused_without_a_traceback(
    server: BotServer, connector: FakeConnector, sarah: TeamsUser, sandbox: Sandbox,
    caplog: pytest.LogCaptureFixture, forge: Any,
) -> None:  # fmt: skip
    question, carrier, _, plan_id = await _preview(server, connector, sarah)
    verb, data = forge(plan_id)
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        answer = await _invoke(server, invoke(question, sarah, carrier.new_id or "", verb, data))
    assert answer["type"] == MESSAGE_TYPE
    assert answer["value"] in {"That button is not one I know.",
                               "I don't know that change; it may have been removed."}  # fmt: skip
    assert [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR] == []
    assert _printer_tickets(sandbox) == [] and connector.updates() == []


async def test_a_plan_from_another_conversation_is_not_found_there(
    server: BotServer, connector: FakeConnector, sarah: TeamsUser, sandbox: Sandbox
) -> None:
    _, _, _, plan_id = await _preview(server, connector, sarah)
    elsewhere = channel(sarah, connector.url, "unused")
    elsewhere["conversation"]["id"] = "19:another-channel@thread.tacv2;messageid=1"
    for verb in ("approve", "refresh"):
        data = {"action": verb, "plan_id": plan_id}
        answer = await _invoke(server, invoke(elsewhere, sarah, "1", verb, data))
        assert answer["value"] == "I don't know that change; it may have been removed."
    assert _printer_tickets(sandbox) == []


async def test_a_card_posted_with_submit_buttons_still_works(
    server: BotServer, connector: FakeConnector, sarah: TeamsUser, sandbox: Sandbox
) -> None:
    """Cards posted before the buttons were Action.Execute keep their Action.Submit buttons in
    the chat; their click (a message activity whose value is the button's data) still applies."""
    question, carrier, _, plan_id = await _preview(server, connector, sarah)
    response = await server.send(
        click(question, sarah, carrier.new_id or "", {"action": "approve", "plan_id": plan_id})
    )
    assert response.status_code == 201
    (update,) = connector.updates()
    assert "Done" in texts(update.cards[0])
    assert len(_printer_tickets(sandbox)) == 1


async def test_assign_to_me_on_an_alert_card_is_an_execute_answered_with_the_card(
    server: BotServer, connector: FakeConnector, sarah: TeamsUser, priya: TeamsUser,
    sandbox: Sandbox, runtime: Runtime,
) -> None:  # fmt: skip
    question = channel(sarah, connector.url, "who am i")
    await server.send(question)  # the bot is in the channel: its reference is stored
    ticket = next(t for t in sandbox.records("Tickets")
                  if t["status"] != 5 and t.get("assignedResourceID"))  # fmt: skip
    shown = AlertTicket(id=ticket["id"], number=ticket["ticketNumber"], title=ticket["title"],
                        assigned_id=ticket["assignedResourceID"])  # fmt: skip
    room = Conversation(platform="teams", conversation_id=CHANNEL_ID)
    subscription = Subscription(id=1, platform="teams", conversation_id=CHANNEL_ID,
                                thread_id=None, filters={}, created_by="x",
                                created_at=FIXED_NOW, active=True)  # fmt: skip
    plan_id = await store_assign_plan(runtime.engine, subscription, shown, watching="all",
                                      now=FIXED_NOW)  # fmt: skip
    card = alert_card(shown, timezone="UTC", plan_id=plan_id)
    posted = await runtime.surfaces["teams"].post(room, Reply(cards=(card,)))
    await runtime.db.plans.set_message(plan_id, posted)
    (alert,) = connector.messages()[-1].cards
    assert "refresh" not in alert, "everyone may take an alerted ticket"
    (take,) = [a for a in of_type(alert, "Action.Execute") if a["verb"] == "assign_to_me"]
    assert take["fallback"]["type"] == "Action.Submit" and take["fallback"]["data"] == take["data"]

    where = dict(question, conversation={**question["conversation"], "id": CHANNEL_ID})
    answer = await _invoke(server, invoke(where, priya, posted.message_id, "assign_to_me",
                                          take["data"]))  # fmt: skip
    assert answer["type"] == CARD_TYPE
    resource = next(r for r in sandbox.records("Resources") if r["email"] == priya.email)
    name = f"{resource['firstName']} {resource['lastName']}"
    assert f"Taken by {name}" in texts(answer["value"]) and _verbs(answer["value"]) == []
    taken = sandbox.get_record("Tickets", ticket["id"])
    assert taken is not None and taken["assignedResourceID"] == resource["id"]
    (update,) = connector.updates()
    assert update.activity_id == posted.message_id

    again = await _invoke(server, invoke(where, sarah, posted.message_id, "assign_to_me",
                                         take["data"]))  # fmt: skip
    assert again["type"] == MESSAGE_TYPE and "has already taken" in again["value"]
    assert len(connector.updates()) == 1


async def test_a_slow_autotask_is_answered_in_time_and_the_card_follows(
    server: BotServer, connector: FakeConnector, sarah: TeamsUser, sandbox: Sandbox
) -> None:
    """Teams sends an invoke again when it has no answer within about five seconds: a click still
    running at the deadline is answered at once, finishes in the background, and its card update
    reaches the conversation; the resent invoke writes nothing."""
    question, carrier, _, plan_id = await _preview(server, connector, sarah)
    server.part.bot.invokes.answer_seconds = 0.2
    sandbox.set_latency(600)
    approve = {"action": "approve", "plan_id": plan_id}
    card_id = carrier.new_id or ""
    answer = await _invoke(server, invoke(question, sarah, card_id, "approve", approve))
    assert answer["type"] == MESSAGE_TYPE and "shows the outcome" in answer["value"]
    (update,) = connector.updates()  # the send above waited for the work in the background
    assert update.activity_id == card_id and "Done" in texts(update.cards[0])
    sandbox.set_latency(0)
    resent = await _invoke(server, invoke(question, sarah, card_id, "approve", approve))
    assert resent["value"] == "This change is already applied."
    assert len(_printer_tickets(sandbox)) == 1 and len(connector.updates()) == 1
