"""Helpers for the Slack tests: settings, a runtime, and a harness that sends signed requests to
the bot's real web server the way Slack does."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
from fake_slack import BOT_TOKEN, BOT_USER, TEAM, FakeSlack
from support import FIXED_NOW

from adapters.runtime import Runtime
from adapters.slack import SlackPart
from autotask.tools import Tenant
from bot.engine import Engine
from bot.settings import Settings
from bot.storage import Database

SIGNING_SECRET = "d41d8cd98f00b204e9800998ecf8427e"
TECH, OTHER, GUEST = "UTECH", "UOTHER", "UGUEST"


def sign(body: str, timestamp: int, secret: str = SIGNING_SECRET) -> str:
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def slack_settings(api_url: str, data_dir: Path, **slack: Any) -> Settings:
    values = {"bot_token": BOT_TOKEN, "signing_secret": SIGNING_SECRET, "mode": "http",
              "api_url": api_url, **slack}  # fmt: skip
    return Settings(timezone="America/New_York", data_dir=data_dir, slack=values)


@dataclass
class SlackHarness:
    url: str
    fake: FakeSlack
    part: SlackPart
    runtime: Runtime
    http: aiohttp.ClientSession
    _ids: Any = field(default_factory=lambda: itertools.count(1))

    async def send(
        self,
        body: str,
        content_type: str,
        *,
        headers: dict[str, str] | None = None,
        signed: bool = True,
        timestamp: int | None = None,
    ) -> tuple[int, str]:
        stamp = int(time.time()) if timestamp is None else timestamp
        sent = {"Content-Type": content_type, **(headers or {})}
        if signed:
            sent |= {
                "X-Slack-Request-Timestamp": str(stamp),
                "X-Slack-Signature": sign(body, stamp),
            }
        async with self.http.post(
            f"{self.url}/slack/events", data=body.encode(), headers=sent
        ) as r:
            return r.status, await r.text()

    def ts(self) -> str:
        return f"1700001000.{next(self._ids):06d}"

    async def event(
        self,
        event: dict[str, Any],
        *,
        event_id: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> int:
        body = {"token": "legacy", "team_id": TEAM, "api_app_id": "A0BOT", "type": "event_callback",
                "event_id": event_id or f"Ev{next(self._ids):08d}", "event_time": 1700000000,
                "event": event,
                "authorizations": [{"team_id": TEAM, "user_id": BOT_USER, "is_bot": True}]}  # fmt: skip
        status, _ = await self.send(json.dumps(body), "application/json", headers=headers)
        return status

    async def dm(self, text: str, *, user: str = TECH, **extra: Any) -> dict[str, Any]:
        event = {"type": "message", "channel": f"D{user}", "channel_type": "im", "user": user,
                 "text": text, "ts": self.ts(), **extra}  # fmt: skip
        assert await self.event(event) == 200
        return event

    async def mention(
        self, text: str, *, user: str = TECH, channel: str = "C0OPS"
    ) -> dict[str, Any]:
        event = {"type": "app_mention", "channel": channel, "user": user,
                 "text": f"<@{BOT_USER}> {text}", "ts": self.ts()}  # fmt: skip
        assert await self.event(event) == 200
        return event

    async def command(
        self, text: str, *, user: str = TECH, channel: str = "C0OPS"
    ) -> tuple[int, str]:
        form = {"token": "legacy", "team_id": TEAM, "channel_id": channel, "channel_name": "ops",
                "user_id": user, "user_name": user.lower(), "command": "/autotask", "text": text,
                "api_app_id": "A0BOT", "response_url": self.fake.hook_url("command"),
                "trigger_id": "13345224609.738474920.8088930838d88f008e0"}  # fmt: skip
        return await self.send(urlencode(form), "application/x-www-form-urlencoded")

    async def click(
        self,
        action_id: str,
        value: str | None,
        *,
        user: str = TECH,
        channel: str,
        message_ts: str,
        thread_ts: str | None = None,
        ephemeral: bool = False,
    ) -> int:
        container = {"type": "message", "message_ts": message_ts, "channel_id": channel,
                     "is_ephemeral": ephemeral}  # fmt: skip
        payload: dict[str, Any] = {
            "type": "block_actions", "team": {"id": TEAM}, "user": {"id": user, "username": user},
            "api_app_id": "A0BOT", "token": "legacy", "container": container,
            "channel": {"id": channel, "name": "ops"}, "trigger_id": "1.2.3",
            "response_url": self.fake.hook_url("click"),
            "actions": [{"type": "button", "action_id": action_id, "block_id": "b1",
                         "value": value, "action_ts": "1700001000.1"}],
        }  # fmt: skip
        if not ephemeral:
            payload["message"] = {"type": "message", "ts": message_ts, "thread_ts": thread_ts}
        status, _ = await self.send(
            urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded"
        )
        return status

    async def interaction(self, payload: dict[str, Any]) -> tuple[int, str]:
        """Any interactivity payload (view_submission, shortcut…), form-encoded and signed."""
        body = {"team": {"id": TEAM}, "api_app_id": "A0BOT", "token": "legacy", **payload}
        return await self.send(
            urlencode({"payload": json.dumps(body)}), "application/x-www-form-urlencoded"
        )

    async def settle(self) -> None:
        """Let the listeners start their work, then wait for all of it to finish."""
        for _ in range(20):
            await asyncio.sleep(0)
        await self.part.bot.work.drain()


def buttons_of(blocks: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {
        element["action_id"].split(":")[0]: element
        for block in blocks
        if block["type"] == "actions"
        for element in block["elements"]
    }


def view_submission(
    view: dict[str, Any], values: dict[str, str], *, user: str = TECH
) -> dict[str, Any]:
    """The view_submission Slack sends for ``view`` with ``values`` typed into its inputs."""
    state: dict[str, Any] = {}
    for block in view["blocks"]:
        element = block["element"]
        name = block["block_id"].removeprefix("f:")
        if element["type"] == "static_select":
            chosen = next(
                (o for o in element["options"] if o["value"] == values.get(name)),
                element.get("initial_option"),
            )
            state[block["block_id"]] = {"value": {"type": "static_select",
                                                  "selected_option": chosen}}  # fmt: skip
        else:
            typed = values.get(name, element.get("initial_value"))
            state[block["block_id"]] = {"value": {"type": "plain_text_input", "value": typed}}
    return {
        "type": "view_submission", "user": {"id": user, "username": user.lower()},
        "trigger_id": "4.5.6",
        "view": {**view, "state": {"values": state}, "hash": "1700000000.abc"},
    }  # fmt: skip


def make_runtime(settings: Settings, tenant: Tenant, db: Database) -> Runtime:
    engine = Engine(tenant=tenant, db=db, settings=settings, clock=lambda: FIXED_NOW)
    return Runtime(settings=settings, tenant=tenant, db=db, engine=engine, model=None)
