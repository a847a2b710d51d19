"""The Teams bot over HTTP, as the Bot Connector drives it: activities are POSTed to
/api/messages and the bot's replies arrive at a fake connector on the activity's serviceUrl."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import httpx
import pytest
from support import sandbox_config
from teams_connector import FakeConnector, Received
from teams_server import BotServer, open_runtime, serve_teams
from teams_support import (
    CHANNEL_ID,
    PERSONAL_ID,
    TeamsUser,
    card_errors,
    channel,
    click,
    of_type,
    personal,
    plan_of,
    submit_data,
    texts,
)

from adapters.runtime import Runtime
from adapters.server import serve
from adapters.teams import TeamsPart, TeamsSetupError
from autotask.sandbox import Sandbox
from autotask.tools import Tenant
from bot.cards import error_card
from bot.messages import Card, Conversation, Fact, Reply
from bot.settings import Settings


def _assert_valid(received: list[Received]) -> None:
    for item in received:
        for card in item.cards:
            assert card_errors(card) == []


def _plan_card(connector: FakeConnector) -> tuple[Received, str]:
    """The message that carries the change card, and the card's plan id."""
    for item in connector.messages():
        for card in item.cards:
            plan_id = plan_of(card)
            if plan_id:
                return item, plan_id
    raise AssertionError("no change card was posted")


def _northwind_printer_tickets(box: Sandbox) -> list[dict[str, Any]]:
    northwind = {
        c["id"] for c in box.records("Companies") if c["companyName"].startswith("Northwind")
    }
    return [
        t
        for t in box.records("Tickets")
        if t["title"] == "Printer outage" and t["companyID"] in northwind
    ]


async def test_a_personal_question_gets_typing_then_a_card(
    server: BotServer, connector: FakeConnector, sarah: TeamsUser, runtime: Runtime
) -> None:
    response = await server.send(personal(sarah, connector.url, "my tickets"))

    assert response.status_code == 201
    kinds = [(r.body["type"], r.conversation_id) for r in connector.received]
    assert kinds == [("typing", PERSONAL_ID), ("message", PERSONAL_ID)]
    answer = connector.received[1]
    assert answer.route == "/v3/conversations/{conversationId}/activities"
    assert (
        answer.body["from"]["id"].startswith("28:") and answer.body["recipient"]["id"] == sarah.id
    )
    [card] = answer.cards
    assert card_errors(card) == []
    assert "Tickets" in texts(card)
    # The e-mail came from the member endpoint, and the reference was stored for later posts.
    assert f"GET /v3/conversations/{PERSONAL_ID}/members/{sarah.id}" in connector.paths
    stored = await runtime.db.references.get("teams", PERSONAL_ID)
    assert stored is not None and stored["serviceUrl"] == connector.url


async def test_a_channel_mention_is_answered_in_its_thread(
    server: BotServer, connector: FakeConnector, sarah: TeamsUser, runtime: Runtime
) -> None:
    activity = channel(sarah, connector.url, "my tickets")
    thread = activity["conversation"]["id"]

    await server.send(activity)

    [answer] = connector.messages()
    assert answer.conversation_id == thread == f"{CHANNEL_ID};messageid={activity['id']}"
    # "<at>Autotask</at> my tickets" reached the engine as "my tickets": a ticket list, not help.
    [card] = answer.cards
    assert "Tickets" in texts(card) and of_type(card, "Table")
    assert f"GET /v3/conversations/{thread}/members/{sarah.id}" in connector.paths
    assert await runtime.db.references.get("teams", CHANNEL_ID) is not None
    assert await runtime.db.references.get("teams", thread) is None


async def test_approve_creates_the_ticket_once_and_replaces_the_card(
    server: BotServer, connector: FakeConnector, sarah: TeamsUser, sandbox: Sandbox
) -> None:
    question = channel(sarah, connector.url, "new ticket for Northwind high: printer outage")
    await server.send(question)
    carrier, plan_id = _plan_card(connector)
    [card] = carrier.cards
    assert card_errors(card) == []
    assert "High" in texts(card) and "Printer outage" in texts(card)
    assert submit_data(card) == [], "everyone's view of a pending card is read-only"
    assert card["refresh"]["userIds"] == [sarah.id]
    assert _northwind_printer_tickets(sandbox) == []

    # A card posted before cards had Action.Execute: its Action.Submit click still applies.
    approve = {"action": "approve", "plan_id": plan_id}
    await server.send(click(question, sarah, carrier.new_id or "", approve))

    [update] = connector.updates()
    assert update.conversation_id == question["conversation"]["id"]
    assert update.activity_id == carrier.new_id
    [done] = update.cards
    assert card_errors(done) == []
    assert "Done" in texts(done) and submit_data(done) == []
    [ticket] = _northwind_printer_tickets(sandbox)
    priorities = sandbox.metadata.get("Tickets").picklist("priority")  # type: ignore[union-attr]
    assert str(ticket["priority"]) == next(p["value"] for p in priorities if p["label"] == "High")

    # A second click (a double click, or a retry) writes nothing and says why.
    await server.send(click(question, sarah, carrier.new_id or "", approve))
    assert len(_northwind_printer_tickets(sandbox)) == 1
    assert len(connector.updates()) == 1
    assert "already applied" in connector.messages()[-1].body["text"]
    _assert_valid(connector.received)


