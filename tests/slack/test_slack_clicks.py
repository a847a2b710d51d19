"""Change cards in Slack: Approve / Cancel through signed block_actions, end to end on the sandbox."""

from __future__ import annotations

from typing import Any

from slack_harness import OTHER, TECH, SlackHarness, buttons_of

from autotask.sandbox import Sandbox


def _entries(box: Sandbox, summary: str) -> list[dict[str, Any]]:
    return [t for t in box.records("TimeEntries") if t.get("summaryNotes") == summary]


async def _log_time(
    slack: SlackHarness, box: Sandbox
) -> tuple[dict[str, Any], str, dict[str, Any]]:
    """Ask for a time entry in a channel; return the event, the card's ts and its buttons."""
    ticket = next(t for t in box.records("Tickets") if t["status"] != 5)
    event = await slack.mention(f"log 30m on {ticket['ticketNumber']} testing")
    (update,) = await slack.fake.wait_for("chat.update")
    buttons = buttons_of(update.args["blocks"])
    assert set(buttons) - {"link"} == {"approve", "edit", "cancel"}
    return event, update.args["ts"], buttons


async def test_approve_writes_the_time_entry_once_and_updates_the_card_in_place(
    slack: SlackHarness, sandbox: Sandbox
) -> None:
    assert _entries(sandbox, "testing") == []
    event, card_ts, buttons = await _log_time(slack, sandbox)
    approve = buttons["approve"]
    assert approve["style"] == "primary" and approve["value"] == approve["action_id"].split(":")[1]
    assert _entries(sandbox, "testing") == [], "nothing is written before the click"

    status = await slack.click(approve["action_id"], approve["value"], channel="C0OPS",
                               message_ts=card_ts, thread_ts=event["ts"])  # fmt: skip
    assert status == 200
    updates = await slack.fake.wait_for("chat.update", 2)
    await slack.settle()
    outcome = updates[-1].args
    assert outcome["channel"] == "C0OPS" and outcome["ts"] == card_ts
    assert outcome["blocks"][0]["text"]["text"] == "Done"
    assert "approve" not in buttons_of(outcome["blocks"]), "no buttons once applied"
    assert len(_entries(sandbox, "testing")) == 1

    await slack.click(approve["action_id"], approve["value"], channel="C0OPS",
                      message_ts=card_ts, thread_ts=event["ts"])  # fmt: skip
    (whisper,) = await slack.fake.wait_for("chat.postEphemeral")
    await slack.settle()
    assert whisper.args["user"] == TECH and "already applied" in whisper.args["text"]
    assert len(_entries(sandbox, "testing")) == 1, "a second click writes nothing"
    assert len(slack.fake.called("chat.update")) == 2


async def test_someone_else_gets_an_ephemeral_refusal_and_the_card_stays(
    slack: SlackHarness, sandbox: Sandbox
) -> None:
    event, card_ts, buttons = await _log_time(slack, sandbox)
    approve = buttons["approve"]
    await slack.click(approve["action_id"], approve["value"], user=OTHER, channel="C0OPS",
                      message_ts=card_ts, thread_ts=event["ts"])  # fmt: skip
    (whisper,) = await slack.fake.wait_for("chat.postEphemeral")
    await slack.settle()
    assert whisper.args["user"] == OTHER and whisper.args["channel"] == "C0OPS"
    assert whisper.args["thread_ts"] == event["ts"] and "Only" in whisper.args["text"]
    assert len(slack.fake.called("chat.update")) == 1, "the card was not touched"
    assert _entries(sandbox, "testing") == []


async def test_cancel_updates_the_card_and_writes_nothing(
    slack: SlackHarness, sandbox: Sandbox
) -> None:
    event, card_ts, buttons = await _log_time(slack, sandbox)
    cancel = buttons["cancel"]
    await slack.click(cancel["action_id"], cancel["value"], channel="C0OPS", message_ts=card_ts,
                      thread_ts=event["ts"])  # fmt: skip
    updates = await slack.fake.wait_for("chat.update", 2)
    assert updates[-1].args["blocks"][0]["text"]["text"] == "Cancelled"
    assert _entries(sandbox, "testing") == []


async def test_a_forged_button_is_ignored(slack: SlackHarness, sandbox: Sandbox) -> None:
    _, card_ts, buttons = await _log_time(slack, sandbox)
    plan_id = buttons["approve"]["value"]
    # an action id and value that disagree, and one for a plan that does not exist
    await slack.click(f"approve:{plan_id}", "someotherplan1", channel="C0OPS", message_ts=card_ts)
    await slack.click(
        "approve:doesnotexist99", "doesnotexist99", channel="C0OPS", message_ts=card_ts
    )
    (whisper,) = await slack.fake.wait_for("chat.postEphemeral")
    await slack.settle()
    assert "don't know that change" in whisper.args["text"]
    assert _entries(sandbox, "testing") == [] and len(slack.fake.called("chat.update")) == 1


async def test_a_card_answered_ephemerally_is_updated_through_the_click_response_url(
    slack: SlackHarness, sandbox: Sandbox
) -> None:
    ticket = next(t for t in sandbox.records("Tickets") if t["status"] != 5)
    await slack.command(f"log 30m on {ticket['ticketNumber']} testing")
    (hook,) = await slack.fake.wait_for_hooks()
    approve = buttons_of(hook.body["blocks"])["approve"]
    await slack.click(approve["action_id"], approve["value"], channel="C0OPS",
                      message_ts="1700009999.000001", ephemeral=True)  # fmt: skip
    hooks = await slack.fake.wait_for_hooks(2)
    await slack.settle()
    outcome = hooks[-1]
    assert outcome.name == "click" and outcome.body["replace_original"] is True
    assert outcome.body["blocks"][0]["text"]["text"] == "Done"
    assert len(_entries(sandbox, "testing")) == 1
    assert slack.fake.called("chat.update") == []
