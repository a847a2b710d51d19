"""Neutral cards as Adaptive Cards 1.5: valid against the published schema, plain text for
whatever customers wrote, buttons that carry only an action and a plan id, lists cut to fit."""

from __future__ import annotations

import json

import pytest
from contracts import ADAPTIVE_CARD, needs
from teams_support import card_errors, of_type, submit_data, texts, walk

from adapters.teams import adaptive_card, reply_activities
from adapters.teams._cards import MAX_CARD_CHARS, MAX_COLUMNS, MAX_ROWS
from bot.cards import error_card
from bot.messages import Card, CardAction, Fact, FieldChangeView, FileAttachment, LinkButton, Reply

EVIL = "[Reset your password](https://evil.example/login) **now** <b>urgent</b>"


def _list(rows: int, columns: int = 4, width: int = 12) -> Card:
    names = tuple(f"Column {i}" for i in range(columns))
    return Card(
        kind="list",
        title="Tickets",
        subtitle="company = Contoso",
        columns=names,
        rows=tuple(
            tuple(f"r{r}c{c}".ljust(width, "x") for c in range(columns)) for r in range(rows)
        ),
        row_links=tuple(f"https://ww1.autotask.net/ticket/{r}" for r in range(rows)),
        footer=f"{rows} tickets",
    )


def _change(status: str = "pending", *, danger: bool = False) -> Card:
    actions = ()
    if status == "pending":
        approve = CardAction(
            action="approve",
            plan_id="plan_0123456789abcdef",
            label="Delete" if danger else "Approve",
            style="danger" if danger else "primary",
            confirm="Delete time entry 42? This cannot be undone." if danger else None,
        )
        actions = (
            approve,
            CardAction(action="cancel", plan_id="plan_0123456789abcdef", label="Cancel"),
        )
    return Card(
        kind="change",
        title="Confirm this change",
        subtitle="Set priority of T20261125.0004",
        changes=(FieldChangeView(label="Priority", before="Medium", after="High"),),
        status=status,  # type: ignore[arg-type]
        notes=("Attributed to Sarah Mitchell",),
        link=LinkButton(label="Open in Autotask", url="https://ww1.autotask.net/ticket/4"),
        actions=actions,
    )


CARDS = {
    "list": _list(5),
    "long list": _list(40, columns=9),
    "record": Card(
        kind="record",
        title="T20261125.0004",
        subtitle=EVIL,
        facts=(Fact(label="Status", value="In Progress"), Fact(label="Contact", value=EVIL)),
        text=EVIL * 3,
        untrusted=True,
        notes=("Notes: 3", "Time entries: 2"),
        link=LinkButton(label="Open in Autotask", url="https://ww1.autotask.net/ticket/4"),
    ),
    "change pending": _change(),
    "change delete": _change(danger=True),
    "change applied": _change("applied"),
    "change failed": _change("failed"),
    "create": Card(
        kind="change",
        title="Confirm this change",
        changes=(FieldChangeView(label="Title", after="printer outage"),),
        status="pending",
    ),
    "error": error_card("Sorry, that went wrong on my side.", reference="ab12cd34"),
    "alert": Card(
        kind="alert",
        title="New ticket T20261125.0009",
        facts=(Fact(label="Priority", value="High"),),
        actions=(
            CardAction(
                action="assign_to_me", plan_id="plan_fedcba9876543210", label="Assign to me"
            ),
        ),
    ),
}


@pytest.mark.parametrize("name", sorted(CARDS))
def test_every_card_is_a_valid_adaptive_card_1_5(name: str) -> None:
    card = adaptive_card(CARDS[name])
    assert card_errors(card) == []
    assert card["version"] == "1.5" and card["type"] == "AdaptiveCard"


@needs(ADAPTIVE_CARD)
def test_the_schema_check_catches_a_broken_card() -> None:
    card = adaptive_card(CARDS["list"])
    card["body"][0]["type"] = "TextBlok"
    assert card_errors(card) != []


def test_customer_text_is_plain_text_never_markdown_or_a_link() -> None:
    card = adaptive_card(CARDS["record"])

    shown = [t for t in texts(card) if "evil.example" in t]
    assert shown, "the customer's text is still shown"
    # Only TextRuns (which renderers never parse as markdown) carry it; no TextBlock, no FactSet.
    carriers = {
        n["type"]
        for n in walk(card)
        for v in n.values()
        if isinstance(v, str) and "evil.example" in v
    }
    assert carriers == {"TextRun"}
    assert of_type(card, "FactSet") == []
    urls = [n.get("url") for n in walk(card) if "url" in n]
    assert all("evil" not in str(url) for url in urls)


