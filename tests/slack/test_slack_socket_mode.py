"""Socket Mode: the bot connects out to (fake) Slack, acks envelopes and answers as in HTTP mode."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from fake_slack import APP_TOKEN, BOT_USER, TEAM, FakeSlack
from slack_harness import TECH, make_runtime, slack_settings

from adapters.slack import SlackPart
from adapters.web import build_app, running_app
from autotask.tools import Tenant
from bot.storage import Database


@pytest.fixture
async def socket_part(
    fake: FakeSlack, tenant: Tenant, slack_db: Database, tmp_path: Path
) -> AsyncIterator[SlackPart]:
    settings = slack_settings(fake.api_url, tmp_path, mode="socket", app_token=APP_TOKEN)
    runtime = make_runtime(settings, tenant, slack_db)
    part = SlackPart(runtime)
    async with running_app(build_app(runtime, [part]), "127.0.0.1", 0):
        yield part


async def test_events_and_commands_arrive_over_the_socket(
    socket_part: SlackPart, fake: FakeSlack
) -> None:
    event = {"type": "message", "channel": f"D{TECH}", "channel_type": "im", "user": TECH,
             "text": "my tickets", "ts": "1700002000.000100"}  # fmt: skip
    body = {"type": "event_callback", "team_id": TEAM, "api_app_id": "A0BOT", "event_id": "EvS1",
            "event": event, "authorizations": [{"team_id": TEAM, "user_id": BOT_USER, "is_bot": True}]}  # fmt: skip
    await fake.push({"envelope_id": "env-1", "type": "events_api", "payload": body,
                     "accepts_response_payload": False, "retry_attempt": 0, "retry_reason": ""})  # fmt: skip
    assert await fake.wait_for_ack("env-1") == {"envelope_id": "env-1"}
    (update,) = await fake.wait_for("chat.update")
    assert update.args["channel"] == f"D{TECH}" and update.args["blocks"][0]["type"] == "header"
    (opened,) = fake.called("apps.connections.open")
    assert opened.token == APP_TOKEN

    command = {"command": "/autotask", "text": "who am i", "user_id": TECH, "channel_id": "C0OPS",
               "team_id": TEAM, "response_url": fake.hook_url("command"), "api_app_id": "A0BOT"}  # fmt: skip
    await fake.push({"envelope_id": "env-2", "type": "slash_commands", "payload": command,
                     "accepts_response_payload": True})  # fmt: skip
    ack = await fake.wait_for_ack("env-2")
    assert "Looking that up" in json.dumps(ack)
    (hook,) = await fake.wait_for_hooks()
    assert hook.body["response_type"] == "ephemeral"
    await socket_part.bot.work.drain()
