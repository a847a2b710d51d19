"""The Bot Framework resends an activity it thinks was lost: the resend is answered once, whether
it reaches the same replica, another one on the same database, or a restarted process."""

from __future__ import annotations

from pathlib import Path

from teams_connector import FakeConnector
from teams_server import open_runtime, serve_teams
from teams_support import TeamsUser, personal

from adapters.runtime import Runtime
from autotask.tools import Tenant


def _answers(connector: FakeConnector) -> int:
    return len([r for r in connector.messages() if r.body.get("type") == "message"])


async def test_an_activity_delivered_twice_gets_one_answer(
    runtime: Runtime, connector: FakeConnector, sarah: TeamsUser
) -> None:
    activity = personal(sarah, connector.url, "my tickets")
    async with serve_teams(runtime) as server:
        assert (await server.send(activity)).status_code == 201
        assert (await server.send(activity)).status_code == 201
        again = personal(sarah, connector.url, "my tickets")  # same text, a new activity id
        assert (await server.send(again)).status_code == 201
    assert _answers(connector) == 2


async def test_another_replica_and_a_restart_know_the_activity(
    tenant: Tenant, tmp_path: Path, connector: FakeConnector, sarah: TeamsUser
) -> None:
    activity = personal(sarah, connector.url, "my tickets")
    async with open_runtime(tenant, tmp_path) as first, serve_teams(first) as replica_a:
        assert (await replica_a.send(activity)).status_code == 201
        async with open_runtime(tenant, tmp_path) as second, serve_teams(second) as replica_b:
            assert (await replica_b.send(activity)).status_code == 201
    assert _answers(connector) == 1
    async with open_runtime(tenant, tmp_path) as restarted, serve_teams(restarted) as server:
        assert (await server.send(activity)).status_code == 201
    assert _answers(connector) == 1
