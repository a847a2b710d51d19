"""What a model sees of the tools is a deliberate choice: the JSON schemas are snapshotted.

After an intended change, refresh the snapshot with ``ATBOT_UPDATE_SNAPSHOTS=1 make test``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from autotask.tools import TOOLS, tool_schemas

SNAPSHOT = Path(__file__).with_name("tool_schemas.snapshot.json")


def test_seven_tools_and_only_apply_change_writes() -> None:
    assert list(TOOLS) == [
        "list_entities", "describe", "search", "get", "who_am_i", "plan_change", "apply_change",
    ]  # fmt: skip
    assert [name for name, tool in TOOLS.items() if tool.writes] == ["apply_change"]
    assert "apply_change" not in tool_schemas(include_writes=False)


def test_every_argument_is_described() -> None:
    for name, spec in tool_schemas(include_writes=False).items():
        properties = spec["parameters"]["properties"]
        undescribed = [
            key for key, value in properties.items()
            if "description" not in value and key not in {"action", "mode", "entity"}
        ]  # fmt: skip
        assert not undescribed, f"{name}: {undescribed}"


def test_schemas_match_the_snapshot() -> None:
    current = json.dumps(tool_schemas(), indent=2, sort_keys=True) + "\n"
    if os.environ.get("ATBOT_UPDATE_SNAPSHOTS") == "1" or not SNAPSHOT.exists():
        SNAPSHOT.write_text(current, encoding="utf-8")
    assert SNAPSHOT.read_text(encoding="utf-8") == current, (
        "the tool schemas changed; if intended, run with ATBOT_UPDATE_SNAPSHOTS=1"
    )
