"""The error a tool reports to its caller as text the caller (a person or a model) can act on."""

from __future__ import annotations

__all__ = ["ToolError"]


class ToolError(Exception):
    """A tool could not do what was asked; the message says why and what would work."""

    def __init__(
        self, message: str, *, candidates: list[str] | None = None, typed: str | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.candidates = list(candidates or [])  # the choices, when ``typed`` was ambiguous
        self.typed = typed

    def __str__(self) -> str:
        return self.message
