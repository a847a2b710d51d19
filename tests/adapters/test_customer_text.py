"""Customer-written text is shown as typed on every surface: no mrkdwn formatting in Slack, no
bidi controls anywhere, and a title of only spaces still makes a message Slack accepts."""

from __future__ import annotations

import json

import pytest

from adapters.slack import render_reply
from adapters.teams import reply_activities
from adapters.webchat import render_card
from bot.messages import Card, Fact, Reply

SPOOF = "invoice\u202efdp.exe"  # reads as "invoiceexe.pdf"
BIDI = ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"]


def _card(title: str = "Printer *on fire* _again_ ~fixed~ now") -> Card:
    return Card(
        kind="record",
        title=title,
        subtitle=SPOOF,
        facts=(Fact(label="Contact", value=f"\u2067{SPOOF}\u2069"),),
        untrusted=True,
    )


def test_slack_shows_customer_formatting_marks_as_typed() -> None:
    message = render_reply(Reply(cards=(_card(),)))
    shown = json.dumps(message.payload(), ensure_ascii=False)
    for marked in ("*on fire*", "_again_", "~fixed~"):
        assert marked not in shown
    assert "on fire" in shown and "again" in shown


@pytest.mark.parametrize("surface", ["slack", "teams", "webchat"])
def test_no_surface_passes_bidi_controls_on(surface: str) -> None:
    card = _card()
    if surface == "slack":
        shown = json.dumps(render_reply(Reply(cards=(card,))).payload(), ensure_ascii=False)
    elif surface == "teams":
        [activity] = reply_activities(Reply(cards=(card,)), lambda _: None)
        shown = json.dumps(activity.serialize(), ensure_ascii=False)
    else:
        shown = render_card(card)
    assert not any(control in shown for control in BIDI)
    assert "invoicefdp.exe" in shown


def test_a_title_of_only_spaces_is_accepted_by_slack() -> None:
    """Slack answers ``invalid_blocks`` for a context block without elements."""
    message = render_reply(Reply(cards=(Card(kind="alert", title="   ", subtitle="   "),)))
    for block in message.blocks:
        if block["type"] == "context":
            assert block["elements"] and all(e["text"].strip() for e in block["elements"])
