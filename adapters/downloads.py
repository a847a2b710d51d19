"""Signed, expiring download links for exports, served by the bot's own web server.

A link names a file in the export folder and an expiry, signed with HMAC-SHA256; nothing else is
served, and a tampered or expired link gets 403/410.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Callable
from pathlib import Path

from aiohttp import web

__all__ = ["Downloads", "NoPublicAddress"]

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
        folder: Path,
        *,
        base_url: Callable[[], str],
        key: bytes | None = None,
        ttl_seconds: float = 3600.0,
        clock: Callable[[], float] = time.time,
        public: bool = True,
    ) -> None:
        self.folder = folder
        self._base_url = base_url
        self.public = public  # whether base_url reaches this server from other machines
        self._key = key or secrets.token_bytes(32)
        self.ttl_seconds = ttl_seconds
        self._clock = clock

    def _sign(self, payload: str) -> str:
        return _b64(hmac.new(self._key, payload.encode(), hashlib.sha256).digest())

    def link(self, path: Path | str, *, remote: bool = True) -> str:
        """A URL that serves ``path`` (inside the export folder) until the link expires; for a
        reader on another machine (``remote``) only when the server's public URL is known."""
        name = Path(path).name
        if not (self.folder / name).is_file():
            raise FileNotFoundError(name)
        if remote and not self.public:
            raise NoPublicAddress()
        payload = _b64(json.dumps({"f": name, "e": int(self._clock() + self.ttl_seconds)}).encode())
        return f"{self._base_url().rstrip('/')}/downloads/{payload}.{self._sign(payload)}"

    def install(self, app: web.Application) -> None:
        app.router.add_get("/downloads/{token}", self._serve)

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def _serve(self, request: web.Request) -> web.StreamResponse:
        payload, _, signature = request.match_info["token"].partition(".")
        if not signature or not hmac.compare_digest(signature, self._sign(payload)):
            raise web.HTTPForbidden(text="This download link is not valid.")
        try:
            claims = json.loads(_unb64(payload))
            name, expires = str(claims["f"]), float(claims["e"])
        except (ValueError, KeyError, TypeError) as exc:
            raise web.HTTPForbidden(text="This download link is not valid.") from exc
        if expires < self._clock():
            raise web.HTTPGone(text="This download link has expired; ask for the export again.")
        path = self.folder / Path(name).name
        if not path.is_file():
            raise web.HTTPNotFound(text="That export is no longer available.")
        return web.FileResponse(
            path, headers={"Content-Disposition": f'attachment; filename="{path.name}"'}
        )
