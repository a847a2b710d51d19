"""A throwaway PostgreSQL server for tests (importable as ``pg``).

``postgres_for_tests()`` starts one server in a temporary folder on a free loopback port and
removes it afterwards; ``create_database()`` gives each test (or module) a database of its own.
Suites wrap it in a session-scoped fixture (see ``tests/storage/conftest.py``).

The server binaries come from ``ATBOT_PG_BIN`` (a folder), else ``PATH``, else Debian's
``/usr/lib/postgresql/<version>/bin``. As root, ``initdb`` refuses to run, so the server runs
as the ``postgres`` system user and owns its temporary folder. When no server can be started
the tests fail with the reason; ``ATBOT_SKIP_POSTGRES=1`` skips them instead.
"""

from __future__ import annotations

import atexit
import os
import pwd
import re
import secrets
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import asyncpg  # type: ignore[import-untyped]
import pytest

__all__ = ["PostgresServer", "PostgresUnavailable", "postgres_for_tests", "skip_requested"]

SKIP_VARIABLE = "ATBOT_SKIP_POSTGRES"
_DEBIAN_ROOT = Path("/usr/lib/postgresql")
_SERVER_USER = "postgres"
_TIMEOUT = 120


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL server could be found or started; the message says why."""


# Read once, at import (collection time): the suite's autouse fixtures clear ATBOT_ variables
# from the environment of each test, and the server starts lazily inside the first test.
_ENVIRONMENT = {name: os.environ.get(name, "") for name in (SKIP_VARIABLE, "ATBOT_PG_BIN")}


def skip_requested() -> bool:
    return _ENVIRONMENT[SKIP_VARIABLE].strip().lower() in ("1", "true", "yes")


def _version_key(path: Path) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", path.name)) or (0,)


def find_bin_dir() -> Path:
    """The folder holding ``initdb``, ``pg_ctl`` and ``postgres``."""
    configured = _ENVIRONMENT["ATBOT_PG_BIN"]
    candidates = [Path(configured)] if configured else []
    on_path = shutil.which("pg_ctl")
    if on_path:
        candidates.append(Path(on_path).resolve().parent)
    if _DEBIAN_ROOT.is_dir():
        versions = sorted(_DEBIAN_ROOT.iterdir(), key=_version_key, reverse=True)
        candidates.extend(version / "bin" for version in versions)
    for folder in candidates:
        if all((folder / tool).exists() for tool in ("initdb", "pg_ctl", "postgres")):
            return folder
    raise PostgresUnavailable(
        "PostgreSQL server binaries (initdb, pg_ctl) were not found on PATH or under "
        f"{_DEBIAN_ROOT}/<version>/bin. Install them (Debian: apt-get install -y postgresql), "
        f"point ATBOT_PG_BIN at their folder, or set {SKIP_VARIABLE}=1 to skip these tests."
    )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _run_as() -> tuple[list[str], int | None, int | None]:
    """The command prefix that runs a server binary, and the uid/gid to own its folder."""
    if os.geteuid() != 0:
        return [], None, None
    try:
        user = pwd.getpwnam(_SERVER_USER)
    except KeyError as exc:
        raise PostgresUnavailable(
            f"Running as root, the PostgreSQL server needs the {_SERVER_USER!r} system user, "
            "which does not exist (Debian's postgresql package creates it)."
        ) from exc
    runuser = shutil.which("runuser")
    if runuser:
        return [runuser, "-u", _SERVER_USER, "--"], user.pw_uid, user.pw_gid
    setpriv = shutil.which("setpriv")
    if setpriv:
        ids = [f"--reuid={user.pw_uid}", f"--regid={user.pw_gid}", "--clear-groups"]
        return [setpriv, *ids], user.pw_uid, user.pw_gid
    raise PostgresUnavailable("Running as root needs runuser or setpriv to start PostgreSQL.")


class PostgresServer:
    """One running server; ``stop()`` ends it and removes its folder."""

    def __init__(self, root: Path, bin_dir: Path, prefix: list[str]) -> None:
        self.root = root
        self.bin_dir = bin_dir
        self.port = 0
        self._prefix = prefix
        self._running = False
        self._options = ""

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def log_file(self) -> Path:
        return self.root / "server.log"

    def _run(self, tool: str, *args: str) -> subprocess.CompletedProcess[str]:
        command = [*self._prefix, str(self.bin_dir / tool), *args]
        env = {**os.environ, "LC_ALL": "C", "LANG": "C"}
        return subprocess.run(
            command, cwd=self.root, env=env, capture_output=True, text=True, timeout=_TIMEOUT
        )

    def _log_tail(self) -> str:
        try:
            return self.log_file.read_text(errors="replace")[-2000:]
        except OSError:
            return ""

    @classmethod
    def start(cls) -> PostgresServer:
        bin_dir = find_bin_dir()
        prefix, uid, gid = _run_as()
        root = Path(tempfile.mkdtemp(prefix="atbot-pg-"))
        if uid is not None and gid is not None:
            os.chown(root, uid, gid)
        server = cls(root, bin_dir, prefix)
        atexit.register(server.stop)
        try:
            server._init()
            server._launch()
        except BaseException:
            server.stop()
            raise
        return server

    def _init(self) -> None:
        done = self._run(
            "initdb", "-D", str(self.data_dir), "-U", "postgres", "-A", "trust",
            "-E", "UTF8", "--locale=C", "--no-sync",
        )  # fmt: skip
        if done.returncode != 0:
            raise PostgresUnavailable(f"initdb failed:\n{done.stdout}\n{done.stderr}")

    def _launch(self) -> None:
        last = ""
        for _attempt in range(3):  # a free port can be taken between choosing and binding
            self.port = _free_port()
            options = (
                f"-c listen_addresses=127.0.0.1 -k {self.root} -p {self.port} -c fsync=off "
                "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
            )
            done = self._run(
                "pg_ctl", "start", "-D", str(self.data_dir), "-l", str(self.log_file),
                "-w", "-t", "60", "-o", options,
            )  # fmt: skip
            if done.returncode == 0:
                self._running = True
                self._options = options
                return
            last = f"{done.stdout}\n{done.stderr}\n{self._log_tail()}"
        raise PostgresUnavailable(f"pg_ctl start failed:\n{last}")

    def restart(self) -> None:
        """Stop the server (``fast``: every open connection is cut, as when a database host
        restarts) and start it again on the same port; returns once it accepts connections."""
        done = self._run(
            "pg_ctl", "restart", "-D", str(self.data_dir), "-l", str(self.log_file),
            "-m", "fast", "-w", "-t", "60", "-o", self._options,
        )  # fmt: skip
        if done.returncode != 0:
            raise PostgresUnavailable(
                f"pg_ctl restart failed:\n{done.stdout}\n{done.stderr}\n{self._log_tail()}"
            )

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/{database}"

    async def create_database(self, prefix: str = "test") -> str:
        """A new empty database; returns its URL."""
        name = f"{prefix}_{secrets.token_hex(6)}"
        if not re.fullmatch(r"[a-z][a-z0-9_]{0,62}", name):
            raise ValueError(f"not a plain database name: {name!r}")
        await self._admin(f'CREATE DATABASE "{name}"')
        return self.url(name)

    async def drop_database(self, url: str) -> None:
        """Drop the database of ``url`` while clients are connected to it (they lose it)."""
        name = url.rsplit("/", 1)[1]
        if not re.fullmatch(r"[a-z][a-z0-9_]{0,62}", name):
            raise ValueError(f"not a plain database name: {name!r}")
        await self._admin(f'DROP DATABASE "{name}" WITH (FORCE)')

    async def _admin(self, statement: str) -> None:
        """One statement on the server's maintenance database."""
        conn = await asyncpg.connect(
            host="127.0.0.1", port=self.port, user="postgres", database="postgres"
        )
        try:
            await conn.execute(statement)
        finally:
            await conn.close()

    def stop(self) -> None:
        if self._running:
            self._running = False
            self._run("pg_ctl", "stop", "-D", str(self.data_dir), "-m", "immediate", "-w")
        shutil.rmtree(self.root, ignore_errors=True)


@contextmanager
def postgres_for_tests() -> Iterator[PostgresServer]:
    """A server for a test session: skipped with ATBOT_SKIP_POSTGRES=1, else a clear failure."""
    if skip_requested():
        pytest.skip(f"{SKIP_VARIABLE}=1: PostgreSQL tests skipped")
    try:
        server = PostgresServer.start()
    except (PostgresUnavailable, OSError, subprocess.SubprocessError) as exc:
        pytest.fail(
            f"PostgreSQL is needed by these tests and could not be started: {exc}\n"
            f"(set {SKIP_VARIABLE}=1 to skip them)",
            pytrace=False,
        )
    try:
        yield server
    finally:
        server.stop()
