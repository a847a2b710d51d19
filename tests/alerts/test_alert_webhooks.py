"""Signed Autotask ticket webhooks, end to end: the sandbox fires real callouts at the alerts part.

The bot's web server runs on loopback with the alerts part; ``atbot webhooks install`` (a real
process) creates the TicketWebhook in the sandbox, and tickets created through the API make the
sandbox POST signed callouts to it.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import httpx
import pytest
from alert_support import ROOM, SECRET, alert_cards, alert_settings, open_ticket, ticket_of
from engine_support import RecordingSurface
from support import FIXED_NOW
from swagger_contract import model

from adapters.alerts_part import DEACTIVATED_PATH, WEBHOOK_PATH, AlertsPart
from adapters.runtime import Runtime
from adapters.web import build_app, running_app
from adapters.webhooks_command import install_ticket_webhook
from autotask.sandbox import Sandbox
from autotask.tools import Tenant
from bot.alerts import LEASE_NAME, hook_signature, resolve_filters, verify_signature
from bot.engine import Engine
from bot.storage import Database

REPO = Path(__file__).resolve().parents[2]


@dataclass
class Bot:
    url: str
    part: AlertsPart
    surface: RecordingSurface
    db: Database

    @property
    def hook(self) -> str:
        return self.url + WEBHOOK_PATH

    async def settle(self, box: Sandbox) -> None:
        """Every callout so far delivered, and every alert it started posted."""
        await box.flush_webhooks()
        await self.part.idle()


async def eventually(check: Callable[[], Awaitable[bool]], what: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


@asynccontextmanager
async def serving(tenant: Tenant, db: Database) -> AsyncIterator[Bot]:
    """The bot's web server with the alerts part, after its first poll."""
    settings = alert_settings()
    engine = Engine(tenant=tenant, db=db, settings=settings, clock=lambda: FIXED_NOW)
    surface = RecordingSurface()
    runtime = Runtime(settings=settings, tenant=tenant, db=db, engine=engine, model=None,
                      surfaces={"test": surface})  # fmt: skip
    part = AlertsPart(runtime, holder="web-1")
    assert engine.alerts is part.service
    async with running_app(build_app(runtime, [part]), "127.0.0.1", 0) as url:
        await eventually(lambda: _has_cursor(db), "the first poll")
        yield Bot(url, part, surface, db)


@pytest.fixture
async def bot(tenant: Tenant, db: Database) -> AsyncIterator[Bot]:
    async with serving(tenant, db) as running:
        filters = await resolve_filters(
            running.part.service.engine.context(None), {"queue": "Service Desk"}
        )
        await db.alerts.subscribe(
            ROOM, filters.model_dump(mode="json"), created_by="x", now=datetime.now(UTC)
        )
        yield running


async def _has_cursor(db: Database) -> bool:
    return await db.alerts.cursor() is not None


async def install(tenant: Tenant, bot: Bot) -> None:
    installed = await install_ticket_webhook(tenant.client, bot.hook, secret=SECRET)
    assert installed.ready and installed.guid


def signature_ok(body: bytes) -> bool:
    return verify_signature(body, hook_signature(body, SECRET), SECRET)


async def test_a_signed_callout_alerts_and_the_poll_does_not_repeat_it(
    bot: Bot, sandbox: Sandbox, tenant: Tenant
) -> None:
    await install(tenant, bot)
    ticket_id = await open_ticket(tenant.client, sandbox, title="Phones down at HQ")
    await bot.settle(sandbox)
    (delivery,) = sandbox.webhook_deliveries
    assert delivery.status == 200 and delivery.url == bot.hook and signature_ok(delivery.body)
    number = sandbox.get_record("Tickets", ticket_id)["ticketNumber"]  # type: ignore[index]
    assert [ticket_of(c) for c in alert_cards(bot.surface)] == [number]
    report = await bot.part.service.poller.cycle()  # the poll sees the same ticket
    assert report.tickets == 1 and report.delivery.already == 1
    assert len(bot.surface.posts) == 1


