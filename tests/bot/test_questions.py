"""Questions back: an ambiguous request asks once with choices, the next message in the thread
picks one, and a change picked this way is only previewed."""

from __future__ import annotations

from collections.abc import Callable

from engine_support import CHANNEL, RecordingSurface, say, technician_email
from support import ScriptedModel, text_turn

from autotask.sandbox import Sandbox
from bot.engine import Engine
from bot.messages import Conversation
from bot.storage import Database


def _open_ticket(box: Sandbox) -> dict[str, object]:
    return next(t for t in box.records("Tickets") if t["status"] != 5 and t["priority"] != 4)


async def test_an_ambiguous_company_is_asked_and_the_answer_runs_the_search(
    make_engine: Callable[..., Engine], surface: RecordingSurface, sandbox: Sandbox
) -> None:
    engine, email = make_engine(), technician_email(sandbox)
    await engine.handle(say("open tickets for ware", email), surface)
    question = surface.last.text or ""
    assert "Which one did you mean by 'ware'?" in question
    assert "1. Litware" in question and "2. Proseware" in question
    assert surface.last.cards == ()
    await engine.handle(say("2", email), surface)
    (card,) = surface.last.cards
    assert card.kind == "list" and "Proseware" in (card.subtitle or "")
    await engine.handle(say("2", email), surface)  # asked once: a second "2" is a new message
    assert surface.last.cards == () and "Proseware" not in (surface.last.text or "")


async def test_the_answer_may_name_the_choice(
    make_engine: Callable[..., Engine], surface: RecordingSurface, sandbox: Sandbox
) -> None:
    engine, email = make_engine(), technician_email(sandbox)
    await engine.handle(say("contracts for ware", email), surface)
    await engine.handle(say("litware", email), surface)
    (card,) = surface.last.cards
    assert card.title == "Contracts" and "Litware" in (card.subtitle or "")


async def test_escalate_asks_how_and_the_pick_is_only_a_preview(
    make_engine: Callable[..., Engine], surface: RecordingSurface, sandbox: Sandbox, db: Database
) -> None:
    engine, email = make_engine(), technician_email(sandbox)
    ticket = _open_ticket(sandbox)
    await engine.handle(say(f"escalate {ticket['ticketNumber']}", email), surface)
    assert "How should I escalate" in (surface.last.text or "")
    await engine.handle(say("the second one", email), surface)
    (card,) = surface.last.cards
    assert card.kind == "change" and card.status == "pending"
    assert any(c.after == "Critical" for c in card.changes)
    assert sandbox.records("Tickets")[sandbox.records("Tickets").index(ticket)]["priority"] != 4


async def test_a_question_belongs_to_its_thread_and_another_request_drops_it(
    make_engine: Callable[..., Engine], surface: RecordingSurface, sandbox: Sandbox
) -> None:
    engine, email = make_engine(), technician_email(sandbox)
    other = Conversation(platform="test", conversation_id="C1", thread_id="T2")
    await engine.handle(say("open tickets for ware", email), surface)
    await engine.handle(say("1", email, conversation=other), surface)
    assert surface.last.cards == (), "another thread's '1' answers nothing"
    await engine.handle(say("my tickets", email), surface)
    assert surface.last.cards[0].kind == "list"
    await engine.handle(say("1", email, conversation=CHANNEL), surface)
    assert surface.last.cards == (), "the question was dropped by the request in between"


async def test_a_mentioned_colleague_is_assigned_by_e_mail_and_errors_list_no_e_mails(
    make_engine: Callable[..., Engine], surface: RecordingSurface, sandbox: Sandbox
) -> None:
    engine, email = make_engine(), technician_email(sandbox)
    ticket = _open_ticket(sandbox)
    priya = next(r for r in sandbox.records("Resources") if r["firstName"] == "Priya")
    message = say(f"assign {ticket['ticketNumber']} to @U0PRIYA", email).model_copy(
        update={"mentions": {"@U0PRIYA": priya["email"]}}
    )
    await engine.handle(message, surface)
    (card,) = surface.last.cards
    assert card.kind == "change" and any(c.after == "Priya Sharma" for c in card.changes)
    await engine.handle(say(f"assign {ticket['ticketNumber']} to @U0NOBODY", email), surface)
    text = surface.last.text or ""
    assert "No active Autotask technician matches" in text
    assert "@bluewave-it.example" not in text


