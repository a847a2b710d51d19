"""Thread limit, hourly threshold, error injection, request log and admin routes (§6.3, §6.4)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from autotask.sandbox import Sandbox
from autotask.sandbox._limits import HourlyCounter

ANY = {"filter": [{"op": "eq", "field": "id", "value": 1}]}
THREADS = (
    "Thread Threshold Exceeded — The Autotask API thread threshold of 3 threads has been "
    "exceeded. (Itgenatr005)"
)


async def test_a_fourth_concurrent_request_gets_429(box: Sandbox, api: httpx.AsyncClient) -> None:
    box.set_latency(400)  # awaited while each request holds its thread slot
    calls = [api.post("Tickets/query", json=ANY) for _ in range(4)]
    other = api.post("Companies/query", json=ANY)  # another endpoint has its own three
    *responses, elsewhere = await asyncio.gather(*calls, other)
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200, 200, 200, 429]
    rejected = next(r for r in responses if r.status_code == 429)
    assert rejected.json() == {"errors": [THREADS]}
    assert elsewhere.status_code == 200
    box.set_latency(0)
    assert (await api.post("Tickets/query", json=ANY)).status_code == 200, "slots are released"


async def test_a_refused_query_holds_its_slot_for_the_latency_too(
    box: Sandbox, api: httpx.AsyncClient
) -> None:
    """The route's work comes first and the rest of the latency after it, errors included."""
    box.set_latency(400)
    bad = {"filter": [{"op": "eq", "field": "noSuchField", "value": 1}]}
    responses = await asyncio.gather(*(api.post("Tickets/query", json=bad) for _ in range(4)))
    assert sorted(r.status_code for r in responses) == [429, 500, 500, 500]


async def test_zone_lookups_are_not_thread_limited(box: Sandbox, raw: httpx.AsyncClient) -> None:
    box.set_latency(300)
    path = "/ATServicesRest/V1.0/zoneInformation"
    lookups = [raw.get(path, params={"user": box.config.username}) for _ in range(6)]
    assert {r.status_code for r in await asyncio.gather(*lookups)} == {200}


async def test_hourly_threshold_counts_and_then_refuses(
    make_sandbox: Callable[..., Sandbox], auth: Callable[[Sandbox], dict[str, str]]
) -> None:
    async with make_sandbox(hourly_threshold=20) as box:
        async with httpx.AsyncClient(base_url=box.api_url + "V1.0/", headers=auth(box)) as api:
            info = (await api.get("ThresholdInformation")).json()
            assert info == {
                "externalRequestThreshold": 20,
                "requestThresholdTimeframe": 60,
                "currentTimeframeRequestCount": 1,  # the call counts itself
            }
            await api.get("zoneInformation", params={"user": box.config.username})
            await api.get("Tickets/entityInformation", headers={"Secret": "wrong"})
            assert box.hourly_count == 1, "zone lookups and rejected credentials do not count"
            box.set_hourly_count(18)
            assert (await api.get("Tickets/entityInformation")).status_code == 200
            last = await api.get("ThresholdInformation")
            assert last.json()["currentTimeframeRequestCount"] == 20
            over = await api.get("Tickets/entityInformation")
            assert over.status_code == 429
            assert "threshold of 20 requests" in over.json()["errors"][0]


def test_usage_delays_grow_with_the_hourly_count() -> None:
    clock = [1000.0]
    counter = HourlyCounter(100, delay_scale=0.01, clock=lambda: clock[0])
    delays = [counter.hit() for _ in range(80)]
    assert delays[48] == 0.0 and delays[49] == pytest.approx(0.005)  # 50th request: ≥50 %
    assert delays[73] == pytest.approx(0.005) and delays[74] == pytest.approx(0.01)  # ≥75 %
    clock[0] += 3600  # an hour later the window is empty again
    assert counter.count == 0 and counter.hit() == 0.0


async def test_injected_errors_answer_before_the_handler(
    box: Sandbox, api: httpx.AsyncClient
) -> None:
    box.inject_error("POST", r"^tickets/query$", 500, times=2)
    first, second, third = [await api.post("Tickets/query", json=ANY) for _ in range(3)]
    assert first.status_code == second.status_code == 500
    assert first.json()["errors"][0].startswith("An unexpected error has occurred.")
    assert third.status_code == 200
    box.inject_error("*", "Companies", 429, {"errors": ["slow down"]})
    limited = await api.get("Companies/entityInformation")
    assert (limited.status_code, limited.json()) == (429, {"errors": ["slow down"]})
    box.inject_error("GET", "Companies", 401)
    unauthorised = await api.get("Companies/entityInformation")
    assert (unauthorised.status_code, unauthorised.content) == (401, b"")
    assert (await api.post("Companies/query", json=ANY)).status_code == 200