async def test_a_bad_signature_is_refused_and_posts_nothing(
    bot: Bot, sandbox: Sandbox, tenant: Tenant
) -> None:
    ticket_id = await open_ticket(tenant.client, sandbox)
    body = json.dumps({"Action": "Create", "Guid": "g-1", "EntityType": "Ticket", "Id": ticket_id,
                       "SequenceNumber": 1, "PersonID": 29682890, "Fields": {}}).encode()  # fmt: skip
    async with httpx.AsyncClient() as http:
        forged = await http.post(bot.hook, content=body,
                                 headers={"X-Hook-Signature": hook_signature(body, "not-the-secret")})  # fmt: skip
        unsigned = await http.post(bot.hook, content=body)
        tampered = await http.post(bot.hook, content=body.replace(b"g-1", b"g-2"),
                                   headers={"X-Hook-Signature": hook_signature(body, SECRET)})  # fmt: skip
    assert (forged.status_code, unsigned.status_code, tampered.status_code) == (401, 401, 401)
    await bot.part.idle()
    assert bot.surface.posts == []
    assert not await bot.db.alerts.seen_webhook_event("g-1:1", now=FIXED_NOW)  # not even recorded


async def test_a_replayed_callout_is_ignored(bot: Bot, sandbox: Sandbox, tenant: Tenant) -> None:
    await install(tenant, bot)
    await open_ticket(tenant.client, sandbox)
    await bot.settle(sandbox)
    (delivery,) = sandbox.webhook_deliveries
    async with httpx.AsyncClient() as http:
        again = await http.post(bot.hook, content=delivery.body,
                                headers={"X-Hook-Signature": hook_signature(delivery.body, SECRET)})  # fmt: skip
    assert again.status_code == 200 and again.json() == {"status": "duplicate"}
    await bot.part.idle()
    assert len(bot.surface.posts) == 1


async def test_the_poll_first_then_the_callout_still_one_alert(
    bot: Bot, sandbox: Sandbox, tenant: Tenant
) -> None:
    ticket_id = await open_ticket(tenant.client, sandbox)  # no webhook installed yet: poll only
    await bot.part.service.poller.cycle()
    assert len(bot.surface.posts) == 1
    body = json.dumps({"Action": "Create", "Guid": "g-9", "EntityType": "Ticket", "Id": ticket_id,
                       "SequenceNumber": 7, "PersonID": 29682890}).encode()  # fmt: skip
    async with httpx.AsyncClient() as http:
        late = await http.post(bot.hook, content=body,
                               headers={"X-Hook-Signature": hook_signature(body, SECRET)})  # fmt: skip
    assert late.status_code == 200 and late.json() == {"status": "accepted"}
    await bot.part.idle()
    assert len(bot.surface.posts) == 1


async def test_our_own_writes_are_left_to_the_poll(
    bot: Bot, sandbox: Sandbox, tenant: Tenant
) -> None:
    await install(tenant, bot)
    ticket_id = await open_ticket(tenant.client, sandbox, as_api_user=True)
    await bot.settle(sandbox)
    (delivery,) = sandbox.webhook_deliveries
    api_user = next(
        r["id"] for r in sandbox.records("Resources") if r["userName"] == sandbox.config.username
    )
    assert delivery.status == 200 and json.loads(delivery.body)["PersonID"] == api_user
    assert bot.surface.posts == []
    await bot.part.service.poller.cycle()  # the sweep still brings it
    number = sandbox.get_record("Tickets", ticket_id)["ticketNumber"]  # type: ignore[index]
    assert [ticket_of(c) for c in alert_cards(bot.surface)] == [number]


async def test_the_install_sends_what_autotask_declares(sandbox: Sandbox, tenant: Tenant) -> None:
    installed = await install_ticket_webhook(
        tenant.client, "https://bot.example/autotask/webhooks/ticket", secret=SECRET,
        email="ops@bluewave-it.example",
    )  # fmt: skip
    webhook_model = set(cast(dict[str, Any], model("TicketWebhookModel")["properties"]))
    field_model = set(cast(dict[str, Any], model("TicketWebhookFieldModel")["properties"]))
    writes = [r for r in sandbox.requests if r.method == "POST" and "TicketWebhooks" in r.path]
    assert set(writes[0].body) <= webhook_model
    assert writes[0].body["isSubscribedToCreateEvents"] is True
    assert writes[0].body["isSubscribedToUpdateEvents"] is True  # reassignments only: below
    assert writes[0].body["deactivationUrl"].endswith("/ticket/deactivated")
    assert all(set(w.body) <= field_model for w in writes[1:])
    assert installed.fields == [
        "TicketNumber",
        "Title",
        "CompanyID",
        "Priority",
        "QueueID",
        "Status",
        "AssignedResourceID",
    ]
    subscribed = [w.body["fieldID"] for w in writes[1:] if w.body["isSubscribedField"]]
    assert subscribed == [86]  # AssignedResourceID, by this tenant's picklist
    with pytest.raises(ValueError, match="absolute http"):
        await install_ticket_webhook(tenant.client, "/relative", secret=SECRET)
    with pytest.raises(ValueError, match="10 to 64"):
        await install_ticket_webhook(tenant.client, "https://x.example/h", secret="short")


