"""Signed requests through the real bolt app over HTTP; assertions on what Slack received."""

from __future__ import annotations

import json
import time
from pathlib import Path

from fake_slack import BOT_USER
from slack_harness import GUEST, OTHER, TECH, SlackHarness

from autotask.sandbox import Sandbox


def _texts(blocks: list[dict[str, object]]) -> str:
    return json.dumps(blocks, ensure_ascii=False)


async def test_a_direct_message_gets_a_placeholder_then_the_answer_in_its_place(
    slack: SlackHarness,
) -> None:
    await slack.dm("my tickets")
    (update,) = await slack.fake.wait_for("chat.update")
    await slack.settle()
    (placeholder,) = slack.fake.called("chat.postMessage")
    assert (
        placeholder.args["channel"] == f"D{TECH}" and "Looking that up" in placeholder.args["text"]
    )
    assert placeholder.args.get("thread_ts") is None, "a top-level DM is answered at top level"
    ts = slack.fake.messages[(f"D{TECH}", update.args["ts"])]["ts"]
    assert update.args["ts"] == ts and update.args["channel"] == f"D{TECH}"
    blocks = update.args["blocks"]
    assert blocks[0]["type"] == "header" and "Tickets" in blocks[0]["text"]["text"]
    assert any(b["type"] == "section" for b in blocks)
    (info,) = slack.fake.called("users.info")
    assert info.args["user"] == TECH
    await slack.dm("who am i")
    await slack.fake.wait_for("chat.update", 2)
    assert len(slack.fake.called("auth.test")) == 1, "the bot's identity is asked once"
    assert len(slack.fake.called("users.info")) == 1, "the user's e-mail is cached"


async def test_a_mention_is_answered_in_its_thread_without_the_mention(slack: SlackHarness) -> None:
    event = await slack.mention("who am i")
    (update,) = await slack.fake.wait_for("chat.update")
    (placeholder,) = slack.fake.called("chat.postMessage")
    assert placeholder.args["channel"] == "C0OPS" and placeholder.args["thread_ts"] == event["ts"]
    blocks = _texts(update.args["blocks"])
    assert "Sorry, I did not understand" not in blocks, "the mention was stripped"
    assert "E-mail" in blocks, "the who-am-i card"


async def test_a_guest_without_an_autotask_resource_is_refused_clearly(slack: SlackHarness) -> None:
    await slack.dm("my tickets", user=GUEST)
    (update,) = await slack.fake.wait_for("chat.update")
    text = _texts(update.args["blocks"])
    assert "guest@customer.example" in text and "atbot link" in text


async def test_the_slash_command_answers_ephemerally_through_the_response_url(
    slack: SlackHarness,
) -> None:
    status, body = await slack.command("my tickets")
    assert status == 200 and "Looking that up" in body
    (hook,) = await slack.fake.wait_for_hooks()
    await slack.settle()
    assert hook.body["response_type"] == "ephemeral"
    assert hook.body["blocks"][0]["type"] == "header"
    assert slack.fake.called("chat.postMessage") == [], "nothing posted for everyone to see"


async def test_public_shares_the_slash_command_answer_in_the_channel(slack: SlackHarness) -> None:
    status, _ = await slack.command("public my tickets")
    assert status == 200
    (post,) = await slack.fake.wait_for("chat.postMessage")
    await slack.settle()
    assert post.args["channel"] == "C0OPS" and slack.fake.hooks == []
    first = post.args["blocks"][0]
    assert first["type"] == "context" and f"<@{TECH}>" in first["elements"][0]["text"]
    assert "my tickets" in first["elements"][0]["text"]


async def test_public_falls_back_to_the_response_url_when_the_bot_is_not_in_the_channel(
    slack: SlackHarness,
) -> None:
    slack.fake.failures["chat.postMessage"] = "not_in_channel"
    await slack.command("share my tickets")
    (hook,) = await slack.fake.wait_for_hooks()
    assert hook.body["response_type"] == "in_channel"


async def test_a_retried_event_is_answered_once(slack: SlackHarness) -> None:
    event = {"type": "message", "channel": f"D{TECH}", "channel_type": "im", "user": TECH,
             "text": "who am i", "ts": slack.ts()}  # fmt: skip
    assert await slack.event(event, event_id="EvSAME") == 200
    await slack.fake.wait_for("chat.update")
    retry = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    assert await slack.event(event, event_id="EvSAME", headers=retry) == 200
    assert await slack.event(event, event_id="EvSAME") == 200  # a redelivery without the header
    await slack.settle()
    assert len(slack.fake.called("chat.postMessage")) == 1
    assert len(slack.fake.called("chat.update")) == 1
    metrics = slack.runtime.engine.metrics.snapshot()
    assert metrics["slack_events_redelivered"] == 2


