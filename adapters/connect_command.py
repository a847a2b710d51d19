"""``atbot connect``: check an Autotask API user, then store its credentials encrypted.

    atbot connect [--username KEY] [--integration-code CODE] [--zone-lookup-url URL]

The secret is asked for (never echoed), or read from ATBOT_AUTOTASK__SECRET; so are the others
when neither flag nor environment gives them. The check resolves the API user's zone and counts
the Companies (one quick read), so a wrong key, secret, integration code or an unreachable zone
is found now, not in a technician's chat. The credentials are stored Fernet-encrypted in the
bot's database; the key is ATBOT_CREDENTIAL_KEY, or data/credential.key (made on first use).
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from autotask import (
    DEFAULT_ZONE_LOOKUP_URL,
    AuthenticationError,
    AutotaskClient,
    AutotaskError,
    BusyError,
    Credentials,
    PermissionDeniedError,
    UnknownApiUserError,
    UnreachableError,
    ZoneInfo,
)
from bot.settings import Settings
from bot.storage import CredentialStore, Database

from .wiring import KEY_FILE, STORED_AUTOTASK, credential_key

__all__ = ["ConnectError", "add_connect_command", "check_credentials", "connect"]

Say = Callable[[str], None]

CHECKLIST_401 = """Autotask rejected these credentials (HTTP 401).
Check, in Autotask (Admin > Resources/Users):
  1. the Username (Key) and the Secret exactly as Autotask generated them (no spaces; if unsure,
     generate a new secret on the API user's Security tab);
  2. the API integration code: the API user's API Tracking Identifier (for your own
     integration, "Custom (Internal Integration)" and its code);
  3. the API user is active and its security level is "API User (API-only)" (or a copy of it);
  4. the resource is an API user, not a person's login."""


class ConnectError(Exception):
    """Validation failed; ``message`` says what to do, ``exit_code`` says how bad."""

    def __init__(self, message: str, *, exit_code: int = 2) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code


@dataclass(frozen=True)
class Checked:
    zone: ZoneInfo
    companies: int


def _explain(exc: AutotaskError, credentials: Credentials, lookup_url: str) -> ConnectError:
    if isinstance(exc, UnknownApiUserError):
        return ConnectError(
            f"Autotask does not know the API user {credentials.username!r} (its zone could not "
            "be determined). Use the API user's Username (Key) exactly as Autotask shows it on "
            "the API user's Security tab, not a person's e-mail, and check the user is active."
        )
    if isinstance(exc, AuthenticationError):
        return ConnectError(CHECKLIST_401)
    if isinstance(exc, UnreachableError):
        return ConnectError(
            f"Could not reach Autotask ({lookup_url}). Check this machine's network, any proxy "
            "(HTTPS_PROXY) and firewall rules for outbound HTTPS, then try again.",
            exit_code=3,
        )
    if isinstance(exc, PermissionDeniedError):
        return ConnectError(
            "Autotask accepted the API user but refused to let it read Companies. Give its "
            "security level read access to CRM (Companies) and the other areas the bot should "
            f"see. Autotask said: {exc}"
        )
    if isinstance(exc, BusyError):
        return ConnectError(f"{exc} Nothing was stored.", exit_code=3)
    return ConnectError(f"Autotask answered with an error: {exc} Nothing was stored.", exit_code=1)


async def check_credentials(
    credentials: Credentials, *, zone_lookup_url: str = DEFAULT_ZONE_LOOKUP_URL
) -> Checked:
    """Resolve the API user's zone, then count Companies; ConnectError says what is wrong."""
    async with AutotaskClient(credentials, zone_lookup_url=zone_lookup_url, timeout=20.0) as at:
        try:
            zone = await at.zone()
            companies = await at.count("Companies")
        except AutotaskError as exc:
            raise _explain(exc, credentials, zone_lookup_url) from exc
    return Checked(zone=zone, companies=companies)


