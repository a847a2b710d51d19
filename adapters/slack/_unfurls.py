"""Link unfurling: an Autotask ticket URL pasted in a conversation (the manifest's unfurl domain)
brings a ``link_shared`` event; the bot answers with ``chat.unfurl`` and a compact ticket card,
read as the person who pasted it. Other links, and people without an Autotask resource, get no
preview."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from slack_sdk.errors import SlackApiError

from bot.identity import IdentityError
from bot.unfurls import MAX_UNFURLS, ticket_ref

from ._blocks import card_blocks
from ._payloads import PLATFORM
from ._surface import slack_error, timed

if TYPE_CHECKING:
    from slack_bolt.async_app import AsyncApp

    from ._app import SlackBot

__all__ = ["UnfurlListeners"]

logger = logging.getLogger(__name__)

UNFURL_BLOCKS = 8  # a preview stays short


class UnfurlListeners:
    def __init__(self, bot: SlackBot) -> None:
        self.bot = bot

    def register(self, app: AsyncApp) -> None:
        app.event("link_shared")(self._on_link_shared)

    async def _on_link_shared(self, event: dict[str, Any]) -> None:
        self.bot.work.spawn(self._unfurl(event), name="slack-unfurl")

    async def _unfurl(self, event: dict[str, Any]) -> None:
        user = str(event.get("user") or "")
        links = [str(link.get("url") or "") for link in event.get("links") or []]
        wanted = [(url, ref) for url in links if (ref := ticket_ref(url)) is not None]
        if not user or not wanted:
            return
        try:
            person = await self.bot.users.person(user)
            engine = self.bot.runtime.engine
            actor = await engine.identity.resolve(PLATFORM, user, person.email)
        except IdentityError:
            return  # no preview for someone the bot does not know
        unfurls: dict[str, Any] = {}
        for url, ref in wanted[:MAX_UNFURLS]:
            card = await engine.ticket_cards.card(actor, ref)
            if card is not None:
                unfurls[url] = {"blocks": card_blocks(card, UNFURL_BLOCKS)}
        if not unfurls:
            return
        where: dict[str, Any] = {"channel": event.get("channel"), "ts": event.get("message_ts")}
        if event.get("unfurl_id"):  # links in the composer, before the message is sent
            where = {"unfurl_id": event["unfurl_id"], "source": event.get("source") or "composer"}
        try:
            await timed("chat.unfurl", self.bot.client.chat_unfurl(unfurls=unfurls, **where))
        except SlackApiError as exc:
            logger.info("Slack refused an unfurl: %s", slack_error(exc))
