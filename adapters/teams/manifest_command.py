"""``atbot manifest teams --app-id … [--name …] [--out atbot-teams.zip]``: the Teams app package."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from bot.settings import Settings

from ._manifest import ManifestError, ManifestOptions, write_package

__all__ = ["add_manifest_command"]


def _cmd_teams(args: argparse.Namespace) -> int:
    website = args.website_url or Settings().server.public_url
    if not website:
        print(
            "atbot manifest teams: Teams needs an https:// website address for the app: pass "
            "--website-url https://… or set ATBOT_SERVER__PUBLIC_URL to the bot's public address.",
            file=sys.stderr,
        )
        return 2
    options = ManifestOptions(
        app_id=args.app_id,
        website_url=website,
        name=args.name,
        full_name=args.full_name,
        developer=args.developer,
        privacy_url=args.privacy_url,
        terms_url=args.terms_url,
        version=args.version,
    )
    try:
        out = write_package(options, args.out)
    except ManifestError as exc:
        print(f"atbot manifest teams: {exc}", file=sys.stderr)
        return 2
    print(f"Wrote {out} for app id {options.app_id}.")
    print("Upload it in Teams: Apps > Manage your apps > Upload an app, or in the admin center.")
    return 0


def add_manifest_command(commands: Any) -> None:
    manifest = commands.add_parser("manifest", help="build a chat platform's app package")
    platforms = manifest.add_subparsers(dest="platform", required=True, metavar="PLATFORM")
    teams = platforms.add_parser("teams", help="the Microsoft Teams app package (a zip)")
    teams.add_argument(
        "--app-id", required=True, help="the bot's Microsoft App ID (Entra application client id)"
    )
    teams.add_argument("--name", default="Autotask", help="the name shown in Teams (max 30)")
    teams.add_argument("--full-name", default=None, help="the long name (max 100)")
    teams.add_argument("--developer", default="atbot", help="the publisher shown in Teams")
    teams.add_argument(
        "--website-url", default=None, help="https address for the app (default: public URL)"
    )
    teams.add_argument("--privacy-url", default=None, help="privacy statement (default: website)")
    teams.add_argument("--terms-url", default=None, help="terms of use (default: website)")
    teams.add_argument("--version", default="1.0.0", help="app version; raise it on each upload")
    teams.add_argument(
        "--out", type=Path, default=Path("atbot-teams.zip"), help="zip to write (atbot-teams.zip)"
    )
    teams.set_defaults(handler=_cmd_teams)
