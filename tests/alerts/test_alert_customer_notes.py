"""Customer notes on my tickets: one compact notice per note in my direct chat, through the poll
of TicketNotes against the sandbox server; never for a technician's note or someone else's
ticket, never twice for a second cycle, a second replica or a restart."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import httpx
from alert_support import SECRET, Alerts, alert_cards, message, open_ticket, technicians
from engine_support import RecordingSurface
from notice_support import add_note, assigned_to, contact_of

from adapters.webhooks_command import install_ticket_webhook
from autotask import Filter, Query
from autotask.sandbox import Sandbox
from autotask.tools import Tenant, actor_of
from bot.alerts import NOTES_CURSOR, hook_signature, load_subscriptions
from bot.messages import Conversation
from bot.storage import Database

DM = Conversation(platform="test", conversation_id="D-NOTES")
LONG = "Still broken\x07 after the reboot. " * 30


async def mine_and_theirs(tenant: Tenant, box: Sandbox) -> tuple[int, int]:
    me, other = technicians(box)[0], technicians(box)[1]
    mine = await open_ticket(tenant.client, box, title="VPN drops every hour",
                             **assigned_to(box, me))  # fmt: skip
    theirs = await open_ticket(tenant.client, box, title="Theirs",
                               **assigned_to(box, other))  # fmt: skip
    return mine, theirs


async def test_a_customer_note_on_my_ticket_reaches_me_once_as_a_compact_card(
    make_alerts: Callable[..., Alerts], sandbox: Sandbox, tenant: Tenant
) -> None:
    alerts = make_alerts()
    me = technicians(sandbox)[0]
    mine, theirs = await mine_and_theirs(tenant, sandbox)
    contact = contact_of(sandbox)
    await add_note(tenant, mine, title="Before", text="old news", contact=contact["id"])
    surface = RecordingSurface()
    said = message("tell me when customers reply on my tickets", str(me["email"]), room=DM)
    await alerts.engine.handle(said, surface)
    assert "customer notes on tickets assigned to" in (surface.last.text or "")
    await alerts.service.poller.cycle()
    assert alerts.surface.posts == [], "a note from before the subscription is not news"

    note = await add_note(tenant, mine, title="Re: VPN", text=LONG, contact=contact["id"])
    await add_note(tenant, mine, title="Internal", text="checked the logs")  # a technician's
    await add_note(tenant, theirs, title="Re: other", text="hello", contact=contact["id"])
    report = await alerts.service.poller.cycle()
    await alerts.service.poller.cycle()
    assert report.notes == 2 and report.notices.alerts == 1
    assert await alerts.db.alerts.cursor(NOTES_CURSOR) is not None
    (card,) = alert_cards(alerts.surface)
    assert [c for c, _, _ in alerts.surface.posts] == [DM]
    ticket = sandbox.get_record("Tickets", mine)
    assert ticket is not None and card.title == f"Customer note on {ticket['ticketNumber']}"
    assert card.subtitle == "VPN drops every hour" and card.untrusted
    facts = {f.label: f.value for f in card.facts}
    name = f"{contact['firstName']} {contact['lastName']}"
    assert facts["Company"] == "Contoso" and facts["Note"] == "Re: VPN" and facts["From"] == name
    assert card.text is not None and card.text.startswith("Still broken after the reboot.")
    assert len(card.text) <= 201 and card.text.endswith("…") and "\x07" not in card.text
    assert card.link is not None and f"TicketID={mine}" in card.link.url
    (subscription,) = await alerts.db.alerts.subscriptions(DM)
    claimed = await alerts.db.notices.notice(subscription.id, f"note:{note}")
    assert claimed is not None and claimed["delivered_at"] is not None

    restarted = make_alerts(holder="holder-a")
    await restarted.service.poller.cycle()
    assert restarted.surface.posts == []

    stop = message("stop notifying me about customer notes", str(me["email"]), room=DM)
    await alerts.engine.handle(stop, surface)
    assert "Stopped 1 notification" in (surface.last.text or "")
    await add_note(tenant, mine, title="Re: VPN 2", text="any news?", contact=contact["id"])
    await alerts.service.poller.cycle()
    assert len(alerts.surface.posts) == 1


async def test_two_replicas_deliver_each_customer_note_once(
    make_alerts: Callable[..., Alerts], sandbox: Sandbox, tenant: Tenant, any_db_url: str,
    open_db: Callable[[str], Any],
) -> None:  # fmt: skip
    a = make_alerts(database=await open_db(any_db_url), holder="replica-a")
    b = make_alerts(database=await open_db(any_db_url), holder="replica-b")
    me = technicians(sandbox)[0]
    mine, _ = await mine_and_theirs(tenant, sandbox)
    await a.service.subscribe(DM, actor_of(me), {"assigned": "me", "notify": "customer_note"})
    contact = contact_of(sandbox)["id"]
    notes = [await add_note(tenant, mine, title=f"Reply {n}", text="…", contact=contact)
             for n in range(3)]  # fmt: skip
    read = await tenant.client.query("TicketNotes", Query(filter=(Filter.in_("id", notes),)))  # type: ignore[arg-type]
    reports = await asyncio.gather(
        a.service.notes.deliver(read, await load_subscriptions(a.db.alerts)),
        b.service.notes.deliver(read, await load_subscriptions(b.db.alerts)),
    )
    assert sum(r.alerts for r in reports) == 3 and sum(r.already for r in reports) == 3
    titles = sorted(f.value for c in alert_cards(a.surface) + alert_cards(b.surface)
                    for f in c.facts if f.label == "Note")  # fmt: skip
    assert titles == ["Reply 0", "Reply 1", "Reply 2"]


async def test_a_note_callout_brings_it_at_once_and_neither_a_redelivery_nor_the_poll_repeat_it(
    tenant: Tenant, db: Database, sandbox: Sandbox
) -> None:
    from test_alert_webhooks import serving

    me = technicians(sandbox)[0]
    async with serving(tenant, db) as bot:
        await bot.part.service.subscribe(DM, actor_of(me), {"assigned": "me", "notify": "customer_note"})  # fmt: skip
        installed = await install_ticket_webhook(tenant.client, bot.hook, secret=SECRET)
        assert installed.note_webhook_id is not None and installed.note_ready
        mine, _ = await mine_and_theirs(tenant, sandbox)
        await bot.settle(sandbox)
        note = await add_note(tenant, mine, title="Re: VPN", text="Dropped again",
                              contact=int(contact_of(sandbox)["id"]))  # fmt: skip
        await add_note(tenant, mine, title="Internal", text="checked the logs")
        await bot.settle(sandbox)
        (card,) = alert_cards(bot.surface)
        assert [c for c, _, _ in bot.surface.posts] == [DM], "delivered by the callout"
        assert {f.label: f.value for f in card.facts}["Note"] == "Re: VPN"
        callouts = [d for d in sandbox.webhook_deliveries if b'"EntityType":"TicketNote"' in d.body]
        assert len(callouts) == 2 and f'"Id":{note}'.encode() in callouts[0].body

        async with httpx.AsyncClient() as http:
            answers = [
                (await http.post(bot.hook, content=c.body,
                                 headers={"X-Hook-Signature": hook_signature(c.body, SECRET)})).json()
                for c in callouts
            ]  # fmt: skip
        assert answers == [{"status": "duplicate"}, {"status": "ignored"}]
        report = await bot.part.service.poller.cycle()
        assert report.notes == 1 and report.notices.already == 1 and len(bot.surface.posts) == 1
