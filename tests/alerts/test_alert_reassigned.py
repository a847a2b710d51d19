"""Tickets reassigned to me after they were made: one notice per assignment, through the poll of
changed tickets (against the sandbox server) and through the sandbox's signed Update callouts,
never twice for a redelivered callout, a second replica or a restart."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import httpx
from alert_support import (
    SECRET,
    Alerts,
    alert_cards,
    message,
    open_ticket,
    pick,
    technicians,
    ticket_of,
)
from engine_support import RecordingSurface
from notice_support import assigned_to, reassign

from autotask.sandbox import Sandbox
from autotask.tools import Tenant, actor_of
from bot.alerts import CHANGES_CURSOR, hook_signature, load_subscriptions
from bot.messages import Conversation
from bot.storage import Database

DM = Conversation(platform="test", conversation_id="D-REASSIGNED")


def number(box: Sandbox, ticket_id: int) -> str:
    return str(box.get_record("Tickets", ticket_id)["ticketNumber"])  # type: ignore[index]


async def test_reassigned_to_me_once_per_assignment_and_never_what_i_had_before(
    make_alerts: Callable[..., Alerts], sandbox: Sandbox, tenant: Tenant
) -> None:
    alerts = make_alerts()
    me, other = technicians(sandbox)[0], technicians(sandbox)[1]
    await alerts.service.poller.cycle()  # the first start
    had = await open_ticket(tenant.client, sandbox, title="Already mine",
                            **assigned_to(sandbox, me))  # fmt: skip
    theirs = await open_ticket(tenant.client, sandbox, title="Theirs first",
                               **assigned_to(sandbox, other))  # fmt: skip
    surface = RecordingSurface()
    said = message("notify me when a ticket is assigned to me", str(me["email"]), room=DM)
    await alerts.engine.handle(said, surface)
    assert "reassigned" in (surface.last.text or "")
    await alerts.service.poller.cycle()
    assert alerts.surface.posts == [], "what I had before subscribing is not news"

    in_progress = pick(sandbox, "status", "In Progress")
    await tenant.client.update("Tickets", had, {"status": in_progress})  # mine, changed: no news
    await reassign(tenant, sandbox, theirs, me)
    report = await alerts.service.poller.cycle()
    await alerts.service.poller.cycle()
    assert report.changed >= 2 and report.notices.alerts == 1
    (card,) = alert_cards(alerts.surface)
    assert [c for c, _, _ in alerts.surface.posts] == [DM]
    assert ticket_of(card) == number(sandbox, theirs)
    assert (
        card.title.startswith(f"Assigned to {me['firstName']}") and card.subtitle == "Theirs first"
    )
    assert card.link is not None and f"TicketID={theirs}" in card.link.url

    await reassign(tenant, sandbox, theirs, other)  # away …
    await alerts.service.poller.cycle()
    await reassign(tenant, sandbox, theirs, me)  # … and back: a new assignment
    await alerts.service.poller.cycle()
    assert [ticket_of(c) for c in alert_cards(alerts.surface)] == [number(sandbox, theirs)] * 2

    restarted = make_alerts(holder="holder-a")  # the same database, a new process
    await restarted.service.poller.cycle()
    assert restarted.surface.posts == []

    await alerts.engine.handle(message("stop notifying me", str(me["email"]), room=DM), surface)
    await reassign(tenant, sandbox, theirs, other)
    await reassign(tenant, sandbox, theirs, me)
    await alerts.service.poller.cycle()
    assert len(alerts.surface.posts) == 2


async def test_two_replicas_seeing_the_same_reassignment_notice_it_once(
    make_alerts: Callable[..., Alerts], sandbox: Sandbox, tenant: Tenant, any_db_url: str,
    open_db: Callable[[str], Any],
) -> None:  # fmt: skip
    a = make_alerts(database=await open_db(any_db_url), holder="replica-a", digest_after=10)
    b = make_alerts(database=await open_db(any_db_url), holder="replica-b", digest_after=10)
    me, other = technicians(sandbox)[0], technicians(sandbox)[1]
    await a.service.subscribe(DM, actor_of(me), {"assigned": "me"})
    tickets = [await open_ticket(tenant.client, sandbox, title=f"Batch {n}",
                                 **assigned_to(sandbox, other))
               for n in range(4)]  # fmt: skip
    for ticket_id in tickets:
        await reassign(tenant, sandbox, ticket_id, me)
    records = [sandbox.get_record("Tickets", t) for t in tickets]
    (watched_a, watched_b) = [await s.db.alerts.subscriptions() for s in (a, b)]
    reports = await asyncio.gather(
        a.service.assignments.observe(records, await load_subscriptions(a.db.alerts)),  # type: ignore[arg-type]
        b.service.assignments.observe(records, await load_subscriptions(b.db.alerts)),  # type: ignore[arg-type]
    )
    assert watched_a == watched_b and sum(r.alerts for r in reports) == 4
    seen = [ticket_of(c) for c in alert_cards(a.surface) + alert_cards(b.surface)]
    assert sorted(seen) == sorted(number(sandbox, t) for t in tickets)


async def test_an_update_callout_brings_it_at_once_and_a_redelivery_does_not_repeat_it(
    tenant: Tenant, db: Database, sandbox: Sandbox
) -> None:
    from test_alert_webhooks import install, serving

    me, other = technicians(sandbox)[0], technicians(sandbox)[1]
    async with serving(tenant, db) as bot:
        await bot.part.service.subscribe(DM, actor_of(me), {"assigned": "me"})
        await install(tenant, bot)
        theirs = await open_ticket(tenant.client, sandbox, title="Escalated to me",
                                   **assigned_to(sandbox, other))  # fmt: skip
        await bot.settle(sandbox)
        assert bot.surface.posts == []  # the Create callout: not mine
        await reassign(tenant, sandbox, theirs, me)
        await bot.settle(sandbox)
        update = sandbox.webhook_deliveries[-1]
        assert b'"Action":"Update"' in update.body and b'"AssignedResourceID"' in update.body
        assert [c for c, _, _ in bot.surface.posts] == [DM], "delivered by the callout"
        assert [ticket_of(c) for c in alert_cards(bot.surface)] == [number(sandbox, theirs)]

        signed = {"X-Hook-Signature": hook_signature(update.body, SECRET)}
        later = update.body.replace(b'"SequenceNumber":', b'"SequenceNumber":9')
        async with httpx.AsyncClient() as http:
            again = await http.post(bot.hook, content=update.body, headers=signed)
            another = await http.post(bot.hook, content=later,
                                      headers={"X-Hook-Signature": hook_signature(later, SECRET)})  # fmt: skip
        await bot.part.idle()
        assert again.json() == {"status": "duplicate"} and another.json() == {"status": "accepted"}
        report = await bot.part.service.poller.cycle()
        assert report.changed >= 1 and len(bot.surface.posts) == 1

        await tenant.client.update("Tickets", theirs, {"title": "Escalated to me (edited)"})
        await bot.settle(sandbox)  # not a subscribed field: Autotask sends nothing
        assert len(bot.surface.posts) == 1

        taken = await open_ticket(tenant.client, sandbox, title="I take this one",
                                  **assigned_to(sandbox, other))  # fmt: skip
        await tenant.client.update("Tickets", taken, assigned_to(sandbox, me),
                                   impersonate=int(me["id"]))  # fmt: skip
        await bot.settle(sandbox)
        callout = sandbox.webhook_deliveries[-1].body
        assert b'"Action":"Update"' in callout and f'"PersonID":{me["id"]}'.encode() in callout
        assert len(bot.surface.posts) == 1, "my own doing is not news"


async def test_a_sweep_cut_short_by_the_page_cap_goes_on_where_it_stopped(
    make_alerts: Callable[..., Alerts], sandbox: Sandbox, tenant: Tenant
) -> None:
    alerts = make_alerts()
    me = technicians(sandbox)[0]
    await alerts.service.subscribe(DM, actor_of(me), {"assigned": "me"})
    await alerts.db.alerts.set_cursor(1, CHANGES_CURSOR)  # every ticket counts as changed
    mine = await open_ticket(tenant.client, sandbox, title="Last of the pile",
                             **assigned_to(sandbox, technicians(sandbox)[1]))  # fmt: skip
    await reassign(tenant, sandbox, mine, me)
    sweeps = alerts.service.assignments
    sweeps.max_pages = 1
    watched = await load_subscriptions(alerts.db.alerts)
    first = await sweeps.sweep(watched)
    assert first.more and first.tickets == 500 and alerts.surface.posts == []
    assert await alerts.db.alerts.cursor(CHANGES_CURSOR) == 1, "not past what was not read"
    second = await sweeps.sweep(watched)
    assert not second.more and second.tickets == len(sandbox.records("Tickets")) - 500
    asked = [r.body for r in sandbox.requests if r.path.endswith("Tickets/query")][-2]
    last_read = sorted(int(t["id"]) for t in sandbox.records("Tickets"))[499]
    assert {"op": "gt", "field": "id", "value": last_read} in asked["filter"]
    assert [ticket_of(c) for c in alert_cards(alerts.surface)] == [number(sandbox, mine)]
    assert (await alerts.db.alerts.cursor(CHANGES_CURSOR) or 0) > 1


async def test_taking_a_ticket_myself_is_not_news_but_a_later_reassignment_is(
    make_alerts: Callable[..., Alerts], sandbox: Sandbox, tenant: Tenant
) -> None:
    alerts = make_alerts()
    me, other = technicians(sandbox)[0], technicians(sandbox)[1]
    await alerts.service.poller.cycle()
    await alerts.service.subscribe(DM, actor_of(me), {"assigned": "me"})
    theirs = await open_ticket(tenant.client, sandbox, title="Up for grabs",
                               **assigned_to(sandbox, other))  # fmt: skip
    await alerts.service.poller.cycle()
    await tenant.client.update("Tickets", theirs, assigned_to(sandbox, me),
                               impersonate=int(me["id"]))  # I take it myself  # fmt: skip
    await alerts.service.poller.cycle()
    assert alerts.surface.posts == []
    await reassign(tenant, sandbox, theirs, other)
    await alerts.service.poller.cycle()
    await reassign(tenant, sandbox, theirs, me)
    await alerts.service.poller.cycle()
    assert [ticket_of(c) for c in alert_cards(alerts.surface)] == [number(sandbox, theirs)]


async def test_a_handover_in_bulk_comes_as_cards_then_one_digest(
    make_alerts: Callable[..., Alerts], sandbox: Sandbox, tenant: Tenant
) -> None:
    alerts = make_alerts()  # digest_after=3
    me, leaver = technicians(sandbox)[0], technicians(sandbox)[1]
    await alerts.service.poller.cycle()
    await alerts.service.subscribe(DM, actor_of(me), {"assigned": "me"})
    handed = [await open_ticket(tenant.client, sandbox, title=f"Handover {n}",
                                **assigned_to(sandbox, leaver)) for n in range(5)]  # fmt: skip
    await alerts.service.poller.cycle()
    for ticket_id in handed:
        await reassign(tenant, sandbox, ticket_id, me)
    report = await alerts.service.poller.cycle()
    await alerts.service.poller.cycle()
    assert (report.notices.alerts, report.notices.digests, report.notices.digested) == (3, 1, 2)
    replies = [reply for _, reply, _ in alerts.surface.posts]
    assert len(replies) == 4 and replies[-1].text and replies[-1].text.startswith("…and 2 more")
    (digest,) = replies[-1].cards
    assert [row[0] for row in digest.rows] == [number(sandbox, t) for t in handed[3:]]
    assert digest.row_links and all(f"TicketID={t}" in str(link)
                                    for t, link in zip(handed[3:], digest.row_links, strict=True))  # fmt: skip
    (subscription,) = await alerts.db.alerts.subscriptions(DM)
    for ticket_id in handed:
        claimed = await alerts.db.notices.notice(subscription.id, f"assigned:{ticket_id}:1")
        assert claimed is not None and claimed["delivered_at"] is not None
