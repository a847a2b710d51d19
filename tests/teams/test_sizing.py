"""Every activity the bot sends fits Teams' limit (about 40 KB as UTF-16, for the whole activity):
a reply of several big cards is split over several messages, a card too big alone is trimmed and
says so, and nothing else changes for a reply that fits."""

from __future__ import annotations

from teams_support import card_errors

from adapters.teams import reply_activities
from adapters.teams._cards import Audience
from adapters.teams._sizing import MAX_ACTIVITY_BYTES, activity_bytes
from bot.messages import Card, CardAction, Fact, FieldChangeView, Reply


def _list(n: int, rows: int, width: int = 60) -> Card:
    return Card(
        kind="list",
        title=f"Tickets {n}",
        columns=("Ticket", "Title", "Company", "Status"),
        rows=tuple(
            (f"T2026{i:06d}", "Ünïcode title " + "x" * width, "Contoso Ltd", "In Progress")
            for i in range(rows)
        ),
    )


def test_four_long_lists_are_split_over_messages_that_each_fit() -> None:
    reply = Reply(text="Here are your lists", cards=tuple(_list(n, 20, 400) for n in range(4)))
    activities = reply_activities(reply, lambda _: None)
    assert len(activities) > 1
    assert all(activity_bytes(a) <= MAX_ACTIVITY_BYTES for a in activities)
    cards = [a.content for activity in activities for a in activity.attachments or []]
    assert [c["fallbackText"] for c in cards] == [f"Tickets {n}" for n in range(4)], "in order"
    assert activities[0].text == "Here are your lists"
    assert all(card_errors(card) == [] for card in cards)
    rows = sum(str(card).count("T2026") for card in cards)
    assert rows == 80, "nothing was cut that fitted once split"


def test_a_card_too_big_for_one_message_is_trimmed_and_says_so() -> None:
    facts = tuple(Fact(label=f"Field {i}", value="ü" * 2000) for i in range(60))
    big = Card(kind="record", title="Ticket T20260000001", facts=facts)
    [activity] = reply_activities(Reply(cards=(big,)), lambda _: None)
    assert activity_bytes(activity) <= MAX_ACTIVITY_BYTES
    card = activity.attachments[0].content
    assert card_errors(card) == [] and "more details not shown" in str(card)
    assert "Field 0" in str(card), "the first details are kept"


def test_a_reply_that_fits_is_one_message_as_before() -> None:
    reply = Reply(text="two small lists", cards=(_list(1, 3), _list(2, 3)))
    [activity] = reply_activities(reply, lambda _: None)
    assert len(activity.attachments) == 2


def test_a_change_card_keeps_every_change() -> None:
    changes = tuple(
        FieldChangeView(label=f"Field {i}", before="a" * 150, after="b" * 150) for i in range(120)
    )
    card = Card(
        kind="change",
        title="Update",
        changes=changes,
        actions=(CardAction(action="approve", plan_id="p" * 20, label="Approve"),),
    )
    [activity] = reply_activities(Reply(cards=(card,)), lambda _: None)
    assert str(activity.attachments[0].content).count("Field ") >= 120


def test_a_pending_change_cards_views_are_counted_in_the_size() -> None:
    """The read-only view (its refresh and its "waiting for" note) is what is measured and sent."""
    facts = tuple(Fact(label=f"Field {i}", value="ü" * 400) for i in range(10))
    card = Card(
        kind="change",
        title="Confirm this change",
        status="pending",
        facts=facts,
        text="ü" * 60_000,
        actions=(CardAction(action="approve", plan_id="p" * 20, label="Approve"),),
    )
    audience = Audience(user_ids=("29:1sarah",), who="Sarah Mitchell")
    [activity] = reply_activities(Reply(cards=(card,)), lambda _: None, {"p" * 20: audience})
    assert activity_bytes(activity) <= MAX_ACTIVITY_BYTES
    sent = activity.attachments[0].content
    assert sent["refresh"]["userIds"] == ["29:1sarah"] and "Waiting for Sarah" in str(sent)
    assert card_errors(sent) == [] and "actions" not in sent
