"""Checks requests against the paths and methods of Autotask's own Swagger document.

The document is a contract file (tests/contracts.py says where the suite finds it). Without it,
``allowed`` cannot check anything: ``present()`` tells callers whether the check is on.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from typing import Any

from contracts import AUTOTASK_SWAGGER, available, load_json

_PREFIX = re.compile(r"^/atservicesrest", re.IGNORECASE)


def present() -> bool:
    """True when Autotask's Swagger document is there to check requests against."""
    return available(AUTOTASK_SWAGGER) is not None


def swagger() -> dict[str, object]:
    """The document (skips the calling test when it is absent)."""
    data: dict[str, object] = load_json(AUTOTASK_SWAGGER)
    return data


@cache
def _routes() -> list[tuple[re.Pattern[str], frozenset[str]]]:
    paths = swagger()["paths"]
    assert isinstance(paths, dict)
    routes = []
    for template, operations in paths.items():
        pattern = re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template))
        routes.append((re.compile(f"^{pattern}$", re.IGNORECASE), frozenset(operations)))
    return routes


def allowed(method: str, path: str) -> bool:
    """True when Swagger declares ``method`` on ``path`` (a URL path, with or without the base).

    A ``.../query/next`` page URL is allowed for a method when the query path itself allows it:
    Autotask hands out those URLs itself (API-NOTES §3.4).
    """
    bare = _PREFIX.sub("", path.split("?", 1)[0]).rstrip("/")
    if bare.lower().endswith("/query/next"):
        bare = bare[: -len("/next")]
    wanted = method.lower()
    return any(pattern.match(bare) and wanted in ops for pattern, ops in _routes())


def model(entity_model: str) -> dict[str, object]:
    definitions = swagger()["definitions"]
    assert isinstance(definitions, dict)
    found: dict[str, object] = definitions[entity_model]
    return found


def undeclared(requests: Iterable[Any]) -> list[str]:
    """``METHOD path`` of each recorded sandbox request Swagger does not declare.

    Empty when the document is absent: the check then adds nothing to the test it guards.
    """
    if not present():
        return []
    return [f"{r.method} {r.path}" for r in requests if not allowed(r.method, r.path)]
