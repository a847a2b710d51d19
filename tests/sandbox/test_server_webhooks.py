"""Ticket webhook callouts (API-NOTES §8): setup, payload, signature, delivery.

A small aiohttp receiver on loopback stands in for the bot's webhook endpoint; it checks
every ``X-Hook-Signature`` over the raw bytes it received, as a real receiver must.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from aiohttp import web

from autotask.sandbox import Sandbox
from autotask.sandbox._webhooks import MAX_ATTEMPTS, dotnet_json

SECRET = "a-webhook-secret-of-some-length"
STATUS, TITLE, PRIORITY, TICKET_NUMBER = 5, 2, 6, 85  # webhook fieldIDs (§8.1)
IN_PROGRESS, WAITING_CUSTOMER, NEW = 8, 7, 1
# (fieldID, subscribed, display always): a change of Status fires, TicketNumber always comes along
STATUS_WITH_NUMBER = ((STATUS, True, False), (TICKET_NUMBER, False, True))


@dataclass
class Hook:
    """One request the receiver got."""

    path: str
    raw: bytes
    content_type: str
    verified: bool

    @property
    def payload(self) -> dict[str, Any]:
        parsed: dict[str, Any] = json.loads(self.raw)
        return parsed


@dataclass
class Receiver:
    """Answers callouts with the statuses queued in ``answers`` (then 200)."""

    secret: str = SECRET
    answers: list[int] = field(default_factory=list)
    hold: asyncio.Event | None = None
    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    hooks: list[Hook] = field(default_factory=list)
    url: str = ""

    async def handle(self, request: web.Request) -> web.Response:
        raw = await request.read()
        expected = base64.b64encode(
            hmac.new(self.secret.encode(), raw, hashlib.sha1).digest()
        ).decode()
        header = request.headers.get("X-Hook-Signature", "")
        verified = hmac.compare_digest("sha1=" + expected, header.strip())
        self.hooks.append(Hook(request.path, raw, request.content_type, verified))
        self.arrived.set()
        if self.hold is not None:
            await self.hold.wait()
        return web.Response(status=self.answers.pop(0) if self.answers else 200)

    def payloads(self, path: str = "/hook") -> list[dict[str, Any]]:
        return [hook.payload for hook in self.hooks if hook.path == path]


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    found = Receiver()
    app = web.Application()
    app.router.add_post("/{tail:.*}", found.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    found.url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    yield found
    if found.hold is not None:
        found.hold.set()
    await runner.cleanup()


@pytest.fixture
async def box(make_sandbox: Callable[..., Sandbox]) -> AsyncIterator[Sandbox]:
    """This module's sandbox: a tiny pause between delivery attempts."""
    async with make_sandbox(webhook_retry_seconds=0.001) as sandbox:
        yield sandbox


async def register(
    api: httpx.AsyncClient,
    url: str,
    *,
    fields: tuple[tuple[int, bool, bool], ...] = STATUS_WITH_NUMBER,
    **flags: Any,
) -> int:
    """A ticket webhook made through the API; ``fields`` are (fieldID, subscribed, always)."""
    body = {
        "name": "Bot ticket alerts",
        "webhookUrl": url,
        "deactivationUrl": url + "/deactivated",
        "secretKey": SECRET,
        "isActive": True,
        "isSubscribedToCreateEvents": True,
        "isSubscribedToUpdateEvents": True,
        "isSubscribedToDeleteEvents": False,
        "sendThresholdExceededNotification": False,
        "notificationEmailAddress": "ops@bluewave-it.example",
    }
    body.update(flags)
    response = await api.post("TicketWebhooks", json=body)
    assert response.status_code == 200, response.text
    webhook_id = int(response.json()["itemId"])
    for field_id, subscribed, always in fields:
        body = subscription(field_id, subscribed, always)
        added = await api.post(f"TicketWebhooks/{webhook_id}/Fields", json=body)
        assert added.status_code == 200, added.text
    return webhook_id


def subscription(field_id: int, subscribed: bool, always: bool) -> dict[str, Any]:
    return {"fieldID": field_id, "isSubscribedField": subscribed, "isDisplayAlwaysField": always}


async def webhook(api: httpx.AsyncClient, webhook_id: int) -> dict[str, Any]:
    response = await api.get(f"TicketWebhooks/{webhook_id}")
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()["item"]
    return found


def new_ticket(box: Sandbox) -> dict[str, Any]:
    return next(t for t in box.records("Tickets") if t["status"] == NEW)


