"""Error classes, retries, the never-resent create, the in-flight limit and header scoping."""

from __future__ import annotations

import asyncio
import logging
import socket

import httpx
import pytest
from support import FAST_RETRY, credentials_for

from autotask import (
    AuthenticationError,
    AutotaskClient,
    BusyError,
    Filter,
    OutcomeUnknownError,
    Query,
    RetryPolicy,
    ServerError,
    UnknownApiUserError,
    UnreachableError,
)
from autotask.sandbox import Sandbox

THREAD_ERROR = {
    "errors": [
        "Thread Threshold Exceeded — The Autotask API thread threshold of 3 threads has been "
        "exceeded. (Itgenatr005)"
    ]
}


def _posts(box: Sandbox, suffix: str) -> int:
    return len([r for r in box.requests if r.method == "POST" and r.path.endswith(suffix)])


async def test_wrong_secret_is_an_authentication_error_with_the_checklist(
    sandbox: Sandbox,
) -> None:
    creds = credentials_for(sandbox, secret="not-the-secret")
    async with AutotaskClient(creds, zone_lookup_url=sandbox.api_url, retry=FAST_RETRY) as at:
        with pytest.raises(AuthenticationError) as caught:
            await at.count("Tickets")
    assert caught.value.status == 401
    assert "integration code" in str(caught.value) and "Secret" in str(caught.value)


async def test_unknown_api_user_says_to_use_the_username_key(sandbox: Sandbox) -> None:
    creds = credentials_for(sandbox, username="jane.doe@customer.example")
    async with AutotaskClient(creds, zone_lookup_url=sandbox.api_url, retry=FAST_RETRY) as at:
        with pytest.raises(UnknownApiUserError, match=r"Username \(Key\), not an e-mail"):
            await at.count("Tickets")


@pytest.mark.parametrize(
    ("status", "body"),
    [(429, THREAD_ERROR), (500, THREAD_ERROR), (429, None), (503, None)],
    ids=["thread-429", "thread-500", "plain-429", "503"],
)
async def test_reads_are_retried_on_transient_failures(
    client: AutotaskClient, sandbox: Sandbox, status: int, body: object
) -> None:
    sandbox.inject_error("POST", r"^Tickets/query/count$", status, body, times=2)
    sandbox.clear_requests()
    assert await client.count("Tickets") == len(sandbox.records("Tickets"))
    assert _posts(sandbox, "/query/count") == 3


async def test_retries_are_bounded(client: AutotaskClient, sandbox: Sandbox) -> None:
    sandbox.inject_error("POST", r"^Tickets/query/count$", 503, times=10)
    sandbox.clear_requests()
    with pytest.raises(ServerError, match="temporarily unavailable"):
        await client.count("Tickets")
    assert _posts(sandbox, "/query/count") == FAST_RETRY.attempts


async def test_hourly_limit_is_not_hammered(client: AutotaskClient, sandbox: Sandbox) -> None:
    sandbox.set_hourly_count(sandbox.config.hourly_threshold + 1)
    sandbox.clear_requests()
    with pytest.raises(BusyError) as caught:
        await client.count("Tickets")
    assert caught.value.reason == "hourly"
    assert "hourly" in str(caught.value)
    assert _posts(sandbox, "/query/count") == 1


async def test_a_create_is_never_resent(client: AutotaskClient, sandbox: Sandbox) -> None:
    ticket_id = sandbox.records("Tickets")[0]["id"]
    note = {"title": "t", "description": "d", "noteType": 1, "publish": 1}
    sandbox.inject_error("POST", r"^Tickets/\d+/Notes$", 503, times=1)
    sandbox.clear_requests()
    with pytest.raises(ServerError):
        await client.create(f"Tickets/{ticket_id}/Notes", note)
    assert _posts(sandbox, "/Notes") == 1

    notes_before = len(sandbox.records("TicketNotes"))
    sandbox.inject_error("POST", r"^Tickets/\d+/Notes$", 0, times=1)  # connection dropped
    sandbox.clear_requests()
    with pytest.raises(OutcomeUnknownError, match="may or may not have been applied"):
        await client.create(f"Tickets/{ticket_id}/Notes", note)
    assert _posts(sandbox, "/Notes") == 1
    assert len(sandbox.records("TicketNotes")) == notes_before


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


async def test_writes_retry_only_when_nothing_was_sent(sandbox: Sandbox) -> None:
    dead = f"http://127.0.0.1:{_closed_port()}/ATServicesRest/"
    async with AutotaskClient(credentials_for(sandbox), zone_url=dead, retry=FAST_RETRY) as at:
        with pytest.raises(UnreachableError, match="Could not reach Autotask"):
            await at.update("Tickets", 1, {"title": "x"})
        assert at.requests_sent == FAST_RETRY.attempts
        with pytest.raises(UnreachableError):
            await at.create("Tickets", {"title": "x"})
        assert at.requests_sent == FAST_RETRY.attempts + 1


