"""Where the suite finds the third-party contract files it checks our output against.

Autotask's Swagger document and a real tenant's metadata (``autotask/``) and the schemas of
Adaptive Cards, the Teams manifest, the Slack manifest and the Bot Connector (``schemas/``) are
other people's work: they are not part of this repository. The suite reads them from one folder:

- ``ATBOT_CONTRACTS_DIR`` when set (read once, when the suite is collected);
- otherwise ``../shared`` beside the repository.

Where a file is missing, the tests that need it skip with a reason naming the folder, and checks
that only add to a test (the Swagger check on every sandbox request, the Adaptive Card check on
every card) are left out; everything else runs. ``ATBOT_CONTRACTS_REQUIRED=1`` (CI sets it)
turns a missing file into a failure, so the contract tests cannot quietly stop running there.
"""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
ENV_DIR = "ATBOT_CONTRACTS_DIR"
ENV_REQUIRED = "ATBOT_CONTRACTS_REQUIRED"
CONTRACTS_DIR = Path(os.environ.get(ENV_DIR) or REPO.parent / "shared").resolve()
REQUIRED = os.environ.get(ENV_REQUIRED, "").strip() not in ("", "0")

AUTOTASK_SWAGGER = "autotask/autotask-rest-swagger-v1-2022.json"
AUTOTASK_METHOD_SUMMARY = "autotask/autotask-rest-entity-method-summary-2026.json"
TENANT_SAMPLE = "autotask/tenant-sample"
ADAPTIVE_CARD = "schemas/adaptive-card.json"
TEAMS_MANIFEST = "schemas/teams-manifest/v1.17/MicrosoftTeams.schema.json"
SLACK_MANIFEST = "schemas/slack-app-manifest.schema.json"
BOT_CONNECTOR = "schemas/botframework-connector-api.swagger.json"


def missing_reason(relative: str) -> str:
    return (
        f"needs {relative} from the contracts folder {CONTRACTS_DIR}, which is not there "
        f"(set {ENV_DIR} to the folder that holds autotask/ and schemas/)"
    )


def available(relative: str) -> Path | None:
    """The file or folder when it is there; ``None`` when not (a failure when required)."""
    path = CONTRACTS_DIR / relative
    if path.exists():
        return path
    if REQUIRED:
        pytest.fail(f"{ENV_REQUIRED} is set: {missing_reason(relative)}", pytrace=False)
    return None


def require(relative: str) -> Path:
    """The file or folder, or skip the calling test (fail when required) with the reason."""
    path = available(relative)
    if path is None:
        pytest.skip(missing_reason(relative))
    return path


def needs(*relatives: str) -> pytest.MarkDecorator:
    """Mark a test (or a module, as ``pytestmark``) that cannot run without these files.

    Under ``ATBOT_CONTRACTS_REQUIRED`` the mark never skips: the test runs and fails on the
    missing file, which is the point there.
    """
    absent = [r for r in relatives if not (CONTRACTS_DIR / r).exists()]
    reason = "; ".join(missing_reason(r) for r in absent) or "contract files present"
    return pytest.mark.skipif(bool(absent) and not REQUIRED, reason=reason)


@cache
def load_json(relative: str) -> Any:
    """A contract file's JSON, read once (skips the calling test when the file is absent)."""
    return json.loads(require(relative).read_text(encoding="utf-8"))
