"""Command mode: a documented grammar that turns chat text into tool calls, without a model.

Used when no language model is configured, and always for ``/autotask …`` slash commands.
"""

from __future__ import annotations

from ._choices import pick_choice
from ._command import Choice, Command, Intent, Reading
from ._grammar import MAX_CHARS, parse_command
from ._help import HELP

__all__ = [
    "HELP",
    "MAX_CHARS",
    "Choice",
    "Command",
    "Intent",
    "Reading",
    "parse_command",
    "pick_choice",
]