async def test_twenty_concurrent_callers_never_exceed_three_in_flight(sandbox: Sandbox) -> None:
    sandbox.set_latency(40)
    sandbox.clear_requests()
    async with AutotaskClient(
        credentials_for(sandbox), zone_url=sandbox.api_url, retry=RetryPolicy.none()
    ) as at:
        counts = await asyncio.gather(
            *(at.count("Tickets", Query(filter=(Filter.gte("id", n),))) for n in range(20))
        )
        assert at.limiter.peak["tickets"] == 3
    assert len(counts) == 20 and all(c > 0 for c in counts)
    assert [r.status for r in sandbox.requests] == [200] * 20


async def test_without_the_queue_autotask_would_refuse_the_fourth(sandbox: Sandbox) -> None:
    sandbox.set_latency(40)
    async with AutotaskClient(
        credentials_for(sandbox),
        zone_url=sandbox.api_url,
        retry=RetryPolicy.none(),
        max_in_flight=10,
    ) as at:
        results = await asyncio.gather(
            *(at.count("Tickets") for _ in range(8)), return_exceptions=True
        )
    busy = [r for r in results if isinstance(r, BusyError)]
    assert busy and all(b.reason == "threads" for b in busy)


async def test_credentials_never_go_to_another_host(sandbox: Sandbox) -> None:
    # The sandbox names itself 127.0.0.1 in nextPageUrl; the client was told "localhost".
    zone = sandbox.api_url.replace("127.0.0.1", "localhost")
    async with AutotaskClient(credentials_for(sandbox), zone_url=zone, retry=FAST_RETRY) as at:
        sandbox.clear_requests()
        with pytest.raises(ServerError, match="another host") as refused:
            await at.query("Tickets", Query(max_records=10))
    assert not isinstance(refused.value, AuthenticationError)  # not "rejected the credentials"
    assert len(sandbox.requests) == 1  # the next page was never asked for, with or without them
    assert sandbox.requests[0].headers.get("UserName") == sandbox.config.username


async def test_a_next_page_on_another_spelling_of_the_zone_host_is_followed(
    sandbox: Sandbox,
) -> None:
    class _Resolver(httpx.AsyncHTTPTransport):
        """DNS: a fully qualified "host." is the host itself."""

        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            request.url = request.url.copy_with(host=request.url.host.rstrip("."))
            return await super().handle_async_request(request)

    # The client knows the zone as "127.0.0.1." (fully qualified); the sandbox's nextPageUrl
    # says "127.0.0.1": the same server, so the credentials go along and every page is read.
    zone = sandbox.api_url.replace("127.0.0.1", "127.0.0.1.")
    async with AutotaskClient(
        credentials_for(sandbox), zone_url=zone, retry=FAST_RETRY, transport=_Resolver()
    ) as at:
        sandbox.clear_requests()
        rows = await at.query("Tickets", Query(max_records=10), limit=25)
    assert len(rows) == 25 and len({r["id"] for r in rows}) == 25
    assert all(r.headers.get("UserName") == sandbox.config.username for r in sandbox.requests)


async def test_one_log_line_per_request_and_no_secret(
    sandbox: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with AutotaskClient(
        credentials_for(sandbox), zone_lookup_url=sandbox.api_url, retry=FAST_RETRY
    ) as at:
        await at.count("Tickets")
        await at.get("Tickets", sandbox.records("Tickets")[0]["id"])
    lines = [r.getMessage() for r in caplog.records if r.name == "autotask.client"]
    assert len(lines) == 3  # zone lookup, count, get
    assert "POST /ATServicesRest/V1.0/Tickets/query/count -> 200" in lines[1]
    everything = caplog.text
    assert sandbox.config.secret not in everything
    assert sandbox.config.integration_code not in everything


@pytest.mark.parametrize(
    "error",
    [httpx.ConnectError("refused"), httpx.ReadTimeout("slow"), httpx.RemoteProtocolError("gone")],
)
def test_a_network_failure_is_told_in_words_not_the_librarys_names(
    error: httpx.TransportError,
) -> None:
    from autotask._client import AutotaskClient

    for kind in ("read", "write"):
        said = str(AutotaskClient._transport_error(error, "POST", "/Tickets", kind))  # type: ignore[arg-type]
        assert type(error).__name__ not in said and "Error" not in said and "Timeout" not in said
