"""Create a ticket from a message: the signed message shortcut opens a pre-filled modal, its
view_submission posts the usual confirmation card in the message's thread, Approve creates it."""

from __future__ import annotations

import json
from typing import Any

from slack_harness import TECH, SlackHarness, buttons_of, view_submission
from slack_sdk.models.views import View

from autotask.sandbox import Sandbox

CUSTOMER = "UCUSTOMER"
MESSAGE_TS = "1700000500.000100"


def _shortcut(text: str) -> dict[str, Any]:
    return {
        "type": "message_action", "callback_id": "atbot_ticket_from_message",
        "trigger_id": "7.8.9", "user": {"id": TECH, "username": "tech"},
        "channel": {"id": "C0OPS", "name": "ops"}, "message_ts": MESSAGE_TS,
        "message": {"type": "message", "user": CUSTOMER, "ts": MESSAGE_TS, "text": text},
        "response_url": "https://hooks.slack.example/unused",
    }  # fmt: skip


def _contact(box: Sandbox) -> tuple[dict[str, Any], str]:
    contact = next(c for c in box.records("Contacts") if c.get("companyID") and c["isActive"])
    company = next(c for c in box.records("Companies") if c["id"] == contact["companyID"])
    return contact, str(company["companyName"])


async def _modal(slack: SlackHarness, box: Sandbox, text: str) -> tuple[dict[str, Any], str]:
    contact, company = _contact(box)
    slack.fake.users[CUSTOMER] = {
        "name": "customer", "profile": {"email": contact["emailAddress"], "real_name": "Dana"},
    }  # fmt: skip
    status, _ = await slack.interaction(_shortcut(text))
    assert status == 200
    (opened,) = await slack.fake.wait_for("views.open")
    await slack.settle()
    assert opened.args["trigger_id"] == "7.8.9"
    view: dict[str, Any] = opened.args["view"]
    assert View(**view).to_dict() == view, "the modal round-trips through slack_sdk.models"
    return view, company


async def test_a_message_becomes_a_ticket_preview_in_its_thread(
    slack: SlackHarness, sandbox: Sandbox
) -> None:
    text = "Printer on the 3rd floor jams\nSince this morning, every job."
    view, company = await _modal(slack, sandbox, text)
    assert view["callback_id"] == "atbot_new_ticket"
    fields = {b["block_id"]: b["element"] for b in view["blocks"]}
    assert list(fields) == ["f:company", "f:title", "f:description", "f:priority", "f:queueID"]
    assert fields["f:company"]["initial_value"] == company, "guessed from the author's e-mail"
    assert fields["f:title"]["initial_value"] == "Printer on the 3rd floor jams"
    description = fields["f:description"]["initial_value"]
    assert "Dana wrote in Slack:" in description and "every job." in description
    assert "https://bluewave.slack.example/archives/C0OPS/p1700000500000100" in description
    assert fields["f:priority"]["type"] == "static_select"
    assert json.loads(view["private_metadata"])["message_ts"] == MESSAGE_TS
    assert not [
        t for t in sandbox.records("Tickets") if t["title"].startswith("Printer on the 3rd")
    ]

    status, body = await slack.interaction(view_submission(view, {}))
    assert (status, body) == (200, "")
    (posted,) = await slack.fake.wait_for("chat.postMessage")
    await slack.settle()
    assert posted.args["channel"] == "C0OPS" and posted.args["thread_ts"] == MESSAGE_TS
    buttons = buttons_of(posted.args["blocks"])
    assert {"approve", "edit", "cancel"} <= set(buttons)
    ts = next(ts for (_, ts), args in slack.fake.messages.items() if args is posted.args)
    approve = buttons["approve"]
    await slack.click(approve["action_id"], approve["value"], channel="C0OPS", message_ts=ts,
                      thread_ts=MESSAGE_TS)  # fmt: skip
    await slack.fake.wait_for("chat.update")
    await slack.settle()
    (ticket,) = [
        t for t in sandbox.records("Tickets") if t["title"] == "Printer on the 3rd floor jams"
    ]
    companies = {c["id"]: c["companyName"] for c in sandbox.records("Companies")}
    assert companies[ticket["companyID"]] == company
    assert "every job." in ticket["description"]


async def test_a_company_autotask_does_not_know_is_shown_in_the_modal(
    slack: SlackHarness, sandbox: Sandbox
) -> None:
    view, _ = await _modal(slack, sandbox, "VPN down")
    status, body = await slack.interaction(
        view_submission(view, {"company": "Zzyzx Unknown Holdings"})
    )
    assert status == 200
    answer = json.loads(body)
    assert answer["response_action"] == "errors" and "f:company" in answer["errors"]
    await slack.settle()
    assert slack.fake.called("chat.postMessage") == []


async def test_a_linked_channels_company_fills_the_modal_and_plain_ticket_lists(
    slack: SlackHarness, sandbox: Sandbox
) -> None:
    _, guessed = _contact(sandbox)
    linked = next(c["companyName"] for c in sandbox.records("Companies")
                  if c["companyName"] not in {guessed, "Bluewave IT"})  # fmt: skip
    await slack.mention(f"link this channel to {linked}")
    (said,) = await slack.fake.wait_for("chat.update")
    await slack.settle()
    assert f"now linked to {linked}" in said.args["text"]

    view, _ = await _modal(slack, sandbox, "Printer jams again")
    fields = {b["block_id"]: b["element"] for b in view["blocks"]}
    assert fields["f:company"]["initial_value"] == linked, "the channel's, not the author's"

    await slack.mention("open tickets")
    _, listed = await slack.fake.wait_for("chat.update", 2)
    await slack.settle()
    assert listed.args["text"].startswith(f"Using this channel's company, {linked}")
