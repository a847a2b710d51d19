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
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=REPO,
        env=env,
        check=False,
    )


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
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=REPO,
    )
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
        "tools",
        "call",
        "search",
        '{"entity": "Tickets", "mode": "count", "filters": [{"field": "priority", "value": "Critical"}]}',
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["total"] > 0


def test_tools_call_reports_errors_without_a_traceback() -> None:
    done = _atbot("tools", "call", "get", '{"entity": "Nonsense", "id": 1}')
    assert done.returncode == 1
    assert "Autotask has no entity 'Nonsense'" in done.stderr
    assert "Traceback" not in done.stderr
    bad_json = _atbot("tools", "call", "get", "{not json")
    assert bad_json.returncode == 2 and "not valid JSON" in bad_json.stderr


def _atbot_in(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ATBOT_", "OPENAI_"))}
    env["ATBOT_DATA_DIR"] = str(folder)
    return subprocess.run(
        [sys.executable, "-m", "adapters.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
        env=env,
        check=False,
    )


def test_ask_then_approve_from_the_shell(tmp_path: Path) -> None:
    listing = _atbot_in(tmp_path, "ask", "--json", "my tickets")
    assert listing.returncode == 0, listing.stderr
    rows = json.loads(listing.stdout)["cards"][0]["rows"]
    number = rows[0][0]
    asked = _atbot_in(tmp_path, "ask", "--json", f"set priority of {number} to critical")
    card = json.loads(asked.stdout)["cards"][0]
    assert card["status"] == "pending" and card["changes"][0]["after"] == "Critical"
    plan_id = card["actions"][0]["plan_id"]
    approved = _atbot_in(tmp_path, "approve", plan_id)
    assert approved.returncode == 0 and f"plan {plan_id}: applied" in approved.stdout
    again = _atbot_in(tmp_path, "approve", plan_id)
    assert "already applied" in again.stderr
    other = _atbot_in(tmp_path, "cancel", plan_id, "--as", "james.oconnor@bluewave-it.example")
    assert other.returncode == 1 and "Only Sarah Mitchell" in other.stderr


def test_link_a_chat_user(tmp_path: Path) -> None:
    linked = _atbot_in(
        tmp_path,
        "link",
        "--platform",
        "slack",
        "--user",
        "U123",
        "--resource",
        "priya.sharma@bluewave-it.example",
    )
    assert linked.returncode == 0 and "Priya Sharma" in linked.stdout
    missing = _atbot_in(
        tmp_path, "link", "--platform", "slack", "--user", "U9", "--resource", "x@y.z"
    )
    assert missing.returncode == 1 and "no active Autotask resource" in missing.stderr
    assert (
        "unlinked"
        in _atbot_in(tmp_path, "link", "--platform", "slack", "--user", "U123", "--unlink").stdout
    )


@pytest.mark.parametrize("verbose", [True, False])
def test_no_log_level_opens_the_libraries_that_log_bodies(verbose: bool) -> None:
    """Neither ``-v`` nor the default level puts message text, prompts, SQL parameters or PSA
    records into the log."""
    import logging

    from adapters.cli import BODIES_AT_INFO, CHATTY_LIBRARIES, configure_logging

    names = ["bot", "adapters", "autotask", *CHATTY_LIBRARIES, *BODIES_AT_INFO]
    before = {name: logging.getLogger(name).level for name in names}
    root = logging.getLogger().level
    try:
        configure_logging(verbose=verbose, quiet=False)
        logging.getLogger().setLevel(logging.DEBUG if verbose else logging.INFO)
        assert logging.getLogger("bot.engine").isEnabledFor(logging.DEBUG) is verbose
        assert not logging.getLogger("sqlalchemy.engine.Engine").isEnabledFor(logging.INFO)
        for name in (
            "openai._base_client",
            "slack_sdk.web.async_base_client",
            "slack_bolt.App",
            "msrest.http_logger",
            "botbuilder.core",
            "adapters.slack.bolt",
        ):
            assert not logging.getLogger(name).isEnabledFor(logging.DEBUG), name
    finally:
        for name, level in before.items():
            logging.getLogger(name).setLevel(level)
        logging.getLogger().setLevel(root)
