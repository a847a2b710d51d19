"""One turn through the engine: identity, command mode, the planner, limits, and errors."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from engine_support import CHANNEL, RecordingSurface, say, technician_email
from support import FIXED_NOW, ScriptedModel, text_turn, tool_turn

from autotask.sandbox import Sandbox
from bot.engine import Engine
from bot.honesty import READY_TEXT
from bot.messages import Conversation
from bot.model import ModelError, ModelTurn
from bot.storage import Database


async def test_strangers_are_refused_with_what_an_admin_can_do(
    make_engine: Callable[..., Engine], surface: RecordingSurface
) -> None:
    engine = make_engine()
    await engine.handle(say("my tickets", "guest@customer.example"), surface)
    text = surface.last.text or ""
    assert "no Autotask resource" in text and "atbot link" in text
    assert surface.last.cards == ()


async def test_inactive_resources_are_refused(
    make_engine: Callable[..., Engine], surface: RecordingSurface, sandbox: Sandbox
) -> None:
    inactive = next(r for r in sandbox.records("Resources") if not r["isActive"])
    await make_engine().handle(say("my tickets", inactive["email"]), surface)
    assert "inactive Autotask resource" in (surface.last.text or "")


async def test_an_admin_link_overrides_the_email(
    make_engine: Callable[..., Engine], surface: RecordingSurface, sandbox: Sandbox, db: Database
) -> None:
    email = technician_email(sandbox)
    resource = next(r for r in sandbox.records("Resources") if r["email"] == email)
    await db.identities.link("test", "U-guest", resource["id"], linked_by="admin", now=FIXED_NOW)
    await make_engine().handle(
        say("who am i", "other@elsewhere.example", user_id="U-guest"), surface
    )
    card = surface.last.cards[0]
    assert card.title == f"{resource['firstName']} {resource['lastName']}"


async def test_command_mode_lists_my_tickets(
    make_engine: Callable[..., Engine], surface: RecordingSurface, sandbox: Sandbox
) -> None:
    email = technician_email(sandbox)
    await make_engine().handle(say("my tickets", email), surface)
    (card,) = surface.last.cards
    me = next(r for r in sandbox.records("Resources") if r["email"] == email)
    mine = [
        t
        for t in sandbox.records("Tickets")
        if t["assignedResourceID"] == me["id"] and t["status"] != 5
    ]
    assert card.kind == "list" and len(card.rows) == min(len(mine), 25)
    assert card.row_links and all(link and "TicketID=" in link for link in card.row_links)
    assert surface.typing_count == 1


async def test_command_mode_counts_in_words(
    make_engine: Callable[..., Engine], surface: RecordingSurface, sandbox: Sandbox
) -> None:
    await make_engine().handle(
        say("count tickets completed last week", technician_email(sandbox)), surface
    )
    text = surface.last.text or ""
    assert (
        text.startswith("**")
        and "Tickets" in text
        and "last week (2026-11-16 to 2026-11-22)" in text
    )


async def test_help_and_nonsense_get_help_not_a_stack_trace(
    make_engine: Callable[..., Engine], surface: RecordingSurface, sandbox: Sandbox
) -> None:
    email = technician_email(sandbox)
    engine = make_engine()
    for text in (
        "help",
        "🙂🙂🙂",
        "\x00\x01\x02 garbage \ufffd",
        "Wie viele Tickets habe ich?",
        "   ",
    ):
        await engine.handle(say(text, email), surface)
        reply = surface.last
        assert reply.text and "Traceback" not in reply.text
        assert all(card.kind != "error" for card in reply.cards)


async def test_an_overlong_message_is_refused_kindly(
    make_engine: Callable[..., Engine], surface: RecordingSurface, sandbox: Sandbox
) -> None:
    await make_engine().handle(say("x" * 100_000, technician_email(sandbox)), surface)
    assert "too long" in (surface.last.text or "")


async def test_the_rate_limit_is_friendly(
    make_engine: Callable[..., Engine], surface: RecordingSurface, sandbox: Sandbox
) -> None:
    engine = make_engine(rate_limit_per_minute=2)
    email = technician_email(sandbox)
    for _ in range(3):
        await engine.handle(say("who am i", email), surface)
    assert "going fast" in (surface.last.text or "")


async def test_the_planner_answers_with_text_and_cards(
    make_engine: Callable[..., Engine], surface: RecordingSurface, sandbox: Sandbox, db: Database
) -> None:
    model = ScriptedModel(
        tool_turn(
            (
                "search",
                {
                    "entity": "Tickets",
                    "filters": [
                        {"field": "company", "value": "Contoso"},
                        {"field": "open", "value": True},
                    ],
                },
            )
        ),
        text_turn("Here are Contoso's open tickets."),
    )
    engine = make_engine(model, grammar_first=False)
    await engine.handle(say("anything still open at contoso?", technician_email(sandbox)), surface)
    reply = surface.last
    assert reply.text == "Here are Contoso's open tickets."
    assert [c.kind for c in reply.cards] == ["list"]
    system = model.calls[0][0][0]["content"]
    assert "2026-11-25" in str(system) and "America/New_York" in str(system)
    history = await db.history.recent(CHANNEL.key, max_tokens=1000)
    assert [m["role"] for m in history] == ["user", "assistant"]


async def test_a_planned_write_becomes_a_pending_card_with_a_stored_plan(
    make_engine: Callable[..., Engine], surface: RecordingSurface, sandbox: Sandbox, db: Database
) -> None:
    ticket = next(t for t in sandbox.records("Tickets") if t["status"] != 5)
    model = ScriptedModel(
        tool_turn(
            (
                "plan_change",
                {
                    "action": "update",
                    "entity": "Tickets",
                    "id": ticket["id"],
                    "fields": {"priority": "Low"},
                },
            )
        ),
        text_turn("I've prepared that change. I have updated the ticket."),  # the model overclaims
    )
    asked = say(f"make {ticket['id']} low", technician_email(sandbox))
    await make_engine(model, grammar_first=False).handle(asked, surface)
    assert surface.last.text == READY_TEXT, "the claim of a change made is corrected"
    (card,) = surface.last.cards
    assert card.kind == "change" and card.status == "pending"
    assert [a.action for a in card.actions] == ["approve", "edit", "cancel"]
    stored = await db.plans.get(card.actions[0].plan_id)
    assert stored is not None and stored.status == "pending"
    assert stored.message == surface.posts[-1][2], "the card's message is remembered for updates"
    assert sandbox.get_record("Tickets", ticket["id"])["priority"] == ticket["priority"]  # type: ignore[index]


async def test_a_model_outage_falls_back_to_command_mode(
    make_engine: Callable[..., Engine], surface: RecordingSurface, sandbox: Sandbox
) -> None:
    engine = make_engine(
        ScriptedModel(ModelError("The language model did not answer in time.")), grammar_first=False
    )
    await engine.handle(say("my tickets", technician_email(sandbox)), surface)
    assert "command mode" in (surface.last.text or "") and surface.last.cards[0].kind == "list"
    engine = make_engine(ScriptedModel(ModelError("The language model did not answer in time.")))
    await engine.handle(
        say("what's up with the printer at fabrikam?", technician_email(sandbox)), surface
    )
    assert "did not answer in time" in (surface.last.text or "")


async def test_autotask_trouble_is_a_clear_message(
    make_engine: Callable[..., Engine], surface: RecordingSurface, sandbox: Sandbox
) -> None:
    engine = make_engine()
    email = technician_email(sandbox)
    await engine.handle(say("who am i", email), surface)  # identity and metadata warm
    sandbox.inject_error("POST", r"^Tickets/query", 503, times=10)
    await engine.handle(say("my tickets", email), surface)
    text = surface.last.text or ""
    assert "temporarily unavailable" in text and "Nothing was changed" in text


async def test_turns_in_one_thread_take_turns(
    make_engine: Callable[..., Engine], surface: RecordingSurface, sandbox: Sandbox
) -> None:
    gate = asyncio.Event()
    active: list[int] = []
    overlap: list[bool] = []

    class SlowModel:
        async def complete(
            self, messages: list[dict[str, Any]], tools: list[dict[str, Any]]
        ) -> ModelTurn:
            active.append(1)
            overlap.append(len(active) > 1)
            await gate.wait()
            active.pop()
            return ModelTurn(content="done")

    engine = make_engine(SlowModel(), grammar_first=False)
    email = technician_email(sandbox)
    other = Conversation(platform="test", conversation_id="C2")
    turns = [
        asyncio.create_task(engine.handle(say("one", email), surface)),
        asyncio.create_task(engine.handle(say("two", email), surface)),
        asyncio.create_task(engine.handle(say("elsewhere", email, conversation=other), surface)),
    ]
    for _ in range(100):  # both threads reach the model, however busy the machine is
        if len(active) >= 2:
            break
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.2)  # and the second turn of the first thread still waits
    assert len(active) == 2, "the other thread runs, the second turn of the same thread waits"
    gate.set()
    await asyncio.gather(*turns)
    assert len(surface.posts) == 3 and len(engine.locks) == 0


async def test_alert_commands_bypass_the_model(
    make_engine: Callable[..., Engine], surface: RecordingSurface, sandbox: Sandbox
) -> None:
    class Alerts:
        def __init__(self) -> None:
            self.commands: list[str] = []

        async def command(self, message: Any, actor: Any, command: Any) -> Any:
            from bot.messages import Reply

            self.commands.append(command.intent)
            return Reply(text="subscribed")

    engine = make_engine(ScriptedModel())  # the model must not be called
    engine.alerts = Alerts()  # type: ignore[assignment]
    await engine.handle(say('alerts on queue "Service Desk"', technician_email(sandbox)), surface)
    assert surface.last.text == "subscribed"
    for personal in ("notify me when a ticket is assigned to me",
                     "tell me when customers reply on my tickets",
                     "stop notifying me about customer notes", "stop notifying me"):  # fmt: skip
        await engine.handle(say(personal, technician_email(sandbox)), surface)
    assert engine.alerts.commands == ["alerts_on", "alerts_on", "alerts_on", "alerts_off",  # type: ignore[union-attr]
                                      "alerts_off"]  # fmt: skip


async def test_a_preview_warns_when_the_ticket_is_another_customers_than_the_threads(
    make_engine: Callable[..., Engine], surface: RecordingSurface, sandbox: Sandbox
) -> None:
    email = technician_email(sandbox)
    me = next(r for r in sandbox.records("Resources") if r["email"] == email)
    mine = [t for t in sandbox.records("Tickets") if t["assignedResourceID"] == me["id"]
            and t["status"] != 5]  # fmt: skip
    first = mine[0]
    typo = next(t for t in mine if t["companyID"] != first["companyID"])
    company = (sandbox.get_record("Companies", first["companyID"]) or {})["companyName"]
    other = (sandbox.get_record("Companies", typo["companyID"]) or {})["companyName"]
    engine = make_engine()
    await engine.handle(say(f"ticket {first['ticketNumber']}", email), surface)
    await engine.handle(say(f"log 45m on {typo['ticketNumber']} VPN fix", email), surface)
    (card,) = surface.last.cards
    assert card.kind == "change" and card.warnings == (
        f"{typo['ticketNumber']} belongs to {other}, not {company} "
        "(the customer this conversation was about).",
    )
    facts = {f.label: f.value for f in card.facts}
    assert facts["Title"] == typo["title"] and facts["Company"] == other
    await engine.handle(say(f"log 45m on {first['ticketNumber']} VPN fix", email), surface)
    assert surface.last.cards[0].warnings == ()


async def test_each_technician_works_in_their_own_time_zone(
    make_engine: Callable[..., Engine], surface: RecordingSurface, sandbox: Sandbox, db: Database
) -> None:
    email = technician_email(sandbox)
    me = next(r for r in sandbox.records("Resources") if r["email"] == email)
    mine = next(t for t in sandbox.records("Tickets") if t["assignedResourceID"] == me["id"]
                and t["status"] != 5)  # fmt: skip
    engine = make_engine()
    honolulu = say(f"log 45m on {mine['ticketNumber']} VPN fix", email).model_copy(
        update={"timezone": "Pacific/Honolulu"}  # 09:30 UTC on the 25th is 23:30 on the 24th
    )
    await engine.handle(honolulu, surface)
    (card,) = surface.last.cards
    assert {c.label: c.after for c in card.changes}["Date worked"] == "2026-11-24"
    listing = say("my tickets", email).model_copy(update={"timezone": "Pacific/Honolulu"})
    await engine.handle(listing, surface)
    created = surface.last.cards[0].columns.index("Create date")
    assert all(row[created].endswith(" HST") for row in surface.last.cards[0].rows)
    nowhere = say("my tickets", email).model_copy(update={"timezone": "../../etc/passwd"})
    await engine.handle(nowhere, surface)
    zone = engine.settings.timezone
    assert engine.zone("../../etc/passwd") == zone and engine.zone("Mars/Olympus") == zone
    assert all(not row[created].endswith(" HST") for row in surface.last.cards[0].rows)


async def test_a_message_the_grammar_reads_skips_the_model(
    make_engine: Callable[..., Engine], surface: RecordingSurface, sandbox: Sandbox, db: Database
) -> None:
    engine = make_engine(ScriptedModel())  # any call to it fails the test
    await engine.handle(say("my open tickets", technician_email(sandbox)), surface)
    assert surface.last.cards[0].kind == "list"
    assert engine.metrics.counters["answered_by_grammar"] == 1
    history = await db.history.recent(CHANNEL.key, max_tokens=2000)
    trace = str(history[-1]["content"])
    assert "[tools used this turn]" in trace and "search Tickets" in trace


async def test_with_grammar_first_off_the_model_answers(
    make_engine: Callable[..., Engine], surface: RecordingSurface, sandbox: Sandbox
) -> None:
    model = ScriptedModel(
        tool_turn(("search", {"entity": "Tickets", "filters": [{"field": "assigned", "value": "me"}]})),
        text_turn("Here are yours."),
    )  # fmt: skip
    engine = make_engine(model, grammar_first=False)
    await engine.handle(say("my open tickets", technician_email(sandbox)), surface)
    assert (
        surface.last.text == "Here are yours." and engine.metrics.counters["answered_by_model"] == 1
    )


async def test_the_next_turn_sees_the_last_turns_tool_trace(
    make_engine: Callable[..., Engine], surface: RecordingSurface, sandbox: Sandbox
) -> None:
    email = technician_email(sandbox)
    model = ScriptedModel(
        tool_turn(("search", {"entity": "Tickets", "mode": "count", "filters": [{"field": "open", "value": True}]})),
        text_turn("There are that many."),
        text_turn("Same as before."),
    )  # fmt: skip
    engine = make_engine(model)
    await engine.handle(say("how many are still open overall?", email), surface)
    await engine.handle(say("and what was that number again, please?", email), surface)
    history = model.calls[2][0]
    opened = sum(1 for t in sandbox.records("Tickets") if t["status"] != 5)
    assert f"→ {opened} (count)" in str(history[-2]["content"])


async def test_a_made_up_answer_to_a_data_question_goes_to_command_mode(
    make_engine: Callable[..., Engine], surface: RecordingSurface, sandbox: Sandbox
) -> None:
    model = ScriptedModel(text_turn("You have 3 tickets."), text_turn("You have 3 tickets."))
    engine = make_engine(model, grammar_first=False)
    await engine.handle(say("my open tickets", technician_email(sandbox)), surface)
    assert surface.last.cards[0].kind == "list" and "3 tickets" not in (surface.last.text or "")
    assert engine.metrics.counters["answered_by_fallback"] == 1


async def test_a_count_the_model_does_not_state_is_shown_as_found(
    make_engine: Callable[..., Engine], surface: RecordingSurface, sandbox: Sandbox
) -> None:
    count = {"entity": "Tickets", "mode": "count", "filters": [{"field": "open", "value": True}]}
    model = ScriptedModel(tool_turn(("search", count)), text_turn("Here is the number you asked."))
    engine = make_engine(model, grammar_first=False)
    await engine.handle(say("how many are still open overall?", technician_email(sandbox)), surface)
    opened = sum(1 for t in sandbox.records("Tickets") if t["status"] != 5)
    text = surface.last.text or ""
    assert "Here is the number" in text and f"**{opened:,}** Tickets" in text
