"""`make demo` as a user runs it (`atbot demo`): start, wait until ready, ask, stop with SIGTERM."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def _wait_ready(base: str, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        assert process.poll() is None, "atbot demo exited before it was ready"
        try:
            if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError("atbot demo did not become ready")


def _ask(base: str, text: str) -> tuple[str, str]:
    with httpx.Client(base_url=base, timeout=30) as http:
        people = http.get("/webchat/api/technicians").json()
        session = http.post("/webchat/api/session", json={"email": people["suggested"]}).json()
        headers = {"Authorization": f"Bearer {session['token']}"}
        own = session["conversations"][0]["id"]
        sent = http.post(
            "/webchat/api/messages", json={"conversation": own, "text": text}, headers=headers
        )
        assert sent.status_code == 202, sent.text
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            history = http.get(
                "/webchat/api/history", params={"conversation": own}, headers=headers
            ).json()["messages"]
            answers = [m["html"] for m in history if m["author"] == "bot"]
            if answers:
                return str(answers[0]), str(session["token"])
            time.sleep(0.1)
    raise AssertionError("no answer from the bot")


def test_atbot_demo_starts_answers_and_stops_cleanly(tmp_path: Path) -> None:
    port, sandbox_port = _free_port(), _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ATBOT_", "OPENAI_"))}
    process = subprocess.Popen(
        [sys.executable, "-m", "adapters.cli", "demo", "--port", str(port),
         "--sandbox-port", str(sandbox_port), "--data-dir", str(tmp_path / "data"),
         "--tickets", "300"],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(base, process)
        answer, token = _ask(base, "my tickets")
        assert 'class="card card-list"' in answer
        # A browser tab still listening must not hold the shutdown up.
        with (
            httpx.Client(timeout=30) as http,
            http.stream("GET", f"{base}/webchat/api/events", params={"token": token}) as events,
        ):
            assert next(events.iter_lines()).startswith("retry:")
            process.send_signal(signal.SIGTERM)
            code = process.wait(timeout=10)  # the server alone would wait for the stream
    finally:
        if process.poll() is None:
            process.kill()
        output = process.communicate(timeout=10)[0]
    assert code == 0, output
    assert f"Web chat:   {base}/" in output
    assert "command mode" in output and "my tickets" in output
    assert (tmp_path / "data" / "demo.db").is_file()
