"""Platform deliveries: a redelivery is seen as one by every replica, after a restart too, for as
long as the retention lasts and not longer."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from pg import PostgresServer
from sqlalchemy import func, select
from storage_samples import CREDENTIAL_KEY, NOW

from bot.storage import DEFAULT_DELIVERY_RETENTION, Database
from bot.storage._tables import platform_deliveries


async def test_the_first_delivery_is_fresh_and_a_redelivery_is_not(db: Database) -> None:
    assert await db.deliveries.first_time("slack", "T1:Ev1", now=NOW) is True
    later = NOW + timedelta(minutes=5)
    assert await db.deliveries.first_time("slack", "T1:Ev1", now=later) is False
    assert await db.deliveries.first_time("slack", "T1:Ev2", now=later) is True
    assert await db.deliveries.first_time("teams", "T1:Ev1", now=later) is True  # per platform


async def test_a_second_replica_and_a_restarted_one_see_the_same_deliveries(
    db: Database, db_url: str
) -> None:
    assert await db.deliveries.first_time("teams", "conv-1:1700000000001", now=NOW)
    other = await Database.open(db_url, credential_key=CREDENTIAL_KEY)
    try:
        assert await other.deliveries.first_time("teams", "conv-1:1700000000001", now=NOW) is False
    finally:
        await other.close()
    await db.close()
    restarted = await Database.open(db_url, credential_key=CREDENTIAL_KEY)
    try:
        await restarted.migrate()
        assert (
            await restarted.deliveries.first_time("teams", "conv-1:1700000000001", now=NOW) is False
        )
    finally:
        await restarted.close()


async def test_racing_replicas_answer_a_delivery_once(db: Database, db_url: str) -> None:
    replicas = [await Database.open(db_url, credential_key=CREDENTIAL_KEY) for _ in range(4)]
    try:
        results = await asyncio.gather(
            *(r.deliveries.first_time("slack", "T1:EvRace", now=NOW) for r in replicas * 3)
        )
    finally:
        for replica in replicas:
            await replica.close()
    assert results.count(True) == 1


async def test_past_the_retention_a_key_is_new_again_and_old_keys_are_dropped(
    db: Database,
) -> None:
    retention = DEFAULT_DELIVERY_RETENTION
    assert await db.deliveries.first_time("slack", "T1:Old", now=NOW)
    assert await db.deliveries.first_time("slack", "T1:Old", now=NOW + retention) is True
    # a later call sweeps what is older than the retention, and only that
    await db.deliveries.first_time("slack", "T1:Mid", now=NOW + retention + timedelta(minutes=30))
    await db.deliveries.first_time(
        "slack", "T1:New", now=NOW + 2 * retention + timedelta(minutes=1)
    )
    async with db.engine.connect() as conn:
        keys = set((await conn.execute(select(platform_deliveries.c.key))).scalars())
        count = (await conn.execute(select(func.count()).select_from(platform_deliveries))).scalar()
    assert keys == {"slack:T1:Mid", "slack:T1:New"} and count == 2


async def test_while_the_database_is_away_a_replica_answers_each_delivery_once(
    postgres: PostgresServer,
) -> None:
    url = await postgres.create_database("gone")
    database = await Database.open(url, credential_key=CREDENTIAL_KEY)
    try:
        await database.migrate()
        assert await database.deliveries.first_time("slack", "T1:Before", now=NOW)
        await postgres.drop_database(url)  # the server no longer has it: every statement fails
        later = NOW + timedelta(minutes=1)
        assert await database.deliveries.first_time("slack", "T1:During", now=later) is True
        assert await database.deliveries.first_time("slack", "T1:During", now=later) is False
        assert await database.deliveries.first_time("slack", "T1:Before", now=later) is False
    finally:
        await database.close()
