"""One process of the cross-process race tests: moves plans pending → applying when told to.

Usage: ``python race_worker.py URL WORKER PLAN_ID…``. Prints ``ready`` once connected, waits for
a line on stdin, tries every plan once, then prints the ids it won as one JSON line.
"""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import UTC, datetime

from bot.storage import Database


async def main(url: str, worker: str, plan_ids: list[str]) -> None:
    db = await Database.open(url)
    try:
        await db.plans.get(plan_ids[0])  # warm the connection pool before the start signal
        print("ready", flush=True)
        await asyncio.to_thread(sys.stdin.readline)
        now = datetime.now(UTC)
        won = []
        for plan_id in plan_ids:
            stored = await db.plans.transition(
                plan_id,
                from_statuses={"pending"},
                to_status="applying",
                now=now,
                decided_by_user_id=worker,
            )
            if stored is not None:
                won.append(plan_id)
        print(json.dumps(won), flush=True)
    finally:
        await db.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3:]))