async def test_a_retry_after_a_failed_delivery_is_answered(slack: SlackHarness) -> None:
    event = {"type": "message", "channel": f"D{TECH}", "channel_type": "im", "user": TECH,
             "text": "who am i", "ts": slack.ts()}  # fmt: skip
    retry = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_error"}
    assert await slack.event(event, event_id="EvLOST", headers=retry) == 200
    await slack.fake.wait_for("chat.update")


async def test_bad_old_or_missing_signatures_are_refused(slack: SlackHarness) -> None:
    body = json.dumps({"type": "event_callback", "event_id": "Ev1", "team_id": "T0001",
                       "event": {"type": "message", "channel": "D1", "channel_type": "im",
                                 "user": TECH, "text": "my tickets", "ts": "1.1"}})  # fmt: skip
    now = int(time.time())
    forged = {"X-Slack-Request-Timestamp": str(now), "X-Slack-Signature": "v0=" + "0" * 64}
    assert (await slack.send(body, "application/json", headers=forged, signed=False))[0] == 401
    assert (await slack.send(body, "application/json", timestamp=now - 600))[0] == 401
    assert (await slack.send(body, "application/json", signed=False))[0] == 401
    await slack.settle()
    assert [c.method for c in slack.fake.calls] == ["auth.test"], "only the start-up check"


async def test_the_url_verification_challenge_is_answered(slack: SlackHarness) -> None:
    body = json.dumps({"type": "url_verification", "token": "x", "challenge": "c-123"})
    status, text = await slack.send(body, "application/json")
    assert status == 200 and "c-123" in text


async def test_the_bot_does_not_answer_itself_or_edits(slack: SlackHarness) -> None:
    await slack.dm("my tickets", user=BOT_USER, bot_id="BBOT")
    await slack.dm("my tickets", subtype="message_changed")
    await slack.settle()
    assert slack.fake.called("chat.postMessage") == []
    assert slack.fake.called("users.info") == []
    assert OTHER  # the directory knows more users than these tests use


async def test_the_server_builds_the_slack_part_and_alerts_can_post_anywhere(
    slack: SlackHarness, tmp_path: Path
) -> None:
    from adapters.downloads import Downloads
    from adapters.server import make_parts
    from adapters.slack import SlackPart, SlackSurface
    from bot.messages import Card, Conversation, Reply

    runtime = slack.runtime
    downloads = Downloads(runtime.db.exports, base_url=lambda: "")
    parts = make_parts(runtime, downloads)
    assert any(isinstance(part, SlackPart) for part in parts)
    surface = runtime.surfaces["slack"]
    assert isinstance(surface, SlackSurface)
    channel = Conversation(platform="slack", conversation_id="C0ALERTS")
    card = Card(kind="alert", title="New ticket T20261125.0001", subtitle="Server down")
    ref = await surface.post(channel, Reply(cards=(card,)))
    (post,) = slack.fake.called("chat.postMessage")
    assert post.args["channel"] == "C0ALERTS" and post.args.get("thread_ts") is None
    assert (post.args["channel"], ref.message_id) in slack.fake.messages, "the ts of the post"


async def test_a_guest_mentioning_the_bot_in_a_channel_is_refused_without_personal_data(
    slack: SlackHarness,
) -> None:
    await slack.mention("my tickets", user=GUEST)
    (update,) = await slack.fake.wait_for("chat.update")
    text = _texts(update.args["blocks"])
    assert "guest@customer.example" not in text and "atbot link" not in text
    assert "direct message" in text


async def test_a_mentioned_colleague_is_their_autotask_resource(
    slack: SlackHarness, sandbox: Sandbox
) -> None:
    email = slack.fake.users[OTHER]["profile"]["email"]
    other = next(r for r in sandbox.records("Resources") if r["email"] == email)
    ticket = next(
        t for t in sandbox.records("Tickets")
        if t["status"] != 5 and t.get("assignedResourceID") != other["id"]
    )  # fmt: skip
    await slack.mention(f"assign {ticket['ticketNumber']} to <@{OTHER}>")
    (update,) = await slack.fake.wait_for("chat.update")
    blocks = _texts(update.args["blocks"])
    assert f"{other['firstName']} {other['lastName']}" in blocks and "Approve" in blocks
    looked_up = {call.args["user"] for call in slack.fake.called("users.info")}
    assert OTHER in looked_up


async def test_a_mention_without_an_autotask_resource_lists_no_staff_e_mails(
    slack: SlackHarness, sandbox: Sandbox
) -> None:
    ticket = next(t for t in sandbox.records("Tickets") if t["status"] != 5)
    await slack.mention(f"assign {ticket['ticketNumber']} to <@UNOBODY>")
    (update,) = await slack.fake.wait_for("chat.update")
    blocks = _texts(update.args["blocks"])
    assert "No active Autotask technician matches" in blocks
    assert "@bluewave-it.example" not in blocks
