"""Slack's side of the reliability tests (importable as ``signed_slack``): signed events, slash
commands and clicks sent to any replica, and what the fake Slack Web API received."""

from __future__ import annotations

import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import httpx
from fake_slack import BOT_USER, TEAM, Call, FakeSlack
from replicas import Replica, wait_until
from slack_harness import TECH, sign

from bot.storage import Database

__all__ = ["Card", "SignedSlack", "buttons", "mentions_of"]


def buttons(blocks: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The buttons of a Block Kit message by action (``approve``, ``cancel``, …)."""
    return {
        element["action_id"].split(":")[0]: element
        for block in blocks
        if block["type"] == "actions"
        for element in block["elements"]
        if "action_id" in element
    }


def mentions_of(call: Call, needle: str) -> bool:
    """Whether a Web API call's text or blocks contain ``needle``."""
    return needle in json.dumps(call.args)


@dataclass(frozen=True)
class Card:
    """A change card the bot posted: where, its ts, the thread it answers and its plan."""

    channel: str
    ts: str
    thread_ts: str
    plan_id: str


@dataclass
class SignedSlack:
    """Sends what Slack sends (signed with the app's signing secret) to any replica."""

    fake: FakeSlack
    http: httpx.AsyncClient
    _ids: Any = field(default_factory=lambda: itertools.count(1))

    def ts(self) -> str:
        return f"{int(time.time())}.{next(self._ids):06d}"

    async def send(self, replica: Replica, body: str, content_type: str) -> int:
        stamp = int(time.time())
        headers = {"Content-Type": content_type, "X-Slack-Request-Timestamp": str(stamp),
                   "X-Slack-Signature": sign(body, stamp)}  # fmt: skip
        answer = await self.http.post(f"{replica.url}/slack/events", content=body, headers=headers)
        return answer.status_code

    async def mention(
        self, replica: Replica, text: str, *, channel: str, user: str = TECH
    ) -> dict[str, Any]:
        event = {"type": "app_mention", "channel": channel, "user": user,
                 "text": f"<@{BOT_USER}> {text}", "ts": self.ts()}  # fmt: skip
        body = {"token": "legacy", "team_id": TEAM, "api_app_id": "A0BOT",
                "type": "event_callback", "event_id": f"Ev{next(self._ids):010d}",
                "event_time": int(time.time()), "event": event,
                "authorizations": [{"team_id": TEAM, "user_id": BOT_USER, "is_bot": True}]}  # fmt: skip
        status = await self.send(replica, json.dumps(body), "application/json")
        assert status == 200, f"replica {replica.name} answered {status} to an event"
        return event

    async def command(self, replica: Replica, text: str, *, channel: str, user: str = TECH) -> None:
        form = {"token": "legacy", "team_id": TEAM, "channel_id": channel, "channel_name": "ops",
                "user_id": user, "user_name": user.lower(), "command": "/autotask", "text": text,
                "api_app_id": "A0BOT", "response_url": self.fake.hook_url(channel),
                "trigger_id": "13345224609.738474920.8088930838d88f008e0"}  # fmt: skip
        status = await self.send(replica, urlencode(form), "application/x-www-form-urlencoded")
        assert status == 200, f"replica {replica.name} answered {status} to a slash command"

    async def click(
        self, replica: Replica, card: Card, *, action: str = "approve", user: str = TECH
    ) -> int:
        container = {"type": "message", "message_ts": card.ts, "channel_id": card.channel,
                     "is_ephemeral": False}  # fmt: skip
        payload = {
            "type": "block_actions", "team": {"id": TEAM}, "user": {"id": user, "username": user},
            "api_app_id": "A0BOT", "token": "legacy", "container": container,
            "channel": {"id": card.channel, "name": "ops"}, "trigger_id": "1.2.3",
            "response_url": self.fake.hook_url(f"click-{card.channel}"),
            "message": {"type": "message", "ts": card.ts, "thread_ts": card.thread_ts},
            "actions": [{"type": "button", "action_id": f"{action}:{card.plan_id}",
                         "block_id": "b1", "value": card.plan_id, "action_ts": self.ts()}],
        }  # fmt: skip
        body = urlencode({"payload": json.dumps(payload)})
        return await self.send(replica, body, "application/x-www-form-urlencoded")

    # -- what the fake Slack received -----------------------------------------------------------

    def calls_in(self, method: str, channel: str) -> list[Call]:
        return [c for c in self.fake.called(method) if c.args.get("channel") == channel]

    def whispers_in(self, channel: str) -> list[str]:
        return [str(c.args.get("text", "")) for c in self.calls_in("chat.postEphemeral", channel)]

    def card_states(self, card: Card) -> list[str]:
        """The headings the card was updated to, in order (``Done``, ``Cancelled``, …)."""
        return [
            c.args["blocks"][0]["text"]["text"]
            for c in self.calls_in("chat.update", card.channel)
            if c.args.get("ts") == card.ts and c.args.get("blocks")
        ]

    async def plan_card(self, replica: Replica, text: str, *, channel: str, db: Database) -> Card:
        """Ask ``replica`` for a change in ``channel``; return the confirmation card it posted,
        once the plan is complete: stored with the card's reference (so any replica can update
        it), which the bot writes just after posting."""
        event = await self.mention(replica, text, channel=channel)

        def posted() -> Card | None:
            for call in self.calls_in("chat.update", channel):
                approve = buttons(call.args.get("blocks") or []).get("approve")
                if approve is not None:
                    return Card(channel, call.args["ts"], event["ts"], approve["value"])
            return None

        def detail() -> str:
            said = [c.args.get("text") for c in self.calls_in("chat.update", channel)]
            return f"the bot said: {said}\n{replica.log_tail()}"

        card = await wait_until(posted, f"a change card in {channel}", detail=detail)

        async def stored() -> bool:
            plan = await db.plans.get(card.plan_id)
            return plan is not None and plan.message is not None

        await wait_until(stored, f"the plan of {channel} to be stored", detail=replica.log_tail)
        return card
