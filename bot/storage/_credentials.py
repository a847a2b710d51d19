"""Secrets an admin stores (Autotask API credentials, …), encrypted with Fernet.

Only the Fernet token reaches the database. The plaintext also carries the record's name,
checked on reading, so a token copied into another row does not decrypt as that row.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import select

from ._tables import StorageError, credentials

if TYPE_CHECKING:
    from ._database import Gateway

__all__ = ["CredentialKeyError", "CredentialStore"]


class CredentialKeyError(StorageError):
    """The credential key is missing, malformed, or not the one the secrets were stored with."""


def _fernet(key: bytes | str) -> Fernet:
    try:
        return Fernet(key)
    except (ValueError, TypeError) as exc:
        raise CredentialKeyError(
            "The credential key is not a valid Fernet key (32 url-safe base64-encoded bytes); "
            "make one with CredentialStore.new_key()."
        ) from exc


class CredentialStore:
    def __init__(self, gateway: Gateway, key: bytes | str | None) -> None:
        self._gateway = gateway
        self._fernet = _fernet(key) if key is not None else None

    @staticmethod
    def new_key() -> bytes:
        """A fresh random key, to keep in the bot's settings (never in the database)."""
        return Fernet.generate_key()

    def _cipher(self) -> Fernet:
        if self._fernet is None:
            raise CredentialKeyError(
                "No credential key is configured, so stored credentials cannot be read or "
                "written; set ATBOT_CREDENTIAL_KEY (make one with CredentialStore.new_key())."
            )
        return self._fernet

    async def put(self, name: str, value: dict[str, str], *, now: datetime) -> None:
        """Store ``value`` under ``name`` encrypted, replacing what was there."""
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
            raise TypeError("credential values must map strings to strings")
        plaintext = json.dumps({"name": name, "value": value}, separators=(",", ":"))
        token = self._cipher().encrypt(plaintext.encode()).decode("ascii")
        values = {"name": name, "token": token, "updated_at": now}
        stmt = self._gateway.upsert(credentials, values, keys=("name",))
        async with self._gateway.write() as conn:
            await conn.execute(stmt)

    async def get(self, name: str) -> dict[str, str] | None:
        """The secret stored under ``name``, decrypted; ``None`` when there is none."""
        cipher = self._cipher()
        stmt = select(credentials.c.token).where(credentials.c.name == name)
        async with self._gateway.read() as conn:
            token = (await conn.execute(stmt)).scalar_one_or_none()
        if token is None:
            return None
        try:
            document: Any = json.loads(cipher.decrypt(token.encode("ascii")))
        except InvalidToken as exc:
            raise CredentialKeyError(
                f"The stored credential {name!r} cannot be decrypted with the configured key; "
                "it was stored with another key. Configure that key, or store it again."
            ) from exc
        if not isinstance(document, dict) or document.get("name") != name:
            raise CredentialKeyError(f"The stored credential {name!r} belongs to another name.")
        value: dict[str, str] = document["value"]
        return value
