"""The Bot Connector throttles (429 with Retry-After, 412) and fails for a moment (502, 504): the
bot tries again and nothing is lost or sent twice; when the bot is gone (403
BotNotInConversationRoster) posting says so plainly."""

from __future__ import annotations

import pytest
from teams_connector import FakeConnector
from teams_server import BotServer
from teams_support import PERSONAL_ID, TeamsUser, personal, texts

from adapters.runtime import Runtime
from bot.messages import Conversation, ConversationGone, Reply


async def test_a_throttled_answer_is_delivered_once_after_retry_after(
    server: BotServer, connector: FakeConnector, sarah: TeamsUser
) -> None:
    connector.faults = [(429, None)]  # the typing indicator is throttled
    connector.faults += [(429, None), (502, None)]
    response = await server.send(personal(sarah, connector.url, "who am i"))
    assert response.status_code == 201
    assert [status for _, status in connector.refused] == [429, 429, 502]
    [answer] = connector.messages()
    assert "Sarah Mitchell" in texts(answer.cards[0])


@pytest.mark.parametrize("status", [412, 504])
async def test_an_update_refused_for_a_moment_is_retried(
    server: BotServer, connector: FakeConnector, sarah: TeamsUser, runtime: Runtime, status: int
) -> None:
    await server.send(personal(sarah, connector.url, "who am i"))
    surface = runtime.surfaces["teams"]
    conversation = Conversation(platform="teams", conversation_id=PERSONAL_ID)
    posted = await surface.post(conversation, Reply(text="first"))
    connector.faults = [(status, None)]
    await surface.update(posted, Reply(text="second"))
    [update] = connector.updates()
    assert update.body["text"] == "second" and connector.refused == [("PUT", status)]


async def test_a_bot_removed_from_the_conversation_is_told_apart_from_a_failure(
    server: BotServer, connector: FakeConnector, sarah: TeamsUser, runtime: Runtime
) -> None:
    await server.send(personal(sarah, connector.url, "who am i"))
    connector.faults = [(403, "BotNotInConversationRoster")]
    conversation = Conversation(platform="teams", conversation_id=PERSONAL_ID)
    with pytest.raises(ConversationGone):
        await runtime.surfaces["teams"].post(conversation, Reply(text="an alert"))
    assert connector.refused == [("POST", 403)], "not retried"
