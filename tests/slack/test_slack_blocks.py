"""Block Kit rendering: every card kind round-trips through slack_sdk.models, limits always hold,
and customer-written text can never become a mention or a link."""

from __future__ import annotations

import json
from typing import Any

import pytest
from slack_sdk.models.blocks import Block

from adapters.slack import MAX_BLOCKS, render_reply
from bot.messages import Card, CardAction, Fact, FieldChangeView, LinkButton, Reply

PLAN = "Pq7xK2mN9vR4tY8w"
EVIL = "<!channel> pay now at <https://evil.example|your bank> & <@U0BOSS> said so"


def _roundtrip(blocks: list[dict[str, Any]]) -> None:
    for block in blocks:
        parsed = Block.parse(block)
        assert parsed is not None, block
        parsed.validate_json()  # Slack's limits, as slack_sdk knows them
        assert parsed.to_dict() == block


def _texts(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["text"]] if isinstance(node.get("text"), str) else []
        return found + [t for value in node.values() for t in _texts(value)]
    if isinstance(node, list):
        return [t for item in node for t in _texts(item)]
    return []


def _limits(blocks: list[dict[str, Any]]) -> None:
    assert len(blocks) <= MAX_BLOCKS
    for block in blocks:
        if block["type"] == "section":
            assert len(block.get("text", {}).get("text", "")) <= 3000
            assert len(block.get("fields", [])) <= 10
            assert all(len(f["text"]) <= 2000 for f in block.get("fields", []))
        if block["type"] == "context":
            assert len(block["elements"]) <= 10
            assert all(len(e["text"]) <= 2000 for e in block["elements"])
        if block["type"] == "header":
            assert len(block["text"]["text"]) <= 150
        if block["type"] == "actions":
            assert all(len(e["text"]["text"]) <= 75 for e in block["elements"])


RECORD = Card(
    kind="record", title="T20261120.0042", subtitle="Printer outage on floor 3",
    facts=tuple(Fact(label=f"Field {i}", value=f"value {i}") for i in range(14)),
    text="The printer jams when printing double-sided.", untrusted=True,
    notes=("Notes: 3", "Time entries: 2"),
    link=LinkButton(label="Open in Autotask", url="https://ww5.autotask.net/t?id=42&x=1"),
)  # fmt: skip
LIST = Card(
    kind="list", title="Tickets", subtitle="open; priority = High",
    columns=("Ticket Number", "Title", "Status"),
    rows=(("T1", "VPN down", "New"), ("T2", "Mail & calendar", "In Progress")),
    row_links=("https://ww5.autotask.net/t?id=1", None), footer="2 of 2", untrusted=True,
)  # fmt: skip
CHANGE = Card(
    kind="change", title="Confirm this change", subtitle="Log 0.5 h on T1",
    changes=(FieldChangeView(label="Hours", after="0.5"),
             FieldChangeView(label="Status", before="New", after="In Progress")),
    status="pending", notes=("Attributed to Sarah Mitchell",),
    actions=(CardAction(action="approve", plan_id=PLAN, label="Approve", style="primary"),
             CardAction(action="cancel", plan_id=PLAN, label="Cancel")),
)  # fmt: skip
DELETE = Card(
    kind="change", title="Confirm this change", subtitle="Delete note 7", status="pending",
    actions=(CardAction(action="approve", plan_id=PLAN, label="Delete", style="danger",
                        confirm="Delete note 7? This cannot be undone."),
             CardAction(action="cancel", plan_id=PLAN, label="Cancel")),
)  # fmt: skip
APPLIED = CHANGE.model_copy(update={"status": "applied", "title": "Done", "actions": ()})
ALERT = Card(
    kind="alert", title="New ticket T3", subtitle="Server down", facts=(Fact(label="Company", value="Contoso"),),
    actions=(CardAction(action="assign_to_me", plan_id=PLAN, label="Assign to me"),),
)  # fmt: skip
ERROR = Card(
    kind="error", title="Something went wrong", text="Sorry.", footer="Reference: 1a2b3c4d"
)
EMPTY = Card(kind="list", title="Contracts", columns=("Name",), rows=())

CARDS = {"record": RECORD, "list": LIST, "change": CHANGE, "delete": DELETE, "applied": APPLIED,
         "alert": ALERT, "error": ERROR, "empty list": EMPTY}  # fmt: skip


@pytest.mark.parametrize("name", sorted(CARDS))
def test_every_card_kind_round_trips_through_slack_sdk(name: str) -> None:
    message = render_reply(Reply(text="Here you go: **3** tickets", cards=(CARDS[name],)))
    _roundtrip(message.blocks)
    _limits(message.blocks)
    assert message.blocks[1]["type"] == "header"
    assert message.text.startswith("Here you go")


