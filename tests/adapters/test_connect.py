"""`atbot connect` against the sandbox: each failure explained, success stored encrypted and used."""

from __future__ import annotations

import asyncio
import os
import socket
import stat
import sys
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy import text
from support import credentials_for

from adapters.connect_command import connect
from adapters.wiring import KEY_FILE, credential_key, open_tenant
from autotask import Credentials
from autotask.sandbox import Sandbox
from bot.settings import AutotaskSettings, Settings
from bot.storage import CredentialStore, Database


def settings_in(folder: Path, **values: object) -> Settings:
    return Settings(_env_file=None, data_dir=folder, **values)  # type: ignore[call-arg, arg-type]


async def run_connect(settings: Settings, credentials: Credentials, lookup: str) -> tuple[int, str]:
    said: list[str] = []
    code = await connect(settings, credentials, zone_lookup_url=lookup, say=said.append)
    return code, "\n".join(said)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


async def test_good_credentials_are_checked_then_stored_encrypted(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    settings = settings_in(tmp_path)
    code, said = await run_connect(settings, credentials_for(sandbox), sandbox.api_url)
    assert code == 0, said
    assert "companies:" in said and sandbox.api_url in said
    key_file = tmp_path / KEY_FILE
    assert "new key was written" in said and str(key_file) in said
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    zone_lookups = [r for r in sandbox.requests if "zoneInformation" in r.path]
    counts = [r for r in sandbox.requests if r.path.endswith("/Companies/query/count")]
    assert zone_lookups and counts

    db = await Database.open(settings.database, credential_key=credential_key(settings))
    try:
        stored = await db.credentials.get("autotask")
        async with db.engine.connect() as connection:
            raw = (await connection.execute(text("SELECT token FROM credentials"))).scalar_one()
    finally:
        await db.close()
    assert stored is not None and stored["secret"] == sandbox.config.secret
    assert stored["zone_url"] == sandbox.api_url
    assert sandbox.config.secret not in raw and sandbox.config.integration_code not in raw


async def test_a_configured_key_is_used_and_no_key_file_is_written(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    key = CredentialStore.new_key().decode()
    settings = settings_in(tmp_path, credential_key=key)
    code, said = await run_connect(settings, credentials_for(sandbox), sandbox.api_url)
    assert code == 0 and "new key" not in said
    assert not (tmp_path / KEY_FILE).exists()


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"username": "nobody@elsewhere.example"}, "does not know the API user"),
        ({"secret": "wrong"}, "HTTP 401"),
        ({"integration_code": "WRONG"}, "API integration code"),
    ],
)
async def test_each_rejection_says_what_to_check_and_stores_nothing(
    sandbox: Sandbox, tmp_path: Path, overrides: dict[str, str], expected: str
) -> None:
    settings = settings_in(tmp_path)
    code, said = await run_connect(settings, credentials_for(sandbox, **overrides), sandbox.api_url)
    assert code == 2
    assert expected in said
    assert not (tmp_path / KEY_FILE).exists() and not (tmp_path / "atbot.db").exists()


async def test_an_unreachable_autotask_is_told_apart(tmp_path: Path) -> None:
    lookup = f"http://127.0.0.1:{_closed_port()}/ATServicesRest/"
    credentials = Credentials.model_validate(
        {"username": "api@x.example", "secret": "s", "integration_code": "c"}
    )
    code, said = await run_connect(settings_in(tmp_path), credentials, lookup)
    assert code == 3 and "Could not reach Autotask" in said and lookup in said


async def test_the_bot_prefers_env_credentials_then_stored_ones_then_the_sandbox(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    settings = settings_in(tmp_path)
    code, _ = await run_connect(settings, credentials_for(sandbox), sandbox.api_url)
    assert code == 0
    db = await Database.open(settings.database, credential_key=credential_key(settings))
    try:
        async with open_tenant(settings, stored=db.credentials) as tenant:
            assert tenant.client.credentials.username == sandbox.config.username
            assert await tenant.client.api_url() == sandbox.api_url + "V1.0/"
            assert await tenant.client.count("Companies") > 0
        env = settings.model_copy(
            update={
                "autotask": AutotaskSettings(
                    username="env-user@x.example",
                    secret=SecretStr("s"),
                    integration_code=SecretStr("c"),
                    zone_url=sandbox.api_url,
                )
            }
        )
        async with open_tenant(env, stored=db.credentials) as tenant:
            assert tenant.client.credentials.username == "env-user@x.example"
    finally:
        await db.close()
    (tmp_path / KEY_FILE).unlink()  # without the key nothing stored can be read: the sandbox
    async with open_tenant(settings, stored=db.credentials) as tenant:
        assert await tenant.client.api_url() != sandbox.api_url + "V1.0/"


async def _atbot(*args: str, env: dict[str, str], cwd: Path) -> tuple[int, str, str]:
    """Run the CLI without blocking the loop that serves the sandbox."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "adapters.cli", *args, cwd=cwd, env=env,
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), timeout=120)
    return int(process.returncode or 0), out.decode(), err.decode()


async def test_atbot_connect_reads_the_environment_and_never_prints_the_secret(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ATBOT_", "OPENAI_"))}
    env["ATBOT_DATA_DIR"] = str(tmp_path / "data")
    missing = await _atbot("connect", env=env, cwd=tmp_path)
    assert missing[0] == 2 and "ATBOT_AUTOTASK__USERNAME" in missing[2]
    env.update(
        ATBOT_AUTOTASK__USERNAME=sandbox.config.username,
        ATBOT_AUTOTASK__SECRET=sandbox.config.secret,
        ATBOT_AUTOTASK__INTEGRATION_CODE=sandbox.config.integration_code,
    )
    code, out, err = await _atbot(
        "connect", "--zone-lookup-url", sandbox.api_url, env=env, cwd=tmp_path
    )
    assert code == 0, out + err
    assert "Stored, encrypted." in out and "ATBOT_AUTOTASK__* settings are set too" in out
    assert sandbox.config.secret not in out + err
    assert sandbox.config.integration_code not in out + err
    assert (tmp_path / "data" / KEY_FILE).is_file()
