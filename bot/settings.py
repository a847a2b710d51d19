"""One Settings object, read once at start (``ATBOT_`` env vars, ``__`` for nesting, ``.env``)."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from autotask import DEFAULT_ZONE_LOOKUP_URL

__all__ = ["AutotaskSettings", "Settings", "TicketDefaultSettings"]


class AutotaskSettings(BaseModel):
    """The Autotask API user. With none configured, the embedded sandbox is used."""

    username: str | None = None
    secret: SecretStr | None = None
    integration_code: SecretStr | None = None
    zone_url: str | None = None
    zone_lookup_url: str = DEFAULT_ZONE_LOOKUP_URL
    impersonate: bool = True
    max_in_flight: int = 3
    timeout_seconds: float = 30.0

    @property
    def configured(self) -> bool:
        return bool(self.username and self.secret and self.integration_code)


class TicketDefaultSettings(BaseModel):
    """Labels for new tickets when the technician names none (empty = the picklist default)."""

    status: str | None = None
    priority: str | None = None
    queue: str | None = None
    ticket_type: str | None = None
    source: str | None = None


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="ATBOT_", env_nested_delimiter="__", env_file=".env", extra="ignore"
    )

    autotask: AutotaskSettings = AutotaskSettings()
    ticket_defaults: TicketDefaultSettings = TicketDefaultSettings()
    timezone: str = "UTC"
    data_dir: Path = Path("data")