async def test_someone_elses_click_is_refused_in_the_thread_and_the_card_stays(
    server: BotServer,
    connector: FakeConnector,
    sarah: TeamsUser,
    priya: TeamsUser,
    runtime: Runtime,
    sandbox: Sandbox,
) -> None:
    question = channel(sarah, connector.url, "new ticket for Northwind high: printer outage")
    await server.send(question)
    carrier, plan_id = _plan_card(connector)

    await server.send(
        click(question, priya, carrier.new_id or "", {"action": "approve", "plan_id": plan_id})
    )

    refusal = connector.messages()[-1]
    assert refusal.conversation_id == question["conversation"]["id"]
    assert refusal.body["text"].startswith("<at>Priya Sharma</at> Only Sarah Mitchell")
    [mention] = [e for e in refusal.body["entities"] if e["type"] == "mention"]
    assert mention["mentioned"]["id"] == priya.id
    assert connector.updates() == []
    stored = await runtime.db.plans.get(plan_id)
    assert stored is not None and stored.status == "pending"
    assert _northwind_printer_tickets(sandbox) == []

    # The requester can still decide: Cancel replaces the card in place.
    await server.send(
        click(question, sarah, carrier.new_id or "", {"action": "cancel", "plan_id": plan_id})
    )
    [update] = connector.updates()
    assert "Cancelled" in texts(update.cards[0])
    assert _northwind_printer_tickets(sandbox) == []


async def test_an_alert_reaches_the_channel_through_the_stored_reference_after_a_restart(
    tenant: Tenant, tmp_path: Path, connector: FakeConnector, sarah: TeamsUser
) -> None:
    async with open_runtime(tenant, tmp_path) as first, serve_teams(first) as server:
        await server.send(channel(sarah, connector.url, "who am i"))
    before = len(connector.received)

    async with open_runtime(tenant, tmp_path) as second, serve_teams(second):
        surface = second.surfaces["teams"]
        alert = Card(
            kind="alert",
            title="New ticket T20261125.0001",
            facts=(Fact(label="Priority", value="High"),),
        )
        ref = await surface.post(
            Conversation(platform="teams", conversation_id=CHANNEL_ID), Reply(cards=(alert,))
        )

    [posted] = connector.received[before:]
    assert posted.route == "/v3/conversations/{conversationId}/activities"
    assert posted.conversation_id == CHANNEL_ID  # a new post in the channel, not in a thread
    assert ref.message_id == posted.new_id
    assert "New ticket T20261125.0001" in texts(posted.cards[0])
    assert card_errors(posted.cards[0]) == []


async def test_a_conversation_without_a_reference_cannot_be_posted_to(
    server: BotServer, runtime: Runtime
) -> None:
    surface = runtime.surfaces["teams"]
    from adapters.teams import TeamsDeliveryError

    with pytest.raises(TeamsDeliveryError, match="where it has been added"):
        await surface.post(
            Conversation(platform="teams", conversation_id="19:unknown@thread.tacv2"),
            Reply(cards=(error_card("x"),)),
        )


async def test_an_export_is_a_download_link_served_by_the_bot(
    server: BotServer, connector: FakeConnector, sarah: TeamsUser
) -> None:
    await server.send(personal(sarah, connector.url, "export tickets for Contoso"))

    [answer] = connector.messages()
    [link] = [a for card in answer.cards for a in of_type(card, "Action.OpenUrl")]
    assert link["url"].startswith(server.url + "/downloads/")
    download = await server.http.get(link["url"])
    assert download.status_code == 200
    assert download.content[:2] == b"PK"  # an XLSX workbook (a zip), the default
    assert download.headers["content-disposition"].endswith('.xlsx"')
    _assert_valid([answer])


