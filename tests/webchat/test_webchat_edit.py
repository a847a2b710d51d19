"""The web chat's Edit button over HTTP: the form, a refused value, the new preview."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest
from engine_support import technician_email
from webchat_client import WebChatClient, bot_after

from adapters.demo import Demo

PLAN = re.compile(r'data-action="approve" data-plan="([^"]+)"')


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=30) as client:
        yield client


async def test_edit_a_pending_change_from_the_web_chat(demo: Demo, http: httpx.AsyncClient) -> None:
    chat, other = WebChatClient(http, demo.url), WebChatClient(http, demo.url)
    email = technician_email(demo.sandbox)
    await chat.open(email)
    await other.open(technician_email(demo.sandbox, 1))
    ticket = next(t for t in demo.sandbox.records("Tickets") if t["status"] != 5)
    sent = await chat.say(f"log 30m on {ticket['ticketNumber']} web chat edit test")
    card = await chat.wait_for(bot_after(sent, 'data-status="pending"'))
    assert 'data-action="edit"' in card["html"]
    plan_id = PLAN.search(card["html"]).group(1)  # type: ignore[union-attr]
    base, auth = f"{demo.url}/webchat/api", chat.headers

    answer = await http.post(f"{base}/edit/form", headers=auth,
                             json={"conversation": chat.own, "plan_id": plan_id})  # fmt: skip
    assert answer.status_code == 200, answer.text
    form = answer.json()["form"]
    assert [f["name"] for f in form["fields"]] == ["duration", "start", "summaryNotes"]
    refused = await http.post(f"{base}/edit/form", headers=other.headers,
                              json={"conversation": chat.own, "plan_id": plan_id})  # fmt: skip
    assert refused.status_code == 403, "another technician's conversation is not theirs"

    edit = {"conversation": chat.own, "message_id": card["id"], "plan_id": plan_id}
    bad = await http.post(f"{base}/edit", headers=auth,
                          json={**edit, "values": {"duration": "ages"}})  # fmt: skip
    assert bad.status_code == 422 and "'ages' is not a duration" in bad.json()["error"]
    good = await http.post(f"{base}/edit", headers=auth, json={**edit, "values": {
        "duration": "45m", "summaryNotes": "web chat edit test, edited"}})  # fmt: skip
    assert good.status_code == 200, good.text
    fresh = await chat.wait_for(bot_after(card["id"], "Here is the edited preview"))
    replaced = await chat.wait_for(
        lambda ms: next(
            (m for m in ms if m["id"] == card["id"] and 'data-status="superseded"' in m["html"]),
            None,
        )
    )
    assert 'data-action="approve"' not in replaced["html"]
    new_plan = PLAN.search(fresh["html"]).group(1)  # type: ignore[union-attr]
    assert (await chat.click(fresh, "approve", new_plan)).status_code == 202
    await chat.wait_for(
        lambda ms: next(
            (m for m in ms if m["id"] == fresh["id"] and 'data-status="applied"' in m["html"]),
            None,
        )
    )
    entries = [e for e in demo.sandbox.records("TimeEntries")
               if e.get("summaryNotes") == "web chat edit test, edited"]  # fmt: skip
    assert len(entries) == 1 and entries[0]["hoursWorked"] == 0.75