async def patch(api: httpx.AsyncClient, ticket_id: int, **changes: Any) -> None:
    headers = changes.pop("headers", None)
    response = await api.patch("Tickets", json={"id": ticket_id, **changes}, headers=headers)
    assert response.status_code == 200, response.text


# ---------------------------------------------------------------- setup


async def test_a_webhook_is_ready_once_a_subscribed_field_exists(
    api: httpx.AsyncClient, api_user_id: int, receiver: Receiver
) -> None:
    webhook_id = await register(api, receiver.url + "/hook", fields=(), isReady=True)
    created = await webhook(api, webhook_id)
    assert created["isReady"] is False and created["webhookGUID"] is None
    assert created["ownerResourceID"] == api_user_id

    always = subscription(TICKET_NUMBER, subscribed=False, always=True)
    assert (await api.post(f"TicketWebhooks/{webhook_id}/Fields", json=always)).is_success
    assert (await webhook(api, webhook_id))["isReady"] is False

    subscribed = subscription(STATUS, subscribed=True, always=False)
    field_id = (await api.post(f"TicketWebhooks/{webhook_id}/Fields", json=subscribed)).json()
    ready = await webhook(api, webhook_id)
    assert ready["isReady"] is True
    assert re.fullmatch(r"[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}", ready["webhookGUID"])
    listed = (await api.get(f"TicketWebhooks/{webhook_id}/Fields")).json()["items"]
    assert sorted(f["fieldID"] for f in listed) == [STATUS, TICKET_NUMBER]

    gone = await api.delete(f"TicketWebhooks/{webhook_id}/Fields/{field_id['itemId']}")
    assert gone.status_code == 200, gone.text
    unready = await webhook(api, webhook_id)
    assert unready["isReady"] is False and unready["webhookGUID"] == ready["webhookGUID"]


async def test_a_field_id_outside_the_picklist_is_refused(
    api: httpx.AsyncClient, receiver: Receiver
) -> None:
    webhook_id = await register(api, receiver.url + "/hook", fields=())
    response = await api.post(
        f"TicketWebhooks/{webhook_id}/Fields", json=subscription(9999, True, False)
    )
    assert response.status_code == 500
    assert "fieldID" in response.json()["errors"][0]


# ---------------------------------------------------------------- callouts


async def test_creating_a_ticket_posts_a_signed_create_callout(
    box: Sandbox, api: httpx.AsyncClient, api_user_id: int, receiver: Receiver
) -> None:
    webhook_id = await register(api, receiver.url + "/hook")
    company = box.records("Companies")[1]["id"]
    body = {"companyID": company, "title": "Server down", "status": NEW, "priority": 2}
    response = await api.post("Tickets", json=body)
    assert response.status_code == 200, response.text
    ticket = box.records("Tickets")[-1]
    assert ticket["id"] == response.json()["itemId"]
    await box.flush_webhooks()

    [hook] = receiver.hooks
    assert hook.verified, "X-Hook-Signature is HMAC-SHA1 of the raw body, keyed with secretKey"
    assert hook.content_type == "application/json"
    assert hook.payload == {
        "Action": "Create",
        "Guid": (await webhook(api, webhook_id))["webhookGUID"],
        "EntityType": "Ticket",
        "Id": ticket["id"],
        "Fields": {"Status": str(NEW), "TicketNumber": ticket["ticketNumber"]},
        "EventTime": "2026-11-25T09:30:00Z",
        "SequenceNumber": 1,
        "PersonID": api_user_id,
    }
    [delivery] = box.webhook_deliveries
    assert (delivery.url, delivery.body, delivery.status, delivery.attempt) == (
        receiver.url + "/hook",
        hook.raw,
        200,
        1,
    )


async def test_an_update_fires_only_when_a_subscribed_field_changes(
    box: Sandbox, api: httpx.AsyncClient, receiver: Receiver
) -> None:
    await register(api, receiver.url + "/hook")
    ticket = new_ticket(box)
    await patch(api, ticket["id"], description="More detail from the customer", priority=3)
    await patch(api, ticket["id"], status=NEW)  # no change
    await patch(api, ticket["id"], status=IN_PROGRESS)
    await patch(api, ticket["id"], title="Renamed")
    await patch(api, ticket["id"], status=WAITING_CUSTOMER)
    await box.flush_webhooks()

    payloads = receiver.payloads()
    assert [p["Action"] for p in payloads] == ["Update", "Update"]
    assert [p["Fields"] for p in payloads] == [
        {"Status": str(IN_PROGRESS), "TicketNumber": ticket["ticketNumber"]},
        {"Status": str(WAITING_CUSTOMER), "TicketNumber": ticket["ticketNumber"]},
    ]
    assert [p["SequenceNumber"] for p in payloads] == [1, 2]
    assert all(p["Id"] == ticket["id"] for p in payloads)
    assert all(hook.verified for hook in receiver.hooks)


