"""Edit before approve in Slack: the Edit button opens a modal (views.open with the click's
trigger_id), a signed view_submission becomes a new preview, the old card is superseded."""

from __future__ import annotations

import json
from typing import Any

from slack_harness import OTHER, SlackHarness, buttons_of, view_submission
from slack_sdk.models.views import View

from autotask.sandbox import Sandbox


async def _card(slack: SlackHarness, box: Sandbox) -> tuple[dict[str, Any], str, dict[str, Any]]:
    ticket = next(t for t in box.records("Tickets") if t["status"] != 5)
    event = await slack.mention(f"log 30m on {ticket['ticketNumber']} testing edits")
    (update,) = await slack.fake.wait_for("chat.update")
    buttons = buttons_of(update.args["blocks"])
    assert {"approve", "edit", "cancel"} <= set(buttons)
    return event, update.args["ts"], buttons


async def _open_modal(
    slack: SlackHarness, event: dict[str, Any], card_ts: str, edit: dict[str, Any]
) -> dict[str, Any]:
    await slack.click(edit["action_id"], edit["value"], channel="C0OPS", message_ts=card_ts,
                      thread_ts=event["ts"])  # fmt: skip
    (opened,) = await slack.fake.wait_for("views.open")
    await slack.settle()
    assert opened.args["trigger_id"] == "1.2.3"
    view: dict[str, Any] = opened.args["view"]
    assert View(**view).to_dict() == view, "the modal round-trips through slack_sdk.models"
    return view


async def test_edit_opens_a_modal_and_its_submission_is_a_new_preview(
    slack: SlackHarness, sandbox: Sandbox
) -> None:
    event, card_ts, buttons = await _card(slack, sandbox)
    view = await _open_modal(slack, event, card_ts, buttons["edit"])
    inputs = {b["block_id"]: b["element"] for b in view["blocks"]}
    assert list(inputs) == ["f:duration", "f:start", "f:summaryNotes"]
    assert inputs["f:duration"]["initial_value"] == "30m"
    assert inputs["f:summaryNotes"]["multiline"] is True
    assert json.loads(view["private_metadata"])["message_ts"] == card_ts

    posted = len(slack.fake.called("chat.postMessage"))
    status, body = await slack.interaction(view_submission(view, {"duration": "1h 15m"}))
    assert (status, body) == (200, "")
    await slack.fake.wait_for("chat.update", 2)
    await slack.fake.wait_for("chat.postMessage", posted + 1)
    await slack.settle()
    superseded = slack.fake.messages[("C0OPS", card_ts)]
    assert superseded["blocks"][0]["text"]["text"] == "Replaced by an edited preview"
    assert "approve" not in buttons_of(superseded["blocks"])
    preview = slack.fake.called("chat.postMessage")[-1].args
    assert preview["thread_ts"] == event["ts"], "the new preview is in the card's thread"
    new = buttons_of(preview["blocks"])
    assert new["approve"]["value"] != buttons["approve"]["value"]

    await slack.click(buttons["approve"]["action_id"], buttons["approve"]["value"],
                      channel="C0OPS", message_ts=card_ts, thread_ts=event["ts"])  # fmt: skip
    (whisper,) = await slack.fake.wait_for("chat.postEphemeral")
    assert "already superseded" in whisper.args["text"]
    before = len(sandbox.records("TimeEntries"))
    new_ts = next(ts for (_, ts), args in slack.fake.messages.items() if args is preview)
    await slack.click(new["approve"]["action_id"], new["approve"]["value"], channel="C0OPS",
                      message_ts=new_ts, thread_ts=event["ts"])  # fmt: skip
    await slack.fake.wait_for("chat.update", 3)
    await slack.settle()
    entries = sandbox.records("TimeEntries")
    assert len(entries) == before + 1 and entries[-1]["hoursWorked"] == 1.25
    assert entries[-1]["summaryNotes"] == "testing edits"


async def test_a_bad_value_is_shown_in_the_modal_and_changes_nothing(
    slack: SlackHarness, sandbox: Sandbox
) -> None:
    event, card_ts, buttons = await _card(slack, sandbox)
    view = await _open_modal(slack, event, card_ts, buttons["edit"])
    status, body = await slack.interaction(view_submission(view, {"duration": "a while"}))
    assert status == 200
    answer = json.loads(body)
    assert answer["response_action"] == "errors"
    assert "'a while' is not a duration" in answer["errors"]["f:duration"]
    await slack.settle()
    assert len(slack.fake.called("chat.update")) == 1, "the card was not touched"


async def test_someone_else_cannot_open_the_editor(slack: SlackHarness, sandbox: Sandbox) -> None:
    event, card_ts, buttons = await _card(slack, sandbox)
    edit = buttons["edit"]
    await slack.click(edit["action_id"], edit["value"], user=OTHER, channel="C0OPS",
                      message_ts=card_ts, thread_ts=event["ts"])  # fmt: skip
    (whisper,) = await slack.fake.wait_for("chat.postEphemeral")
    await slack.settle()
    assert whisper.args["user"] == OTHER and whisper.args["text"].startswith("Only ")
    assert slack.fake.called("views.open") == []
