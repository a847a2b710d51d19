"""Command mode: the share of the phrasing corpus answered right against the sandbox, and how
long the parser takes per message."""

from __future__ import annotations

import importlib
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType

from autotask import AutotaskClient
from autotask.sandbox import Sandbox, SandboxConfig
from autotask.tools import Tenant, ToolContext, actor_of
from bot.commands import parse_command

from ._report import Figure

CORPUS_DIR = Path(__file__).resolve().parents[1] / "tests" / "commands"
NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)  # a fixed day: the answers do not drift
ROUNDS = 20  # each phrasing is parsed this many times for the timing
LONG = ("tickets for Contoso created last week please " * 100)[:4000]


def _corpus_run() -> ModuleType | None:
    """The corpus and its scoring, from the test suite (absent from an installed copy)."""
    if not (CORPUS_DIR / "corpus_run.py").exists():
        return None
    sys.path.insert(0, str(CORPUS_DIR))
    return importlib.import_module("corpus_run")


def _parse_times(texts: list[str], mentions: dict[str, str]) -> list[float]:
    times: list[float] = []
    for _ in range(ROUNDS):
        for text in texts:
            started = time.perf_counter()
            parse_command(text, mentions=mentions)
            times.append((time.perf_counter() - started) * 1000)
    return times


async def run() -> list[Figure]:
    corpus = _corpus_run()
    if corpus is None:
        return [Figure("command mode corpus", "share answered right", "n/a", "no test suite")]
    config = SandboxConfig(tickets=600, now=NOW)
    async with (
        Sandbox(config) as box,
        AutotaskClient(config.credentials(), zone_url=box.api_url) as client,
    ):
        tech = next(r for r in box.records("Resources")
                    if r["isActive"] and r["firstName"] == "Sarah")  # fmt: skip
        ctx = ToolContext(tenant=Tenant(client=client), actor=actor_of(tech),
                          timezone="America/New_York", clock=lambda: NOW)  # fmt: skip
        score = await corpus.score(ctx, box)
    texts = [text for text, _ in corpus.CORPUS]
    times = _parse_times(texts, corpus.MENTIONS)
    cuts = statistics.quantiles(times, n=20)
    long = min(_parse_times([LONG], {}))
    name = f"command mode: {score.total} phrasings (tests/commands/corpus.py) on the sandbox"
    return [
        Figure(name, "answered right", f"{score.right}/{score.total} ({score.share:.1%})",
               "goal ≥ 95 %"),
        Figure(name, "verbatim examples answered right",
               f"{score.verbatim_right}/{score.verbatim_total}", "goal 100 %"),
        Figure("command mode parser, per message", "p50 / p95",
               f"{statistics.median(times):.2f} ms / {cuts[18]:.2f} ms", "goal p95 < 2 ms"),
        Figure("command mode parser, a 4,000-character message", "time", f"{long:.1f} ms"),
    ]  # fmt: skip
