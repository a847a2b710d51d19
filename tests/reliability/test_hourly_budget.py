"""The hourly request budget: over the soft limit, exports and large searches wait with a clear
message while counts, gets, small searches, plans, applies and identity go on; the alert poll
slows down; ThresholdInformation (which costs a request itself) is asked at most every N seconds.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from engine_support import RecordingSurface, say, technician_email
from fault_support import (  # noqa: F401  (fixtures)
    assert_no_leak,
    click,
    db_fixture,
    engine_fixture,
    open_ticket,
    reply_text,
    surface_fixture,
    writes,
)
from support import FAST_RETRY, ScriptedModel, credentials_for, sandbox_config, text_turn, tool_turn
from swagger_contract import undeclared

from autotask import AutotaskClient, BudgetGuard, BusyError
from autotask.sandbox import Sandbox
from autotask.tools import Tenant
from bot.alerts import AlertService
from bot.engine import Engine
from bot.settings import AutotaskSettings

THRESHOLD = 1000  # the sandbox's hourly budget in these tests
PAUSED = (
    "exports and large searches are paused until it drops — counts, gets and changes still work"
)


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    """A sandbox with a small hourly budget and without its usage delays (which are +1 s per
    request over 75 % in Autotask), checked against the Swagger contract like the suite's own."""
    box = Sandbox(sandbox_config(hourly_threshold=THRESHOLD, threshold_delay_scale=0.0))
    await box.start()
    try:
        yield box
        strays = undeclared(box.requests)
        assert not strays, f"requests outside Autotask's Swagger contract: {strays}"
    finally:
        await box.stop()


@pytest.fixture
async def tenant(sandbox: Sandbox, tmp_path: Path) -> AsyncIterator[Tenant]:
    async with AutotaskClient(
        credentials_for(sandbox), zone_url=sandbox.api_url, web_url=sandbox.web_url,
        retry=FAST_RETRY,
    ) as client:  # fmt: skip
        yield Tenant(client=client, export_dir=tmp_path / "exports")


def _spend(box: Sandbox, fraction: float) -> None:
    box.set_hourly_count(int(THRESHOLD * fraction))


def _threshold_checks(box: Sandbox) -> int:
    return sum(1 for r in box.requests if r.path.endswith("/ThresholdInformation"))


def _ticket_queries(box: Sandbox) -> int:
    return sum(1 for r in box.requests if r.path.endswith("/Tickets/query"))


async def test_over_the_soft_limit_heavy_reads_wait_and_essential_work_goes_on(
    make_engine: Callable[..., Engine],
    surface: RecordingSurface,
    sandbox: Sandbox,
    tenant: Tenant,
) -> None:
    engine, email = make_engine(), technician_email(sandbox)
    await engine.handle(say("who am i", email), surface)
    ticket = open_ticket(sandbox, not_priority=4)
    _spend(sandbox, 0.81)
    sandbox.clear_requests()
    # an export, and a sort on another field than the creation order (it reads every match);
    # "newest" is no longer heavy: it reads a window of the newest ids
    for heavy in ("export tickets for Contoso", "closed tickets sort priority"):
        await engine.handle(say(heavy, email), surface)
        assert surface.last.text == (
            f"Autotask's hourly API budget is 81% used; {PAUSED}. Nothing was changed."
        )
        assert surface.last.files == ()
    assert _ticket_queries(sandbox) == 0, "a refused export reads nothing"
    assert _threshold_checks(sandbox) == 1, "the check is cached"
    essentials: dict[str, Callable[[], bool]] = {
        "how many open tickets": lambda: (surface.last.text or "").startswith("**"),
        f"ticket {ticket['ticketNumber']}": lambda: surface.last.cards[0].kind == "record",
        "my tickets": lambda: surface.last.cards[0].kind == "list",
        "my tickets newest": lambda: surface.last.cards[0].kind == "list",  # one page: small
        f"set priority of {ticket['ticketNumber']} to critical":
            lambda: surface.last.cards[0].kind == "change",
    }  # fmt: skip
    for text, answered in essentials.items():
        await engine.handle(say(text, email), surface)
        assert answered(), (text, surface.last)
    await engine.click(click(surface.last.cards[0].actions[0].plan_id, email), surface)
    assert surface.updates[-1][1].cards[0].status == "applied"
    assert writes(sandbox) == ["PATCH Tickets -> 200"]
    newcomer = technician_email(sandbox, 1)
    await engine.handle(say("how many open tickets", newcomer), surface)  # identity still works
    assert (surface.last.text or "").startswith("**")
    assert tenant.budget.refusals == 2
    assert_no_leak(surface)


