"""A channel linked to an Autotask company: linking by name (ambiguous names ask back), who did
it in the audit log, and the company used — and said — for ticket lists and new tickets asked in
the channel without one."""

from __future__ import annotations

from collections.abc import Callable

from engine_support import CHANNEL, RecordingSurface, say, technician_email
from support import ScriptedModel, text_turn

from autotask.sandbox import Sandbox
from bot.engine import Engine
from bot.messages import Conversation
from bot.storage import Database

OTHER_THREAD = CHANNEL.model_copy(update={"thread_id": "T2"})


def _company(sandbox: Sandbox, name: str) -> int:
    return int(next(c["id"] for c in sandbox.records("Companies") if c["companyName"] == name))


async def test_link_show_use_and_unlink(
    make_engine: Callable[..., Engine], surface: RecordingSurface, sandbox: Sandbox, db: Database
) -> None:
    engine, email = make_engine(), technician_email(sandbox)
    await engine.handle(say("which company is this channel?", email), surface)
    assert "not linked" in (surface.last.text or "")

    await engine.handle(say("link this channel to Contoso", email, user_id="U-linker"), surface)
    assert "now linked to Contoso" in (surface.last.text or "")
    linked = await db.channels.company(OTHER_THREAD)
    assert linked is not None and linked.company_id == _company(sandbox, "Contoso")
    (event,) = [e for e in await db.audit.list() if e.kind == "channel_linked"]
    assert event.actor_user_id == "U-linker" and event.actor_resource_id is not None
    assert event.details["company"] == "Contoso" and event.details["conversation_id"] == "C1"

    await engine.handle(say("open tickets", email, conversation=OTHER_THREAD), surface)
    reply = surface.last
    assert (reply.text or "").startswith("Using this channel's company, Contoso")
    (card,) = reply.cards
    contoso = [t for t in sandbox.records("Tickets")
               if t["companyID"] == _company(sandbox, "Contoso") and t["status"] != 5]  # fmt: skip
    assert card.total == len(contoso) and 0 < len(contoso) < len(sandbox.records("Tickets"))

    await engine.handle(say("open tickets for Acme Corporation", email), surface)
    assert "channel's company" not in (surface.last.text or ""), "a named company wins"
    assert all("Acme" in " ".join(row) for row in surface.last.cards[0].rows)
    await engine.handle(say("my tickets", email), surface)
    assert "channel's company" not in (surface.last.text or ""), "a person's list is theirs"

    await engine.handle(say("new ticket high: printer on floor 2 is offline", email), surface)
    reply = surface.last
    assert (reply.text or "").startswith("Using this channel's company, Contoso")
    assert "open the ticket there" in (reply.text or "")
    (preview,) = reply.cards
    assert preview.kind == "change" and preview.status == "pending"
    assert any(c.label == "Company" and c.after == "Contoso" for c in preview.changes)

    await engine.handle(say("unlink this channel", email), surface)
    assert "no longer linked to Contoso" in (surface.last.text or "")
    assert [e.kind for e in await db.audit.list(limit=1)] == ["channel_unlinked"]
    await engine.handle(say("new ticket: printer offline", email), surface)
    assert "Say which company" in (surface.last.text or "")
    await engine.handle(say("unlink channel", email), surface)
    assert "was not linked" in (surface.last.text or "")


async def test_an_ambiguous_name_asks_back_and_the_answer_links(
    make_engine: Callable[..., Engine], surface: RecordingSurface, sandbox: Sandbox, db: Database
) -> None:
    engine, email = make_engine(), technician_email(sandbox)
    await engine.handle(say("this channel is for ware", email), surface)
    asked = surface.last.text or ""
    assert "Which company did you mean by 'ware'?" in asked
    assert "1. Litware" in asked and "2. Proseware" in asked
    assert await db.channels.company(CHANNEL) is None, "nothing linked before the answer"
    await engine.handle(say("2", email), surface)
    assert "now linked to Proseware" in (surface.last.text or "")
    linked = await db.channels.company(CHANNEL)
    assert linked is not None and linked.company_id == _company(sandbox, "Proseware")

    await engine.handle(say("link this channel to Nowhere Industries", email), surface)
    assert "No company matches 'Nowhere Industries'" in (surface.last.text or "")
    still = await db.channels.company(CHANNEL)
    assert still is not None and still.company_name == "Proseware", "a failed link changes nothing"


async def test_links_are_per_channel_and_strangers_cannot_link(
    make_engine: Callable[..., Engine], surface: RecordingSurface, sandbox: Sandbox, db: Database
) -> None:
    engine, email = make_engine(), technician_email(sandbox)
    await engine.handle(say("link this channel to Fabrikam", "guest@customer.example"), surface)
    assert "no Autotask resource" in (surface.last.text or "")
    assert await db.channels.company(CHANNEL) is None
    await engine.handle(say("link this channel to Fabrikam", email), surface)
    elsewhere = Conversation(platform="test", conversation_id="C2")
    await engine.handle(say("open tickets", email, conversation=elsewhere), surface)
    assert "channel's company" not in (surface.last.text or "")


async def test_with_a_model_the_link_is_a_command_and_the_model_is_told(
    make_engine: Callable[..., Engine], surface: RecordingSurface, sandbox: Sandbox, db: Database
) -> None:
    model = ScriptedModel(text_turn("Which tickets do you mean?"))
    engine, email = make_engine(model), technician_email(sandbox)
    await engine.handle(say("link this channel to Litware", email), surface)
    assert "now linked to Litware" in (surface.last.text or "") and model.calls == []
    await engine.handle(say("anything urgent going on over there lately?", email), surface)
    ((messages, _),) = model.calls
    system = str(messages[0]["content"])
    assert system.rstrip().endswith(
        "This channel is linked to the company Litware: when a request about tickets here "
        "names no company and no person, use this company and say that you did."
    )
