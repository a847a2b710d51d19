"""Exports in the database: stored in chunks, read back by any replica, swept after the retention;
one link-signing key for every replica."""

from __future__ import annotations

import asyncio
import os
from datetime import timedelta
from pathlib import Path

from storage_samples import CREDENTIAL_KEY, NOW

from bot.storage import CHUNK_BYTES, DEFAULT_EXPORT_RETENTION, Database


def _file(tmp_path: Path, size: int) -> Path:
    path = tmp_path / "tickets.csv"
    path.write_bytes(os.urandom(size))
    return path


async def _read(db: Database, export_id: str) -> bytes:
    return b"".join([chunk async for chunk in db.exports.chunks(export_id)])


async def test_a_file_larger_than_a_chunk_comes_back_byte_for_byte_on_another_replica(
    db: Database, db_url: str, tmp_path: Path
) -> None:
    path = _file(tmp_path, 2 * CHUNK_BYTES + 1234)
    stored = await db.exports.put(
        path, file_name="tickets.csv", media_type="text/csv", now=NOW, rows=42
    )
    assert (
        stored.size == path.stat().st_size and stored.expires_at == NOW + DEFAULT_EXPORT_RETENTION
    )
    other = await Database.open(db_url, credential_key=CREDENTIAL_KEY)
    try:
        found = await other.exports.get(stored.id, now=NOW + timedelta(hours=1))
        assert found == stored
        chunks = [c async for c in other.exports.chunks(stored.id)]
        assert [len(c) for c in chunks] == [CHUNK_BYTES, CHUNK_BYTES, 1234]
        assert b"".join(chunks) == path.read_bytes()
    finally:
        await other.close()


async def test_an_empty_file_and_an_unknown_id(db: Database, tmp_path: Path) -> None:
    stored = await db.exports.put(
        _file(tmp_path, 0), file_name="none.csv", media_type="text/csv", now=NOW
    )
    assert await _read(db, stored.id) == b""
    assert await db.exports.get("no-such-export", now=NOW) is None


async def test_the_sweeper_drops_exports_past_their_retention_and_only_those(
    db: Database, tmp_path: Path
) -> None:
    old = await db.exports.put(
        _file(tmp_path, 10), file_name="a.csv", media_type="text/csv", now=NOW
    )
    later = NOW + timedelta(hours=5)
    new = await db.exports.put(
        _file(tmp_path, 10), file_name="b.csv", media_type="text/csv", now=later
    )
    expiry = NOW + DEFAULT_EXPORT_RETENTION
    assert await db.exports.get(old.id, now=expiry) is None  # past retention, even before a sweep
    assert await db.exports.sweep(now=expiry) == 1
    assert await _read(db, old.id) == b""
    assert await db.exports.get(new.id, now=expiry) is not None
    assert len(await _read(db, new.id)) == 10


async def test_every_replica_gets_the_same_signing_key_and_keeps_it_across_restarts(
    db: Database, db_url: str
) -> None:
    replicas = [await Database.open(db_url, credential_key=CREDENTIAL_KEY) for _ in range(3)]
    try:
        keys = await asyncio.gather(
            *(r.exports.signing_key("downloads", now=NOW) for r in replicas)
        )
    finally:
        for replica in replicas:
            await replica.close()
    assert len(set(keys)) == 1 and len(keys[0]) >= 32
    assert await db.exports.signing_key("downloads", now=NOW + timedelta(days=30)) == keys[0]
    assert await db.exports.signing_key("other", now=NOW) != keys[0]
