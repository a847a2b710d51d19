"""Timers through the engine: one per technician in the database, stop → the usual time-entry
preview with the elapsed time and the start, approve → the entry in Autotask."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from engine_support import RecordingSurface, make_settings, say, technician_email
from support import FIXED_NOW, ScriptedModel

from autotask.sandbox import Sandbox
from autotask.tools import Tenant
from bot.engine import Engine
from bot.messages import Click, Conversation
from bot.storage import Database

DM = Conversation(platform="test", conversation_id="D1")


class Clock:
    def __init__(self) -> None:
        self.now = FIXED_NOW

    def __call__(self) -> datetime:
        return self.now


def _engine(tenant: Tenant, db: Database, clock: Clock, **options: object) -> Engine:
    return Engine(tenant=tenant, db=db, settings=make_settings(), clock=clock, **options)  # type: ignore[arg-type]


def _open_ticket(box: Sandbox, email: str) -> dict[str, object]:
    me = next(r for r in box.records("Resources") if r["email"] == email)
    return next(
        t
        for t in box.records("Tickets")
        if t["status"] != 5 and t["assignedResourceID"] == me["id"]
    )


async def test_start_then_stop_previews_the_elapsed_time_and_approve_logs_it(
    tenant: Tenant, db: Database, sandbox: Sandbox, surface: RecordingSurface
) -> None:
    clock, email = Clock(), technician_email(sandbox)
    engine = _engine(tenant, db, clock)
    ticket = _open_ticket(sandbox, email)
    await engine.handle(say(f"start timer on {ticket['ticketNumber']} VPN", email), surface)
    assert surface.last.text is not None and "Timer started on" in surface.last.text
    assert "04:30" in surface.last.text, "the start is shown in the technician's zone"
    clock.now += timedelta(minutes=47, seconds=20)
    await engine.handle(say("timer", email), surface)
    assert "has run for 47m" in (surface.last.text or "")
    sandbox.clear_requests()
    await engine.handle(say("stop timer rebuilt the VPN profile", email), surface)
    assert not [r for r in sandbox.requests if r.method == "POST" and "/query" not in r.path]
    reply = surface.last
    assert reply.text is not None and "Timer stopped after 47m" in reply.text
    (card,) = reply.cards
    assert card.kind == "change" and card.status == "pending"
    assert card.subtitle is not None and "Log 47m on" in card.subtitle
    assert await db.timers.get(_resource(sandbox, email)) is None, "the timer is stopped"
    await engine.click(
        Click(conversation=say("", email).conversation, user_id=f"U-{email}", email=email,
              action="approve", plan_id=card.actions[0].plan_id),
        surface,
    )  # fmt: skip
    entry = sandbox.records("TimeEntries")[-1]
    assert entry["ticketID"] == ticket["id"] and entry["summaryNotes"] == "rebuilt the VPN profile"
    assert entry["hoursWorked"] == 0.78
    assert entry["startDateTime"].startswith("2026-11-25T09:30")
    assert entry["endDateTime"].startswith("2026-11-25T10:17")


def _resource(box: Sandbox, email: str) -> int:
    return int(next(r["id"] for r in box.records("Resources") if r["email"] == email))


async def test_one_timer_per_technician_across_conversations_and_restarts(
    tenant: Tenant, db: Database, sandbox: Sandbox, surface: RecordingSurface
) -> None:
    clock, email = Clock(), technician_email(sandbox)
    ticket = _open_ticket(sandbox, email)
    await _engine(tenant, db, clock).handle(
        say(f"start timer on {ticket['id']} printer", email), surface
    )
    clock.now += timedelta(minutes=5)
    restarted = _engine(tenant, db, clock)  # a new process on the same database
    await restarted.handle(
        say(f"start timer on {ticket['ticketNumber']}", email, conversation=DM), surface
    )
    text = surface.last.text or ""
    assert "One timer runs at a time" in text and "has run for 5m" in text
    running = await db.timers.get(_resource(sandbox, email))
    assert running is not None and running.started_at == FIXED_NOW
    await restarted.handle(say("cancel timer", email, conversation=DM), surface)
    assert "cancelled after 5m; nothing was logged" in (surface.last.text or "")
    await restarted.handle(say("timer", email), surface)
    assert (surface.last.text or "").startswith("No timer is running")


async def test_a_timer_without_a_summary_keeps_running_until_told_what_was_done(
    tenant: Tenant, db: Database, sandbox: Sandbox, surface: RecordingSurface
) -> None:
    clock, email = Clock(), technician_email(sandbox)
    engine = _engine(tenant, db, clock)
    ticket = _open_ticket(sandbox, email)
    await engine.handle(say(f"start timer on {ticket['id']}", email), surface)
    clock.now += timedelta(hours=2)
    await engine.handle(say("stop timer", email), surface)
    assert "Say what you did" in (surface.last.text or "") and not surface.last.cards
    assert await db.timers.get(_resource(sandbox, email)) is not None
    await engine.handle(say("stop timer onsite", email), surface)
    assert surface.last.cards and surface.last.cards[0].subtitle is not None
    assert "Log 2h on" in surface.last.cards[0].subtitle


async def test_a_timer_over_a_day_is_not_a_time_entry(
    tenant: Tenant, db: Database, sandbox: Sandbox, surface: RecordingSurface
) -> None:
    clock, email = Clock(), technician_email(sandbox)
    engine = _engine(tenant, db, clock)
    await engine.handle(
        say(f"start timer on {_open_ticket(sandbox, email)['id']} x", email), surface
    )
    clock.now += timedelta(hours=25)
    await engine.handle(say("stop timer", email), surface)
    assert "more than one time entry can hold" in (surface.last.text or "")
    assert not surface.last.cards
    assert await db.timers.get(_resource(sandbox, email)) is not None


async def test_two_stops_at_once_make_one_preview(
    tenant: Tenant, db: Database, sandbox: Sandbox
) -> None:
    clock, email = Clock(), technician_email(sandbox)
    first, second = _engine(tenant, db, clock), _engine(tenant, db, clock)
    await first.handle(
        say(f"start timer on {_open_ticket(sandbox, email)['id']} x", email), RecordingSurface()
    )
    clock.now += timedelta(minutes=30)
    surfaces = RecordingSurface(), RecordingSurface()
    await asyncio.gather(
        first.handle(say("stop timer", email), surfaces[0]),
        second.handle(say("stop timer", email, conversation=DM), surfaces[1]),
    )
    cards = [card for s in surfaces for card in s.last.cards]
    assert len(cards) == 1


async def test_timer_commands_bypass_the_model(
    tenant: Tenant, db: Database, sandbox: Sandbox, surface: RecordingSurface
) -> None:
    email = technician_email(sandbox)
    engine = _engine(tenant, db, Clock(), model=ScriptedModel())  # fails on any call
    await engine.handle(
        say(f"start timer on {_open_ticket(sandbox, email)['id']} x", email), surface
    )
    assert "Timer started" in (surface.last.text or "")


async def test_starting_a_timer_on_an_unknown_ticket_says_so(
    tenant: Tenant, db: Database, sandbox: Sandbox, surface: RecordingSurface
) -> None:
    email = technician_email(sandbox)
    await _engine(tenant, db, Clock()).handle(say("start timer on T20990101.0001", email), surface)
    assert surface.last.text == "No ticket has the number T20990101.0001."
    assert await db.timers.get(_resource(sandbox, email)) is None
