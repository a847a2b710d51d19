"""The Teams bot's web server for tests: a runtime on a SQLite file, and the server around it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from support import FIXED_NOW

from adapters.downloads import Downloads
from adapters.runtime import Runtime
from adapters.teams import MESSAGES_PATH, TeamsPart
from adapters.web import build_app, running_app
from autotask.tools import Tenant
from bot.engine import Engine
from bot.settings import Settings
from bot.storage import Database


def teams_settings(tmp_path: Path, **teams: Any) -> Settings:
    return Settings(  # type: ignore[arg-type]
        timezone="America/New_York", data_dir=tmp_path, teams=teams or {"enabled": True}
    )


@asynccontextmanager
async def open_runtime(tenant: Tenant, tmp_path: Path, **teams: Any) -> AsyncIterator[Runtime]:
    """A runtime on a SQLite file in ``tmp_path``: opening it again is a restart."""
    settings = teams_settings(tmp_path, **teams)
    db = await Database.open(f"sqlite+aiosqlite:///{tmp_path / 'atbot.db'}")
    await db.migrate()
    try:
        engine = Engine(tenant=tenant, db=db, settings=settings, clock=lambda: FIXED_NOW)
        yield Runtime(settings=settings, tenant=tenant, db=db, engine=engine, model=None)
    finally:
        await db.close()


@dataclass
class BotServer:
    url: str
    part: TeamsPart
    http: httpx.AsyncClient

    async def send(self, activity: dict[str, Any], **headers: str) -> httpx.Response:
        """POST one activity, then wait until the bot has finished answering it."""
        response = await self.http.post(self.url + MESSAGES_PATH, json=activity, headers=headers)
        await self.part.drain()
        return response


@asynccontextmanager
async def serve_teams(
    runtime: Runtime, host: str = "127.0.0.1", *, credentials: Any = None
) -> AsyncIterator[BotServer]:
    address: dict[str, str] = {}
    downloads = Downloads(runtime.db.exports, base_url=lambda: address["url"])
    part = TeamsPart(runtime, downloads=downloads, credentials=credentials)
    app = build_app(runtime, [part, downloads])
    async with running_app(app, host, 0) as url, httpx.AsyncClient(timeout=30) as http:
        address["url"] = url
        yield BotServer(url=url, part=part, http=http)
