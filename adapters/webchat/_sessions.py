"""Who is chatting in a browser tab: the technician picked on the page, behind a random token.

The web chat has no login of its own: it is the local way to try the bot, served to this machine
only. A session names one active Autotask resource; the engine still resolves that technician by
e-mail on every turn, exactly as for Slack and Teams.
"""

from __future__ import annotations

import secrets
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from autotask.tools import Tenant, ToolContext, actor_of

from ._surface import DEMO_CHANNEL

__all__ = ["Session", "Sessions", "technicians"]


@dataclass(frozen=True)
class Session:
    token: str
    email: str
    name: str
    resource_id: int

    @property
    def user_id(self) -> str:
        return self.email.lower()

    @property
    def own_conversation(self) -> str:
        return f"dm-{self.resource_id}"

    @property
    def conversations(self) -> frozenset[str]:
        return frozenset({self.own_conversation, DEMO_CHANNEL})

    def describe(self, *, mode: str) -> dict[str, Any]:
        """What the page needs: who, the conversations it may show, and the answering mode."""
        return {
            "token": self.token,
            "email": self.email,
            "name": self.name,
            "mode": mode,
            "conversations": [
                {"id": self.own_conversation, "title": "You and atbot", "kind": "direct"},
                {
                    "id": DEMO_CHANNEL,
                    "title": "#demo",
                    "kind": "channel",
                    "topic": "Shared channel: new-ticket alerts appear here",
                },
            ],
        }


class Sessions:
    """Open sessions by token, oldest dropped past ``limit``."""

    def __init__(self, *, limit: int = 1000) -> None:
        self._limit = limit
        self._by_token: OrderedDict[str, Session] = OrderedDict()

    def open(self, *, email: str, name: str, resource_id: int) -> Session:
        session = Session(
            token=secrets.token_urlsafe(24), email=email, name=name, resource_id=resource_id
        )
        self._by_token[session.token] = session
        while len(self._by_token) > self._limit:
            self._by_token.popitem(last=False)
        return session

    def get(self, token: str | None) -> Session | None:
        if not token:
            return None
        return self._by_token.get(token)


async def technicians(tenant: Tenant) -> list[dict[str, Any]]:
    """The active resources one may chat as (people with an e-mail; not the API user)."""
    api_user = tenant.client.credentials.username.lower()
    people = []
    for record in await ToolContext(tenant=tenant).names.resources():
        email = str(record.get("email") or "").strip()
        if not record.get("isActive") or not email:
            continue
        if api_user in {email.lower(), str(record.get("userName") or "").lower()}:
            continue
        actor = actor_of(record)
        people.append({"email": email, "name": actor.name or email, "id": actor.resource_id})
    return sorted(people, key=lambda p: (str(p["name"]).lower(), p["email"]))
