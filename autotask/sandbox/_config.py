"""Settings of a sandbox instance."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from pydantic import BaseModel, SecretStr

from .._client import Credentials

__all__ = ["SandboxConfig"]


class SandboxConfig(BaseModel):
    """Settings of a sandbox instance."""

    username: str = "demo-api@bluewave-it.example"
    secret: str = "sandbox-secret"
    integration_code: str = "SANDBOX-INTEGRATION"
    seed: int = 7
    tickets: int = 1500
    latency_ms: float = 0.0
    thread_limit: int = 3
    hourly_threshold: int = 10_000
    threshold_delay_scale: float = 1.0
    """Multiplies the +0.5 s / +1 s usage delays of the hourly threshold (0 turns them off)."""
    metadata_dir: Path | None = None
    zone_name: str = "SBX1"
    now: datetime | None = None
    webhook_retry_seconds: float = 30.0
    """Pause before a failed webhook callout is tried again (Autotask: 30 s, API-NOTES §8.4)."""
    levels_without_impersonation: tuple[str, ...] = (
        "Project Manager",
        "Dashboard User (system)",
        "Minimal Access (system)",
    )
    """Security levels (Resources ``userType`` labels) whose "Allow impersonation of resources
    with this security level" is not ticked; API user levels never allow it."""
    queue_membership_required: bool = True
    """A ticket's assignee must hold the assigned role in the ticket's queue (a tenant rule)."""

    def credentials(self) -> Credentials:
        """The demo API user's credentials, for a client of this sandbox."""
        return Credentials(
            username=self.username,
            secret=SecretStr(self.secret),
            integration_code=SecretStr(self.integration_code),
        )
