"""The page's files, shipped as package data and served with strict headers."""

from __future__ import annotations

from importlib import resources

from aiohttp import web

__all__ = ["StaticFiles"]

_TYPES = {
    ".html": "text/html",
    ".js": "text/javascript",
    ".css": "text/css",
    ".svg": "image/svg+xml",
}
_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
HEADERS = {
    "Content-Security-Policy": _POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}


class StaticFiles:
    """Every file of ``static/``, read once; nothing else is served."""

    def __init__(self, package: str = "adapters.webchat") -> None:
        folder = resources.files(package) / "static"
        self._files: dict[str, tuple[bytes, str]] = {}
        for item in folder.iterdir():
            suffix = "." + item.name.rsplit(".", 1)[-1] if "." in item.name else ""
            if item.is_file() and suffix in _TYPES:
                self._files[item.name] = (item.read_bytes(), _TYPES[suffix])

    @property
    def names(self) -> list[str]:
        return sorted(self._files)

    def response(self, name: str) -> web.Response:
        found = self._files.get(name)
        if found is None:
            raise web.HTTPNotFound(text="No such file.")
        body, content_type = found
        charset = "utf-8" if content_type.startswith("text/") else None
        return web.Response(body=body, content_type=content_type, charset=charset, headers=HEADERS)
