"""Two separate processes race to apply the same plans: each plan is applied by exactly one."""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from storage_samples import CHANNEL, change_plan

from bot.storage import Database

WORKER = Path(__file__).with_name("race_worker.py")
REPO = Path(__file__).resolve().parents[2]
PLANS = 12


async def _start(url: str, name: str, plan_ids: list[str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, str(WORKER), url, name, *plan_ids,
        cwd=REPO, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip


async def _ready(process: asyncio.subprocess.Process) -> None:
    assert process.stdout is not None and process.stderr is not None
    line = await asyncio.wait_for(process.stdout.readline(), 60)
    if line.strip() != b"ready":
        raise AssertionError(f"worker did not start: {line!r} {await process.stderr.read()!r}")


async def _result(process: asyncio.subprocess.Process) -> list[str]:
    out, err = await asyncio.wait_for(process.communicate(b"go\n"), 60)
    assert process.returncode == 0, err.decode()
    won: list[str] = json.loads(out.decode().strip().splitlines()[-1])
    return won


async def test_two_processes_racing_apply_each_plan_once(db: Database, db_url: str) -> None:
    now = datetime.now(UTC)
    plan_ids = [
        (await db.plans.create(
            change_plan(n), requester_user_id="U0ALICE", requester_email=None,
            requester_resource_id=None, requester_name=None, conversation=CHANNEL,
            ttl=timedelta(hours=1), now=now,
        )).id
        for n in range(PLANS)
    ]  # fmt: skip
    workers = [await _start(db_url, name, plan_ids) for name in ("worker-a", "worker-b")]
    try:
        for process in workers:
            await _ready(process)
        won_a, won_b = await asyncio.gather(*(_result(p) for p in workers))
    finally:
        for process in workers:
            if process.returncode is None:
                process.kill()
                await process.wait()
    assert sorted(won_a + won_b) == sorted(plan_ids), "every plan won exactly once"
    assert not set(won_a) & set(won_b)
    for plan_id in plan_ids:
        stored = await db.plans.get(plan_id)
        assert stored is not None and stored.status == "applying"
        expected = "worker-a" if plan_id in won_a else "worker-b"
        assert stored.decided_by_user_id == expected
