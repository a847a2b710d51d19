"""Signed, expiring download links for exports, served by the bot's own web server.

The engine keeps each export in the database (``db.exports``); a link names that export and an
expiry, signed with HMAC-SHA256 under a key from the settings (``ATBOT_SERVER__DOWNLOAD_KEY``)
or, without one, a key kept in the database. So a link works on every replica and after a
restart. A link that was never ours (tampered, or signed with another key) gets 403 "not
valid"; one past its expiry, or whose export is past its retention, gets 410 "expired".

While the server runs, a sweeper drops exports past their retention and the staging files the
export tool wrote (in ``staging``) once they are older than ``staging_keep``.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import json
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from aiohttp import web

from bot.messages import FileAttachment
from bot.storage import ExportStore

__all__ = ["KEY_NAME", "Downloads", "NoPublicAddress"]

logger = logging.getLogger(__name__)

KEY_NAME = "downloads"  # the signing key's name in the database
NOT_VALID = "This download link is not valid."
EXPIRED = "This download link has expired; ask for the export again."
NO_PUBLIC_ADDRESS = (
    "The export is ready, but this bot has no public address to link it from (an admin sets "
    "ATBOT_SERVER__PUBLIC_URL)."
)


class NoPublicAddress(LookupError):
    """A link for someone on another machine was asked for, but the server's public URL is not
    known: a link to 127.0.0.1 would lead them nowhere (or to their own machine)."""

    def __init__(self, text: str = NO_PUBLIC_ADDRESS) -> None:
        super().__init__(text)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Downloads:
    name = "downloads"

    def __init__(
        self,
        exports: ExportStore,
        *,
        base_url: Callable[[], str],
        key: bytes | None = None,
        ttl_seconds: float = 24 * 3600.0,
        staging: Path | None = None,
        staging_keep: timedelta = timedelta(hours=1),
        sweep_seconds: float = 600.0,
        clock: Callable[[], float] = time.time,
        public: bool = True,
    ) -> None:
        self.exports = exports
        self._base_url = base_url
        self.public = public  # whether base_url reaches this server from other machines
        self._key = key
        self.ttl_seconds = ttl_seconds
        self.staging = staging
        self.staging_keep = staging_keep
        self.sweep_seconds = sweep_seconds
        self._clock = clock
        self._sweeper: asyncio.Task[None] | None = None

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self._clock(), UTC)

    def _sign(self, payload: str) -> str:
        if self._key is None:
            raise RuntimeError("the download part is not started: start() loads the signing key")
        return _b64(hmac.new(self._key, payload.encode(), hashlib.sha256).digest())

    def link(self, file: FileAttachment, *, remote: bool = True) -> str:
        """A URL that serves the stored export ``file`` until the link expires; for a reader on
        another machine (``remote``) only when the server's public URL is known."""
        if file.export_id is None:
            raise FileNotFoundError(f"{file.name} was not kept for downloading")
        if remote and not self.public:
            raise NoPublicAddress()
        claims = {"x": file.export_id, "e": int(self._clock() + self.ttl_seconds)}
        payload = _b64(json.dumps(claims, separators=(",", ":")).encode())
        return f"{self._base_url().rstrip('/')}/downloads/{payload}.{self._sign(payload)}"

    def install(self, app: web.Application) -> None:
        app.router.add_get("/downloads/{token}", self._serve)

    async def start(self) -> None:
        if self._key is None:
            self._key = await self.exports.signing_key(KEY_NAME, now=self._now())
        self._sweeper = asyncio.create_task(self._sweep_forever(), name="downloads-sweeper")

    async def stop(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper
            self._sweeper = None

    async def sweep(self) -> int:
        """Drop the exports past their retention and old staging files; returns the exports."""
        dropped = await self.exports.sweep(now=self._now())
        if self.staging is not None:
            await asyncio.to_thread(self._sweep_staging, self.staging)
        if dropped:
            logger.info("swept %d exports past their retention", dropped)
        return dropped

    def _sweep_staging(self, folder: Path) -> None:
        if not folder.is_dir():
            return
        oldest = self._clock() - self.staging_keep.total_seconds()
        for path in folder.iterdir():
            with contextlib.suppress(OSError):  # another replica or process took it first
                if path.is_file() and path.stat().st_mtime < oldest:
                    path.unlink()

    async def _sweep_forever(self) -> None:
        while True:
            try:
                await self.sweep()
            except Exception:
                logger.exception("sweeping exports failed; trying again later")
            await asyncio.sleep(self.sweep_seconds)

    def _export_id(self, token: str) -> tuple[str, float]:
        payload, _, signature = token.partition(".")
        if not signature or not hmac.compare_digest(signature, self._sign(payload)):
            raise web.HTTPForbidden(text=NOT_VALID)
        try:
            claims = json.loads(_unb64(payload))
            return str(claims["x"]), float(claims["e"])
        except (ValueError, KeyError, TypeError) as exc:
            raise web.HTTPForbidden(text=NOT_VALID) from exc

    async def _serve(self, request: web.Request) -> web.StreamResponse:
        export_id, expires = self._export_id(request.match_info["token"])
        if expires < self._clock():
            raise web.HTTPGone(text=EXPIRED)
        stored = await self.exports.get(export_id, now=self._now())
        if stored is None:
            raise web.HTTPGone(text=EXPIRED)
        name = stored.file_name.replace('"', "")
        response = web.StreamResponse(
            headers={
                "Content-Type": stored.media_type,
                "Content-Disposition": f'attachment; filename="{name}"',
                "Content-Length": str(stored.size),
            }
        )
        await response.prepare(request)
        async for chunk in self.exports.chunks(export_id):
            await response.write(chunk)
        await response.write_eof()
        return response
