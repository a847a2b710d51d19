"""Slack events are answered once per event id, whichever replica gets them and whatever the
retry headers say."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
from fake_slack import FakeSlack
from slack_harness import TECH, SlackHarness, make_runtime, slack_settings

from adapters.slack import SlackPart
from adapters.web import build_app, running_app
from autotask.tools import Tenant
from bot.storage import Database


def _dm(slack: SlackHarness, text: str) -> dict[str, object]:
    return {"type": "message", "channel": f"D{TECH}", "channel_type": "im", "user": TECH,
            "text": text, "ts": slack.ts()}  # fmt: skip


@asynccontextmanager
async def _replica(
    fake: FakeSlack, tenant: Tenant, db_url: str, data_dir: Path
) -> AsyncIterator[SlackHarness]:
    """A second bot process on the same database."""
    db = await Database.open(db_url)
    try:
        runtime = make_runtime(slack_settings(fake.api_url, data_dir), tenant, db)
        part = SlackPart(runtime)
        app = build_app(runtime, [part])
        async with running_app(app, "127.0.0.1", 0) as base, aiohttp.ClientSession() as http:
            yield SlackHarness(url=base, fake=fake, part=part, runtime=runtime, http=http)
    finally:
        await db.close()


async def test_a_first_delivery_marked_as_a_timeout_retry_is_answered(
    slack: SlackHarness,
) -> None:
    retry = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    assert await slack.event(_dm(slack, "who am i"), event_id="EvFIRSTSEEN", headers=retry) == 200
    await slack.fake.wait_for("chat.update")
    await slack.settle()
    assert len(slack.fake.called("chat.postMessage")) == 1


async def test_a_redelivery_to_another_replica_is_answered_once(
    slack: SlackHarness, fake: FakeSlack, tenant: Tenant, tmp_path: Path
) -> None:
    event = _dm(slack, "who am i")
    assert await slack.event(event, event_id="EvREPLICA") == 200
    await slack.fake.wait_for("chat.update")
    await slack.settle()
    db_url = f"sqlite+aiosqlite:///{tmp_path / 'atbot.db'}"  # the slack_db fixture's file
    async with _replica(fake, tenant, db_url, tmp_path / "replica") as other:
        retry = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
        assert await other.event(event, event_id="EvREPLICA", headers=retry) == 200
        assert await other.event(event, event_id="EvREPLICA") == 200
        await other.settle()
        assert other.runtime.engine.metrics.snapshot()["slack_events_redelivered"] == 2
    assert len(fake.called("chat.postMessage")) == 1