async def _atbot(*args: str, env: dict[str, str]) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "adapters.cli", *args, cwd=REPO, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), timeout=120)
    return int(process.returncode or 0), out.decode(), err.decode()


async def test_atbot_webhooks_install_then_a_new_ticket_alerts(
    bot: Bot, sandbox: Sandbox, tenant: Tenant
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ATBOT_", "OPENAI_"))}
    unconfigured = await _atbot("webhooks", "install", "--url", bot.hook, env=env)
    assert unconfigured[0] == 2 and "no Autotask is configured" in unconfigured[2]
    config = sandbox.config
    env.update({
        "ATBOT_AUTOTASK__USERNAME": config.username, "ATBOT_AUTOTASK__SECRET": config.secret,
        "ATBOT_AUTOTASK__INTEGRATION_CODE": config.integration_code,
        "ATBOT_AUTOTASK__ZONE_URL": sandbox.api_url,
    })  # fmt: skip
    code, out, err = await _atbot(
        "webhooks", "install", "--url", bot.hook, "--secret", SECRET, env=env
    )
    assert code == 0, err
    assert "ready" in out and f"ATBOT_ALERTS__WEBHOOK_SECRET={SECRET}" in out
    (webhook,) = sandbox.records("TicketWebhooks")
    assert webhook["webhookUrl"] == bot.hook and webhook["isReady"]
    ticket_id = await open_ticket(tenant.client, sandbox)
    await bot.settle(sandbox)
    number = sandbox.get_record("Tickets", ticket_id)["ticketNumber"]  # type: ignore[index]
    assert [ticket_of(c) for c in alert_cards(bot.surface)] == [number]
    generated = await _atbot("webhooks", "install", "--url", bot.hook, env=env)
    secret = generated[1].split("ATBOT_ALERTS__WEBHOOK_SECRET=")[1].strip()
    assert generated[0] == 0 and len(secret) >= 32 and secret != SECRET
    assert any(w["secretKey"] == secret for w in sandbox.records("TicketWebhooks"))


def test_signatures_are_checked_over_the_raw_bytes() -> None:
    body = b'{"Action":"Create","Fields":{"Title":"\\u0026 \\u003Cb\\u003E"}}'
    header = hook_signature(body, SECRET)
    assert header.startswith("sha1=") and verify_signature(body, header, SECRET)
    assert verify_signature(body, "  " + header + " ", SECRET)
    assert not verify_signature(json.dumps(json.loads(body)).encode(), header, SECRET)
    assert not verify_signature(body, header.replace("sha1=", "sha256="), SECRET)
    assert not verify_signature(body, "sha1=%%%", SECRET)
    assert not verify_signature(body, None, SECRET)
    assert not verify_signature(body, header, "")


async def test_updates_are_ignored_and_a_deactivation_is_only_believed_when_signed(
    bot: Bot, sandbox: Sandbox, tenant: Tenant
) -> None:
    ticket_id = await open_ticket(tenant.client, sandbox)
    update = json.dumps({"Action": "Update", "Guid": "g-3", "EntityType": "Ticket",
                         "Id": ticket_id, "SequenceNumber": 3, "PersonID": 29682890}).encode()  # fmt: skip
    deactivated = json.dumps({"Action": "Deactivated", "Guid": "g-3"}).encode()
    async with httpx.AsyncClient() as http:
        updated = await http.post(bot.hook, content=update,
                                  headers={"X-Hook-Signature": hook_signature(update, SECRET)})  # fmt: skip
        forged = await http.post(bot.url + DEACTIVATED_PATH, content=deactivated)
        signed = await http.post(bot.url + DEACTIVATED_PATH, content=deactivated,
                                 headers={"X-Hook-Signature": hook_signature(deactivated, SECRET)})  # fmt: skip
    assert updated.status_code == 200 and updated.json() == {"status": "ignored"}
    assert (forged.status_code, signed.status_code) == (401, 200)
    await bot.part.idle()
    assert bot.surface.posts == []


async def test_a_stopping_server_gives_the_poll_lease_up(tenant: Tenant, db: Database) -> None:
    async with serving(tenant, db):
        assert await db.leases.holder(LEASE_NAME, now=datetime.now(UTC)) == "web-1"
    assert await db.leases.holder(LEASE_NAME, now=datetime.now(UTC)) is None
