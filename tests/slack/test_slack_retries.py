"""Slack's Web API throttles (HTTP 429 with Retry-After, error ``ratelimited``) and sometimes fails
on its side (500/503): the bot waits and tries again, so the answer and the user's e-mail are not
lost; a throttled look-up of who is asking is not remembered as "no e-mail"."""

from __future__ import annotations

import json

from slack_harness import TECH, SlackHarness

from autotask.sandbox import Sandbox


async def test_a_throttled_answer_is_sent_after_retry_after(slack: SlackHarness) -> None:
    slack.fake.faults["chat.update"] = [429]
    await slack.dm("my tickets")
    updates = await slack.fake.wait_for("chat.update", 2)
    await slack.settle()
    assert len(updates) == 2, "one refused, one accepted"
    assert updates[0].args == updates[1].args, "the same answer, sent again"
    assert updates[1].args["blocks"][0]["type"] == "header"
    assert len(slack.fake.called("chat.postMessage")) == 1, "no second placeholder, no apology"


async def test_a_throttled_user_lookup_is_retried_not_cached_as_missing(
    slack: SlackHarness,
) -> None:
    slack.fake.faults["users.info"] = [429, 429]
    await slack.dm("who am i")
    (update,) = await slack.fake.wait_for("chat.update")
    await slack.settle()
    assert len(slack.fake.called("users.info")) == 3
    text = json.dumps(update.args["blocks"])
    assert "could not read your e-mail" not in text and "E-mail" in text


async def test_server_errors_are_retried_with_backoff(slack: SlackHarness) -> None:
    slack.fake.faults["chat.postMessage"] = [503, 500]
    await slack.mention("who am i")
    await slack.fake.wait_for("chat.update")
    await slack.settle()
    posts = slack.fake.called("chat.postMessage")
    assert len(posts) == 3 and {p.args["channel"] for p in posts} == {"C0OPS"}


async def test_a_long_retry_after_is_not_waited_for_and_the_user_is_told(
    slack: SlackHarness,
) -> None:
    slack.fake.retry_after = 3600
    slack.fake.faults["chat.update"] = [429]
    await slack.dm("my tickets")
    posts = await slack.fake.wait_for("chat.postMessage", 2)
    await slack.settle()
    assert len(slack.fake.called("chat.update")) == 1, "no wait of an hour"
    assert "Sorry" in json.dumps(posts[-1].args) and posts[-1].args["channel"] == f"D{TECH}"


async def test_a_lookup_throttled_past_its_retries_is_asked_again_next_time(
    slack: SlackHarness,
) -> None:
    slack.fake.faults["users.info"] = [429] * 4
    await slack.dm("who am i")
    posts = await slack.fake.wait_for("chat.update")
    await slack.settle()
    assert "could not read your e-mail" not in json.dumps(posts[-1].args)
    await slack.dm("who am i")
    updates = await slack.fake.wait_for("chat.update", 2)
    assert "E-mail" in json.dumps(updates[-1].args["blocks"])
    assert len(slack.fake.called("users.info")) == 5


async def test_an_applied_change_whose_card_update_is_refused_is_posted_as_a_new_message(
    slack: SlackHarness, sandbox: Sandbox
) -> None:
    ticket = next(t for t in sandbox.records("Tickets") if t["status"] != 5)
    event = await slack.mention(f"log 30m on {ticket['ticketNumber']} throttled card")
    (update,) = await slack.fake.wait_for("chat.update")
    approve = next(
        e
        for b in update.args["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"].startswith("approve:")
    )
    slack.fake.retry_after = 3600  # longer than the bot waits: the update fails for good
    slack.fake.faults["chat.update"] = [429]
    status = await slack.click(
        approve["action_id"],
        approve["value"],
        channel="C0OPS",
        message_ts=update.args["ts"],
        thread_ts=event["ts"],
    )
    assert status == 200
    posts = await slack.fake.wait_for("chat.postMessage", 2)
    await slack.settle()
    entries = [
        t for t in sandbox.records("TimeEntries") if t.get("summaryNotes") == "throttled card"
    ]
    assert len(entries) == 1, "applied once"
    outcome = posts[-1].args
    assert outcome["channel"] == "C0OPS" and outcome["thread_ts"] == event["ts"]
    assert "Done" in json.dumps(outcome["blocks"]) and "could not update" in outcome["text"]
    assert slack.fake.called("chat.postEphemeral") == [], "no 'that click could not be handled'"
