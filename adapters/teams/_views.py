"""Who sees which view of a pending change card (Universal Actions' user-specific views).

The card posted in a conversation shows everyone a read-only view that names who may approve;
its ``refresh`` names the requester, whose Teams client then asks for their own view (an
``adaptiveCard/action`` invoke with the verb ``refresh``, ``trigger: "automatic"``) and gets the
card with Approve, Edit and Cancel. Anyone else may refresh by hand (the message's menu): an
approver named in ``ATBOT_BOT__APPROVERS`` then gets the buttons too, anyone else the read-only
view. A refresh only reads: it never applies, cancels or expires anything. Whatever a view
shows, every click is checked again by the approvals (bot/approvals.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from bot.cards import change_card
from bot.messages import Card
from bot.storage import StoredPlan

from ._activities import Audiences, audience_key
from ._cards import Audience, adaptive_card

if TYPE_CHECKING:
    from botbuilder.core import TurnContext

    from ._bot import TeamsBot

__all__ = ["PlanLookup", "Views", "audiences", "stored_card"]


class PlanLookup(Protocol):
    async def get(self, plan_id: str) -> StoredPlan | None: ...


def _audience(stored: StoredPlan, *, buttons: bool = False) -> Audience:
    who = stored.requester_name or "the person who asked"
    return Audience(user_ids=(stored.requester_user_id,), who=who, buttons=buttons)


async def audiences(plans: PlanLookup, cards: tuple[Card, ...]) -> Audiences:
    """By plan id, the audience of each pending change card among ``cards``."""
    found: dict[str, Audience] = {}
    for card in cards:
        key = audience_key(card)
        if key is None or key in found:
            continue
        stored = await plans.get(key)
        if stored is not None:
            found[key] = _audience(stored)
    return found


def stored_card(stored: StoredPlan, *, now: datetime) -> Card:
    """The change card as the stored plan stands (a pending plan past its time shows as expired,
    without settling it: that is the next click's job)."""
    if stored.status == "pending" and stored.expires_at > now:
        return change_card(stored.plan, plan_id=stored.id)
    if stored.status == "pending":
        outcome = "This preview expired; ask again for a fresh one."
        return change_card(stored.plan, plan_id=stored.id, status="expired", outcome=outcome)
    result: dict[str, Any] = stored.outcome or {}
    message, link = result.get("message"), result.get("link")
    return change_card(
        stored.plan,
        plan_id=stored.id,
        status=stored.status,
        outcome=message if isinstance(message, str) else None,
        link=link if isinstance(link, str) else None,
    )


class Views:
    """The view of a stored plan's card for the person whose client asks for it."""

    def __init__(self, bot: TeamsBot) -> None:
        self.bot = bot

    def _may_act(self, stored: StoredPlan, user_id: str, email: str | None) -> bool:
        """Whether to show this person the buttons (the approvals check each click again)."""
        if stored.requester_user_id == user_id:
            return True
        approvers = {a.lower() for a in self.bot.engine.settings.bot.approvers}
        return bool(email) and str(email).lower() in approvers

    async def card_for(self, turn: TurnContext, stored: StoredPlan) -> dict[str, Any]:
        """The Adaptive Card this turn's sender sees of ``stored``'s change card."""
        card = stored_card(stored, now=self.bot.engine.clock())
        if audience_key(card) is None:
            return adaptive_card(card)
        user_id = str(turn.activity.from_property.id)
        email = None
        if stored.requester_user_id != user_id:  # the requester needs no look-up
            email = await self.bot.members.email(turn, user_id)
        buttons = self._may_act(stored, user_id, email)
        return adaptive_card(card, audience=_audience(stored, buttons=buttons))