def test_buttons_carry_only_the_action_and_the_plan_id() -> None:
    for name in ("change pending", "change delete", "alert"):
        for data in submit_data(adaptive_card(CARDS[name])):
            assert set(data) == {"action", "plan_id"}
    pending = adaptive_card(CARDS["change pending"])
    assert submit_data(pending) == [
        {"action": "approve", "plan_id": "plan_0123456789abcdef"},
        {"action": "cancel", "plan_id": "plan_0123456789abcdef"},
    ]
    assert [a["style"] for a in of_type(pending, "Action.Submit")] == ["positive", "default"]


def test_a_delete_asks_again_before_the_button_that_applies_it() -> None:
    card = adaptive_card(CARDS["change delete"])
    [show] = of_type(card, "Action.ShowCard")
    assert show["title"] == "Delete…"
    assert texts(show["card"]) == ["Delete time entry 42? This cannot be undone."]
    [confirm] = of_type(show["card"], "Action.Submit")
    assert confirm["style"] == "destructive" and confirm["data"]["action"] == "approve"
    top_level = [a for a in card["actions"] if a["type"] == "Action.Execute"]
    assert [a["data"]["action"] for a in top_level] == ["cancel"]


def test_settled_changes_have_no_buttons_but_keep_the_link() -> None:
    card = adaptive_card(CARDS["change applied"])
    assert submit_data(card) == []
    assert [a["type"] for a in card["actions"]] == ["Action.OpenUrl"]
    assert card["body"][0]["style"] == "good"
    assert adaptive_card(CARDS["change failed"])["body"][0]["style"] == "attention"


def test_a_long_list_is_cut_with_a_note() -> None:
    card = adaptive_card(CARDS["long list"])
    [table] = of_type(card, "Table")
    assert len(table["rows"]) == MAX_ROWS + 1  # the header row, then the rows shown
    assert len(table["columns"]) == MAX_COLUMNS
    assert f"Showing {MAX_ROWS} of 40 rows; ask for an export for all." in texts(card)
    assert "3 more columns are not shown here." in texts(card)
    first = table["rows"][1]["cells"][0]
    assert first["selectAction"] == {
        "type": "Action.OpenUrl",
        "url": "https://ww1.autotask.net/ticket/0",
        "title": "Open",
    }


def test_a_list_too_big_for_a_teams_message_is_cut_further() -> None:
    card = adaptive_card(_list(25, columns=6, width=190))
    assert len(json.dumps(card)) <= MAX_CARD_CHARS
    [table] = of_type(card, "Table")
    shown = len(table["rows"]) - 1
    assert 1 <= shown < MAX_ROWS
    assert f"Showing {shown} of 25 rows; ask for an export for all." in texts(card)


def test_change_cards_go_in_their_own_message_after_the_answer() -> None:
    reply = Reply(text="Here is the preview:", cards=(CARDS["change pending"], CARDS["list"]))
    first, second = reply_activities(reply, lambda _: None)
    assert first.text == "Here is the preview:" and first.text_format == "markdown"
    assert [texts(a.content)[0] for a in first.attachments] == ["Tickets"]
    assert [texts(a.content)[0] for a in second.attachments] == ["Confirm this change"]
    assert second.text is None


def test_a_file_becomes_a_download_card_or_an_explanation() -> None:
    file = FileAttachment(name="tickets.csv", path="/exports/tickets.csv", rows=1234)
    [ready] = reply_activities(
        Reply(text="Exported.", files=(file,)), lambda f: f"https://bot.example/d/{f.name}"
    )
    [card] = [a.content for a in ready.attachments]
    assert [a["url"] for a in of_type(card, "Action.OpenUrl")] == [
        "https://bot.example/d/tickets.csv"
    ]
    assert "1,234" in texts(card)
    [gone] = reply_activities(Reply(files=(file,)), lambda _: None)
    assert "Export not available" in texts(gone.attachments[0].content)
    assert of_type(gone.attachments[0].content, "Action.OpenUrl") == []
