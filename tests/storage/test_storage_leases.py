"""Leases: acquire, renew, release, expiry and takeover."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from storage_samples import NOW

from bot.storage import Database

TTL = timedelta(seconds=30)


async def test_a_free_lease_is_taken_and_renewed_by_its_holder(db: Database) -> None:
    assert await db.leases.holder("alerts-poller", now=NOW) is None
    assert await db.leases.acquire("alerts-poller", "replica-a", ttl=TTL, now=NOW) is True
    assert await db.leases.acquire("alerts-poller", "replica-b", ttl=TTL, now=NOW) is False
    assert await db.leases.holder("alerts-poller", now=NOW) == "replica-a"
    renewed_at = NOW + timedelta(seconds=20)
    assert await db.leases.acquire("alerts-poller", "replica-a", ttl=TTL, now=renewed_at)
    # renewed: still a's 49 s later (20 + 30 > 49), which the first term would not have covered
    late = NOW + timedelta(seconds=49)
    assert await db.leases.acquire("alerts-poller", "replica-b", ttl=TTL, now=late) is False
    assert await db.leases.holder("alerts-poller", now=late) == "replica-a"


async def test_an_expired_lease_is_taken_over(db: Database) -> None:
    await db.leases.acquire("alerts-poller", "replica-a", ttl=TTL, now=NOW)
    expiry = NOW + TTL
    assert await db.leases.holder("alerts-poller", now=expiry) is None
    assert await db.leases.acquire("alerts-poller", "replica-b", ttl=TTL, now=expiry) is True
    assert await db.leases.holder("alerts-poller", now=expiry) == "replica-b"
    assert await db.leases.acquire("alerts-poller", "replica-a", ttl=TTL, now=expiry) is False


async def test_release_frees_only_your_own_lease(db: Database) -> None:
    await db.leases.acquire("alerts-poller", "replica-a", ttl=TTL, now=NOW)
    await db.leases.release("alerts-poller", "replica-b")
    assert await db.leases.holder("alerts-poller", now=NOW) == "replica-a"
    await db.leases.release("alerts-poller", "replica-a")
    assert await db.leases.holder("alerts-poller", now=NOW) is None
    assert await db.leases.acquire("alerts-poller", "replica-b", ttl=TTL, now=NOW) is True


async def test_leases_are_independent_by_name(db: Database) -> None:
    assert await db.leases.acquire("alerts-poller", "replica-a", ttl=TTL, now=NOW)
    assert await db.leases.acquire("plan-expiry", "replica-b", ttl=TTL, now=NOW)
    assert await db.leases.holder("plan-expiry", now=NOW) == "replica-b"


async def test_racing_replicas_get_one_holder(db: Database) -> None:
    replicas = [f"replica-{n}" for n in range(12)]
    results = await asyncio.gather(
        *(db.leases.acquire("alerts-poller", r, ttl=TTL, now=NOW) for r in replicas)
    )
    assert results.count(True) == 1
    winner = replicas[results.index(True)]
    assert await db.leases.holder("alerts-poller", now=NOW) == winner
    later = NOW + TTL
    takeover = await asyncio.gather(
        *(db.leases.acquire("alerts-poller", r, ttl=TTL, now=later) for r in replicas)
    )
    assert takeover.count(True) == 1
