"""Whether a request comes from this machine itself: the parts with no login of their own (the
web chat; Teams without an app id) answer only such requests.

A reverse proxy on the same host makes every request look local, so a request that a proxy
relayed — it names the real client in ``Forwarded``, ``X-Forwarded-For``, ``X-Real-IP`` or
``Via`` — is never local, whatever its peer address.
"""

from __future__ import annotations

import ipaddress

from aiohttp import web

__all__ = ["RELAY_HEADERS", "is_local_request", "is_loopback", "is_relayed"]

RELAY_HEADERS = (
    "Forwarded",
    "X-Forwarded-For",
    "X-Forwarded-Host",
    "X-Forwarded-Proto",
    "X-Real-IP",
    "X-Client-IP",
    "True-Client-IP",
    "CF-Connecting-IP",
    "Via",
)
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


def is_relayed(request: web.Request) -> bool:
    return any(header in request.headers for header in RELAY_HEADERS)


def is_local_request(request: web.Request) -> bool:
    """From a loopback address and not relayed by a proxy (which would hide the real sender)."""
    if is_relayed(request):
        return False
    try:
        return ipaddress.ip_address(request.remote or "").is_loopback
    except ValueError:
        return False
