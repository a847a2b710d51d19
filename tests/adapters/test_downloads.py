"""Download links for exports kept in the database: any replica serves them, a restart keeps them
working, "expired" and "not valid" are told apart, and the sweeper drops what is past retention.
Runs on a SQLite file and on a real PostgreSQL server."""

from __future__ import annotations

import os
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from aiohttp import web

from adapters.downloads import EXPIRED, NOT_VALID, Downloads
from adapters.web import running_app
from bot.messages import FileAttachment
from bot.storage import CHUNK_BYTES, Database

RETENTION = timedelta(hours=24)


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@asynccontextmanager
async def replica(
    db_url: str, clock: Clock, **options: object
) -> AsyncIterator[tuple[Downloads, str]]:
    """One bot process's download part on the shared database; yields it and its base URL."""
    db = await Database.open(db_url)
    await db.migrate()
    address: dict[str, str] = {}
    downloads = Downloads(db.exports, base_url=lambda: address["url"], clock=clock, **options)  # type: ignore[arg-type]
    app = web.Application()
    downloads.install(app)
    try:
        async with running_app(app, "127.0.0.1", 0) as url:
            address["url"] = url
            await downloads.start()
            try:
                yield downloads, url
            finally:
                await downloads.stop()
    finally:
        await db.close()


async def _export(
    downloads: Downloads, tmp_path: Path, clock: Clock, size: int
) -> tuple[FileAttachment, bytes]:
    path = tmp_path / "time-entries.csv"
    content = os.urandom(size)
    path.write_bytes(content)
    now = datetime.fromtimestamp(clock(), UTC)
    kept = await downloads.exports.put(path, file_name=path.name, media_type="text/csv", now=now)
    return FileAttachment(name=path.name, path=str(path), export_id=kept.id), content


def _elsewhere(link: str, url: str) -> str:
    return url + "/downloads/" + link.rsplit("/downloads/", 1)[1]


async def test_a_link_works_on_another_replica_and_after_a_restart(
    database_url: str, tmp_path: Path
) -> None:
    clock = Clock()
    async with httpx.AsyncClient() as http:
        async with replica(database_url, clock) as (first, _):
            file, content = await _export(first, tmp_path, clock, 2 * CHUNK_BYTES + 17)
            link = first.link(file)
            got = await http.get(link)
            assert got.status_code == 200 and got.content == content
            assert got.headers["content-disposition"] == 'attachment; filename="time-entries.csv"'
            async with replica(database_url, clock) as (_, other_url):
                moved = await http.get(_elsewhere(link, other_url))
                assert moved.status_code == 200 and moved.content == content
        (tmp_path / "time-entries.csv").unlink()  # the staging file is gone: the database serves
        async with replica(database_url, clock) as (_, restarted_url):
            again = await http.get(_elsewhere(link, restarted_url))
            assert again.status_code == 200 and again.content == content


async def test_expired_and_not_valid_are_told_apart(database_url: str, tmp_path: Path) -> None:
    clock = Clock()
    async with (
        httpx.AsyncClient() as http,
        replica(database_url, clock, ttl_seconds=3600) as (downloads, url),
    ):
        file, _ = await _export(downloads, tmp_path, clock, 100)
        link = downloads.link(file)
        payload, signature = link.rsplit("/", 1)[1].split(".")
        tampered = await http.get(f"{url}/downloads/{payload}.{signature[:-2]}AA")
        assert (tampered.status_code, tampered.text) == (403, NOT_VALID)
        garbage = await http.get(f"{url}/downloads/not-a-token")
        assert (garbage.status_code, garbage.text) == (403, NOT_VALID)
        foreign = Downloads(downloads.exports, base_url=lambda: url, key=b"k" * 32, clock=clock)
        other_key = await http.get(foreign.link(file))
        assert (other_key.status_code, other_key.text) == (403, NOT_VALID)

        clock.now += 3601
        late = await http.get(link)
        assert (late.status_code, late.text) == (410, EXPIRED)


async def test_past_the_retention_the_sweeper_drops_the_export_and_its_link_says_expired(
    database_url: str, tmp_path: Path
) -> None:
    clock = Clock()
    staging = tmp_path / "exports"
    staging.mkdir()
    async with (
        httpx.AsyncClient() as http,
        replica(database_url, clock, ttl_seconds=3 * 24 * 3600, staging=staging) as (downloads, _),
    ):
        file, _ = await _export(downloads, tmp_path, clock, 100)
        link = downloads.link(file)
        old_stage, new_stage = staging / "old.csv", staging / "new.csv"
        old_stage.write_text("x")
        new_stage.write_text("y")
        os.utime(old_stage, (clock.now - 7200, clock.now - 7200))

        assert await downloads.sweep() == 0
        assert not old_stage.exists() and new_stage.exists()
        assert (await http.get(link)).status_code == 200

        clock.now += RETENTION.total_seconds() + 1
        assert await downloads.sweep() == 1
        gone = await http.get(link)
        assert (gone.status_code, gone.text) == (410, EXPIRED)


async def test_a_key_from_the_settings_signs_links_every_replica_accepts(
    database_url: str, tmp_path: Path
) -> None:
    clock = Clock()
    key = b"a-download-key-from-the-settings-0123456789"
    async with httpx.AsyncClient() as http, replica(database_url, clock, key=key) as (first, _):
        file, content = await _export(first, tmp_path, clock, 10)
        link = first.link(file)
        async with replica(database_url, clock, key=key) as (_, other_url):
            assert (await http.get(_elsewhere(link, other_url))).content == content
        async with replica(database_url, clock) as (_, database_key_url):
            refused = await http.get(_elsewhere(link, database_key_url))
            assert refused.status_code == 403
