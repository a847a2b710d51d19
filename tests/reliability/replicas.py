"""Real processes for the reliability tests (importable as ``replicas``): the sandbox, bot replicas
(``python -m adapters.cli run``) on one PostgreSQL, and bounded waits that say what they waited for.

Every process is started by the test that needs it and killed in its teardown; each writes its
output to a log file whose tail is shown when a wait fails.
"""

from __future__ import annotations

import asyncio
import inspect
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, TypeVar, overload

import httpx
from fake_slack import BOT_TOKEN
from slack_harness import SIGNING_SECRET

from autotask.sandbox import SandboxConfig

__all__ = [
    "DEMO",
    "REPO",
    "Cluster",
    "Replica",
    "SandboxProcess",
    "free_port",
    "running_sandbox",
    "tail",
    "wait_until",
]

REPO = Path(__file__).resolve().parents[2]
DEMO = SandboxConfig()  # the sandbox's demo API user (its command-line defaults)
T = TypeVar("T")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


@overload
async def wait_until(
    check: Callable[[], Awaitable[T | None]],
    what: str,
    *,
    within: float = ...,
    detail: Callable[[], str] = ...,
) -> T: ...


@overload
async def wait_until(
    check: Callable[[], T | None],
    what: str,
    *,
    within: float = ...,
    detail: Callable[[], str] = ...,
) -> T: ...


async def wait_until(
    check: Callable[[], Any],
    what: str,
    *,
    within: float = 30.0,
    detail: Callable[[], str] = lambda: "",
) -> Any:
    """Poll ``check`` (plain or async) until it returns something truthy, and return that; fail
    naming ``what`` after ``within`` seconds (a deadline for a stuck test, not a timing
    assertion)."""
    deadline = time.monotonic() + within
    while True:
        found = check()
        if inspect.isawaitable(found):
            found = await found
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {within:g} s waiting for {what}\n{detail()}")
        await asyncio.sleep(0.05)


def _clean_environment() -> dict[str, str]:
    """This process's environment without any ATBOT_/OPENAI_ setting of the developer's."""
    return {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("ATBOT_", "OPENAI_"))
    }


class _PortTaken(Exception):
    """A process could not bind its port: another program took it first."""


# -- the sandbox ----------------------------------------------------------------------------------


@dataclass
class SandboxProcess:
    """``atbot sandbox`` in a process of its own, driven through its ``/_sandbox/`` controls."""

    url: str
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def api_url(self) -> str:
        return f"{self.url}/ATServicesRest/"

    async def requests(self) -> list[dict[str, Any]]:
        """Every Autotask request the sandbox has answered so far, oldest first."""
        async with httpx.AsyncClient(timeout=10) as http:
            answer = await http.get(f"{self.url}/_sandbox/requests")
        answer.raise_for_status()
        logged: list[dict[str, Any]] = answer.json()["requests"]
        return logged

    async def writes(self, entity: str, method: str = "") -> list[dict[str, Any]]:
        """The successful writes (POST/PATCH/PUT/DELETE) to ``entity`` the sandbox received."""
        wanted = {method.upper()} if method else {"POST", "PATCH", "PUT", "DELETE"}
        return [
            r
            for r in await self.requests()
            if r["method"] in wanted
            and r["status"] < 300
            and r["path"].lower().rstrip("/").endswith(f"/v1.0/{entity.lower()}")
        ]


def _start_sandbox(root: Path, tickets: int) -> SandboxProcess:
    """One try: the process on a free port, once it answers (``_PortTaken``: it lost its port)."""
    log = root / "sandbox.log"
    port = free_port()
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "adapters.cli", "sandbox", "--port", str(port),
             "--tickets", str(tickets)],
            cwd=root, env=_clean_environment(), stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    box = SandboxProcess(url=f"http://127.0.0.1:{port}", process=process, log=log)
    deadline = time.monotonic() + 60
    while process.poll() is None:
        try:
            httpx.get(f"{box.api_url}VersionInformation", timeout=1)
            return box
        except httpx.TransportError:
            if time.monotonic() > deadline:
                process.kill()
                process.wait()
                raise AssertionError(f"the sandbox did not open its port:\n{tail(log)}") from None
            time.sleep(0.05)
    if "address already in use" in tail(log).lower():
        raise _PortTaken("sandbox")
    raise AssertionError(f"the sandbox exited at start:\n{tail(log)}")


@contextmanager
def running_sandbox(root: Path, *, tickets: int = 300) -> Iterator[SandboxProcess]:
    """Start ``python -m adapters.cli sandbox`` on a free port; kill it when the block ends."""
    root.mkdir(parents=True, exist_ok=True)
    for attempt in range(3):  # a free port can be taken by another program before it is bound
        try:
            box = _start_sandbox(root, tickets)
            break
        except _PortTaken:
            if attempt == 2:
                raise
    try:
        yield box
    finally:
        if box.process.poll() is None:
            box.process.kill()
        box.process.wait()


