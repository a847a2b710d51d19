"""One bot replica for the lease tests: polls for alerts and prints every alert it posts.

Usage: ``python poller_worker.py DATABASE_URL API_URL HOLDER POLL_SECONDS LEASE_SECONDS``.
Prints ``ready`` once started, then one JSON line per post: ``{"holder": …, "tickets": […]}``.
It runs until killed.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import sys
from datetime import timedelta

from autotask import AutotaskClient, Credentials
from autotask.sandbox import SandboxConfig
from autotask.tools import Tenant
from bot.alerts import AlertService
from bot.engine import Engine
from bot.messages import Conversation, MessageRef, Reply
from bot.settings import Settings
from bot.storage import Database


class PrintingSurface:
    def __init__(self, holder: str) -> None:
        self.holder = holder
        self._ids = itertools.count(1)

    async def post(self, conversation: Conversation, reply: Reply) -> MessageRef:
        tickets = [c.title.removeprefix("New ticket ") for c in reply.cards if c.kind == "alert"]
        tickets += [row[0] for c in reply.cards if c.kind == "list" for row in c.rows]
        print(json.dumps({"holder": self.holder, "tickets": tickets}), flush=True)
        return MessageRef(conversation=conversation, message_id=f"{self.holder}-{next(self._ids)}")

    async def update(self, message: MessageRef, reply: Reply) -> None:
        return None

    async def typing(self, conversation: Conversation) -> None:
        return None

    async def whisper(self, conversation: Conversation, user_id: str, text: str) -> None:
        return None


async def main(url: str, api_url: str, holder: str, poll: float, lease: float) -> None:
    sandbox = SandboxConfig()
    credentials = Credentials(
        username=sandbox.username, secret=sandbox.secret, integration_code=sandbox.integration_code
    )
    settings = Settings(alerts={"poll_seconds": poll})
    db = await Database.open(url)
    async with AutotaskClient(credentials, zone_url=api_url) as client:
        engine = Engine(tenant=Tenant(client=client), db=db, settings=settings)
        service = AlertService(
            engine,
            {"test": PrintingSurface(holder)},
            holder=holder,
            lease_ttl=timedelta(seconds=lease),
        )
        print("ready", flush=True)
        await service.poller.run(poll)


if __name__ == "__main__":
    url, api_url, holder, poll, lease = sys.argv[1:6]
    asyncio.run(main(url, api_url, holder, float(poll), float(lease)))
