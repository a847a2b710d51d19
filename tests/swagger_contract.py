"""Checks requests against the paths and methods of Autotask's own Swagger document.

The document lives in the shared folder beside the project (../shared/autotask/ from the repo root).
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
SWAGGER = SHARED / "autotask" / "autotask-rest-swagger-v1-2022.json"

_PREFIX = re.compile(r"^/atservicesrest", re.IGNORECASE)


@cache
def swagger() -> dict[str, object]:
    data: dict[str, object] = json.loads(SWAGGER.read_text(encoding="utf-8"))
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
