"""The message extension's read side: ``composeExtension/query`` (search tickets from the compose
box, insert a ticket card) and ``composeExtension/queryLink`` (an Autotask ticket link pasted in
a message unfurls to the same compact card). Both read as the person typing; someone without an
Autotask resource is told why and gets no cards.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from botbuilder.core import TurnContext

from autotask.tools import Actor
from bot.identity import IdentityError
from bot.messages import Card
from bot.unfurls import ticket_ref

from ._activities import PLATFORM
from ._cards import ADAPTIVE_CARD_CONTENT_TYPE, adaptive_card

if TYPE_CHECKING:
    from ._bot import TeamsBot

__all__ = ["SEARCH_TICKETS", "Extensions"]

SEARCH_TICKETS = "searchTickets"  # the manifest's query command id
_THUMBNAIL = "application/vnd.microsoft.card.thumbnail"


def _attachment(card: Card) -> dict[str, Any]:
    rendered = adaptive_card(card)
    rendered.pop("msteams", None)  # an inserted card takes the width of the compose box
    preview = {"title": card.title, "text": " · ".join(f.value for f in card.facts[:3])}
    return {"contentType": ADAPTIVE_CARD_CONTENT_TYPE, "content": rendered,
            "preview": {"contentType": _THUMBNAIL, "content": preview}}  # fmt: skip


def _result(cards: list[Card]) -> dict[str, Any]:
    return {"composeExtension": {"type": "result", "attachmentLayout": "list",
                                 "attachments": [_attachment(c) for c in cards]}}  # fmt: skip


def _message(text: str) -> dict[str, Any]:
    return {"composeExtension": {"type": "message", "text": text}}


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


class Extensions:
    def __init__(self, bot: TeamsBot) -> None:
        self.bot = bot

    async def _actor(self, turn: TurnContext) -> Actor | str:
        user_id = str(turn.activity.from_property.id)
        email = await self.bot.members.email(turn, user_id)
        try:
            return await self.bot.engine.identity.resolve(PLATFORM, user_id, email)
        except IdentityError as exc:
            return str(exc)

    async def query(self, turn: TurnContext) -> dict[str, Any]:
        value = _dict(turn.activity.value)
        if value.get("commandId") != SEARCH_TICKETS:
            return _message("That search is not one I know.")
        actor = await self._actor(turn)
        if isinstance(actor, str):
            return _message(actor)
        words = ""
        for parameter in value.get("parameters") or []:
            if _dict(parameter).get("name") == "query":
                words = str(parameter.get("value") or "")[:200]
        count = int(_dict(value.get("queryOptions")).get("count") or 10)
        cards = await self.bot.engine.ticket_cards.search(actor, words, limit=min(count, 25))
        return _result(cards)

    async def query_link(self, turn: TurnContext) -> dict[str, Any]:
        url = str(_dict(turn.activity.value).get("url") or "")
        ref = ticket_ref(url)
        if ref is None:
            return {}  # not a ticket link: no preview
        actor = await self._actor(turn)
        if isinstance(actor, str):
            return {}
        card = await self.bot.engine.ticket_cards.card(actor, ref)
        return _result([card]) if card is not None else {}