async def test_update_fields_are_the_changed_subscribed_and_the_display_always_ones(
    box: Sandbox, api: httpx.AsyncClient, receiver: Receiver
) -> None:
    fields = ((STATUS, True, False), (PRIORITY, True, False), (TITLE, False, True))
    await register(api, receiver.url + "/hook", fields=fields)
    ticket = new_ticket(box)
    await patch(api, ticket["id"], priority=3, description="changed, not subscribed")
    await box.flush_webhooks()
    [payload] = receiver.payloads()
    assert payload["Fields"] == {"Title": ticket["title"], "Priority": "3"}


async def test_the_body_is_serialised_the_way_dotnet_does(
    box: Sandbox, api: httpx.AsyncClient, receiver: Receiver
) -> None:
    await register(api, receiver.url + "/hook", fields=((TITLE, True, False),))
    title = '<b>Tom & Jerry\'s "café" +1 ✓ 😀</b>'
    await patch(api, new_ticket(box)["id"], title=title)
    await box.flush_webhooks()

    [hook] = receiver.hooks
    assert hook.verified
    assert hook.raw.isascii()
    assert hook.raw.startswith(b'{"Action":"Update","Guid":"')
    escaped = (
        rb"\u003Cb\u003ETom \u0026 Jerry\u0027s \u0022caf\u00E9\u0022 \u002B1 \u2713 "
        rb"\uD83D\uDE00\u003C/b\u003E"
    )
    assert b'"Fields":{"Title":"' + escaped + b'"}' in hook.raw
    assert hook.payload["Fields"]["Title"] == title
    assert hook.raw != json.dumps(hook.payload, separators=(",", ":")).encode()


def test_dotnet_json_writes_short_escapes_and_nulls() -> None:
    value = {"a": "back\\slash\nline\ttab\x01", "b": None, "c": [True, False, 3]}
    expected = b'{"a":"back\\\\slash\\nline\\ttab\\u0001","b":null,"c":[true,false,3]}'
    assert dotnet_json(value) == expected
    assert json.loads(expected) == value


async def test_a_change_by_an_excluded_resource_does_not_fire(
    box: Sandbox,
    api: httpx.AsyncClient,
    receiver: Receiver,
    tech: dict[str, Any],
    api_user_id: int,
) -> None:
    webhook_id = await register(api, receiver.url + "/hook")
    excluded = await api.post(
        f"TicketWebhooks/{webhook_id}/ExcludedResources", json={"resourceID": tech["id"]}
    )
    assert excluded.status_code == 200, excluded.text
    ticket = new_ticket(box)
    as_tech = {"ImpersonationResourceId": str(tech["id"])}
    await patch(api, ticket["id"], status=IN_PROGRESS, headers=as_tech)
    await patch(api, ticket["id"], status=WAITING_CUSTOMER)
    await box.flush_webhooks()

    [payload] = receiver.payloads()
    assert payload["Fields"]["Status"] == str(WAITING_CUSTOMER)
    assert payload["PersonID"] == api_user_id


async def test_person_id_is_the_impersonated_resource(
    box: Sandbox, api: httpx.AsyncClient, receiver: Receiver, tech: dict[str, Any]
) -> None:
    await register(api, receiver.url + "/hook")
    as_tech = {"ImpersonationResourceId": str(tech["id"])}
    await patch(api, new_ticket(box)["id"], status=IN_PROGRESS, headers=as_tech)
    await box.flush_webhooks()
    assert [p["PersonID"] for p in receiver.payloads()] == [tech["id"]]


async def test_only_active_ready_webhooks_subscribed_to_the_event_fire(
    box: Sandbox, api: httpx.AsyncClient, receiver: Receiver
) -> None:
    await register(api, receiver.url + "/inactive", isActive=False)
    await register(api, receiver.url + "/unready", fields=((TICKET_NUMBER, False, True),))
    await register(api, receiver.url + "/creates", isSubscribedToUpdateEvents=False)
    await patch(api, new_ticket(box)["id"], status=IN_PROGRESS)
    company = box.records("Companies")[1]["id"]
    body = {"companyID": company, "title": "New one", "status": NEW, "priority": 2}
    assert (await api.post("Tickets", json=body)).status_code == 200
    await box.flush_webhooks()
    assert [(hook.path, hook.payload["Action"]) for hook in receiver.hooks] == [
        ("/creates", "Create")
    ]