# -- bot replicas ---------------------------------------------------------------------------------


@dataclass
class Replica:
    """One ``atbot run`` process."""

    name: str
    url: str
    process: asyncio.subprocess.Process
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def alive(self) -> bool:
        return self.process.returncode is None

    def log_count(self, text: str) -> int:
        """How many lines of the replica's log contain ``text``."""
        return sum(text in line for line in tail(self.log, lines=100_000).splitlines())

    def log_tail(self) -> str:
        return f"--- log of replica {self.name} (pid {self.pid}) ---\n{tail(self.log)}"

    async def kill(self) -> None:
        """SIGKILL: no shutdown code runs, as when a host or container dies."""
        if self.alive:
            self.process.send_signal(signal.SIGKILL)
        await self.process.wait()

    async def ready(self) -> bool:
        """``/readyz`` answers 200 (database and Autotask reachable)."""
        try:
            async with httpx.AsyncClient(timeout=5) as http:
                return (await http.get(f"{self.url}/readyz")).status_code == 200
        except httpx.HTTPError:
            return False


@dataclass
class Cluster:
    """Bot replicas sharing one database, one sandbox and one (fake) Slack."""

    root: Path
    database_url: str
    sandbox: SandboxProcess
    slack_api_url: str
    settings: Mapping[str, str] = field(default_factory=dict)  # extra ATBOT_ variables for all
    replicas: list[Replica] = field(default_factory=list)

    def environment(self, port: int, data_dir: Path, **extra: str) -> dict[str, str]:
        values = {
            "ATBOT_DATABASE_URL": self.database_url,
            "ATBOT_AUTOTASK__USERNAME": DEMO.username,
            "ATBOT_AUTOTASK__SECRET": DEMO.secret,
            "ATBOT_AUTOTASK__INTEGRATION_CODE": DEMO.integration_code,
            "ATBOT_AUTOTASK__ZONE_LOOKUP_URL": self.sandbox.api_url,
            "ATBOT_SERVER__PORT": str(port),
            "ATBOT_SLACK__MODE": "http",
            "ATBOT_SLACK__BOT_TOKEN": BOT_TOKEN,
            "ATBOT_SLACK__SIGNING_SECRET": SIGNING_SECRET,
            "ATBOT_SLACK__API_URL": self.slack_api_url,
            "ATBOT_DATA_DIR": str(data_dir),
            "ATBOT_TIMEZONE": "America/New_York",
            "ATBOT_BLOCK_REMOTE_MODEL": "1",
            **self.settings,
            **extra,
        }
        return {**_clean_environment(), **values}

    async def start(self, name: str, **extra: str) -> Replica:
        """Start a replica and wait until ``/readyz`` answers 200 (``extra``: more variables).

        A free port can be taken by another program before the replica binds it; then the
        replica is started again on another port (three tries)."""
        for attempt in range(3):
            replica = await self._launch(name, **extra)
            try:
                await wait_until(partial(self._up, replica), f"replica {name} to be ready",
                                 within=60, detail=replica.log_tail)  # fmt: skip
                return replica
            except _PortTaken:
                self.replicas.remove(replica)  # it has exited
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    async def _launch(self, name: str, **extra: str) -> Replica:
        data_dir = self.root / name
        data_dir.mkdir(parents=True, exist_ok=True)
        log = data_dir / f"replica-{len(self.replicas)}.log"
        port = free_port()
        with log.open("wb") as out:
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "adapters.cli", "run",
                cwd=data_dir, env=self.environment(port, data_dir, **extra),
                stdout=out, stderr=asyncio.subprocess.STDOUT,
            )  # fmt: skip
        replica = Replica(name=name, url=f"http://127.0.0.1:{port}", process=process, log=log)
        self.replicas.append(replica)
        return replica

    @staticmethod
    async def _up(replica: Replica) -> bool:
        if replica.alive:
            return await replica.ready()
        await replica.process.wait()
        if "address already in use" in tail(replica.log).lower():
            raise _PortTaken(replica.name)
        raise AssertionError(f"replica {replica.name} exited at start\n{replica.log_tail()}")

    async def start_many(self, *names: str, **extra: str) -> list[Replica]:
        return list(await asyncio.gather(*(self.start(name, **extra) for name in names)))

    def logs(self) -> str:
        return "\n".join(replica.log_tail() for replica in self.replicas)

    async def stop(self) -> None:
        for replica in self.replicas:
            await replica.kill()
