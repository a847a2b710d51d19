"""The Slack app manifest: valid under the manifest schema, and in step with what the bot does."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]
import pytest
import yaml  # type: ignore[import-untyped]
from contracts import SLACK_MANIFEST, load_json

from adapters.slack import COMMAND

REPO = Path(__file__).resolve().parents[2]
MANIFEST = REPO / "manifest" / "slack" / "manifest.yaml"

# Every Web API method the bot calls, and the bot scope it needs.
SCOPES_USED = {
    "chat.postMessage": "chat:write",
    "chat.update": "chat:write",
    "chat.postEphemeral": "chat:write",
    "files.getUploadURLExternal": "files:write",
    "files.completeUploadExternal": "files:write",
    "users.info": "users:read",
    "users.info (profile.email)": "users:read.email",
    "app_mention event": "app_mentions:read",
    "message.im event": "im:history",
    "/autotask": "commands",
    "conversations.info (public channels)": "channels:read",
    "conversations.info (private channels)": "groups:read",
    "users.lookupByEmail": "users:read.email",
    "Create Autotask ticket (message shortcut)": "commands",
    "link_shared event": "links:read",
    "chat.unfurl": "links:write",
    # views.open, views.publish (App Home) and chat.getPermalink need no scope of their own
}


def _manifest() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    return loaded


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft4Validator:
    schema = load_json(SLACK_MANIFEST)
    jsonschema.Draft4Validator.check_schema(schema)
    return jsonschema.Draft4Validator(schema)


def test_the_manifest_validates_against_the_schema(validator: jsonschema.Draft4Validator) -> None:
    validator.validate(_manifest())


def test_the_schema_would_catch_a_wrong_manifest(validator: jsonschema.Draft4Validator) -> None:
    wrong = _manifest()
    wrong["features"]["slash_commands"][0]["command"] = "autotask"  # no leading slash
    wrong["features"]["bot_user"]["display_name"] = "Autotask Bot"  # a space is not allowed
    assert len(list(validator.iter_errors(wrong))) == 2


def test_the_scopes_are_exactly_the_ones_the_bot_uses() -> None:
    scopes = _manifest()["oauth_config"]["scopes"]["bot"]
    assert sorted(scopes) == sorted(set(SCOPES_USED.values()))


def test_events_command_interactivity_and_socket_mode() -> None:
    manifest = _manifest()
    settings = manifest["settings"]
    assert sorted(settings["event_subscriptions"]["bot_events"]) == [
        "app_home_opened",
        "app_mention",
        "link_shared",
        "message.im",
    ]
    assert manifest["features"]["unfurl_domains"] == ["autotask.net"]
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["socket_mode_enabled"] is True
    (command,) = manifest["features"]["slash_commands"]
    assert command["command"] == COMMAND and command["should_escape"] is False
    assert manifest["features"]["app_home"]["messages_tab_enabled"] is True
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True


def test_the_message_shortcut_is_the_one_the_bot_listens_for() -> None:
    from adapters.slack._shortcuts import TICKET_SHORTCUT

    (shortcut,) = _manifest()["features"]["shortcuts"]
    assert shortcut["type"] == "message" and shortcut["callback_id"] == TICKET_SHORTCUT