async def test_my_time_comes_with_the_hours_added_up_over_every_entry(
    make_engine: Callable[..., Engine], surface: RecordingSurface, sandbox: Sandbox
) -> None:
    email = technician_email(sandbox)
    me = next(r for r in sandbox.records("Resources") if r["email"] == email)
    await make_engine().handle(say("what did I log this month?", email), surface)
    (card,) = surface.last.cards
    assert card.title == "TimeEntries"
    (total,) = card.facts
    assert total.label == "Total hours worked"
    mine = [
        e for e in sandbox.records("TimeEntries")
        if e["resourceID"] == me["id"] and e["dateWorked"].startswith("2026-11")
    ]  # fmt: skip
    assert mine and float(total.value) == round(sum(e["hoursWorked"] for e in mine), 2)


async def test_project_time_is_the_time_of_its_tasks_and_says_so(
    make_engine: Callable[..., Engine], surface: RecordingSurface, sandbox: Sandbox
) -> None:
    email = technician_email(sandbox)
    project = next(p for p in sandbox.records("Projects") if p["projectName"] == "Acme migration")
    tasks = {t["id"] for t in sandbox.records("Tasks") if t["projectID"] == project["id"]}
    await make_engine().handle(say("time entries for the Acme migration project", email), surface)
    (card,) = surface.last.cards
    assert "time logged on the project's tasks" in (card.subtitle or "")
    (total,) = card.facts
    expected = sum(
        e["hoursWorked"] for e in sandbox.records("TimeEntries") if e.get("taskID") in tasks
    )
    assert expected > 0 and float(total.value) == round(expected, 2)


async def test_the_model_reads_a_mention_with_the_persons_e_mail(
    make_engine: Callable[..., Engine], surface: RecordingSurface, sandbox: Sandbox
) -> None:
    model = ScriptedModel(text_turn("Which ticket should Priya take?"))
    email = technician_email(sandbox)
    message = say("give Priya something to do, @U0PRIYA", email).model_copy(
        update={"mentions": {"@U0PRIYA": "priya.sharma@bluewave-it.example"}}
    )
    await make_engine(model).handle(message, surface)
    ((messages, _),) = model.calls
    assert messages[-1]["content"] == (
        "give Priya something to do, @U0PRIYA (priya.sharma@bluewave-it.example)"
    )


async def test_time_without_a_ticket_asks_which_of_my_open_tickets(
    make_engine: Callable[..., Engine], surface: RecordingSurface, sandbox: Sandbox
) -> None:
    engine, email = make_engine(), technician_email(sandbox)
    me = next(r for r in sandbox.records("Resources") if r["email"] == email)
    before = len(sandbox.records("TimeEntries"))
    await engine.handle(say("log 45m VPN troubleshooting", email), surface)
    question = surface.last.text or ""
    assert question.startswith("Which ticket is the 45m for?") and "1. T" in question
    mine = {t["ticketNumber"] for t in sandbox.records("Tickets")
            if t.get("assignedResourceID") == me["id"] and t["status"] != 5}  # fmt: skip
    first = question.split("1. ", 1)[1].split(" ", 1)[0]
    assert first in mine
    await engine.handle(say("1", email), surface)
    (card,) = surface.last.cards
    assert card.kind == "change" and f"Log 45m on {first}" in (card.subtitle or "")
    assert len(sandbox.records("TimeEntries")) == before, "a preview, nothing written"
