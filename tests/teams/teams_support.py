"""Teams activities as the Bot Connector sends them, and the people who send them."""

from __future__ import annotations

import itertools
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from contracts import ADAPTIVE_CARD, available, load_json
from jsonschema import Draft6Validator

BOT_ID = "28:00000000-0000-0000-0000-00000000b075"
BOT_NAME = "Autotask"
TENANT_ID = "72f988bf-0000-0000-0000-000000000001"
TEAM_ID = "19:team-root@thread.tacv2"
CHANNEL_ID = "19:service-desk@thread.tacv2"
PERSONAL_ID = "a:1personal-chat-with-sarah"

_ids = itertools.count(1700000000000)


@dataclass(frozen=True)
class TeamsUser:
    id: str
    name: str
    email: str | None

    @property
    def account(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "aadObjectId": f"aad-{self.id}"}


def _base(user: TeamsUser, service_url: str, conversation: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "message",
        "id": str(next(_ids)),
        "timestamp": "2026-11-25T14:30:00.000Z",
        "serviceUrl": service_url,
        "channelId": "msteams",
        "from": user.account,
        "recipient": {"id": BOT_ID, "name": BOT_NAME},
        "conversation": conversation,
        "locale": "en-US",
        "textFormat": "plain",
        "channelData": {"tenant": {"id": TENANT_ID}},
    }


def personal(
    user: TeamsUser, service_url: str, text: str, *, chat: str = PERSONAL_ID
) -> dict[str, Any]:
    conversation = {"conversationType": "personal", "tenantId": TENANT_ID, "id": chat}
    activity = _base(user, service_url, conversation)
    activity["text"] = text
    return activity


def channel(
    user: TeamsUser,
    service_url: str,
    question: str,
    *,
    root: str | None = None,
    channel_id: str = CHANNEL_ID,
) -> dict[str, Any]:
    """``@Autotask question`` posted in a channel of the team (a new post, or a reply in
    ``root``'s thread)."""
    activity = _base(user, service_url, {})
    thread = root or activity["id"]
    activity["conversation"] = {
        "isGroup": True,
        "conversationType": "channel",
        "tenantId": TENANT_ID,
        "id": f"{channel_id};messageid={thread}",
    }
    activity["text"] = f"<at>{BOT_NAME}</at> {question}"
    activity["entities"] = [
        {
            "type": "mention",
            "mentioned": {"id": BOT_ID, "name": BOT_NAME},
            "text": f"<at>{BOT_NAME}</at>",
        },
        {"type": "clientInfo", "locale": "en-US", "country": "US", "platform": "Web"},
    ]
    activity["channelData"] = {
        "teamsChannelId": channel_id,
        "teamsTeamId": TEAM_ID,
        "channel": {"id": channel_id},
        "team": {"id": TEAM_ID},
        "tenant": {"id": TENANT_ID},
    }
    return activity


def click(
    previous: dict[str, Any], user: TeamsUser, card_message_id: str, data: dict[str, Any]
) -> dict[str, Any]:
    """What Teams sends for an ``Action.Submit`` on the card in message ``card_message_id``."""
    activity = _base(user, previous["serviceUrl"], dict(previous["conversation"]))
    activity["channelData"] = dict(previous["channelData"])
    activity["replyToId"] = card_message_id
    activity["value"] = dict(data)
    activity.pop("textFormat")
    return activity


def invoke(
    previous: dict[str, Any],
    user: TeamsUser,
    card_message_id: str,
    verb: str,
    data: dict[str, Any],
    *,
    trigger: str = "manual",
) -> dict[str, Any]:
    """What Teams sends for an ``Action.Execute`` (Universal Actions) on a card: a click
    (``trigger`` "manual") or the client's own refresh of it ("automatic")."""
    activity = click(previous, user, card_message_id, {})
    activity.pop("value")
    action = {"type": "Action.Execute", "id": "", "verb": verb, "data": data}
    activity.update(
        type="invoke", name="adaptiveCard/action", value={"action": action, "trigger": trigger}
    )
    return activity


# -- validating what the bot emits ------------------------------------------------------------


@cache
def _card_validator() -> Draft6Validator | None:
    """The Adaptive Card 1.5 schema's validator; ``None`` when the contract file is absent."""
    path = available(ADAPTIVE_CARD)
    return None if path is None else Draft6Validator(load_json(ADAPTIVE_CARD))


# Teams' own extension on the root card ("msteams": {"width": "Full"}); the schema is strict and
# knows nothing of host extensions, so this one key, with this one value, is taken off first.
TEAMS_EXTENSIONS = {"msteams": {"width": "Full"}}


def card_errors(card: dict[str, Any]) -> list[str]:
    """Why ``card`` is not a valid Adaptive Card 1.5 (empty when it is).

    Without the schema (a contract file, see tests/contracts.py) only the version is checked.
    """
    card = dict(card)
    for key, allowed in TEAMS_EXTENSIONS.items():
        if key in card:
            assert card.pop(key) == allowed, f"unexpected {key} extension"
    validator = _card_validator()
    found = [] if validator is None else validator.iter_errors(card)
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in found]
    if card.get("version") != "1.5":
        errors.append(f"version {card.get('version')!r} is not 1.5")
    return errors


def walk(node: Any) -> Iterator[dict[str, Any]]:
    """Every object inside a card, depth first."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from walk(item)


def of_type(card: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [node for node in walk(card) if node.get("type") == kind]


def texts(card: dict[str, Any]) -> list[str]:
    """Every piece of text a card shows (TextRuns and TextBlocks)."""
    return [n["text"] for n in walk(card) if n.get("type") in {"TextRun", "TextBlock"}]


def submit_data(card: dict[str, Any]) -> list[dict[str, Any]]:
    """The data of every ``Action.Submit``, the fallbacks of ``Action.Execute`` buttons too."""
    return [a["data"] for a in of_type(card, "Action.Submit")]


def execute_data(card: dict[str, Any]) -> list[dict[str, Any]]:
    """The data of the card's ``Action.Execute`` buttons (not its refresh)."""
    refresh = (card.get("refresh") or {}).get("action")
    return [a["data"] for a in of_type(card, "Action.Execute") if a is not refresh]


def plan_of(card: dict[str, Any]) -> str | None:
    """The plan a change card acts on: its refresh's (a pending card's view for everyone has no
    buttons), else its buttons'."""
    refresh = card.get("refresh")
    if refresh:
        return str(refresh["action"]["data"]["plan_id"])
    found = [d.get("plan_id") for d in execute_data(card) + submit_data(card)]
    return next((str(p) for p in found if p), None)


# -- PNG, read back --------------------------------------------------------------------------


def read_png(data: bytes) -> tuple[int, int, int, list[list[tuple[int, ...]]]]:
    """(width, height, colour type, rows of pixels) of an 8-bit RGBA or RGB PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    position, idat, header = 8, b"", b""
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        body = data[position + 8 : position + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            idat += body
        position += 12 + length
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", header)
    assert depth == 8 and interlace == 0 and colour in (2, 6)
    channels = 4 if colour == 6 else 3
    raw = zlib.decompress(idat)
    stride = width * channels
    rows: list[bytearray] = []
    previous = bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up = previous[i]
            corner = previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                pred = left if pa <= pb and pa <= pc else up if pb <= pc else corner
                line[i] = (line[i] + pred) & 0xFF
        rows.append(line)
        previous = line
    pixels = [[tuple(row[x * channels : (x + 1) * channels]) for x in range(width)] for row in rows]
    return width, height, colour, pixels