async def test_drop_mode_closes_the_connection_without_a_response(
    box: Sandbox, api: httpx.AsyncClient
) -> None:
    box.inject_error("POST", "^Tickets$", 0)
    body = {
        "companyID": box.records("Companies")[1]["id"],
        "title": "x",
        "status": 1,
        "priority": 2,
    }
    with pytest.raises(httpx.RemoteProtocolError):
        await api.post("Tickets", json=body)
    assert box.requests[-1].status == 0
    assert (await api.post("Tickets/query", json=ANY)).status_code == 200


async def test_request_log_records_everything_but_the_secret(
    box: Sandbox, api: httpx.AsyncClient
) -> None:
    box.clear_requests()
    await api.post("Tickets/query", json=ANY)
    await api.get("Tickets/entityInformation", headers={"Secret": "not-the-secret"})
    await api.get("zoneInformation", params={"user": "nobody"})
    assert [(r.method, r.status) for r in box.requests] == [
        ("POST", 200),
        ("GET", 401),
        ("GET", 500),
    ]
    first = box.requests[0]
    assert first.path == "/ATServicesRest/V1.0/Tickets/query" and first.body == ANY
    assert first.headers["Secret"] == "[redacted]"
    assert first.headers["UserName"] == box.config.username
    assert box.requests[2].query_string == "user=nobody"
    dumped = "".join(r.model_dump_json() for r in box.requests)
    assert box.config.secret not in dumped and "not-the-secret" not in dumped
    box.clear_requests()
    assert box.requests == []


async def test_admin_routes_control_a_sandbox_from_outside(
    box: Sandbox, raw: httpx.AsyncClient, api: httpx.AsyncClient
) -> None:
    await api.post("Tickets/query", json=ANY)
    logged = (await raw.get("/_sandbox/requests")).json()["requests"]
    assert [(r["method"], r["path"]) for r in logged] == [
        ("POST", "/ATServicesRest/V1.0/Tickets/query")
    ]
    assert logged[0]["headers"]["Secret"] == "[redacted]"
    assert (await raw.delete("/_sandbox/requests")).json() == {"cleared": 1}

    rule = {"method": "GET", "path_pattern": "^Tickets/\\d+$", "status": 503, "times": 1}
    assert (await raw.post("/_sandbox/errors", json=rule)).status_code == 200
    assert (await api.get("Tickets/1")).status_code == 503
    bad_rule = {"method": "GET", "path_pattern": "(", "status": 500}
    assert (await raw.post("/_sandbox/errors", json=bad_rule)).status_code == 400

    hourly = await raw.post("/_sandbox/hourly-count", json={"count": 42})
    assert hourly.json()["count"] == 42 and box.hourly_count == 42
    assert (await raw.post("/_sandbox/latency", json={"ms": 0})).status_code == 200

    ticket = box.records("Tickets")[0]
    fetched = (await raw.get(f"/_sandbox/records/Tickets/{ticket['id']}")).json()["item"]
    assert fetched["id"] == ticket["id"]
    changed: dict[str, Any] = dict(fetched, title="Changed behind the API's back")
    assert (
        await raw.put(f"/_sandbox/records/Tickets/{ticket['id']}", json=changed)
    ).status_code == 200
    assert (await api.get(f"Tickets/{ticket['id']}")).json()["item"]["title"] == changed["title"]
    assert (await raw.get("/_sandbox/records/Tickets/987654321")).status_code == 404
    assert all(not r.path.startswith("/_sandbox") for r in box.requests)


async def test_get_and_put_record_helpers(box: Sandbox) -> None:
    ticket = box.get_record("Tickets", box.records("Tickets")[0]["id"])
    assert ticket is not None
    ticket["title"] = "edited copy"
    assert box.records("Tickets")[0]["title"] != "edited copy", "get_record hands out a copy"
    box.put_record("Tickets", ticket)
    assert box.records("Tickets")[0]["title"] == "edited copy"
    assert box.get_record("Tickets", 987654321) is None


async def test_one_debug_line_per_request_without_the_secret(
    box: Sandbox, api: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG, logger="autotask.sandbox"):
        await api.post("Tickets/query", json=ANY)
        await api.get("Tickets/entityInformation", headers={"Secret": "not-the-secret"})
    lines = [r.getMessage() for r in caplog.records if r.name == "autotask.sandbox._server"]
    assert len(lines) == 2
    assert lines[0].startswith("POST /ATServicesRest/V1.0/Tickets/query -> 200 in ")
    assert lines[1].startswith("GET /ATServicesRest/V1.0/Tickets/entityInformation -> 401 in ")
    assert not any(
        box.config.secret in text or "not-the-secret" in text for text in caplog.messages
    )