async def test_under_the_soft_limit_everything_runs(
    make_engine: Callable[..., Engine], surface: RecordingSurface, sandbox: Sandbox
) -> None:
    engine, email = make_engine(), technician_email(sandbox)
    _spend(sandbox, 0.70)
    await engine.handle(say("export tickets for Contoso", email), surface)
    (export,) = surface.last.files
    assert export.rows and Path(export.path).is_file()
    await engine.handle(say("tickets newest", email), surface)
    assert surface.last.cards[0].kind == "list"
    assert _threshold_checks(sandbox) == 1


async def test_the_model_is_told_why_and_can_say_so(
    make_engine: Callable[..., Engine], surface: RecordingSurface, sandbox: Sandbox
) -> None:
    model = ScriptedModel(
        tool_turn(("search", {"entity": "Tickets", "mode": "export"})),
        tool_turn(("search", {"entity": "Tickets", "mode": "count"})),
        text_turn("Exports are paused for now, but there are 600 tickets."),
    )
    _spend(sandbox, 0.9)
    engine = make_engine(model, grammar_first=False)  # the grammar would export without it
    await engine.handle(say("export all tickets", technician_email(sandbox)), surface)
    told = str(model.calls[1][0][-1]["content"])
    assert told == f"Autotask error: Autotask's hourly API budget is 90% used; {PAUSED}."
    assert surface.last.text == "Exports are paused for now, but there are 600 tickets."


async def test_the_check_is_cached_shared_and_sees_the_budget_drop(
    tenant: Tenant, sandbox: Sandbox
) -> None:
    now = [1000.0]
    guard = BudgetGuard(tenant.client.threshold_information, soft_limit=0.75,
                        check_seconds=60, clock=lambda: now[0])  # fmt: skip
    _spend(sandbox, 0.8)
    sandbox.clear_requests()
    results = await asyncio.gather(*(guard.over() for _ in range(10)), return_exceptions=True)
    assert results == [True] * 10
    for _ in range(5):
        with pytest.raises(BusyError, match="80% used") as refused:
            await guard.allow_heavy_read()
    assert refused.value.reason == "hourly"
    assert _threshold_checks(sandbox) == 1 and guard.checks == 1
    _spend(sandbox, 0.2)  # the rolling hour moved on
    now[0] += 59
    assert await guard.over(), "still the cached answer"
    now[0] += 2
    await guard.allow_heavy_read()
    assert _threshold_checks(sandbox) == 2 and guard.refusals == 5
    guard.forget()
    assert await guard.used() == pytest.approx(0.202)  # 200, and the two checks since
    assert _threshold_checks(sandbox) == 3


async def test_a_check_that_fails_never_blocks_and_a_spent_budget_reads_as_full(
    tenant: Tenant, sandbox: Sandbox
) -> None:
    guard = BudgetGuard(tenant.client.threshold_information, check_seconds=0)
    sandbox.inject_error("GET", r"^ThresholdInformation$", 503, times=FAST_RETRY.attempts)
    assert await guard.used() is None
    await guard.allow_heavy_read()  # unknown: the read itself will meet whatever is wrong
    _spend(sandbox, 1.0)
    with pytest.raises(BusyError, match="100% used"):
        await guard.allow_heavy_read()


def test_the_settings_bound_the_soft_limit() -> None:
    assert AutotaskSettings().budget_soft_limit == 0.75
    assert AutotaskSettings(budget_soft_limit=0.9).budget_soft_limit == 0.9
    for wrong in (0.0, 1.5):
        with pytest.raises(ValueError, match="budget_soft_limit"):
            AutotaskSettings(budget_soft_limit=wrong)
    with pytest.raises(ValueError, match="soft_limit"):
        BudgetGuard(lambda: None, soft_limit=0)  # type: ignore[arg-type,return-value]


async def test_the_alert_poll_slows_down_over_the_soft_limit(
    make_engine: Callable[..., Engine], surface: RecordingSurface, sandbox: Sandbox
) -> None:
    poller = AlertService(make_engine(), {"test": surface}).poller
    _spend(sandbox, 0.5)
    assert await poller.pause_after(30, more=False) == 30
    assert await poller.pause_after(30, more=True) == 0, "a backlog is caught up at once"
    poller.engine.tenant.budget.forget()
    _spend(sandbox, 0.8)
    slowed = await poller.pause_after(30, more=False)
    assert 30 < slowed < 90, "slower, yet within the lease (3x the interval)"
    assert await poller.pause_after(30, more=True) == slowed, "no catch-up burst either"
