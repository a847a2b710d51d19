"""Encrypted credentials: round trip, no plaintext in the database, clear key errors."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import select, update
from storage_samples import CREDENTIAL_KEY, NOW

from bot.storage import CredentialKeyError, CredentialStore, Database
from bot.storage._tables import credentials

SECRET = {
    "username": "bot-api@msp.example",
    "secret": "Xq7-very-secret-Pa55",
    "integration_code": "ABCDEF0123456789GHIJ",
}


@pytest.fixture
async def other_view(db: Database, db_url: str) -> AsyncIterator[Database]:
    """The same database opened a second time, with another credential key."""
    other = await Database.open(db_url, credential_key=CredentialStore.new_key())
    try:
        yield other
    finally:
        await other.close()


async def test_credentials_round_trip_and_replace(db: Database) -> None:
    assert await db.credentials.get("autotask") is None
    await db.credentials.put("autotask", SECRET, now=NOW)
    assert await db.credentials.get("autotask") == SECRET
    rotated = {**SECRET, "secret": "n3w-secret"}
    await db.credentials.put("autotask", rotated, now=NOW + timedelta(days=1))
    assert await db.credentials.get("autotask") == rotated


async def test_the_database_row_holds_no_plaintext(db: Database) -> None:
    await db.credentials.put("autotask", SECRET, now=NOW)
    async with db._gateway.read() as conn:
        rows = (await conn.execute(select(credentials))).mappings().all()
    assert len(rows) == 1
    stored = " ".join(str(value) for value in rows[0].values())
    for value in SECRET.values():
        assert value not in stored
    assert rows[0]["token"].startswith("gAAAAA")  # a Fernet token


async def test_a_wrong_key_is_a_clear_error(db: Database, other_view: Database) -> None:
    await db.credentials.put("autotask", SECRET, now=NOW)
    with pytest.raises(CredentialKeyError, match="cannot be decrypted with the configured key"):
        await other_view.credentials.get("autotask")


async def test_a_missing_key_is_a_clear_error(db: Database, db_url: str) -> None:
    await db.credentials.put("autotask", SECRET, now=NOW)
    keyless = await Database.open(db_url)
    try:
        with pytest.raises(CredentialKeyError, match="No credential key is configured"):
            await keyless.credentials.get("autotask")
        with pytest.raises(CredentialKeyError, match="ATBOT_CREDENTIAL_KEY"):
            await keyless.credentials.put("autotask", SECRET, now=NOW)
    finally:
        await keyless.close()


async def test_a_malformed_key_is_refused_at_open(db_url: str) -> None:
    with pytest.raises(CredentialKeyError, match="not a valid Fernet key"):
        await Database.open(db_url, credential_key=b"too-short")


async def test_a_token_moved_to_another_name_does_not_decrypt_as_it(db: Database) -> None:
    await db.credentials.put("autotask", SECRET, now=NOW)
    await db.credentials.put("slack", {"bot_token": "xoxb-1"}, now=NOW)
    async with db._gateway.write() as conn:
        token = (
            await conn.execute(select(credentials.c.token).where(credentials.c.name == "autotask"))
        ).scalar_one()
        await conn.execute(
            update(credentials).where(credentials.c.name == "slack").values(token=token)
        )
    with pytest.raises(CredentialKeyError, match="belongs to another name"):
        await db.credentials.get("slack")


def test_new_keys_are_distinct_working_keys() -> None:
    assert CredentialStore.new_key() != CredentialStore.new_key()
    assert len(CREDENTIAL_KEY) == 44
