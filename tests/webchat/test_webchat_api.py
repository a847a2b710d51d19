"""The web chat over HTTP, against the demo in-process: the page, sessions, turns, clicks, stream."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from engine_support import technician_email
from webchat_client import WebChatClient, bot_after, event_stream

from adapters.demo import DEMO_CHANNEL, Demo

PLAN = re.compile(r'data-action="approve" data-plan="([^"]+)"')


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=30) as client:
        yield client


@pytest.fixture
def chat(demo: Demo, http: httpx.AsyncClient) -> WebChatClient:
    return WebChatClient(http, demo.url)


def open_ticket(demo: Demo, email: str) -> dict[str, Any]:
    """An open ticket assigned to the technician with ``email``."""
    box = demo.sandbox
    resource = next(r for r in box.records("Resources") if r["email"] == email)
    return next(
        t
        for t in box.records("Tickets")
        if t["assignedResourceID"] == resource["id"] and t["status"] != 5
    )


def entries_for(demo: Demo, ticket_id: int, words: str) -> list[dict[str, Any]]:
    return [
        e
        for e in demo.sandbox.records("TimeEntries")
        if e["ticketID"] == ticket_id and words in str(e.get("summaryNotes") or "")
    ]


async def test_the_page_and_its_files_are_served_with_a_strict_policy(
    demo: Demo, http: httpx.AsyncClient
) -> None:
    page = await http.get(f"{demo.url}/")
    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert '<select id="tech"' in page.text and 'for="composer"' in page.text
    script = await http.get(f"{demo.url}/webchat/static/app.js")
    assert script.status_code == 200 and "EventSource" in script.text
    assert (await http.get(f"{demo.url}/webchat/static/settings.py")).status_code == 404
    assert (await http.get(f"{demo.url}/webchat/static/..%2F_part.py")).status_code == 404


async def test_the_technicians_are_the_active_people_not_the_api_user(
    demo: Demo, chat: WebChatClient
) -> None:
    listed = await chat.technicians()
    emails = {p["email"] for p in listed["technicians"]}
    box = demo.sandbox
    active = {
        r["email"]
        for r in box.records("Resources")
        if r["isActive"] and r["userName"] != box.config.username
    }
    assert emails == active
    assert box.config.username not in emails
    assert listed["suggested"] == "sarah.mitchell@bluewave-it.example"


async def test_a_session_needs_one_of_the_listed_technicians(
    demo: Demo, chat: WebChatClient, http: httpx.AsyncClient
) -> None:
    unknown = await http.post(
        f"{demo.url}/webchat/api/session", json={"email": "someone@elsewhere.example"}
    )
    assert unknown.status_code == 404
    assert "pick one from the list" in unknown.json()["error"]
    invalid = await http.post(f"{demo.url}/webchat/api/session", json={"mail": "x"})
    assert invalid.status_code == 400 and "email" in invalid.json()["error"]
    anonymous = await http.get(f"{demo.url}/webchat/api/history", params={"conversation": "demo"})
    assert anonymous.status_code == 401

    session = await chat.open(technician_email(demo.sandbox))
    assert session["mode"] == "command"
    assert [c["id"] for c in session["conversations"]] == [chat.own, "demo"]
    foreign = await http.get(
        f"{demo.url}/webchat/api/history",
        params={"conversation": "dm-1"},
        headers=chat.headers,
    )
    assert foreign.status_code == 403


async def test_the_api_answers_this_machine_and_its_own_page_only(
    demo: Demo, http: httpx.AsyncClient
) -> None:
    url = f"{demo.url}/webchat/api/session"
    body = {"email": technician_email(demo.sandbox)}
    rebound = await http.get(
        f"{demo.url}/webchat/api/technicians", headers={"Host": "evil.example"}
    )
    assert rebound.status_code == 403
    cross_site = await http.post(url, json=body, headers={"Origin": "http://evil.example"})
    assert cross_site.status_code == 403
    form = await http.post(url, content=b"email=x", headers={"Content-Type": "text/plain"})
    assert form.status_code == 403
    same_origin = await http.post(url, json=body, headers={"Origin": demo.url})
    assert same_origin.status_code == 200


async def test_my_tickets_arrive_on_the_stream_as_a_list_card(
    demo: Demo, chat: WebChatClient, http: httpx.AsyncClient
) -> None:
    email = technician_email(demo.sandbox)
    await chat.open(email)
    async with event_stream(http, demo.url, str(chat.token)) as events:
        sent = await chat.say("my tickets")
        reply = await chat.wait_for(bot_after(sent, "card-list"))
        for _ in range(200):
            if any(e.get("message", {}).get("id") == reply["id"] for e in events):
                break
            await asyncio.sleep(0.05)
    kinds = [(e["type"], e.get("message", {}).get("author")) for e in events]
    assert ("message", "user") in kinds and ("typing", None) in kinds
    assert any(e["type"] == "message" and e["message"]["id"] == reply["id"] for e in events)
    ticket = open_ticket(demo, email)
    assert ticket["ticketNumber"] in reply["html"]
    assert 'target="_blank" rel="noopener noreferrer"' in reply["html"]


async def test_approve_applies_once_and_updates_the_card_in_place(
    demo: Demo, chat: WebChatClient, http: httpx.AsyncClient
) -> None:
    email = technician_email(demo.sandbox)
    ticket = open_ticket(demo, email)
    await chat.open(email)
    sent = await chat.say(f"log 30m on {ticket['ticketNumber']} web chat approve test")
    card = await chat.wait_for(bot_after(sent, 'data-status="pending"'))
    plan_id = PLAN.search(card["html"]).group(1)  # type: ignore[union-attr]
    async with event_stream(http, demo.url, str(chat.token)) as events:
        first, second = await asyncio.gather(
            chat.click(card, "approve", plan_id), chat.click(card, "approve", plan_id)
        )
        assert first.status_code == second.status_code == 202
        await chat.wait_for(
            lambda ms: next(
                (m for m in ms if m["id"] == card["id"] and 'data-status="applied"' in m["html"]),
                None,
            )
        )
        for _ in range(200):
            if any(e["type"] == "notice" for e in events):
                break
            await asyncio.sleep(0.05)
    assert len(entries_for(demo, ticket["id"], "web chat approve test")) == 1
    updates = [e for e in events if e["type"] == "update" and e["message"]["id"] == card["id"]]
    assert updates and 'data-action="approve"' not in updates[-1]["message"]["html"]
    notices = [e["text"] for e in events if e["type"] == "notice"]
    assert len(notices) == 1 and notices[0].startswith("This change is already appl")


async def test_cancel_leaves_autotask_alone(demo: Demo, chat: WebChatClient) -> None:
    email = technician_email(demo.sandbox)
    ticket = open_ticket(demo, email)
    await chat.open(email)
    sent = await chat.say(f"log 1h on {ticket['ticketNumber']} web chat cancel test")
    card = await chat.wait_for(bot_after(sent, 'data-status="pending"'))
    plan_id = PLAN.search(card["html"]).group(1)  # type: ignore[union-attr]
    assert (await chat.click(card, "cancel", plan_id)).status_code == 202
    await chat.wait_for(
        lambda ms: next((m for m in ms if 'data-status="cancelled"' in m["html"]), None)
    )
    assert entries_for(demo, ticket["id"], "web chat cancel test") == []


async def test_in_the_shared_channel_only_the_requester_may_approve(
    demo: Demo, http: httpx.AsyncClient
) -> None:
    asker, other = WebChatClient(http, demo.url), WebChatClient(http, demo.url)
    email = technician_email(demo.sandbox)
    await asker.open(email)
    await other.open(technician_email(demo.sandbox, 1))
    ticket = open_ticket(demo, email)
    sent = await asker.say(f"log 30m on {ticket['ticketNumber']} shared channel test", "demo")
    card = await other.wait_for(bot_after(sent, 'data-status="pending"'), "demo")
    plan_id = PLAN.search(card["html"]).group(1)  # type: ignore[union-attr]
    async with (
        event_stream(http, demo.url, str(other.token)) as theirs,
        event_stream(http, demo.url, str(asker.token)) as mine,
    ):
        assert (await other.click(card, "approve", plan_id)).status_code == 202
        for _ in range(200):
            if any(e["type"] == "notice" for e in theirs):
                break
            await asyncio.sleep(0.05)
    notices = [e["text"] for e in theirs if e["type"] == "notice"]
    assert len(notices) == 1 and notices[0].startswith("Only ")
    assert not [e for e in mine if e["type"] == "notice"]
    assert entries_for(demo, ticket["id"], "shared channel test") == []


async def test_an_export_comes_with_a_download_link(
    demo: Demo, chat: WebChatClient, http: httpx.AsyncClient
) -> None:
    await chat.open(technician_email(demo.sandbox))
    sent = await chat.say("export tickets for Contoso as csv")
    reply = await chat.wait_for(bot_after(sent, "/downloads/"))
    link = re.search(r'<a href="([^"]+/downloads/[^"]+)" download>', reply["html"])
    assert link is not None
    download = await http.get(link.group(1).replace("&amp;", "&"))
    assert download.status_code == 200
    header = download.content.decode("utf-8-sig").splitlines()[0]
    assert header.startswith("ID,Ticket number,Title,Company,Status"), header


async def test_a_new_ticket_is_alerted_in_the_demo_channel(demo: Demo, chat: WebChatClient) -> None:
    alerts = demo.runtime.engine.alerts
    if alerts is None:
        pytest.skip("the alerts part is not in this build")
    assert await demo.runtime.db.alerts.subscriptions(DEMO_CHANNEL), "demo channel subscribed"
    await chat.open(technician_email(demo.sandbox))
    ticket_id = await demo.generator.open_one()
    number = demo.sandbox.get_record("Tickets", ticket_id)["ticketNumber"]  # type: ignore[index]
    await alerts.poller.cycle()
    alert = await chat.wait_for(
        lambda ms: next((m for m in ms if number in m["html"]), None), "demo"
    )
    assert 'class="card card-alert"' in alert["html"]
    assert 'data-action="assign_to_me"' in alert["html"]
    metrics = await chat.http.get(f"{demo.url}/metrics")
    assert 'atbot_alerts_total{outcome="delivered"} 1' in metrics.text


async def test_times_are_in_the_browsers_time_zone(demo: Demo, chat: WebChatClient) -> None:
    await chat.open(technician_email(demo.sandbox))
    sent = await chat.say("my tickets", timezone="Pacific/Honolulu")
    reply = await chat.wait_for(bot_after(sent, "card-list"))
    assert " HST</td>" in reply["html"]
    sent = await chat.say("my tickets", timezone="Not/AZone")
    reply = await chat.wait_for(bot_after(sent, "card-list"))
    assert " HST</td>" not in reply["html"], "an unknown zone falls back to ATBOT_TIMEZONE"


async def test_the_demo_channel_linked_to_a_company(demo: Demo, http: httpx.AsyncClient) -> None:
    linker, colleague = WebChatClient(http, demo.url), WebChatClient(http, demo.url)
    await linker.open(technician_email(demo.sandbox))
    await colleague.open(technician_email(demo.sandbox, 1))
    sent = await linker.say("link this channel to Northwind Traders", "demo")
    await linker.wait_for(bot_after(sent, "now linked to Northwind Traders"), "demo")

    asked = await colleague.say("open tickets", "demo")
    answer = await colleague.wait_for(bot_after(asked, "Using this channel"), "demo")
    assert "Northwind Traders" in answer["html"]
    mine = await colleague.say("open tickets")  # their own conversation is not the channel
    own = await colleague.wait_for(bot_after(mine, "data-kind"), colleague.own)
    assert "Using this channel" not in own["html"]