async def test_webhooks_with_the_same_url_get_one_callout_and_own_sequences(
    box: Sandbox, api: httpx.AsyncClient, receiver: Receiver
) -> None:
    first = await register(api, receiver.url + "/hook")
    await register(api, receiver.url + "/hook")
    other = await register(api, receiver.url + "/other")
    ticket = new_ticket(box)
    await patch(api, ticket["id"], status=IN_PROGRESS)
    await patch(api, ticket["id"], status=WAITING_CUSTOMER)
    await box.flush_webhooks()

    guids = {(await webhook(api, i))["webhookGUID"]: i for i in (first, other)}
    assert [guids[p["Guid"]] for p in receiver.payloads("/hook")] == [first, first]
    assert [p["SequenceNumber"] for p in receiver.payloads("/hook")] == [1, 2]
    assert [p["SequenceNumber"] for p in receiver.payloads("/other")] == [1, 2]


# ---------------------------------------------------------------- delivery


async def test_a_failed_callout_is_retried_until_it_is_accepted(
    box: Sandbox, api: httpx.AsyncClient, receiver: Receiver
) -> None:
    receiver.answers = [500, 503]
    await register(api, receiver.url + "/hook")
    await patch(api, new_ticket(box)["id"], status=IN_PROGRESS)
    await box.flush_webhooks()

    assert [(d.attempt, d.status) for d in box.webhook_deliveries] == [(1, 500), (2, 503), (3, 200)]
    assert len({hook.raw for hook in receiver.hooks}) == 1, "every attempt sends the same body"
    assert all(hook.verified for hook in receiver.hooks)


async def test_a_callout_is_dropped_after_five_attempts_and_delivery_goes_on(
    box: Sandbox, api: httpx.AsyncClient, receiver: Receiver
) -> None:
    receiver.answers = [500] * MAX_ATTEMPTS
    await register(api, receiver.url + "/hook")
    ticket = new_ticket(box)
    await patch(api, ticket["id"], status=IN_PROGRESS)
    await patch(api, ticket["id"], status=WAITING_CUSTOMER)
    await box.flush_webhooks()

    assert MAX_ATTEMPTS == 5
    attempts = [(d.attempt, d.status) for d in box.webhook_deliveries]
    assert attempts == [(n, 500) for n in range(1, 6)] + [(1, 200)]
    assert [p["SequenceNumber"] for p in receiver.payloads()] == [1] * 5 + [2]


async def test_an_unreachable_receiver_is_tried_five_times(
    box: Sandbox, api: httpx.AsyncClient, receiver: Receiver
) -> None:
    with_closed_port = web.AppRunner(web.Application())
    await with_closed_port.setup()
    site = web.TCPSite(with_closed_port, "127.0.0.1", 0)
    await site.start()
    port = with_closed_port.addresses[0][1]
    await with_closed_port.cleanup()

    await register(api, f"http://127.0.0.1:{port}/hook")
    await patch(api, new_ticket(box)["id"], status=IN_PROGRESS)
    await box.flush_webhooks()
    deliveries = box.webhook_deliveries
    assert [(d.attempt, d.status) for d in deliveries] == [(n, None) for n in range(1, 6)]
    assert all(d.error for d in deliveries)


async def test_callouts_of_one_webhook_arrive_in_event_order(
    box: Sandbox, api: httpx.AsyncClient, receiver: Receiver
) -> None:
    receiver.answers = [500]
    await register(api, receiver.url + "/hook")
    ticket = new_ticket(box)
    for status in (IN_PROGRESS, WAITING_CUSTOMER, IN_PROGRESS):
        await patch(api, ticket["id"], status=status)
    await box.flush_webhooks()
    assert [p["SequenceNumber"] for p in receiver.payloads()] == [1, 1, 2, 3]


async def test_the_api_answers_without_waiting_for_the_callout(
    box: Sandbox, api: httpx.AsyncClient, receiver: Receiver
) -> None:
    receiver.hold = asyncio.Event()
    await register(api, receiver.url + "/hook")
    await patch(api, new_ticket(box)["id"], status=IN_PROGRESS)
    await asyncio.wait_for(receiver.arrived.wait(), timeout=5)
    assert box.webhook_deliveries == [], "the PATCH was answered while the callout was held"
    receiver.hold.set()
    await box.flush_webhooks()
    assert [d.status for d in box.webhook_deliveries] == [200]


async def test_stop_waits_for_queued_callouts(
    box: Sandbox, api: httpx.AsyncClient, receiver: Receiver
) -> None:
    receiver.answers = [500]
    await register(api, receiver.url + "/hook")
    await patch(api, new_ticket(box)["id"], status=IN_PROGRESS)
    await box.stop()
    assert [d.status for d in box.webhook_deliveries] == [500, 200]


