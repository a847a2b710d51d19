"""The web chat answers this machine only.

It has no login (the page asks whom to chat as), so three checks keep it local: the client is on
loopback, the Host header names a loopback host (a page elsewhere cannot reach it by rebinding a
DNS name to 127.0.0.1), and a POST comes from the page itself (same origin, JSON body).
"""

from __future__ import annotations

import ipaddress

from aiohttp import web
from yarl import URL

__all__ = ["check_request", "is_loopback"]

_LOCAL_NAMES = {"localhost"}


def is_loopback(host: str | None) -> bool:
    """True for 127.0.0.0/8, ::1 and ``localhost``."""
    if not host:
        return False
    name = host.strip("[]").lower()
    if name in _LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def _host_of(value: str) -> str | None:
    try:
        return URL(f"http://{value}").host
    except ValueError:
        return None


def check_request(request: web.Request) -> str | None:
    """Why the request is refused, or None when it may proceed."""
    if not is_loopback(request.remote):
        return "The web chat answers only on the machine it runs on."
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
