"""/healthz, /readyz and /metrics over HTTP, with real turns, clicks and Autotask requests behind."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from engine_support import RecordingSurface, make_settings, say, technician_email
from support import FIXED_NOW, ScriptedModel, text_turn, tool_turn

from adapters.ops import OpsPart
from adapters.runtime import Runtime
from adapters.web import build_app, running_app
from autotask.sandbox import Sandbox
from autotask.tools import Tenant
from bot.engine import Engine
from bot.messages import Click
from bot.model import ChatModel
from bot.storage import Database

SAMPLE = re.compile(r'^(?P<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{[a-z_]+="[^"]*"\})? -?[0-9.e+]+$')


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[Database]:
    db = await Database.open(f"sqlite+aiosqlite:///{tmp_path / 'atbot.db'}")
    await db.migrate()
    yield db
    await db.close()


def runtime_for(tenant: Tenant, db: Database, model: ChatModel | None = None) -> Runtime:
    settings = make_settings()
    engine = Engine(tenant=tenant, db=db, settings=settings, model=model, clock=lambda: FIXED_NOW)
    return Runtime(settings=settings, tenant=tenant, db=db, engine=engine, model=model)


async def scrape(runtime: Runtime, path: str, ops: OpsPart | None = None) -> httpx.Response:
    app = build_app(runtime, [ops or OpsPart(runtime)])
    async with running_app(app, "127.0.0.1", 0) as url, httpx.AsyncClient() as http:
        return await http.get(url + path)


def samples(text: str) -> dict[str, float]:
    """Every sample line, checked against the exposition format, as {series: value}."""
    typed: set[str] = set()
    found: dict[str, float] = {}
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            typed.add(line.split()[2])
            continue
        if line.startswith("#"):
            continue
        match = SAMPLE.match(line)
        assert match, f"not a Prometheus sample line: {line!r}"
        name = match.group("name")
        assert any(name == t or name.startswith(t + "_") for t in typed), f"untyped {name}"
        series, value = line.rsplit(" ", 1)
        found[series] = float(value)
    return found


async def test_metrics_count_turns_tools_plans_latencies_and_autotask_requests(
    tenant: Tenant, sandbox: Sandbox, database: Database
) -> None:
    runtime = runtime_for(tenant, database)
    engine, surface = runtime.engine, RecordingSurface()
    email = technician_email(sandbox)
    await engine.handle(say("my tickets", email), surface, command_mode=True)
    number = surface.last.cards[0].rows[0][0]
    await engine.handle(say(f"log 30m on {number} metrics", email), surface)
    await engine.handle(say(f"log 1h on {number} cancelled", email), surface)
    for index, action in ((1, "approve"), (2, "cancel")):
        conversation, reply, ref = surface.posts[index]
        plan_id = reply.cards[-1].actions[0].plan_id
        click = Click(conversation=conversation, user_id=f"U-{email}", email=email,
                      action=action, plan_id=plan_id, message=ref)  # fmt: skip
        await engine.click(click, surface)

    answer = await scrape(runtime, "/metrics")
    assert answer.status_code == 200 and answer.headers["Content-Type"].startswith("text/plain")
    found = samples(answer.text)
    assert found['atbot_turns_total{kind="command"}'] == 3
    assert found['atbot_tool_calls_total{tool="search"}'] == 1
    assert found['atbot_tool_calls_total{tool="plan_change"}'] == 2
    assert found['atbot_plans_total{outcome="planned"}'] == 2
    assert found['atbot_plans_total{outcome="applied"}'] == 1
    assert found['atbot_plans_total{outcome="cancelled"}'] == 1
    assert found["atbot_turn_seconds_count"] == 3
    assert found['atbot_turn_seconds_bucket{le="+Inf"}'] == 3
    assert found["atbot_click_seconds_count"] == 2
    buckets = [v for k, v in found.items() if k.startswith("atbot_turn_seconds_bucket")]
    assert buckets == sorted(buckets), "histogram buckets are cumulative"
    ok = found['atbot_autotask_requests_total{status="200"}']
    assert ok > 0 and found["atbot_autotask_request_seconds_count"] >= ok


async def test_metrics_count_model_tokens_and_alert_deliveries(
    tenant: Tenant, sandbox: Sandbox, database: Database
) -> None:
    model = ScriptedModel(
        tool_turn(("search", {"entity": "Tickets", "mode": "count"})), text_turn("There are many.")
    )
    runtime = runtime_for(tenant, database, model)  # type: ignore[arg-type]
    await runtime.engine.handle(
        say("how many tickets are there overall?", technician_email(sandbox)), RecordingSurface()
    )
    runtime.engine.metrics.count("alerts_delivered", 2)  # what the alert dispatcher counts
    found = samples((await scrape(runtime, "/metrics")).text)
    assert found['atbot_turns_total{kind="model"}'] == 1
    assert found['atbot_answered_total{path="model"}'] == 1
    assert found['atbot_model_tokens_total{kind="prompt"}'] == 220
    assert found['atbot_model_tokens_total{kind="completion"}'] == 35
    assert found['atbot_tool_calls_total{tool="search"}'] == 1
    assert found["atbot_planner_seconds_count"] == 1
    assert found['atbot_alerts_total{outcome="delivered"}'] == 2


async def test_health_is_liveness_and_readiness_needs_autotask(
    tenant: Tenant, sandbox: Sandbox, database: Database
) -> None:
    runtime = runtime_for(tenant, database)
    ops = OpsPart(runtime, recheck=0)
    assert (await scrape(runtime, "/healthz", ops)).json() == {"status": "ok"}
    ready = await scrape(runtime, "/readyz", ops)
    assert ready.status_code == 200 and ready.json()["problems"] == []
    sandbox.inject_error("GET", "ThresholdInformation", 503, times=10)
    down = await scrape(runtime, "/readyz", ops)
    assert down.status_code == 503 and down.json()["problems"] == ["Autotask unreachable"]