def _outward_address() -> str | None:
    """This machine's address on its network (no packet is sent), or None without one."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("10.254.254.254", 9))
            address: str = probe.getsockname()[0]
        except OSError:
            return None
    return None if address.startswith("127.") or address == "0.0.0.0" else address


async def test_without_an_app_id_only_local_unrelayed_requests_are_served(
    runtime: Runtime, connector: FakeConnector, sarah: TeamsUser
) -> None:
    activity = personal(sarah, connector.url, "my tickets")
    async with serve_teams(runtime, host="0.0.0.0") as server:
        port = server.url.rsplit(":", 1)[1]
        relayed = await server.send(activity, **{"X-Forwarded-For": "203.0.113.7"})
        assert relayed.status_code == 403
        address = _outward_address()
        if address is not None:
            remote = await server.http.post(f"http://{address}:{port}/api/messages", json=activity)
            assert remote.status_code == 403
        local = await server.send(activity)
        assert local.status_code == 201
    assert len(connector.messages()) == 1


async def test_with_an_app_id_a_request_without_a_token_is_unauthorized(
    tenant: Tenant, tmp_path: Path, connector: FakeConnector, sarah: TeamsUser
) -> None:
    settings = {
        "app_id": "11111111-2222-3333-4444-555555555555",
        "app_password": "not-a-real-secret",
        "tenant_id": "72f988bf-0000-0000-0000-000000000001",
    }
    async with (
        open_runtime(tenant, tmp_path, **settings) as secured,
        serve_teams(secured) as server,
    ):
        response = await server.send(personal(sarah, connector.url, "my tickets"))
    assert response.status_code == 401
    assert connector.received == []


async def test_incomplete_settings_name_the_missing_setting(tenant: Tenant, tmp_path: Path) -> None:
    async with open_runtime(tenant, tmp_path, app_id="11111111-2222-3333-4444-555555555555") as rt:
        with pytest.raises(
            TeamsSetupError, match=r"ATBOT_TEAMS__APP_PASSWORD.*ATBOT_TEAMS__TENANT_ID"
        ):
            TeamsPart(rt)


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        (b"my tickets", "text/plain", 415),
        (b"{not json", "application/json", 400),
        (b"{}", "application/json", 400),
        (b"[1, 2]", "application/json", 400),
    ],
)
async def test_requests_that_are_not_activities_are_refused(
    server: BotServer, connector: FakeConnector, body: bytes, content_type: str, status: int
) -> None:
    response = await server.http.post(
        server.url + "/api/messages", content=body, headers={"Content-Type": content_type}
    )
    assert response.status_code == status
    assert "Traceback" not in response.text
    assert connector.received == []


async def test_atbot_run_serves_teams_when_it_is_enabled(
    tmp_path: Path, connector: FakeConnector, sarah: TeamsUser
) -> None:
    settings = Settings(  # type: ignore[arg-type]
        timezone="America/New_York",
        data_dir=tmp_path,
        teams={"enabled": True},
        server={"port": 0},
        alerts={"enabled": False},
    )
    seen: dict[str, Any] = {}

    async def on_ready(runtime: Runtime, url: str) -> None:
        seen["surface"] = runtime.surfaces.get("teams")
        async with httpx.AsyncClient() as http:
            answer = await http.post(
                f"{url}/api/messages", json=personal(sarah, connector.url, "who am i")
            )
        seen["status"] = answer.status_code
        await connector.wait_for(2)  # the typing indicator, then the answer

    async def stop_at_once() -> None:
        return None

    await serve(settings, sandbox=sandbox_config(), until=stop_at_once, on_ready=on_ready)

    assert seen["status"] == 201
    assert seen["surface"] is not None
    [answer] = connector.messages()
    assert "Sarah Mitchell" in texts(answer.cards[0])


async def test_member_emails_are_cached_and_a_guests_principal_name_is_not_used(
    server: BotServer, connector: FakeConnector, sarah: TeamsUser
) -> None:
    await server.send(personal(sarah, connector.url, "who am i"))
    await server.send(personal(sarah, connector.url, "who am i"))
    lookups = [p for p in connector.paths if p.startswith("GET") and p.endswith(sarah.id)]
    assert len(lookups) == 1

    guest = TeamsUser(id="29:1guest", name="Gail Guest", email=None)
    connector.add_member(
        guest.id, name=guest.name, email=None, upn="gail_contoso.com#EXT#@bluewave.onmicrosoft.com"
    )
    await server.send(personal(guest, connector.url, "who am i", chat="a:1personal-guest"))
    refusal = connector.messages()[-1]
    assert "could not read your e-mail address" in refusal.body["text"]
    assert f"atbot link --platform teams --user {guest.id}" in refusal.body["text"]


async def test_without_a_public_url_an_export_says_so_instead_of_linking_this_machine(
    server: BotServer, connector: FakeConnector, sarah: TeamsUser
) -> None:
    server.part.surface._downloads.public = False  # type: ignore[union-attr]
    await server.send(personal(sarah, connector.url, "export tickets for Contoso"))
    shown = str([card for r in connector.messages() for card in r.cards])
    assert server.url not in shown and "/downloads/" not in shown
    assert "no public address" in shown and "ATBOT_SERVER__PUBLIC_URL" in shown
