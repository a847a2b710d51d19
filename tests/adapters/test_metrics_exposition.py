"""/metrics as Prometheus' own parser reads it: the same names and types as before the move to
prometheus_client, and one registry per engine."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families
from test_ops import database, runtime_for, scrape  # noqa: F401  (database is a fixture)

from autotask.tools import Tenant
from bot.metrics import Metrics
from bot.storage import Database


async def test_prometheus_reads_every_family_with_its_type(
    tenant: Tenant,
    database: Database,  # noqa: F811
) -> None:
    runtime = runtime_for(tenant, database)
    metrics = runtime.engine.metrics
    metrics.count("turns_command", 2)
    metrics.count("plans_applied")
    metrics.count("model_prompt_tokens", 120)
    metrics.count("slack_events_redelivered")
    metrics.observe_turn(0.2)
    metrics.observe("click", 1.5)
    await tenant.client.count("Tickets")

    answer = await scrape(runtime, "/metrics")
    assert answer.headers["Content-Type"].startswith("text/plain; version=")
    families = {f.name: f for f in text_string_to_metric_families(answer.text)}
    types = {name: family.type for name, family in families.items()}
    assert types == {
        "atbot_turns": "counter",
        "atbot_plans": "counter",
        "atbot_model_tokens": "counter",
        "atbot_slack_events_redelivered": "counter",
        "atbot_turn_seconds": "histogram",
        "atbot_click_seconds": "histogram",
        "atbot_turn_seconds_p50": "gauge",
        "atbot_turn_seconds_p95": "gauge",
        "atbot_autotask_requests": "counter",
        "atbot_autotask_request_seconds": "summary",
    }
    series = {(s.name, tuple(sorted(s.labels.items()))): s.value
              for family in families.values() for s in family.samples}  # fmt: skip
    assert series[("atbot_turns_total", (("kind", "command"),))] == 2
    assert series[("atbot_model_tokens_total", (("kind", "prompt"),))] == 120
    assert series[("atbot_slack_events_redelivered_total", ())] == 1
    assert series[("atbot_click_seconds_bucket", (("le", "1.0"),))] == 0
    assert series[("atbot_click_seconds_bucket", (("le", "2.5"),))] == 1
    assert series[("atbot_turn_seconds_p50", ())] == 0.2
    assert series[("atbot_autotask_requests_total", (("status", "200"),))] >= 1
    assert not [name for name, _ in series if name.endswith("_created")]


def test_two_engines_keep_their_own_counts() -> None:
    first, second = Metrics(), Metrics()
    first.count("turns_model")
    second.count("turns_model", 5)
    first.observe("turn", 0.1)
    second.observe("turn", 0.1)
    assert first.registry.get_sample_value("atbot_turns_total", {"kind": "model"}) == 1
    assert second.registry.get_sample_value("atbot_turns_total", {"kind": "model"}) == 5
    assert first.snapshot()["turns_model"] == 1