def ensure_key(settings: Settings, say: Say) -> bytes:
    """The credential key; without ATBOT_CREDENTIAL_KEY, data/credential.key (made if missing)."""
    key = credential_key(settings)
    if key is not None:
        return key
    path: Path = settings.data_dir / KEY_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    key = CredentialStore.new_key()
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(key + b"\n")
    say(
        f"No ATBOT_CREDENTIAL_KEY was set, so a new key was written to {path} (readable by this "
        "user only). Keep it with the bot's data, and back it up: without it the stored "
        "credentials cannot be read. To use an environment variable instead, set "
        "ATBOT_CREDENTIAL_KEY to its content."
    )
    return key


async def connect(
    settings: Settings,
    credentials: Credentials,
    *,
    zone_lookup_url: str = DEFAULT_ZONE_LOOKUP_URL,
    say: Say = print,
) -> int:
    """Validate, then store; returns the exit code (0 stored, 2 rejected, 3 unreachable)."""
    say(f"Checking the API user {credentials.username} …")
    try:
        checked = await check_credentials(credentials, zone_lookup_url=zone_lookup_url)
    except ConnectError as exc:
        say(exc.message)
        return exc.exit_code
    say(f"  zone:       {checked.zone.zone_name or '?'} ({checked.zone.url})")
    say(f"  companies:  {checked.companies:,} visible to this API user")
    key = ensure_key(settings, say)
    database = await Database.open(settings.database, credential_key=key)
    try:
        await database.migrate()
        value = {
            "username": credentials.username,
            "secret": credentials.secret.get_secret_value(),
            "integration_code": credentials.integration_code.get_secret_value(),
            "zone_url": checked.zone.url,
            "web_url": checked.zone.web_url or "",
        }
        await database.credentials.put(STORED_AUTOTASK, value, now=datetime.now(UTC))
    finally:
        await database.close()
    say("Stored, encrypted. `atbot run` now talks to this Autotask.")
    if settings.autotask.configured:
        say("Note: ATBOT_AUTOTASK__* settings are set too; while they are, they are used instead.")
    return 0


def _ask(value: str | None, prompt: str, *, secret: bool) -> str:
    if value:
        return value
    if not sys.stdin.isatty():
        raise ConnectError(
            f"Missing {prompt.lower()}: pass it as a flag or set it in the environment "
            "(ATBOT_AUTOTASK__USERNAME, ATBOT_AUTOTASK__SECRET, ATBOT_AUTOTASK__INTEGRATION_CODE)."
        )
    answer = getpass.getpass(f"{prompt}: ") if secret else input(f"{prompt}: ")
    if not answer.strip():
        raise ConnectError(f"No {prompt.lower()} given; nothing was stored.")
    return answer.strip()


def _credentials(args: argparse.Namespace, settings: Settings) -> Credentials:
    at = settings.autotask
    username = _ask(args.username or at.username, "API username (Key)", secret=False)
    secret = _ask(at.secret.get_secret_value() if at.secret else None, "Secret", secret=True)
    code = args.integration_code or (
        at.integration_code.get_secret_value() if at.integration_code else None
    )
    integration_code = _ask(code, "API integration code", secret=True)
    return Credentials.model_validate(
        {"username": username, "secret": secret, "integration_code": integration_code}
    )


def _cmd_connect(args: argparse.Namespace) -> int:
    settings = Settings()
    try:
        credentials = _credentials(args, settings)
    except ConnectError as exc:
        print(exc.message, file=sys.stderr)
        return exc.exit_code
    lookup = args.zone_lookup_url or settings.autotask.zone_lookup_url
    return asyncio.run(connect(settings, credentials, zone_lookup_url=lookup))


def add_connect_command(commands: Any) -> None:
    command = commands.add_parser(
        "connect", help="check an Autotask API user and store its credentials encrypted"
    )
    command.add_argument("--username", help="the API user's Username (Key)")
    command.add_argument(
        "--integration-code", help="the API integration code (tracking identifier)"
    )
    command.add_argument(
        "--zone-lookup-url",
        default=None,
        help=f"where to look the zone up (default {DEFAULT_ZONE_LOOKUP_URL})",
    )
    command.set_defaults(handler=_cmd_connect)
