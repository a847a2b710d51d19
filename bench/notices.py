"""Personal notices: what a subscription's baseline costs, and one cycle over a busy desk's
changes (tickets changed, some reassigned to watched technicians, customer and technician notes):
Autotask requests, notices posted and the time the cycle took. Then the time from a reassignment
(a customer's note) to its notice, by the sandbox's signed callouts into the alerts part.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import random
import time
from collections import Counter
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

from adapters.alerts_part import WEBHOOK_PATH, AlertsPart
from adapters.runtime import Runtime
from adapters.web import build_app, running_app
from adapters.webhooks_command import install_ticket_webhook
from autotask import AutotaskClient
from autotask.sandbox import Sandbox, SandboxConfig
from autotask.tools import Tenant, actor_of
from bot.alerts import AlertService
from bot.engine import Engine
from bot.messages import Conversation, MessageRef, Reply
from bot.settings import Settings
from bot.storage import Database

from ._report import Figure
from .alerts import SECRET, TimingSurface, _first_poll, _quantiles

WATCHED = 20  # technicians with both personal subscriptions
CHANGED = 1_000  # tickets changed between two cycles (a catch-up; a busy desk's 30 s is ~20)
REASSIGNED = 50  # of them, reassigned to a watched technician
NOTES = 200  # notes added, half by customers on watched technicians' tickets


class CountingSurface(TimingSurface):
    """Counts the notices posted, by kind."""

    def __init__(self) -> None:
        super().__init__()
        self.kinds: Counter[str] = Counter()
        self._ids = itertools.count(1)

    async def post(self, conversation: Conversation, reply: Reply) -> MessageRef:
        for card in reply.cards:
            self.kinds["note" if card.title.startswith("Customer note") else "assigned"] += 1
        return MessageRef(conversation=conversation, message_id=str(next(self._ids)))


def _technicians(box: Sandbox) -> list[dict[str, Any]]:
    roles = {r["resourceID"]: r["roleID"] for r in box.records("ResourceServiceDeskRoles")
             if r["isActive"]}  # fmt: skip
    return [r for r in box.records("Resources") if r["isActive"] and r["licenseType"] != 7
            and r["id"] in roles and r["userName"] != box.config.username]  # fmt: skip


def _role(box: Sandbox, resource_id: int) -> int:
    return int(next(r["roleID"] for r in box.records("ResourceServiceDeskRoles")
                    if r["resourceID"] == resource_id and r["isActive"]))  # fmt: skip


async def _changes(
    client: AutotaskClient, box: Sandbox, watched: list[int], rng: random.Random
) -> int:
    """CHANGED tickets changed (up to REASSIGNED of them to a watched technician), then NOTES
    notes; returns how many tickets were reassigned."""
    tickets = [t for t in box.records("Tickets") if t["status"] != 5]
    rng.shuffle(tickets)
    works = {(m["resourceID"], m["queueID"]) for m in box.records("ResourceRoleQueues")}
    reassigned: list[int] = []
    for ticket in tickets:  # each to a watched technician who works its queue
        to = rng.choice(watched)
        mine = ticket.get("assignedResourceID") == to
        if len(reassigned) < REASSIGNED and (to, ticket["queueID"]) in works and not mine:
            fields = {"assignedResourceID": to, "assignedResourceRoleID": _role(box, to)}
            await client.update("Tickets", int(ticket["id"]), fields)
            reassigned.append(int(ticket["id"]))
    others = [t for t in box.records("Tickets") if int(t["id"]) not in reassigned]
    for ticket in rng.sample(others, CHANGED - len(reassigned)):
        title = f"{ticket['title']} (updated)"[:255]
        await client.update("Tickets", int(ticket["id"]), {"title": title})
    mine = [t for t in box.records("Tickets") if t.get("assignedResourceID") in watched]
    contacts = [c for c in box.records("Contacts") if c["isActive"]]
    for n in range(NOTES):
        ticket = rng.choice(mine)
        body: dict[str, Any] = {"title": f"Reply {n}", "description": "Any news? " * 20,
                                "noteType": 1, "publish": 1}  # fmt: skip
        if n % 2 == 0:
            same = [c for c in contacts if c["companyID"] == ticket["companyID"]] or contacts
            body["createdByContactID"] = int(rng.choice(same)["id"])
        await client.create(f"Tickets/{ticket['id']}/Notes", body)
    return len(reassigned)


def _by_entity(box: Sandbox) -> str:
    paths = Counter(r.path.split("/V1.0/")[-1].split("?")[0] for r in box.requests)
    return ", ".join(f"{count} {path}" for path, count in sorted(paths.items()))


async def _cycle(folder: Path) -> list[Figure]:
    config = SandboxConfig(tickets=1500)
    rng = random.Random(7)
    default = f"sqlite+aiosqlite:///{folder / 'notices.db'}"
    db = await Database.open(os.environ.get("ATBOT_BENCH_DATABASE_URL") or default)
    await db.migrate()
    surface = CountingSurface()
    async with Sandbox(config) as box, AutotaskClient(config.credentials(), zone_url=box.api_url) as client:  # fmt: skip
        engine = Engine(tenant=Tenant(client=client), db=db, settings=Settings())
        service = AlertService(engine, {"bench": surface}, holder="bench")
        await service.poller.cycle()  # the first start
        people = _technicians(box)[:WATCHED]
        box.clear_requests()
        for n, person in enumerate(people):
            room = Conversation(platform="bench", conversation_id=f"D{n}")
            await service.subscribe(room, actor_of(person), {"assigned": "me"})
            await service.subscribe(room, actor_of(person), {"assigned": "me", "notify": "customer_note"})  # fmt: skip
        subscribing = len(box.requests)
        held = max(sum(t.get("assignedResourceID") == p["id"] for t in box.records("Tickets"))
                   for p in people)  # fmt: skip
        await service.poller.cycle()
        moved = await _changes(client, box, [int(p["id"]) for p in people], rng)
        await engine.context(None).schemas.get("Tickets")  # cached for an hour in a running bot
        box.clear_requests()
        report = await service.poller.cycle()
        requests, spread = len(box.requests), _by_entity(box)
    await db.close()
    name = f"notices: {WATCHED} technicians watching, {CHANGED:,} tickets changed and {NOTES} notes in one cycle"
    return [
        Figure(f"notices: {WATCHED} technicians subscribe (assigned + customer notes)",
               "Autotask requests, all subscriptions", f"{subscribing}",
               f"a baseline of every ticket each one holds (up to {held}), ids and two fields; "
               "the newest customer note found by counts"),
        Figure(name, "Autotask requests in the cycle", f"{requests}", spread),
        Figure(name, "notices posted (assigned / customer notes)",
               f"{surface.kinds['assigned']} / {surface.kinds['note']}",
               f"{moved} reassignments to watched technicians; {NOTES // 2} customer notes"),
        Figure(name, f"whole cycle ({db.dialect})", f"{report.seconds:.1f} s",
               f"{report.changed:,} changed tickets read, {report.notes} customer notes"),
    ]  # fmt: skip


class TitledSurface(TimingSurface):
    """Remembers when a card of each title was first posted."""

    async def post(self, conversation: Conversation, reply: Reply) -> MessageRef:
        for card in reply.cards:
            self.posted_at.setdefault(card.title, time.perf_counter())
            self._waiting.setdefault(card.title, asyncio.Event()).set()
        return MessageRef(conversation=conversation, message_id=str(next(self._ids)))


async def _latency(folder: Path) -> list[Figure]:
    config = SandboxConfig(tickets=300, webhook_retry_seconds=1.0)
    db = await Database.open(f"sqlite+aiosqlite:///{folder / 'notice-latency.db'}")
    await db.migrate()
    surface = TitledSurface()
    async with Sandbox(config) as box, AutotaskClient(config.credentials(), zone_url=box.api_url) as client:  # fmt: skip
        settings = Settings(alerts={"poll_seconds": 3600.0, "webhook_secret": SECRET})
        tenant = Tenant(client=client)
        engine = Engine(tenant=tenant, db=db, settings=settings)
        runtime = Runtime(settings=settings, tenant=tenant, db=db, engine=engine, model=None,
                          surfaces={"bench": surface})  # fmt: skip
        part = AlertsPart(runtime, holder="bench")
        async with running_app(build_app(runtime, [part]), "127.0.0.1", 0) as url:
            await _first_poll(db)
            me, other = _technicians(box)[:2]
            room = Conversation(platform="bench", conversation_id="D-me")
            await part.service.subscribe(room, actor_of(me), {"assigned": "me"})
            await part.service.subscribe(room, actor_of(me), {"assigned": "me", "notify": "customer_note"})  # fmt: skip
            await install_ticket_webhook(client, url + WEBHOOK_PATH, secret=SECRET)
            assigned, noted = await _measure_notices(client, box, surface, me, other)
    await db.close()
    name = "notice latency by webhook, Autotask change → notice posted"
    return [
        Figure(name, "ticket reassigned to me, p50 / p95", _quantiles(assigned),
               "Update callout → verify → fetch the ticket → store the assignee → post"),
        Figure(name, "customer note on my ticket, p50 / p95", _quantiles(noted),
               "TicketNote callout → verify → fetch the note and its ticket → post"),
    ]  # fmt: skip


async def _measure_notices(
    client: AutotaskClient,
    box: Sandbox,
    surface: TitledSurface,
    me: dict[str, Any],
    other: dict[str, Any],
) -> tuple[list[float], list[float]]:
    works = {m["queueID"] for m in box.records("ResourceRoleQueues") if m["resourceID"] == me["id"]}
    tickets = [t for t in box.records("Tickets") if t["status"] != 5 and t["queueID"] in works
               and t["assignedResourceID"] != me["id"]][:15]  # fmt: skip
    contact = next(c for c in box.records("Contacts") if c["isActive"])
    assigned, noted = [], []
    for ticket in tickets:
        number, who = str(ticket["ticketNumber"]), f"{me['firstName']} {me['lastName']}"
        started = time.perf_counter()
        fields = {"assignedResourceID": me["id"], "assignedResourceRoleID": _role(box, me["id"])}
        await client.update("Tickets", int(ticket["id"]), fields, impersonate=int(other["id"]))
        assigned.append(await surface.posted(f"Assigned to {who}: {number}") - started)
        started = time.perf_counter()
        note = {"title": "Any news?", "description": "Still broken.", "noteType": 1,
                "publish": 1, "createdByContactID": int(contact["id"])}  # fmt: skip
        await client.create(f"Tickets/{ticket['id']}/Notes", note)
        noted.append(await surface.posted(f"Customer note on {number}") - started)
    return assigned, noted


async def run() -> list[Figure]:
    with TemporaryDirectory() as folder:
        return await _cycle(Path(folder)) + await _latency(Path(folder))
