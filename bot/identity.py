"""Who is talking: the chat user's e-mail (or an admin's link) → an active Autotask resource.

No match means no service: guests and external users of a shared channel get a refusal that says
what an admin must do.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol

from autotask.tools import Actor, Tenant, ToolContext, actor_of, find_resource

__all__ = ["Identity", "IdentityError", "LinkLookup"]


IN_PRIVATE = (
    "I can't match your chat account to an active Autotask resource, so I can't act for you. "
    "Send me a direct message to see why and what an admin can do."
)


class IdentityError(Exception):
    """The chat user is not (or not clearly) an active Autotask resource. ``str()`` is the whole
    story for the user alone (their e-mail, their resource, the admin's command); ``public`` is
    what may be said where others read along (a channel): none of that."""

    public = IN_PRIVATE

    def for_audience(self, *, shared: bool) -> str:
        return self.public if shared else str(self)


class LinkLookup(Protocol):
    """The part of the identity store this module needs: explicit admin links."""

    async def linked_resource(self, platform: str, user_id: str) -> int | None: ...


class Identity:
    def __init__(
        self,
        tenant: Tenant,
        links: LinkLookup,
        *,
        ttl: float = 600.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._tenant = tenant
        self._links = links
        self._ttl = ttl
        self._clock = clock
        self._cache: dict[tuple[str, str], tuple[float, Actor]] = {}

    def forget(self, platform: str, user_id: str) -> None:
        self._cache.pop((platform, user_id), None)

    async def resolve(self, platform: str, user_id: str, email: str | None) -> Actor:
        key = (platform, user_id)
        cached = self._cache.get(key)
        if cached and cached[0] > self._clock():
            return cached[1]
        actor = await self._lookup(platform, user_id, email)
        self._cache[key] = (self._clock() + self._ttl, actor)
        return actor

    async def _lookup(self, platform: str, user_id: str, email: str | None) -> Actor:
        ctx = ToolContext(tenant=self._tenant)
        linked = await self._links.linked_resource(platform, user_id)
        if linked is not None:
            record = next((r for r in await ctx.names.resources() if r["id"] == linked), None)
            if record is None or not record.get("isActive"):
                raise IdentityError(
                    f"You are linked to Autotask resource {linked}, which is missing or inactive. "
                    "Ask an admin to link you to your current resource."
                )
            return actor_of(record)
        if not email:
            raise IdentityError(
                "I could not read your e-mail address from the chat platform, so I cannot match "
                "you to an Autotask resource. Ask an admin to link your chat account "
                f"(atbot link --platform {platform} --user {user_id} --resource <e-mail or id>)."
            )
        record = await find_resource(ctx, email)
        if record is None or not record.get("isActive"):
            state = "an inactive" if record else "no"
            raise IdentityError(
                f"{email} belongs to {state} Autotask resource, so I can't act for you. An "
                "Autotask admin can add this e-mail to your resource, or link your chat account: "
                f"atbot link --platform {platform} --user {user_id} --resource <e-mail or id>."
            )
        return actor_of(record)
