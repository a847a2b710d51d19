"""``run_sandbox`` in a real process: serves until SIGTERM, prints nothing, is driven via /_sandbox/."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from support import wait_for_sandbox_process

REPO = Path(__file__).resolve().parents[2]
SCRIPT = (
    "from autotask.sandbox import SandboxConfig, run_sandbox\n"
    "run_sandbox(SandboxConfig(tickets=20, latency_ms=0), host='127.0.0.1', port={port})\n"
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.fixture
def served() -> Iterator[tuple[str, subprocess.Popen[str]]]:
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-c", SCRIPT.format(port=port)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for_sandbox_process(process, base, seconds=30)
        yield base, process
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()


def test_run_sandbox_serves_until_sigterm_and_prints_nothing(
    served: tuple[str, subprocess.Popen[str]],
) -> None:
    base, process = served
    zone = httpx.get(
        f"{base}/ATServicesRest/V1.0/zoneInformation",
        params={"user": "demo-api@bluewave-it.example"},
    )
    assert zone.json()["url"] == f"{base}/ATServicesRest/"
    rule = {"method": "GET", "path_pattern": "^Version$", "status": 503}
    assert httpx.post(f"{base}/_sandbox/errors", json=rule).status_code == 200
    headers = {
        "ApiIntegrationCode": "SANDBOX-INTEGRATION",
        "UserName": "demo-api@bluewave-it.example",
        "Secret": "sandbox-secret",
    }
    assert httpx.get(f"{base}/ATServicesRest/V1.0/Version", headers=headers).status_code == 503
    logged = httpx.get(f"{base}/_sandbox/requests").json()["requests"]
    assert [r["status"] for r in logged] == [200, 200, 503]
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=30)
    assert process.returncode == 0
    assert (out, err) == ("", "")
