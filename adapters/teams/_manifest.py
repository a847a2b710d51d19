"""The Teams app package: ``manifest/teams/manifest.json`` filled in, plus the two icons, zipped.

The template's ``{{NAME}}`` placeholders are replaced in the parsed JSON (never in the text), so
no value can break the document's structure.
"""

from __future__ import annotations

import json
import re
import zipfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

__all__ = ["ManifestError", "ManifestOptions", "build_manifest", "write_package"]

_GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
_SEMVER = re.compile(r"^\d+\.\d+\.\d+$")
_PLACEHOLDER = re.compile(r"\{\{([A-Z_]+)\}\}")
ICONS = ("color.png", "outline.png")


class ManifestError(ValueError):
    """An option the Teams manifest cannot take; the message says what to pass instead."""


@dataclass(frozen=True)
class ManifestOptions:
    app_id: str
    website_url: str
    name: str = "Autotask"
    full_name: str | None = None
    developer: str = "atbot"
    privacy_url: str | None = None
    terms_url: str | None = None
    version: str = "1.0.0"

    def values(self) -> dict[str, str]:
        """The template's placeholders, checked against what Teams accepts."""
        if not _GUID.match(self.app_id):
            raise ManifestError(
                f"--app-id must be the bot's Microsoft App ID, a GUID such as "
                f"00000000-0000-0000-0000-000000000000 (got {self.app_id!r})."
            )
        if not 1 <= len(self.name) <= 30:
            raise ManifestError("--name must be 1 to 30 characters (Teams' short name limit).")
        full = self.full_name or f"{self.name}: Autotask PSA for technicians"
        if len(full) > 100:
            raise ManifestError("--full-name must be at most 100 characters.")
        if not 1 <= len(self.developer) <= 32:
            raise ManifestError("--developer must be 1 to 32 characters.")
        if not _SEMVER.match(self.version):
            raise ManifestError("--version must look like 1.0.0 (raise it for every new upload).")
        urls = {
            "WEBSITE_URL": self.website_url,
            "PRIVACY_URL": self.privacy_url or self.website_url,
            "TERMS_URL": self.terms_url or self.website_url,
        }
        for key, url in urls.items():
            if not url.lower().startswith("https://"):
                flag = "--" + key.lower().replace("_", "-")
                raise ManifestError(f"{flag} must be an https:// address (got {url!r}).")
        return {
            "APP_ID": self.app_id.lower(),
            "NAME": self.name,
            "FULL_NAME": full,
            "DEVELOPER": self.developer,
            "VERSION": self.version,
            **urls,
        }


def _template_folder() -> Any:
    return resources.files("manifest") / "teams"


def _fill(value: Any, values: dict[str, str]) -> Any:
    if isinstance(value, str):
        return _PLACEHOLDER.sub(lambda m: values[m.group(1)], value)
    if isinstance(value, list):
        return [_fill(item, values) for item in value]
    if isinstance(value, dict):
        return {key: _fill(item, values) for key, item in value.items()}
    return value


def build_manifest(options: ManifestOptions) -> dict[str, Any]:
    """The manifest for ``options`` (schema v1.17)."""
    template = json.loads((_template_folder() / "manifest.json").read_text(encoding="utf-8"))
    filled: dict[str, Any] = _fill(template, options.values())
    return filled


def write_package(options: ManifestOptions, out: Path) -> Path:
    """Write the app package (manifest.json, color.png, outline.png) to ``out``."""
    manifest = build_manifest(options)
    folder = _template_folder()
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as package:
        package.writestr("manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False))
        for icon in ICONS:
            package.writestr(icon, (folder / icon).read_bytes())
    return out
