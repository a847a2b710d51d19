"""Alerts only where the bot may post: checked when they are turned on (a member, not a channel
shared with another organisation), and turned off — with a word to whoever turned them on — when
Slack answers ``not_in_channel``."""

from __future__ import annotations

import json

from slack_harness import TECH, SlackHarness

from autotask.sandbox import Sandbox
from bot.alerts import AlertService
from bot.messages import Conversation


def _alerts(slack: SlackHarness) -> AlertService:
    service = AlertService(slack.runtime.engine, slack.runtime.surfaces)
    slack.runtime.engine.alerts = service
    return service


async def _answer(slack: SlackHarness, channel: str, text: str) -> str:
    await slack.mention(text, channel=channel)
    updates = await slack.fake.wait_for("chat.update")
    await slack.settle()
    return json.dumps(updates[-1].args)


async def test_alerts_are_refused_in_a_channel_the_bot_is_not_in(slack: SlackHarness) -> None:
    service = _alerts(slack)
    slack.fake.channels["C0NOTIN"] = {"is_member": False}
    channel = Conversation(platform="slack", conversation_id="C0NOTIN")
    actor = await slack.runtime.engine.identity.resolve(
        "slack", TECH, slack.fake.users[TECH]["profile"]["email"]
    )
    reply = await service.subscribe(channel, actor, {})
    assert reply.text is not None and "not a member" in reply.text and "/invite" in reply.text
    assert await slack.runtime.db.alerts.subscriptions(channel) == []


async def test_alerts_are_refused_in_a_slack_connect_channel(slack: SlackHarness) -> None:
    _alerts(slack)
    slack.fake.channels["C0SHARED"] = {"is_ext_shared": True, "is_shared": True}
    text = await _answer(slack, "C0SHARED", "alerts on")
    assert "shared with another organisation" in text
    channel = Conversation(platform="slack", conversation_id="C0SHARED")
    assert await slack.runtime.db.alerts.subscriptions(channel) == []


async def test_alerts_are_turned_on_in_a_channel_of_the_workspace(slack: SlackHarness) -> None:
    _alerts(slack)
    text = await _answer(slack, "C0OPS", "alerts on")
    assert "will get an alert" in text
    (info,) = slack.fake.called("conversations.info")
    assert info.args["channel"] == "C0OPS"


async def test_a_channel_the_bot_was_removed_from_stops_its_alerts_and_tells_the_subscriber(
    slack: SlackHarness, sandbox: Sandbox
) -> None:
    service = _alerts(slack)
    await _answer(slack, "C0OPS", "alerts on")
    channel = Conversation(platform="slack", conversation_id="C0OPS")
    assert len(await slack.runtime.db.alerts.subscriptions(channel)) == 1
    slack.fake.channels["C0OPS"] = {"is_member": False}  # someone removed the bot
    records = [max(sandbox.records("Tickets"), key=lambda t: int(t["id"]))]
    report = await service.dispatcher.deliver(records)
    assert report.failed == 1 and service.dispatcher.waiting == 0, "not retried for ever"
    assert await slack.runtime.db.alerts.subscriptions(channel) == []
    told = [c for c in slack.fake.called("chat.postMessage") if c.args["channel"] == TECH]
    assert len(told) == 1 and "<#C0OPS>" in told[0].args["text"]
    assert "alerts on" in told[0].args["text"]
    again = await service.dispatcher.deliver(records)
    assert again.matched == 0, "no subscription left to try"


async def test_a_question_in_a_slack_connect_channel_is_answered_to_the_asker_only(
    slack: SlackHarness,
) -> None:
    event = {
        "type": "app_mention",
        "channel": "C0SHARED",
        "user": TECH,
        "text": "<@UBOT> my tickets",
        "ts": slack.ts(),
    }
    body = {
        "token": "legacy",
        "team_id": "T0001",
        "api_app_id": "A0BOT",
        "type": "event_callback",
        "event_id": "EvSHARED1",
        "event_time": 1700000000,
        "is_ext_shared_channel": True,
        "event": event,
        "authorizations": [{"team_id": "T0001", "user_id": "UBOT", "is_bot": True}],
    }
    status, _ = await slack.send(json.dumps(body), "application/json")
    assert status == 200
    (private,) = await slack.fake.wait_for("chat.postEphemeral")
    await slack.settle()
    assert private.args["user"] == TECH and private.args["channel"] == "C0SHARED"
    assert private.args["thread_ts"] == event["ts"] and private.args["blocks"]
    assert slack.fake.called("chat.postMessage") == [], "nothing the other organisation sees"
    assert slack.fake.called("chat.update") == []


async def test_public_is_ignored_in_a_slack_connect_channel(slack: SlackHarness) -> None:
    slack.fake.channels["C0SHARED"] = {"is_ext_shared": True, "is_shared": True}
    status, _ = await slack.command("public my tickets", channel="C0SHARED")
    assert status == 200
    (hook,) = await slack.fake.wait_for_hooks()
    await slack.settle()
    assert hook.body["response_type"] == "ephemeral"
    assert slack.fake.called("chat.postMessage") == []