async def test_stop_with_a_grace_drops_callouts_to_a_receiver_that_is_gone(
    box: Sandbox, api: httpx.AsyncClient, receiver: Receiver
) -> None:
    """``atbot demo`` on Ctrl+C: the bot has stopped, its callouts must not hold the exit."""
    receiver.hold = asyncio.Event()  # a receiver that never answers (10 s a try, five tries)
    await register(api, receiver.url + "/hook")
    await patch(api, new_ticket(box)["id"], status=IN_PROGRESS)
    await asyncio.wait_for(receiver.arrived.wait(), timeout=5)
    await box.stop(grace_seconds=0.05)
    assert box.webhook_deliveries == [], "the callout under way was dropped, not waited for"
    receiver.hold.set()


async def test_sandbox_controls_list_the_deliveries(
    box: Sandbox, api: httpx.AsyncClient, raw: httpx.AsyncClient, receiver: Receiver
) -> None:
    await register(api, receiver.url + "/hook")
    await patch(api, new_ticket(box)["id"], status=IN_PROGRESS)
    await box.flush_webhooks()
    response = await raw.get("/_sandbox/webhook-deliveries")
    assert response.status_code == 200
    [shown] = response.json()["deliveries"]
    assert shown["url"] == receiver.url + "/hook"
    assert shown["status"] == 200 and shown["attempt"] == 1
    assert shown["body"].encode() == receiver.hooks[0].raw


# ---------------------------------------------------------------- ticket notes


async def test_a_note_webhook_fires_on_new_notes_with_its_own_fields_and_numbers(
    box: Sandbox, api: httpx.AsyncClient, api_user_id: int, receiver: Receiver
) -> None:
    fields = (await api.get("TicketNoteWebhookFields/entityInformation/fields")).json()["fields"]
    ids = {v["label"]: int(v["value"]) for f in fields if f["name"] == "fieldID"
           for v in f["picklistValues"]}  # fmt: skip
    body = {"name": "Customer notes", "webhookUrl": receiver.url + "/notes",
            "deactivationUrl": receiver.url + "/notes/deactivated", "secretKey": SECRET,
            "isActive": True, "isSubscribedToCreateEvents": True,
            "isSubscribedToUpdateEvents": False, "isSubscribedToDeleteEvents": False,
            "sendThresholdExceededNotification": False}  # fmt: skip
    note_hook = int((await api.post("TicketNoteWebhooks", json=body)).json()["itemId"])
    assert (await api.get(f"TicketNoteWebhooks/{note_hook}")).json()["item"]["isReady"] is False
    for label, subscribed in (("CreatedByContactID", True), ("TicketID", False)):
        added = await api.post(f"TicketNoteWebhooks/{note_hook}/Fields",
                               json=subscription(ids[label], subscribed, True))  # fmt: skip
        assert added.status_code == 200, added.text
    ready = (await api.get(f"TicketNoteWebhooks/{note_hook}")).json()["item"]
    assert ready["isReady"] and ready["webhookGUID"]
    await register(api, receiver.url + "/tickets")  # a ticket webhook: its own sequence

    ticket = new_ticket(box)
    contact = next(c for c in box.records("Contacts") if c["companyID"] == ticket["companyID"])
    note = {"title": "Re: printer", "description": "Still broken", "noteType": 1, "publish": 1,
            "createdByContactID": contact["id"]}  # fmt: skip
    created = await api.post(f"Tickets/{ticket['id']}/Notes", json=note)
    assert created.status_code == 200, created.text
    await api.post(f"Tickets/{ticket['id']}/Notes", json={**note, "createdByContactID": None})
    await patch(api, ticket["id"], status=IN_PROGRESS)
    await box.flush_webhooks()

    first, second = receiver.payloads("/notes")
    assert first == {
        "Action": "Create",
        "Guid": ready["webhookGUID"],
        "EntityType": "TicketNote",
        "Id": created.json()["itemId"],
        "Fields": {"CreatedByContactID": str(contact["id"]), "TicketID": str(ticket["id"])},
        "EventTime": "2026-11-25T09:30:00Z",
        "SequenceNumber": 1,
        "PersonID": api_user_id,
    }
    assert second["Fields"]["CreatedByContactID"] is None and second["SequenceNumber"] == 2
    [ticket_update] = receiver.payloads("/tickets")
    assert ticket_update["EntityType"] == "Ticket" and ticket_update["SequenceNumber"] == 1
    assert all(hook.verified for hook in receiver.hooks)
