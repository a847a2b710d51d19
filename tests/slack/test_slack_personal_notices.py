"""Personal notices in Slack: said in the DM through signed events, delivered by the poll to the
fake Slack Web API in that DM — a ticket reassigned to me, a customer note on my ticket."""

from __future__ import annotations

import json

from notice_support import reassigned_then_a_customer_note
from slack_harness import TECH, SlackHarness

from autotask.sandbox import Sandbox
from autotask.tools import Tenant
from bot.alerts import AlertService

NOTE = "It jams again <!channel>"


def _me(slack: SlackHarness, sandbox: Sandbox) -> dict[str, object]:
    email = slack.fake.users[TECH]["profile"]["email"]
    return next(r for r in sandbox.records("Resources") if r["email"] == email)


async def _say(slack: SlackHarness, text: str, answers: int) -> str:
    await slack.dm(text)
    replies = await slack.fake.wait_for("chat.update", answers)
    await slack.settle()
    return json.dumps(replies[-1].args)


async def test_reassignments_and_customer_notes_reach_my_dm(
    slack: SlackHarness, sandbox: Sandbox, tenant: Tenant
) -> None:
    service = AlertService(slack.runtime.engine, slack.runtime.surfaces)
    slack.runtime.engine.alerts = service
    await service.poller.cycle()  # the first start
    me = _me(slack, sandbox)
    assert "reassigned" in await _say(slack, "notify me when a ticket is assigned to me", 1)
    assert "once per note" in await _say(slack, "tell me when customers reply on my tickets", 2)

    answered = len(slack.fake.called("chat.postMessage"))
    ticket = await reassigned_then_a_customer_note(
        tenant, sandbox, service.poller.cycle, me=me, note=NOTE
    )

    posts = slack.fake.called("chat.postMessage")[answered:]
    assert {p.args["channel"] for p in posts} == {f"D{TECH}"}
    number = str(sandbox.get_record("Tickets", ticket)["ticketNumber"])  # type: ignore[index]
    texts = [json.dumps(p.args["blocks"]) for p in posts]
    assert len(posts) == 2, texts
    assert f"Assigned to {me['firstName']}" in texts[0] and number in texts[0]
    assert f"Customer note on {number}" in texts[1] and "Re: badge" in texts[1]
    assert "<!channel>" not in texts[1], "customer text cannot ping a channel"
