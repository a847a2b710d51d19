"""The same content on every surface: whatever a neutral card carries (facts, warnings, the
latest notes, what a list left out) is in the Block Kit, the Adaptive Card and the web chat
HTML, and each stays valid for its platform."""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, datetime
from typing import Any

import pytest
from slack_sdk.models.blocks import Block
from teams_support import card_errors, texts, walk

from adapters.slack import render_reply as slack_reply
from adapters.teams import adaptive_card
from adapters.webchat import render_card
from bot.alerts import AlertTicket, CustomerNote, note_card
from bot.messages import (
    Card,
    CardAction,
    CardSection,
    Fact,
    FieldChangeView,
    LinkButton,
    Reply,
    SectionItem,
)

PLAN = "Pq7xK2mN9vR4tY8w"
TICKET = Card(
    kind="record", title="T20261124.0003", subtitle="VPN drops every hour",
    facts=(Fact(label="Company", value="Northwind Traders"), Fact(label="Contact", value="Ann Lee"),
           Fact(label="Phone", value="555 0101"), Fact(label="Status", value="In Progress")),
    text="Since Monday the VPN drops.", untrusted=True,
    sections=(
        CardSection(title="Latest notes", items=(
            SectionItem(heading="Sarah Mitchell · 2026-11-24 14:02 · internal",
                        text="Called the user — router firmware is old"),
            SectionItem(heading="Ann Lee · 2026-11-24 09:10 · public"),
        ), footer="2 of 7 notes, newest first — open it in Autotask for the rest"),
        CardSection(title="Time entries", items=(
            SectionItem(heading="Sarah Mitchell · 0.75 h · 2026-11-24", text="Firmware update"),
        )),
    ),
    notes=("31 more fields: ask for details to see them all",),
    link=LinkButton(label="Open in Autotask", url="https://ww5.autotask.net/t?id=3"),
)  # fmt: skip
PREVIEW = Card(
    kind="change", title="Confirm this change", subtitle="Log 45m on T20261124.0003",
    status="pending",
    warnings=("T20261124.0003 is Complete.",
              "T20261124.0003 is assigned to Jim Park, not to you."),
    facts=(Fact(label="Title", value="VPN drops every hour"),
           Fact(label="Company", value="Northwind Traders")),
    changes=(FieldChangeView(label="Hours worked", after="0.75"),),
    actions=(CardAction(action="approve", plan_id=PLAN, label="Approve", style="primary"),
             CardAction(action="cancel", plan_id=PLAN, label="Cancel")),
)  # fmt: skip
LIST = Card(
    kind="list", title="Tickets", subtitle="open; priority = Critical",
    columns=("Ticket number", "Title", "Company", "Status", "Priority", "Created"),
    rows=(("T1", "Server down", "Contoso", "New", "Critical", "2026-11-24 14:00"),),
    footer="1 of 3 open tickets, most urgent first; say `export …` for all",
    total=3, order="most urgent first", narrow=(0, 1, 3),
)  # fmt: skip
NOTE = note_card(
    AlertTicket(id=3, number="T20261124.0003", title="VPN drops every hour",
                company="Northwind Traders", link="https://ww5.autotask.net/t?id=3"),
    CustomerNote(id=45, ticket_id=3, title="Re: VPN", contact="Ann Lee",
                 excerpt="Still dropping after the reboot, twice this morning",
                 created=datetime(2026, 11, 24, 14, 2, tzinfo=UTC)),
    timezone="America/New_York", watching="customer notes on tickets assigned to Sarah Mitchell",
)  # fmt: skip
CARDS = {"ticket": TICKET, "preview": PREVIEW, "list": LIST, "customer note": NOTE}


def _content(card: Card) -> list[str]:
    """Every piece of text a reader must see, wherever the card is shown."""
    found = [card.title, *(f.value for f in card.facts), *card.warnings, *card.notes]
    found += [card.text] if card.text and card.kind == "alert" else []
    for part in card.sections:
        found += [part.title, *(i.heading for i in part.items)]
        found += [i.text for i in part.items if i.text] + ([part.footer] if part.footer else [])
    found += [card.footer] if card.footer else []
    found += [value for row in card.rows for value in row]
    return found


def _slack_text(card: Card) -> str:
    blocks = slack_reply(Reply(cards=(card,))).blocks
    for block in blocks:
        parsed = Block.parse(block)
        assert parsed is not None and parsed.to_dict() == block
        parsed.validate_json()
    raw = json.dumps(blocks, ensure_ascii=False)
    # card text is shown as typed: Slack gets look-alike quotes instead of `code` markers
    return html.unescape(json.loads(json.dumps(raw))).replace("\u02cb", "`")


def _teams_text(card: Card) -> str:
    rendered = adaptive_card(card)
    assert card_errors(rendered) == []
    return "\n".join(texts(rendered))


def _web_text(card: Card) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "\n", render_card(card)))


@pytest.mark.parametrize("surface", [_slack_text, _teams_text, _web_text])
@pytest.mark.parametrize("name", sorted(CARDS))
def test_every_surface_shows_all_a_card_carries(name: str, surface: Any) -> None:
    shown = surface(CARDS[name])
    missing = [piece for piece in _content(CARDS[name]) if piece not in shown]
    assert not missing, f"{surface.__name__} lost {missing}"


def test_a_narrow_web_chat_keeps_number_title_and_status() -> None:
    page = render_card(LIST)
    heads = re.findall(r'<th scope="col"( class="wide")?>([^<]+)</th>', page)
    assert [name for wide, name in heads if not wide] == ["Ticket number", "Title", "Status"]
    assert len(re.findall(r'<td class="wide">', page)) == 3


def test_a_teams_list_fits_a_phone_with_the_rest_under_the_title() -> None:
    card = adaptive_card(LIST)
    (table,) = [n for n in walk(card) if n.get("type") == "Table"]
    assert len(table["columns"]) == 3
    header, row = table["rows"]
    assert [texts(c)[0] for c in header["cells"]] == ["Ticket number", "Title", "Status"]
    assert texts(row["cells"][1]) == ["Server down", "Contoso · Critical · 2026-11-24 14:00"]
