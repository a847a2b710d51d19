"""Link unfurling: a signed link_shared event with an Autotask ticket URL is answered with
chat.unfurl and a compact card read as the person who pasted it; other links and strangers get
nothing."""

from __future__ import annotations

import asyncio
from typing import Any

from slack_harness import GUEST, TECH, SlackHarness
from slack_sdk.models.blocks import Block

from autotask.sandbox import Sandbox
from autotask.tools import link


def _link_shared(user: str, urls: list[str]) -> dict[str, Any]:
    return {"type": "link_shared", "channel": "C0OPS", "user": user,
            "message_ts": "1700000600.000100", "unfurl_id": "", "source": "conversations_history",
            "links": [{"domain": url.split("/")[2], "url": url} for url in urls]}  # fmt: skip


async def test_a_pasted_ticket_link_unfurls_to_a_compact_card(
    slack: SlackHarness, sandbox: Sandbox
) -> None:
    ticket = next(t for t in sandbox.records("Tickets") if t["status"] != 5)
    web = await slack.runtime.tenant.client.web_url()
    url = link(web, "Tickets", ticket["id"])
    assert url is not None
    by_number = url.replace(f"TicketID={ticket['id']}", f"TicketNumber={ticket['ticketNumber']}")
    other = "https://example.com/not-autotask"
    assert await slack.event(_link_shared(TECH, [url, other, by_number])) == 200
    (unfurl,) = await slack.fake.wait_for("chat.unfurl")
    await slack.settle()
    assert unfurl.args["channel"] == "C0OPS" and unfurl.args["ts"] == "1700000600.000100"
    unfurls = unfurl.args["unfurls"]
    assert set(unfurls) == {url, by_number}, "only Autotask ticket links"
    blocks = unfurls[url]["blocks"]
    assert len(blocks) <= 8
    assert [Block.parse(b).to_dict() for b in blocks] == blocks  # type: ignore[union-attr]
    shown = str(blocks)
    assert ticket["ticketNumber"] in shown and ticket["title"][:30] in shown


async def test_a_stranger_or_a_plain_link_gets_no_unfurl(slack: SlackHarness) -> None:
    web = await slack.runtime.tenant.client.web_url()
    assert await slack.event(_link_shared(GUEST, [str(link(web, "Tickets", 1))])) == 200
    assert await slack.event(_link_shared(TECH, ["https://example.com/x"])) == 200
    await slack.settle()
    await asyncio.sleep(0.1)
    await slack.settle()
    assert slack.fake.called("chat.unfurl") == []
