"""The Teams app package: a v1.17 manifest that validates, the two icons Teams asks for, and
``atbot manifest teams`` that writes the zip."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import pytest
from contracts import TEAMS_MANIFEST, load_json
from jsonschema import Draft4Validator
from teams_support import read_png

from adapters.cli import main
from adapters.teams import ManifestError, ManifestOptions, build_manifest, write_package
from adapters.teams._icons import ACCENT, icon_pixels

REPO = Path(__file__).resolve().parents[2]
APP_ID = "11111111-2222-3333-4444-55555555AAAA"


def _errors(manifest: dict[str, object]) -> list[str]:
    """Why ``manifest`` is not a valid v1.17 manifest (skips the test without the schema)."""
    return [
        f"{list(e.absolute_path)}: {e.message}"
        for e in Draft4Validator(load_json(TEAMS_MANIFEST)).iter_errors(manifest)
    ]


def _options(**overrides: str) -> ManifestOptions:
    values = {"app_id": APP_ID, "website_url": "https://atbot.example.com"}
    values.update(overrides)
    return ManifestOptions(**values)  # type: ignore[arg-type]


def test_the_built_manifest_validates_against_v1_17() -> None:
    manifest = build_manifest(_options())
    assert _errors(manifest) == []
    assert manifest["manifestVersion"] == "1.17"


def test_the_schema_check_catches_a_misspelled_scope() -> None:
    manifest = build_manifest(_options())
    manifest["bots"][0]["scopes"] = ["personal", "team", "groupchat"]  # type: ignore[index]
    assert _errors(manifest) != []


def test_the_bot_is_the_app_in_every_scope_with_its_commands() -> None:
    manifest = build_manifest(_options(name="PSA Bot"))
    [bot] = manifest["bots"]
    assert manifest["id"] == bot["botId"] == APP_ID.lower()
    assert bot["scopes"] == ["personal", "team", "groupChat"]
    [commands] = bot["commandLists"]
    titles = [c["title"] for c in commands["commands"]]
    assert {"help", "my tickets", "new ticket", "alerts on"} <= set(titles)
    assert manifest["name"] == {"short": "PSA Bot", "full": "PSA Bot: Autotask PSA for technicians"}
    assert manifest["developer"]["privacyUrl"] == "https://atbot.example.com"
    assert "{{" not in json.dumps(manifest)
    # offered in shared channels too, where it answers each asker in private
    assert manifest["supportedChannelTypes"] == ["sharedChannels", "privateChannels"]


def test_the_template_holds_placeholders_only_where_values_go() -> None:
    template = (REPO / "manifest" / "teams" / "manifest.json").read_text(encoding="utf-8")
    assert "{{APP_ID}}" in template and json.loads(template)["accentColor"] == "#1E5AA8"


@pytest.mark.parametrize(
    ("overrides", "complaint"),
    [
        ({"app_id": "my-bot"}, "--app-id must be the bot's Microsoft App ID"),
        ({"website_url": "http://atbot.example.com"}, "--website-url must be an https://"),
        ({"terms_url": "ftp://x"}, "--terms-url must be an https://"),
        ({"name": "An app name that is far too long"}, "--name must be 1 to 30 characters"),
        ({"version": "1.0"}, "--version must look like 1.0.0"),
    ],
)
def test_options_teams_would_reject_are_refused_with_the_fix(
    overrides: dict[str, str], complaint: str
) -> None:
    with pytest.raises(ManifestError, match=re.escape(complaint)):
        build_manifest(_options(**overrides))


def test_the_package_holds_the_manifest_and_both_icons(tmp_path: Path) -> None:
    out = write_package(_options(), tmp_path / "pkg" / "atbot-teams.zip")
    with zipfile.ZipFile(out) as package:
        assert sorted(package.namelist()) == ["color.png", "manifest.json", "outline.png"]
        manifest = json.loads(package.read("manifest.json"))
        assert _errors(manifest) == []
        assert manifest["icons"] == {"color": "color.png", "outline": "outline.png"}
        color = read_png(package.read("color.png"))
        outline = read_png(package.read("outline.png"))
    width, height, colour, pixels = color
    assert (width, height, colour) == (192, 192, 6)
    assert all(p[3] == 255 for row in pixels for p in row), "a full-colour, opaque icon"
    assert pixels[0][0][:3] == ACCENT  # the background is the manifest's accent colour
    width, height, colour, pixels = outline
    assert (width, height, colour) == (32, 32, 6)
    assert pixels[0][0][3] == 0, "transparent background"
    visible = [p for row in pixels for p in row if p[3] > 0]
    assert visible and all(p[:3] == (255, 255, 255) for p in visible), "white only"


@pytest.mark.parametrize("kind", ["color", "outline"])
def test_the_committed_icons_are_the_drawing(kind: str) -> None:
    _, _, _, pixels = read_png((REPO / "manifest" / "teams" / f"{kind}.png").read_bytes())
    assert pixels == [list(row) for row in icon_pixels(kind)]


def test_atbot_manifest_teams_writes_the_zip(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "atbot-teams.zip"
    code = main(
        [
            "manifest",
            "teams",
            "--app-id",
            APP_ID,
            "--name",
            "Autotask",
            "--website-url",
            "https://atbot.example.com",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    assert f"Wrote {out}" in capsys.readouterr().out
    with zipfile.ZipFile(out) as package:
        assert _errors(json.loads(package.read("manifest.json"))) == []


def test_atbot_manifest_teams_takes_the_public_url_or_explains(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env of the developer's
    assert main(["manifest", "teams", "--app-id", APP_ID]) == 2
    assert "--website-url https://" in capsys.readouterr().err
    assert not (tmp_path / "atbot-teams.zip").exists()

    monkeypatch.setenv("ATBOT_SERVER__PUBLIC_URL", "https://bot.example.org")
    assert main(["manifest", "teams", "--app-id", APP_ID]) == 0
    with zipfile.ZipFile(tmp_path / "atbot-teams.zip") as package:
        assert (
            json.loads(package.read("manifest.json"))["developer"]["websiteUrl"]
            == "https://bot.example.org"
        )
    assert main(["manifest", "teams", "--app-id", "not-a-guid"]) == 2
    assert "--app-id must be" in capsys.readouterr().err


def test_the_message_action_is_the_one_the_bot_answers() -> None:
    from adapters.teams._message_actions import CREATE_TICKET

    manifest = build_manifest(_options())
    [extension] = manifest["composeExtensions"]  # type: ignore[misc]
    assert extension["botId"] == APP_ID.lower()
    [action] = [c for c in extension["commands"] if c["type"] == "action"]
    assert action["id"] == CREATE_TICKET and action["context"] == ["message"]
    assert action["fetchTask"] is True


def test_the_ticket_search_and_link_unfurling_are_declared() -> None:
    from adapters.teams._extensions import SEARCH_TICKETS

    manifest = build_manifest(_options())
    assert _errors(manifest) == []
    [extension] = manifest["composeExtensions"]  # type: ignore[misc]
    [search] = [c for c in extension["commands"] if c["type"] == "query"]
    assert search["id"] == SEARCH_TICKETS and [p["name"] for p in search["parameters"]] == ["query"]
    assert extension["messageHandlers"] == [
        {"type": "link", "value": {"domains": ["*.autotask.net"]}}
    ]
