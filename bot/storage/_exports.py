"""Export files kept in the database for a while, so that any replica serves their download links,
after a restart too; and the key those links are signed with, the same on every replica.

A file is stored as numbered chunks in one transaction and read back one chunk at a time, so
neither side holds the whole file. ``sweep`` drops what is past its retention.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import delete, select

from ._tables import export_chunks, exports, signing_keys

if TYPE_CHECKING:
    from ._database import Gateway

__all__ = ["CHUNK_BYTES", "DEFAULT_EXPORT_RETENTION", "ExportStore", "StoredExport"]

DEFAULT_EXPORT_RETENTION = timedelta(hours=24)
CHUNK_BYTES = 512 * 1024


@dataclass(frozen=True, slots=True)
class StoredExport:
    id: str
    file_name: str
    media_type: str
    size: int
    rows: int | None
    created_at: datetime
    expires_at: datetime


class ExportStore:
    def __init__(
        self, gateway: Gateway, *, retention: timedelta = DEFAULT_EXPORT_RETENTION
    ) -> None:
        self._gateway = gateway
        self.retention = retention

    async def put(
        self,
        path: Path,
        *,
        file_name: str,
        media_type: str,
        now: datetime,
        rows: int | None = None,
        keep: timedelta | None = None,
    ) -> StoredExport:
        """Store the file at ``path`` (read a chunk at a time), kept for ``keep`` (default: the
        store's retention)."""
        size = (await asyncio.to_thread(path.stat)).st_size
        stored = StoredExport(
            id=secrets.token_urlsafe(18),
            file_name=file_name,
            media_type=media_type,
            size=size,
            rows=rows,
            created_at=now,
            expires_at=now + (keep if keep is not None else self.retention),
        )
        async with self._gateway.write() as conn:
            await conn.execute(exports.insert().values(**_row(stored)))
            handle = await asyncio.to_thread(path.open, "rb")
            try:
                seq = 0
                while data := await asyncio.to_thread(handle.read, CHUNK_BYTES):
                    await conn.execute(
                        export_chunks.insert().values(export_id=stored.id, seq=seq, data=data)
                    )
                    seq += 1
            finally:
                handle.close()
        return stored

    async def get(self, export_id: str, *, now: datetime) -> StoredExport | None:
        """The export, unless it is unknown or past its retention."""
        stmt = select(exports).where(exports.c.id == export_id, exports.c.expires_at > now)
        async with self._gateway.read() as conn:
            row = (await conn.execute(stmt)).mappings().one_or_none()
        return None if row is None else StoredExport(**dict(row))

    async def chunks(self, export_id: str) -> AsyncIterator[bytes]:
        """The file's bytes in order, one chunk in memory at a time."""
        seq = 0
        while True:
            stmt = select(export_chunks.c.data).where(
                export_chunks.c.export_id == export_id, export_chunks.c.seq == seq
            )
            async with self._gateway.read() as conn:
                data: bytes | None = (await conn.execute(stmt)).scalar_one_or_none()
            if data is None:
                return
            yield bytes(data)
            seq += 1

    async def sweep(self, *, now: datetime) -> int:
        """Drop the exports past their retention; returns how many."""
        gone = select(exports.c.id).where(exports.c.expires_at <= now)
        async with self._gateway.write() as conn:
            await conn.execute(delete(export_chunks).where(export_chunks.c.export_id.in_(gone)))
            result = await conn.execute(delete(exports).where(exports.c.expires_at <= now))
        return int(result.rowcount)

    async def signing_key(self, name: str, *, now: datetime) -> bytes:
        """The key called ``name``, made by whichever replica asked first, then kept."""
        stmt = (
            self._gateway.insert(signing_keys)
            .values(name=name, secret=secrets.token_urlsafe(32), created_at=now)
            .on_conflict_do_nothing(index_elements=[signing_keys.c.name])
        )
        async with self._gateway.write() as conn:
            await conn.execute(stmt)
            found = select(signing_keys.c.secret).where(signing_keys.c.name == name)
            secret: str = (await conn.execute(found)).scalar_one()
        return secret.encode()


def _row(stored: StoredExport) -> dict[str, object]:
    return {
        "id": stored.id,
        "file_name": stored.file_name,
        "media_type": stored.media_type,
        "size": stored.size,
        "rows": stored.rows,
        "created_at": stored.created_at,
        "expires_at": stored.expires_at,
    }
