"""The Teams package's public face: a curated ``__all__``, loaded on first use."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import adapters.teams as teams

REPO = Path(__file__).resolve().parents[2]


def test_every_public_name_is_listed_once_and_resolves() -> None:
    assert sorted(teams.__all__) == sorted(set(teams.__all__))
    assert all(not name.startswith("_") for name in teams.__all__)
    for name in teams.__all__:
        assert getattr(teams, name) is not None
    with pytest.raises(AttributeError):
        teams.NotAThing  # type: ignore[attr-defined]  # noqa: B018


def test_the_command_line_does_not_load_botbuilder_to_register_its_command() -> None:
    probe = "import sys, adapters.teams.manifest_command; print('botbuilder' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=REPO, check=True
    )
    assert result.stdout.strip() == "False"
