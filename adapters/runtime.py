"""The composition root's shared part: settings → tenant, database, model, engine."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

from autotask.sandbox import SandboxConfig
from autotask.tools import Tenant
from bot.engine import Engine
from bot.messages import ChatSurface
from bot.model import ChatModel
from bot.settings import Settings
from bot.storage import Database

from .openai_model import OpenAIChatModel
from .wiring import credential_key, open_tenant

__all__ = ["Runtime", "open_runtime"]


@dataclass
class Runtime:
    settings: Settings
    tenant: Tenant
    db: Database
    engine: Engine
    model: ChatModel | None
    surfaces: dict[str, ChatSurface] = field(default_factory=dict)  # platform → where to post

    async def first_delivery(self, platform: str, delivery_id: str) -> bool:
        """True the first time ``platform`` delivers ``delivery_id`` (an event or activity id),
        whichever replica it reaches and across restarts; a redelivery is False."""
        return await self.db.deliveries.first_time(platform, delivery_id, now=datetime.now(UTC))


def build_model(settings: Settings) -> ChatModel | None:
    return OpenAIChatModel(settings.llm) if settings.llm.configured else None


@asynccontextmanager
async def open_runtime(
    settings: Settings,
    *,
    sandbox: SandboxConfig | None = None,
    model: ChatModel | None = None,
) -> AsyncIterator[Runtime]:
    """Everything a bot process needs, opened in order and closed in reverse."""
    key = credential_key(settings)
    db = await Database.open(settings.database, credential_key=key)
    try:
        await db.migrate()
        async with open_tenant(settings, sandbox=sandbox, stored=db.credentials) as tenant:
            chosen = model if model is not None else build_model(settings)
            engine = Engine(tenant=tenant, db=db, settings=settings, model=chosen)
            yield Runtime(settings=settings, tenant=tenant, db=db, engine=engine, model=chosen)
    finally:
        await db.close()
