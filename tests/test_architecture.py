"""The house rules that code review would otherwise have to catch."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

# Layer → top-level modules it must never import (adapters → bot → autotask, one way).
FORBIDDEN = {
    "autotask": {"bot", "adapters", "slack_bolt", "slack_sdk", "botbuilder", "openai"},
    "bot": {"adapters", "slack_bolt", "slack_sdk", "botbuilder", "openai", "aiohttp"},
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_dependencies_point_one_way(layer: str) -> None:
    offenders = {
        str(path.relative_to(REPO)): sorted(_imports(path) & FORBIDDEN[layer])
        for path in (REPO / layer).rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_the_sandbox_imports_no_aiohttp_outside_its_server_layer() -> None:
    # The client side of autotask/ stays transport-agnostic: httpx only.
    client_side = [p for p in (REPO / "autotask").glob("_*.py")]
    assert client_side
    assert all("aiohttp" not in _imports(path) for path in client_side)


@pytest.mark.parametrize("package", ["autotask", "autotask.sandbox"])
def test_public_names_are_curated(package: str) -> None:
    module = importlib.import_module(package)
    exported = module.__all__
    assert sorted(exported) == sorted(set(exported)), "no duplicates"
    assert all(not name.startswith("_") for name in exported)
    assert all(hasattr(module, name) for name in exported)
    public = {
        name
        for name, value in vars(module).items()
        if not name.startswith("_") and not isinstance(value, type(importlib))
    }
    assert public - {"annotations"} <= set(exported), "every public name is listed in __all__"


def test_the_readme_documents_the_command_grammar() -> None:
    from bot.commands import HELP

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    missing = [line for line in HELP.splitlines() if line.strip() and line not in readme]
    assert missing == [], "README's command mode section is out of date with bot.commands.HELP"
