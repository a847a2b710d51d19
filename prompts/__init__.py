"""Model-facing text, loaded by name: ``load_prompt("system")`` reads ``system.md``."""

from __future__ import annotations

from importlib import resources

__all__ = ["load_prompt"]


def load_prompt(name: str) -> str:
    return resources.files(__name__).joinpath(f"{name}.md").read_text(encoding="utf-8")
