"""Slack fixtures: the fake Slack Web API, and the bot's real web server in HTTP mode in front of
the sandbox."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from engine_support import technician_email
from fake_slack import FakeSlack
from slack_harness import GUEST, OTHER, TECH, SlackHarness, make_runtime, slack_settings

from adapters.downloads import Downloads
from adapters.slack import SlackPart
from adapters.web import build_app, running_app
from autotask.sandbox import Sandbox
from autotask.tools import Tenant
from bot.storage import Database


@pytest.fixture
async def fake(sandbox: Sandbox) -> AsyncIterator[FakeSlack]:
    def person(email: str, name: str) -> dict[str, Any]:
        return {"name": name.lower(), "profile": {"email": email, "real_name": name}}

    slack = FakeSlack(users={TECH: person(technician_email(sandbox, 0), "Tech One"),
                             OTHER: person(technician_email(sandbox, 1), "Tech Two"),
                             GUEST: person("guest@customer.example", "Guest")})  # fmt: skip
    await slack.start()
    yield slack
    await slack.stop()


@pytest.fixture
async def slack_db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(f"sqlite+aiosqlite:///{tmp_path / 'atbot.db'}")
    await database.migrate()
    yield database
    await database.close()


@pytest.fixture
async def slack(
    fake: FakeSlack, tenant: Tenant, slack_db: Database, tmp_path: Path
) -> AsyncIterator[SlackHarness]:
    runtime = make_runtime(slack_settings(fake.api_url, tmp_path), tenant, slack_db)
    address: dict[str, str] = {}
    downloads = Downloads(slack_db.exports, base_url=lambda: address.get("url", ""))
    part = SlackPart(runtime, downloads=downloads)
    app = build_app(runtime, [downloads, part])
    async with running_app(app, "127.0.0.1", 0) as url, aiohttp.ClientSession() as http:
        address["url"] = url
        yield SlackHarness(url=url, fake=fake, part=part, runtime=runtime, http=http)
