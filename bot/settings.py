"""One Settings object, read once at start (``ATBOT_`` env vars, ``__`` for nesting, ``.env``)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from autotask import DEFAULT_BUDGET_SOFT_LIMIT, DEFAULT_ZONE_LOOKUP_URL

__all__ = [
    "AlertSettings",
    "AutotaskSettings",
    "BotSettings",
    "LlmSettings",
    "NoteDefaultSettings",
    "ServerSettings",
    "Settings",
    "SlackSettings",
    "TeamsSettings",
    "TicketDefaultSettings",
    "WebChatSettings",
]


class AutotaskSettings(BaseModel):
    """The Autotask API user. With none configured, the embedded sandbox is used."""

    username: str | None = None
    secret: SecretStr | None = None
    integration_code: SecretStr | None = None
    zone_url: str | None = None
    web_url: str | None = None  # the web UI root for deep links; derived from the zone if unset
    zone_lookup_url: str = DEFAULT_ZONE_LOOKUP_URL
    impersonate: bool = True
    max_in_flight: int = 3
    timeout_seconds: float = 30.0
    # Over this share of the hourly request budget, exports and large searches wait (and the
    # alert poll slows down); ThresholdInformation is asked at most every budget_check_seconds.
    budget_soft_limit: float = Field(default=DEFAULT_BUDGET_SOFT_LIMIT, gt=0.0, le=1.0)
    budget_check_seconds: float = Field(default=60.0, ge=0.0)

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
    closed_statuses: list[str] = []  # besides the system Complete (5): what "open" excludes


class NoteDefaultSettings(BaseModel):
    """Labels for new notes when the technician names none (empty = the picklist default)."""

    note_type: str | None = None
    publish: str | None = None


class LlmSettings(BaseModel):
    """Any OpenAI-compatible endpoint: OpenAI, Azure OpenAI (set api_version), a local server."""

    api_key: SecretStr | None = None
    base_url: str | None = None
    model: str = "gpt-4o-mini"
    api_version: str | None = None
    timeout_seconds: float = 60.0
    max_retries: int = 2
    max_steps: int = 8
    temperature: float | None = 0.0
    max_tokens: int | None = 512  # per model call; an answer is one to three sentences
    turn_seconds: float = 120.0  # a whole turn (every step) ends by then
    context_tokens: int | None = 16_000  # the transcript is shrunk to fit (estimated high)
    # A message the command grammar reads completely runs without the model (exact and free).
    grammar_first: bool = True

    @property
    def configured(self) -> bool:
        return self.api_key is not None or self.base_url is not None


class BotSettings(BaseModel):
    msp_name: str = "the MSP"
    plan_ttl_minutes: int = 30
    approvers: list[str] = []  # e-mails that may approve anyone's plan, besides the requester
    rate_limit_per_minute: int = 20
    history_tokens: int = 3000
    tool_result_tokens: int = 3000
    max_message_chars: int = 4000
    # at start, a plan "applying" for longer than this is settled (the process that applied it
    # died); keep it well above the Autotask timeout, or a slow apply on another replica is taken
    recover_after_seconds: float = Field(default=300.0, gt=0)


class SlackSettings(BaseModel):
    """Slack: Socket Mode (app-level token, no public URL) or HTTP mode (/slack/events)."""

    bot_token: SecretStr | None = None  # xoxb-…
    signing_secret: SecretStr | None = None
    app_token: SecretStr | None = None  # xapp-…, Socket Mode only
    mode: Literal["socket", "http"] = "socket"
    api_url: str = "https://slack.com/api/"

    @property
    def configured(self) -> bool:
        if self.bot_token is None or self.signing_secret is None:
            return False
        return self.mode == "http" or self.app_token is not None


class TeamsSettings(BaseModel):
    """Microsoft Teams through the Bot Framework (/api/messages)."""

    enabled: bool = False  # with no app id: local development, loopback requests only
    app_id: str | None = None
    app_password: SecretStr | None = None
    tenant_id: str | None = None
    app_type: Literal["SingleTenant", "MultiTenant", "UserAssignedMSI"] = "SingleTenant"
    # where the Bot Framework publishes the keys that sign its requests (tests point it elsewhere)
    openid_metadata_url: str = "https://login.botframework.com/v1/.well-known/openidconfiguration"

    @property
    def configured(self) -> bool:
        return self.enabled or bool(self.app_id)


class WebChatSettings(BaseModel):
    enabled: bool = False  # `atbot demo` turns it on
    # it has no login: `atbot run` serves it only on a loopback host and with this set to true
    acknowledge_no_login: bool = False


class AlertSettings(BaseModel):
    enabled: bool = True
    poll_seconds: float = 30.0
    digest_after: int = 10  # more new tickets than this for one subscription in a cycle → a digest
    webhook_secret: SecretStr | None = None  # the TicketWebhook's secretKey, for X-Hook-Signature


class ServerSettings(BaseModel):
    host: str = "127.0.0.1"
    port: int = 3978
    public_url: str | None = None  # how others reach this server (download links, webhooks)
    # exports are kept in the database this long, then swept; a link expires after its ttl
    export_retention_hours: float = Field(default=24.0, gt=0)
    download_ttl_minutes: int = Field(default=24 * 60, gt=0)
    # signs download links; without it a key kept in the database (the same on every replica)
    download_key: SecretStr | None = None


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="ATBOT_", env_nested_delimiter="__", env_file=".env", extra="ignore"
    )

    autotask: AutotaskSettings = AutotaskSettings()
    ticket_defaults: TicketDefaultSettings = TicketDefaultSettings()
    note_defaults: NoteDefaultSettings = NoteDefaultSettings()
    llm: LlmSettings = LlmSettings()
    bot: BotSettings = BotSettings()
    slack: SlackSettings = SlackSettings()
    teams: TeamsSettings = TeamsSettings()
    webchat: WebChatSettings = WebChatSettings()
    alerts: AlertSettings = AlertSettings()
    server: ServerSettings = ServerSettings()
    timezone: str = "UTC"
    data_dir: Path = Path("data")
    database_url: str | None = None  # default: a SQLite file in data_dir
    credential_key: SecretStr | None = None  # Fernet key for credentials stored by `atbot connect`

    @model_validator(mode="after")
    def _openai_key_fallback(self) -> Settings:
        if self.llm.api_key is None and os.environ.get("OPENAI_API_KEY"):
            self.llm.api_key = SecretStr(os.environ["OPENAI_API_KEY"])
        return self

    @property
    def database(self) -> str:
        return self.database_url or f"sqlite+aiosqlite:///{self.data_dir / 'atbot.db'}"