def test_buttons_carry_only_the_action_and_the_plan_id() -> None:
    blocks = render_reply(Reply(cards=(CHANGE,))).blocks
    (actions,) = [b for b in blocks if b["type"] == "actions"]
    approve, cancel = actions["elements"]
    assert (approve["action_id"], approve["value"], approve["style"]) == (
        f"approve:{PLAN}",
        PLAN,
        "primary",
    )
    assert (cancel["action_id"], cancel["value"]) == (
        f"cancel:{PLAN}",
        PLAN,
    ) and "style" not in cancel
    assert "confirm" not in approve


def test_a_delete_gets_a_danger_button_with_a_confirm_dialog() -> None:
    blocks = render_reply(Reply(cards=(DELETE,))).blocks
    approve = next(e for b in blocks if b["type"] == "actions" for e in b["elements"])
    assert approve["style"] == "danger" and approve["text"]["text"] == "Delete"
    confirm = approve["confirm"]
    assert confirm["style"] == "danger" and "cannot be undone" in confirm["text"]["text"]
    assert confirm["confirm"]["text"] == "Delete" and confirm["deny"]["text"]


def test_links_are_buttons_and_row_links() -> None:
    blocks = render_reply(Reply(cards=(RECORD, LIST))).blocks
    link = next(e for b in blocks if b["type"] == "actions" for e in b["elements"])
    assert link["url"] == "https://ww5.autotask.net/t?id=42&x=1" and link["action_id"] == "link"
    rows = next(
        b["text"]["text"] for b in blocks if b["type"] == "section" and "T1" in json.dumps(b)
    )
    assert "<https://ww5.autotask.net/t?id=1|T1>" in rows and "*T2*" in rows


def test_customer_text_cannot_mention_or_link() -> None:
    card = RECORD.model_copy(
        update={"subtitle": EVIL, "text": EVIL, "facts": (Fact(label="Contact", value=EVIL),)}
    )
    listed = LIST.model_copy(
        update={"rows": ((EVIL, EVIL, "New"),), "row_links": ("https://at.example/1",)}
    )
    message = render_reply(Reply(cards=(card, listed)))
    _roundtrip(message.blocks)
    for text in _texts(message.blocks):
        stripped = text.replace("<https://at.example/1|", "")
        assert "<!channel>" not in stripped and "<@U0BOSS>" not in stripped
        assert "<https://evil" not in stripped
    escaped = (
        "&lt;!channel&gt; pay now at &lt;https://evil.example|your bank&gt; &amp; &lt;@U0BOSS&gt;"
    )
    body = next(b for b in message.blocks if b["type"] == "section" and "text" in b)
    assert body["text"]["type"] == "plain_text", "customer prose is plain text, never mrkdwn"
    assert body["text"]["text"].startswith(escaped)
    mrkdwn = [o for b in message.blocks for o in [*b.get("fields", []), *b.get("elements", []), b.get("text", {})]
              if isinstance(o, dict) and o.get("type") == "mrkdwn" and "channel" in o.get("text", "")]  # fmt: skip
    assert mrkdwn and all(o.get("verbatim") is True for o in mrkdwn), (
        "no auto-linking of names or URLs"
    )


def test_the_bots_own_text_is_escaped_too() -> None:
    message = render_reply(Reply(text="Found <!here> **2** items & more"))
    assert message.blocks[0]["text"]["text"] == "Found &lt;!here&gt; *2* items &amp; more"
    assert "<!here>" not in message.text


def test_a_very_long_result_stays_within_slacks_limits() -> None:
    rows = tuple(
        (f"T2026{i:05d}", f"Title number {i} " * 6, "In Progress", "High") for i in range(200)
    )
    listed = Card(kind="list", title="Tickets", columns=("Ticket", "Title", "Status", "Priority"),
                  rows=rows, row_links=tuple(f"https://at.example/t/{i}" for i in range(200)),
                  footer="200 tickets")  # fmt: skip
    text = "word " * 2048  # 10 KB
    record = RECORD.model_copy(update={"text": "x" * 10_240, "facts": RECORD.facts * 3})
    message = render_reply(Reply(text=text, cards=(listed, record, CHANGE)))
    _roundtrip(message.blocks)
    _limits(message.blocks)
    dump = json.dumps(message.blocks)
    assert "say `export" in dump.lower(), "a cut list offers an export"
    assert f"approve:{PLAN}" in dump, "the change card keeps its buttons"
    assert len(message.text) <= 3000


def test_many_cards_keep_every_button_within_fifty_blocks() -> None:
    changes = tuple(CHANGE.model_copy(update={"actions": (CardAction(action="approve", plan_id=f"plan{i:08d}", label="Approve"),)})
                    for i in range(11))  # fmt: skip
    message = render_reply(Reply(text="Lots", cards=(RECORD, LIST, *changes)))
    _roundtrip(message.blocks)
    _limits(message.blocks)
    dump = json.dumps(message.blocks)
    assert all(f"plan{i:08d}" in dump for i in range(11))
    assert "did not fit" in dump


def test_an_empty_reply_is_still_a_valid_message() -> None:
    message = render_reply(Reply())
    _roundtrip(message.blocks)
    assert message.blocks and message.text
