"""The web chat answers this machine only.

It has no login (the page asks whom to chat as), so three checks keep it local: the client is on
loopback and no proxy relayed the request, the Host header names a loopback host (a page
elsewhere cannot reach it by rebinding a DNS name to 127.0.0.1), and a POST comes from the page
itself (same origin, JSON body).
"""

from __future__ import annotations

from aiohttp import web
from yarl import URL

from ..loopback import is_loopback, is_relayed

__all__ = ["check_request", "is_loopback"]


def _host_of(value: str) -> str | None:
    try:
        return URL(f"http://{value}").host
    except ValueError:
        return None


def check_request(request: web.Request) -> str | None:
    """Why the request is refused, or None when it may proceed."""
    if not is_loopback(request.remote) or is_relayed(request):
        return "The web chat answers only on the machine it runs on, never through a proxy."
    if not is_loopback(_host_of(request.host)):
        return "The web chat must be opened through 127.0.0.1 or localhost."
    if request.method in {"GET", "HEAD"}:
        return None
    origin = request.headers.get("Origin")
    if origin is not None and origin != f"{request.scheme}://{request.host}":
        return "Requests must come from the web chat page itself."
    if request.headers.get("Sec-Fetch-Site", "same-origin") not in {"same-origin", "none"}:
        return "Requests must come from the web chat page itself."
    if request.content_type != "application/json":
        return "Send JSON (Content-Type: application/json)."
    return None
