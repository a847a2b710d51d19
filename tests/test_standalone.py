"""A clone of the repository with no contract folder beside it: the suite still collects, and
the tests that need a contract file skip with a reason that names the folder."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from contracts import ENV_DIR, ENV_REQUIRED

REPO = Path(__file__).resolve().parents[1]
NEEDS_CONTRACTS = (
    "tests/teams/test_cards.py::test_the_schema_check_catches_a_broken_card",
    "tests/slack/test_slack_manifest.py::test_the_manifest_validates_against_the_schema",
    "tests/sandbox/test_metadata.py::test_the_tenant_sample_replaces_the_packaged_metadata",
)
RUNS_ANYWAY = "tests/teams/test_cards.py::test_every_card_is_a_valid_adaptive_card_1_5"


def _clone(into: Path) -> Path:
    """The working tree's files (tracked and new, not ignored), as a fresh clone would have."""
    if shutil.which("git") is None or not (REPO / ".git").exists():
        pytest.skip("needs git and a git checkout of the repository")
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        check=True,
        capture_output=True,
    ).stdout.decode()
    clone = into / "repo"
    for name in filter(None, listed.split("\0")):
        source = REPO / name
        if source.is_file():
            (clone / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, clone / name)
    return clone


def _pytest(clone: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in (ENV_DIR, ENV_REQUIRED)}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args],
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.mark.slow
def test_a_clone_without_the_contract_folder_collects_and_skips_by_name(tmp_path: Path) -> None:
    clone = _clone(tmp_path)
    assert not (clone.parent / "shared").exists()

    collected = _pytest(clone, "--collect-only", "-q")
    assert collected.returncode == 0, collected.stdout[-3000:] + collected.stderr[-3000:]
    assert "error" not in collected.stdout.splitlines()[-1].lower(), collected.stdout[-3000:]
    assert "tests/test_standalone.py" in collected.stdout

    ran = _pytest(clone, "-q", "-rs", *NEEDS_CONTRACTS, RUNS_ANYWAY)
    assert ran.returncode == 0, ran.stdout[-3000:]
    folder = str((clone.parent / "shared").resolve())
    skipped = [line for line in ran.stdout.splitlines() if line.startswith("SKIPPED")]
    assert len(skipped) == len(NEEDS_CONTRACTS), ran.stdout[-3000:]
    assert all(folder in line and ENV_DIR in line for line in skipped), skipped
    assert " passed" in ran.stdout.splitlines()[-1], ran.stdout[-3000:]


@pytest.mark.slow
def test_required_contracts_turn_a_missing_folder_into_a_failure(tmp_path: Path) -> None:
    clone = _clone(tmp_path)
    env_required = {**os.environ, ENV_REQUIRED: "1"}
    env_required.pop(ENV_DIR, None)
    ran = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", NEEDS_CONTRACTS[1]],
        cwd=clone,
        env=env_required,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert ran.returncode == 1, ran.stdout[-3000:]
    assert f"{ENV_REQUIRED} is set" in ran.stdout
