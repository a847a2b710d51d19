"""The atbot command line, run as a user would: a real process."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

REPO = Path(__file__).resolve().parents[1]


def _atbot(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ATBOT_")}
    return subprocess.run(
        [sys.executable, "-m", "adapters.cli", *args],
        capture_output=True, text=True, timeout=timeout, cwd=REPO, env=env, check=False,
    )  # fmt: skip


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.fixture
def sandbox_process() -> Iterator[str]:
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "adapters.cli", "sandbox", "--port", str(port), "--tickets", "200"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=REPO,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                httpx.get(f"{base}/ATServicesRest/VersionInformation", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=10)
        assert "demo-api@bluewave-it.example" in output and "sandbox-secret" in output


def test_atbot_sandbox_serves_the_zone_lookup(sandbox_process: str) -> None:
    answer = httpx.get(
        f"{sandbox_process}/ATServicesRest/V1.0/zoneInformation",
        params={"user": "demo-api@bluewave-it.example"},
    )
    assert answer.status_code == 200
    assert answer.json()["url"] == f"{sandbox_process}/ATServicesRest/"


def test_tools_list_prints_every_schema() -> None:
    done = _atbot("tools", "list")
    assert done.returncode == 0, done.stderr
    listing = json.loads(done.stdout)
    assert [t["name"] for t in listing][:2] == ["list_entities", "describe"]
    assert all("properties" in t["parameters"] for t in listing)


def test_tools_call_runs_against_the_embedded_sandbox() -> None:
    done = _atbot(
        "tools", "call", "search",
        '{"entity": "Tickets", "mode": "count", "filters": [{"field": "priority", "value": "Critical"}]}',
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["total"] > 0


def test_tools_call_reports_errors_without_a_traceback() -> None:
    done = _atbot("tools", "call", "get", '{"entity": "Nonsense", "id": 1}')
    assert done.returncode == 1
    assert "Autotask has no entity 'Nonsense'" in done.stderr
    assert "Traceback" not in done.stderr
    bad_json = _atbot("tools", "call", "get", "{not json")
    assert bad_json.returncode == 2 and "not valid JSON" in bad_json.stderr
