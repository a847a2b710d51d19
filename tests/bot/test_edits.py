"""Edit before approve, platform-neutral: the form holds the planned fields (picklists in their
sortOrder), a submitted form is a new plan and preview, the old plan is superseded, and only the
new one can be applied."""

from __future__ import annotations

from collections.abc import Callable

from engine_support import CHANNEL, RecordingSurface, say, technician_email

from autotask.sandbox import Sandbox
from bot.edits import EditForm, EditSubmission
from bot.engine import Engine
from bot.messages import Click
from bot.storage import Database


def _submission(plan_id: str, email: str, values: dict[str, str | None]) -> EditSubmission:
    return EditSubmission(
        conversation=CHANNEL, user_id=f"U-{email}", email=email, plan_id=plan_id, values=values
    )


def _approve(plan_id: str, email: str) -> Click:
    return Click(conversation=CHANNEL, user_id=f"U-{email}", email=email, action="approve",
                 plan_id=plan_id)  # fmt: skip


def _my_ticket(box: Sandbox, email: str) -> dict[str, object]:
    me = next(r for r in box.records("Resources") if r["email"] == email)
    return next(
        t
        for t in box.records("Tickets")
        if t["status"] != 5 and t["assignedResourceID"] == me["id"]
    )


async def test_edit_a_time_entry_then_approve_the_edited_plan_only(
    make_engine: Callable[..., Engine], surface: RecordingSurface, sandbox: Sandbox, db: Database
) -> None:
    engine, email = make_engine(), technician_email(sandbox)
    ticket = _my_ticket(sandbox, email)
    await engine.handle(say(f"log 45m on {ticket['ticketNumber']} VPN fix", email), surface)
    (card,) = surface.last.cards
    assert [a.action for a in card.actions] == ["approve", "edit", "cancel"]
    old_id = card.actions[0].plan_id
    form = await engine.edits.form(old_id, CHANNEL, f"U-{email}", email)
    assert isinstance(form, EditForm)
    fields = {f.name: f for f in form.fields}
    assert list(fields) == ["duration", "start", "summaryNotes"]
    assert fields["duration"].value == "45m" and fields["summaryNotes"].kind == "multiline"
    assert fields["start"].value == "2026-11-25 03:45", "shown in the technician's zone"
    values: dict[str, str | None] = {"duration": "1h 30m", "start": "2026-11-24 14:00",
                                     "summaryNotes": "VPN fix and firewall rules"}  # fmt: skip
    assert await engine.edits.submit(_submission(old_id, email, values), surface) is None
    old = await db.plans.get(old_id)
    assert old is not None and old.status == "superseded"
    ((updated, replaced),) = surface.updates
    assert updated == surface.posts[0][2] and replaced.cards[0].status == "superseded"
    assert replaced.cards[0].actions == ()
    new_card = surface.last.cards[0]
    new_id = new_card.actions[0].plan_id
    assert new_id != old_id and new_card.status == "pending"
    assert new_card.subtitle is not None and new_card.subtitle.startswith("Log 1h 30m on")
    await engine.click(_approve(old_id, email), surface)
    assert surface.whispers[-1][1] == "This change is already superseded."
    before = len(sandbox.records("TimeEntries"))
    await engine.click(_approve(new_id, email), surface)
    assert len(sandbox.records("TimeEntries")) == before + 1
    entry = sandbox.records("TimeEntries")[-1]
    assert entry["hoursWorked"] == 1.5 and entry["summaryNotes"] == "VPN fix and firewall rules"
    assert entry["startDateTime"].startswith("2026-11-24T19:00")
    kinds = [e.kind for e in await db.audit.list(plan_id=old_id)]
    assert kinds == ["superseded", "planned"]


async def test_a_ticket_change_offers_the_picklist_in_sort_order(
    make_engine: Callable[..., Engine], surface: RecordingSurface, sandbox: Sandbox
) -> None:
    engine, email = make_engine(), technician_email(sandbox)
    ticket = _my_ticket(sandbox, email)
    active = [v for v in sandbox.metadata.get("Tickets").picklist("priority") if v["isActive"]]
    first, then = [v["label"] for v in active if str(v["value"]) != str(ticket["priority"])][:2]
    await engine.handle(
        say(f'set priority of {ticket["ticketNumber"]} to "{first}"', email), surface
    )
    plan_id = surface.last.cards[0].actions[0].plan_id
    form = await engine.edits.form(plan_id, CHANNEL, f"U-{email}", email)
    assert isinstance(form, EditForm)
    (priority,) = form.fields
    assert priority.kind == "choice" and priority.name == "priority"
    tenant_values = [
        v for v in sandbox.metadata.get("Tickets").picklist("priority") if v["isActive"]
    ]
    tenant_values.sort(key=lambda v: v["sortOrder"])
    assert [c.label for c in priority.choices] == [v["label"] for v in tenant_values]
    low = next(c for c in priority.choices if c.label == then)
    await engine.edits.submit(_submission(plan_id, email, {"priority": low.value}), surface)
    new_id = surface.last.cards[0].actions[0].plan_id
    await engine.click(_approve(new_id, email), surface)
    assert sandbox.get_record("Tickets", int(str(ticket["id"])))["priority"] == int(low.value)  # type: ignore[index]


async def test_a_bad_edit_says_why_and_leaves_the_preview_pending(
    make_engine: Callable[..., Engine], surface: RecordingSurface, sandbox: Sandbox, db: Database
) -> None:
    engine, email = make_engine(), technician_email(sandbox)
    ticket = _my_ticket(sandbox, email)
    await engine.handle(say(f"log 45m on {ticket['id']} VPN fix", email), surface)
    plan_id = surface.last.cards[0].actions[0].plan_id
    posts = len(surface.posts)
    answer = await engine.edits.submit(_submission(plan_id, email, {"duration": "lots"}), surface)
    assert answer is not None and "'lots' is not a duration" in answer
    answer = await engine.edits.submit(_submission(plan_id, email, {"duration": "30h"}), surface)
    assert answer is not None and "at most 24 hours" in answer
    stored = await db.plans.get(plan_id)
    assert stored is not None and stored.status == "pending" and len(surface.posts) == posts


async def test_only_the_requester_may_edit_and_only_while_pending(
    make_engine: Callable[..., Engine], surface: RecordingSurface, sandbox: Sandbox
) -> None:
    engine = make_engine()
    email, other = technician_email(sandbox), technician_email(sandbox, 1)
    ticket = _my_ticket(sandbox, email)
    await engine.handle(say(f"log 45m on {ticket['id']} VPN fix", email), surface)
    plan_id = surface.last.cards[0].actions[0].plan_id
    refused = await engine.edits.form(plan_id, CHANNEL, f"U-{other}", other)
    assert isinstance(refused, str) and refused.startswith("Only ")
    answer = await engine.edits.submit(_submission(plan_id, other, {"duration": "5m"}), surface)
    assert answer is not None and answer.startswith("Only ")
    await engine.click(_approve(plan_id, email), surface)
    done = await engine.edits.form(plan_id, CHANNEL, f"U-{email}", email)
    assert done == "This change is already applied; it can no longer be edited."
    unknown = await engine.edits.form("not-a-plan-id", CHANNEL, f"U-{email}", email)
    assert unknown == "I don't know that change; it may have been removed."
