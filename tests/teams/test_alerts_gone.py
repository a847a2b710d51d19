"""A team that removes the bot: its channel's alerts stop, and whoever turned them on is told in
their personal chat with the bot — the one they have, or one the bot opens through the Bot
Connector (``POST /v3/conversations``) when the app is installed for them. When Teams refuses
that too (403: the app is not installed in their personal scope), the bot logs it, without
personal data, and carries on."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from teams_connector import FakeConnector, personal_chat_id
from teams_server import BotServer
from teams_support import (
    BOT_ID,
    BOT_NAME,
    CHANNEL_ID,
    PERSONAL_ID,
    TEAM_ID,
    TENANT_ID,
    TeamsUser,
    channel,
    personal,
)

from adapters.runtime import Runtime
from autotask.sandbox import Sandbox
from bot.alerts import AlertService
from bot.messages import Conversation

CHANNEL = Conversation(platform="teams", conversation_id=CHANNEL_ID)


def _alerts(runtime: Runtime) -> AlertService:
    service = AlertService(runtime.engine, runtime.surfaces)
    runtime.engine.alerts = service
    return service


def _removal(
    how: str, service_url: str, remover: TeamsUser, *, where: str = TEAM_ID
) -> dict[str, Any]:
    """What Teams sends when a team removes the bot (or uninstalls the app from the team): the
    event comes from the team's General channel, whose id is the team's. A shared channel that
    disallows the bot sends ``membersRemoved`` from that channel."""
    activity = channel(remover, service_url, "", channel_id=where)
    for key in ("text", "entities", "textFormat"):
        activity.pop(key, None)
    activity["conversation"]["id"] = where
    if how == "membersRemoved":
        activity["type"] = "conversationUpdate"
        activity["membersRemoved"] = [{"id": BOT_ID, "name": BOT_NAME}]
        activity["channelData"]["eventType"] = "teamMemberRemoved"
    else:
        activity["type"] = "installationUpdate"
        activity["action"] = "remove"
    return activity


async def _alerts_on(server: BotServer, connector: FakeConnector, user: TeamsUser) -> None:
    await server.send(channel(user, connector.url, "alerts on priority High"))
    [subscription] = await server.part.runtime.db.alerts.subscriptions(CHANNEL)
    assert subscription.created_by == user.email and subscription.created_by_user_id == user.id


def _told(connector: FakeConnector, chat: str) -> list[str]:
    return [
        str(r.body.get("text"))
        for r in connector.messages()
        if r.conversation_id == chat
        and "turned off the new-ticket alerts" in str(r.body.get("text"))
    ]


@pytest.mark.parametrize("how", ["membersRemoved", "installationUpdate"])
async def test_removed_from_a_team_the_subscriber_is_told_in_a_personal_chat_the_bot_opens(
    server: BotServer,
    connector: FakeConnector,
    sarah: TeamsUser,
    priya: TeamsUser,
    runtime: Runtime,
    how: str,
) -> None:
    _alerts(runtime)
    connector.installed_for.add(sarah.id)  # the app is in her personal scope; no chat yet
    await _alerts_on(server, connector, sarah)
    posted = len(connector.messages())

    response = await server.send(_removal(how, connector.url, priya))

    assert response.status_code == 201
    assert await runtime.db.alerts.subscriptions(CHANNEL) == []
    [created] = connector.created
    assert created["isGroup"] is False and created["members"] == [{"id": sarah.id}]
    assert created["channelData"] == {"tenant": {"id": TENANT_ID}}
    assert created["bot"]["id"] == BOT_ID
    [told] = _told(connector, personal_chat_id(sarah.id))
    assert "priority High or above" in told and "alerts on" in told
    later = connector.messages()[posted:]
    assert all(r.conversation_id == personal_chat_id(sarah.id) for r in later), (
        "nothing more is posted in the team the bot left"
    )


async def test_a_subscriber_with_a_personal_chat_is_told_there(
    server: BotServer, connector: FakeConnector, sarah: TeamsUser, runtime: Runtime
) -> None:
    _alerts(runtime)
    await server.send(personal(sarah, connector.url, "who am i"))
    await _alerts_on(server, connector, sarah)

    await server.send(_removal("membersRemoved", connector.url, sarah))

    assert connector.created == [], "the chat she has is used; none is created"
    assert len(_told(connector, PERSONAL_ID)) == 1


async def test_a_subscriber_without_the_app_is_not_reachable_and_that_is_logged_plainly(
    server: BotServer,
    connector: FakeConnector,
    sarah: TeamsUser,
    runtime: Runtime,
    caplog: pytest.LogCaptureFixture,
) -> None:
    _alerts(runtime)
    await _alerts_on(server, connector, sarah)  # she never installed the app for herself
    caplog.set_level(logging.INFO)

    response = await server.send(_removal("installationUpdate", connector.url, sarah))

    assert response.status_code == 201
    assert await runtime.db.alerts.subscriptions(CHANNEL) == []
    assert len(connector.created) == 1 and connector.refused == [("POST", 403)]
    assert _told(connector, personal_chat_id(sarah.id)) == []
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "403 BotNotInConversationRoster" in logged
    assert sarah.email and sarah.email not in logged
    assert sarah.id not in logged and sarah.name not in logged
    assert not [r for r in caplog.records if r.exc_info], "no traceback"


async def test_an_alert_refused_with_403_turns_the_channel_off_and_tells_the_subscriber(
    server: BotServer,
    connector: FakeConnector,
    sarah: TeamsUser,
    runtime: Runtime,
    sandbox: Sandbox,
) -> None:
    service = _alerts(runtime)
    connector.installed_for.add(sarah.id)
    await _alerts_on(server, connector, sarah)
    await service.db.alerts.deactivate(CHANNEL)  # the same channel, every new ticket
    await service.subscribe(
        CHANNEL,
        await runtime.engine.identity.resolve("teams", sarah.id, sarah.email),
        {},
        user_id=sarah.id,
    )
    connector.faults = [(403, "BotNotInConversationRoster")]
    records = [max(sandbox.records("Tickets"), key=lambda t: int(t["id"]))]

    report = await service.dispatcher.deliver(records)

    assert report.failed == 1 and service.dispatcher.waiting == 0, "not retried for ever"
    assert await runtime.db.alerts.subscriptions(CHANNEL) == []
    [told] = _told(connector, personal_chat_id(sarah.id))
    assert "every new ticket" in told
    again = await service.dispatcher.deliver(records)
    assert again.matched == 0 and len(connector.created) == 1, "told once"
    assert TEAM_ID not in told


async def test_a_shared_channel_that_disallows_the_bot_stops_only_its_own_alerts(
    server: BotServer, connector: FakeConnector, sarah: TeamsUser, runtime: Runtime
) -> None:
    _alerts(runtime)
    connector.installed_for.add(sarah.id)
    await _alerts_on(server, connector, sarah)  # in the Service Desk channel of the same team
    shared = "19:contoso-connect@thread.tacv2"
    await runtime.db.alerts.subscribe(
        Conversation(platform="teams", conversation_id=shared),
        {},
        created_by=str(sarah.email),
        created_by_user_id=sarah.id,
        now=runtime.engine.clock(),
    )

    await server.send(_removal("membersRemoved", connector.url, sarah, where=shared))

    assert len(await runtime.db.alerts.subscriptions(CHANNEL)) == 1, "the team still has the bot"
    assert await runtime.db.alerts.subscriptions() == await runtime.db.alerts.subscriptions(CHANNEL)
    assert len(_told(connector, personal_chat_id(sarah.id))) == 1
