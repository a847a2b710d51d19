"""Message flows through botbuilder's TestAdapter: the bot, its surface and the engine, with a
fake member directory instead of the Bot Connector."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import pytest
from botbuilder.core import TurnContext
from botbuilder.core.adapters import TestAdapter
from botbuilder.schema import Activity, ChannelAccount, ConversationAccount, Entity, Mention
from engine_support import technician_email
from support import FIXED_NOW
from teams_support import (
    BOT_ID,
    BOT_NAME,
    CHANNEL_ID,
    TENANT_ID,
    card_errors,
    plan_of,
    submit_data,
    texts,
)

from adapters.runtime import Runtime
from adapters.teams import (
    ADAPTIVE_CARD_CONTENT_TYPE,
    Background,
    TeamsBot,
    TeamsSurface,
    build_bot,
    click_of,
    message_of,
    strip_mentions,
)
from autotask.sandbox import Sandbox
from bot.messages import Conversation

SARAH = "29:sarah"
PRIYA = "29:priya"
THREAD = f"{CHANNEL_ID};messageid=1700000000042"


class FakeMembers:
    """E-mails by Teams user id, as the member endpoint would give them."""

    def __init__(self, emails: dict[str, str | None]) -> None:
        self.emails = emails
        self.asked: list[str] = []

    async def email(self, turn: TurnContext, user_id: str) -> str | None:
        self.asked.append(user_id)
        return self.emails.get(user_id)

    async def tenant(self, turn: TurnContext, user_id: str) -> str | None:
        return TENANT_ID if user_id in self.emails else None


def _template(conversation_id: str = THREAD, kind: str = "channel") -> Activity:
    return Activity(
        channel_id="msteams",
        service_url="https://smba.example.invalid/amer/",
        from_property=ChannelAccount(id=SARAH, name="Sarah Mitchell"),
        recipient=ChannelAccount(id=BOT_ID, name=BOT_NAME),
        conversation=ConversationAccount(
            id=conversation_id,
            conversation_type=kind,
            is_group=kind != "personal",
            tenant_id=TENANT_ID,
        ),
    )


def _entity(data: dict[str, Any]) -> Entity:
    """An entity as botbuilder reads it off the wire."""
    return Entity().deserialize(data)


def _mention(text: str) -> Activity:
    marked = f"<at>{BOT_NAME}</at>"
    return Activity(
        type="message",
        text=f"{marked} {text}",
        entities=[
            _entity(
                {"type": "mention", "mentioned": {"id": BOT_ID, "name": BOT_NAME}, "text": marked}
            )
        ],
    )


@pytest.fixture
def members(sandbox: Sandbox) -> FakeMembers:
    return FakeMembers({SARAH: technician_email(sandbox), PRIYA: technician_email(sandbox, 1)})


@pytest.fixture
async def flow(
    runtime: Runtime, members: FakeMembers
) -> AsyncIterator[tuple[TestAdapter, TeamsBot]]:
    adapter = TestAdapter(template_or_conversation=_template())
    bot = build_bot(runtime, adapter, members=members)
    adapter.logic = bot.on_turn
    yield adapter, bot
    await bot.background.close()


async def _say(adapter: TestAdapter, bot: TeamsBot, activity: Activity) -> list[Activity]:
    before = len(adapter.activity_buffer)
    await adapter.receive_activity(activity)
    await bot.background.drain()
    return list(adapter.activity_buffer[before:])


def _cards(activity: Activity) -> list[dict[str, Any]]:
    return [
        a.content
        for a in activity.attachments or []
        if a.content_type == ADAPTIVE_CARD_CONTENT_TYPE
    ]


async def test_a_mention_is_stripped_and_answered_with_typing_then_a_card(
    flow: tuple[TestAdapter, TeamsBot], members: FakeMembers, runtime: Runtime
) -> None:
    adapter, bot = flow
    sent = await _say(adapter, bot, _mention("my tickets"))

    assert [a.type for a in sent] == ["typing", "message"]
    assert sent[1].conversation.id == THREAD
    [card] = _cards(sent[1])
    assert card_errors(card) == [] and "Tickets" in texts(card)
    assert members.asked == [SARAH]
    assert await runtime.db.references.get("teams", CHANNEL_ID) is not None


async def test_a_plan_is_approved_and_its_card_updated_in_place(
    flow: tuple[TestAdapter, TeamsBot], runtime: Runtime
) -> None:
    adapter, bot = flow
    sent = await _say(adapter, bot, _mention("new ticket for Contoso low: toner empty"))
    [card_message] = [a for a in sent if any(plan_of(c) for c in _cards(a))]
    plan_id = next(p for c in _cards(card_message) if (p := plan_of(c)))
    stored = await runtime.db.plans.get(plan_id)
    assert stored is not None and stored.message is not None
    card_id = stored.message.message_id

    click = Activity(
        type="message", value={"action": "approve", "plan_id": plan_id}, reply_to_id=card_id
    )
    await _say(adapter, bot, click)

    [updated] = adapter.updated_activities
    assert updated.id == card_id and updated.conversation.id == THREAD
    [done] = _cards(updated)
    assert "Done" in texts(done) and submit_data(done) == []
    applied = await runtime.db.plans.get(plan_id)
    assert applied is not None and applied.status == "applied"


async def test_a_refusal_mentions_the_clicker_in_a_channel(
    flow: tuple[TestAdapter, TeamsBot], runtime: Runtime
) -> None:
    adapter, bot = flow
    sent = await _say(adapter, bot, _mention("new ticket for Contoso low: toner empty"))
    plan_id = next(p for a in sent for c in _cards(a) if (p := plan_of(c)))

    click = Activity(
        type="message",
        from_property=ChannelAccount(id=PRIYA, name="Priya Sharma"),
        value={"action": "approve", "plan_id": plan_id},
    )
    [refusal] = await _say(adapter, bot, click)

    assert refusal.text.startswith("<at>Priya Sharma</at> Only ")
    assert [e.serialize()["mentioned"]["id"] for e in refusal.entities] == [PRIYA]
    assert adapter.updated_activities == []


async def test_a_refusal_in_a_personal_chat_needs_no_mention(
    runtime: Runtime, members: FakeMembers
) -> None:
    adapter = TestAdapter(template_or_conversation=_template("a:1personal", "personal"))
    bot = build_bot(runtime, adapter, members=members)
    adapter.logic = bot.on_turn
    click = Activity(type="message", value={"action": "approve", "plan_id": "x" * 20})

    [refusal] = await _say(adapter, bot, click)

    assert refusal.text == "I don't know that change; it may have been removed."
    assert not refusal.entities


async def test_without_an_email_the_user_is_told_how_to_get_linked_in_private_only(
    flow: tuple[TestAdapter, TeamsBot], members: FakeMembers, runtime: Runtime
) -> None:
    adapter, bot = flow
    members.emails[SARAH] = None
    sent = await _say(adapter, bot, _mention("my tickets"))
    assert "atbot link" not in sent[-1].text and SARAH not in sent[-1].text
    assert "direct message" in sent[-1].text, "the channel is told where to look, nothing more"

    personal = TestAdapter(template_or_conversation=_template("a:1personal", "personal"))
    private = build_bot(runtime, personal, members=members)
    personal.logic = private.on_turn
    sent = await _say(personal, private, Activity(type="message", text="my tickets"))
    assert f"atbot link --platform teams --user {SARAH}" in sent[-1].text


async def test_a_click_by_an_unmapped_user_in_a_channel_names_no_e_mail(
    flow: tuple[TestAdapter, TeamsBot], members: FakeMembers
) -> None:
    adapter, bot = flow
    sent = await _say(adapter, bot, _mention("new ticket for Contoso low: toner empty"))
    plan_id = next(p for a in sent for c in _cards(a) if (p := plan_of(c)))
    members.emails["29:guest"] = "guest@customer.example"
    click = Activity(
        type="message",
        from_property=ChannelAccount(id="29:guest", name="Gail Guest"),
        value={"action": "approve", "plan_id": plan_id},
    )
    [refusal] = await _say(adapter, bot, click)
    assert "guest@customer.example" not in refusal.text and "atbot link" not in refusal.text
    assert "no Autotask resource" not in refusal.text and "Autotask resource" in refusal.text


class FailingReferences:
    async def save(
        self, platform: str, conversation_id: str, reference: dict[str, Any], *, now: datetime
    ) -> None:
        raise RuntimeError("database password is hunter2")


async def test_a_failing_turn_tells_the_user_a_reference_and_never_the_error(
    runtime: Runtime, members: FakeMembers, caplog: pytest.LogCaptureFixture
) -> None:
    adapter = TestAdapter(template_or_conversation=_template())
    surface = TeamsSurface(adapter, runtime.db.references)
    bot = TeamsBot(
        runtime.engine,
        FailingReferences(),
        surface,
        members=members,
        background=Background(surface),
    )
    adapter.on_turn_error = bot.on_error
    adapter.logic = bot.on_turn

    await adapter.receive_activity(_mention("my tickets"))

    [apology] = adapter.activity_buffer
    [card] = _cards(apology)
    shown = " ".join(texts(card))
    assert "hunter2" not in shown and "RuntimeError" not in shown
    reference = next(t for t in texts(card) if t.startswith("Reference: ")).removeprefix(
        "Reference: "
    )
    assert any(reference in r.getMessage() and r.exc_info for r in caplog.records)


def test_mentions_are_stripped_by_their_entities() -> None:
    activity = Activity(
        type="message",
        text="<at>Autotask</at> assign 18420 to <at>Priya Sharma</at>&nbsp;please <at>not an entity</at>",
        recipient=ChannelAccount(id=BOT_ID),
        entities=[
            _entity(
                {
                    "type": "mention",
                    "mentioned": {"id": BOT_ID, "name": BOT_NAME},
                    "text": "<at>Autotask</at>",
                }
            ),
            Mention(
                mentioned=ChannelAccount(id=PRIYA, name="Priya Sharma"),
                text="<at>Priya Sharma</at>",
                type="mention",
            ),
            _entity({"type": "clientInfo", "locale": "en-US"}),
        ],
    )
    assert strip_mentions(activity) == "assign 18420 to Priya Sharma please <at>not an entity</at>"


async def test_being_added_to_a_team_stores_the_reference_and_says_hello(
    flow: tuple[TestAdapter, TeamsBot], runtime: Runtime
) -> None:
    adapter, bot = flow
    added = Activity(
        type="conversationUpdate",
        conversation=ConversationAccount(id=CHANNEL_ID, conversation_type="channel", is_group=True),
        members_added=[ChannelAccount(id=BOT_ID, name=BOT_NAME)],
    )
    [hello] = await _say(adapter, bot, added)

    assert "type **help**" in hello.text
    assert await runtime.db.references.get("teams", CHANNEL_ID) is not None

    someone = Activity(
        type="conversationUpdate",
        conversation=ConversationAccount(id=CHANNEL_ID, conversation_type="channel", is_group=True),
        members_added=[ChannelAccount(id=PRIYA, name="Priya Sharma")],
    )
    assert await _say(adapter, bot, someone) == []


async def test_a_mentioned_colleague_is_their_autotask_resource(
    flow: tuple[TestAdapter, TeamsBot], members: FakeMembers, sandbox: Sandbox
) -> None:
    adapter, bot = flow
    email = members.emails[PRIYA]
    colleague = next(r for r in sandbox.records("Resources") if r["email"] == email)
    ticket = next(
        t for t in sandbox.records("Tickets")
        if t["status"] != 5 and t.get("assignedResourceID") != colleague["id"]
    )  # fmt: skip
    bot_marked, person_marked = f"<at>{BOT_NAME}</at>", "<at>Priya</at>"
    activity = Activity(
        type="message",
        text=f"{bot_marked} assign {ticket['ticketNumber']} to {person_marked}",
        entities=[
            _entity({"type": "mention", "mentioned": {"id": BOT_ID, "name": BOT_NAME},
                     "text": bot_marked}),
            _entity({"type": "mention", "mentioned": {"id": PRIYA, "name": "Priya"},
                     "text": person_marked}),
        ],
    )  # fmt: skip
    sent = await _say(adapter, bot, activity)
    [card] = [c for a in sent for c in _cards(a)]
    shown = texts(card)
    assert f"{colleague['firstName']} {colleague['lastName']}" in shown and plan_of(card)
    assert PRIYA in members.asked


@pytest.mark.parametrize("how", ["membersRemoved", "installationUpdate"])
async def test_a_bot_removed_from_a_team_stops_its_alerts_at_once(
    flow: tuple[TestAdapter, TeamsBot], runtime: Runtime, how: str
) -> None:
    adapter, bot = flow
    channel = Conversation(platform="teams", conversation_id=CHANNEL_ID)
    await runtime.db.alerts.subscribe(channel, {}, created_by="sarah@example", now=FIXED_NOW)
    other = Conversation(platform="teams", conversation_id="19:another@thread.tacv2")
    await runtime.db.alerts.subscribe(other, {}, created_by="sarah@example", now=FIXED_NOW)
    account = ConversationAccount(id=CHANNEL_ID, conversation_type="channel", is_group=True)
    if how == "membersRemoved":
        removed = Activity(
            type="conversationUpdate",
            conversation=account,
            members_removed=[ChannelAccount(id=BOT_ID, name=BOT_NAME)],
        )
    else:
        removed = Activity(type="installationUpdate", action="remove", conversation=account)
    assert await _say(adapter, bot, removed) == [], "nobody left to tell in that team"
    assert await runtime.db.alerts.subscriptions(channel) == []
    assert len(await runtime.db.alerts.subscriptions(other)) == 1


def test_the_senders_local_time_zone_comes_along() -> None:
    activity = _template()
    activity.type, activity.text, activity.local_timezone = "message", "my tickets", "Asia/Tokyo"
    assert message_of(activity, "sarah@bluewave.example").timezone == "Asia/Tokyo"
    activity.value = {"action": "approve", "plan_id": "p" * 20}
    click = click_of(activity, "sarah@bluewave.example")
    assert click is not None and click.timezone == "Asia/Tokyo"
