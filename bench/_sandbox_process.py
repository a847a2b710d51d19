"""Helpers of the load benchmark: the sandbox in a process of its own, and resident memory."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import resource
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx

from autotask.sandbox import Sandbox, SandboxConfig

__all__ = ["rss_mb", "sandbox_process"]


def rss_mb() -> float:
    """Resident memory now (Linux), else the peak so far."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _serve_sandbox(config: dict[str, Any], port: int) -> None:
    async def serve() -> None:
        box = Sandbox(SandboxConfig.model_validate(config))
        await box.start(port=port)
        try:
            await asyncio.Event().wait()
        finally:
            await box.stop()

    asyncio.run(serve())


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@asynccontextmanager
async def sandbox_process(config: SandboxConfig) -> AsyncIterator[str]:
    """A sandbox with ``config`` in a child process; yields its base URL, stops it after."""
    port = _free_port()
    process = multiprocessing.get_context("spawn").Process(
        target=_serve_sandbox, args=(config.model_dump(mode="json"), port), daemon=True
    )
    process.start()
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient() as http:
            for _ in range(600):
                try:
                    await http.get(f"{base}/ATServicesRest/VersionInformation")
                    break
                except httpx.TransportError:
                    await asyncio.sleep(0.1)
            else:
                raise RuntimeError("the sandbox process did not start within a minute")
        yield base
    finally:
        process.terminate()
        await asyncio.to_thread(process.join, 10)
