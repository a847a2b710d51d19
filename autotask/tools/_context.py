"""What a tool runs with: the tenant (client + caches), who is acting, their clock and time zone.

The context is never shown to a model; only tool arguments and results are.
"""

from __future__ import annotations

import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from .._budget import DEFAULT_BUDGET_SOFT_LIMIT, BudgetGuard
from .._client import AutotaskClient
from ._errors import ToolError
from ._names import Names
from ._schema import Schemas

__all__ = ["Actor", "NoteDefaults", "Tenant", "TicketDefaults", "ToolContext"]


@dataclass(frozen=True, slots=True)
class Actor:
    """The technician on whose behalf the tools run (an active Autotask resource)."""

    resource_id: int
    name: str
    email: str


@dataclass(frozen=True, slots=True)
class TicketDefaults:
    """Labels applied to a new ticket when the technician names none (None = picklist default)."""

    status: str | None = None
    priority: str | None = None
    queue: str | None = None
    ticket_type: str | None = None
    source: str | None = None
    closed_statuses: tuple[str, ...] = ()
    """Statuses (labels or ids) that count as closed besides the system Complete value (5):
    "open" means none of them."""


@dataclass(frozen=True, slots=True)
class NoteDefaults:
    """Labels for new notes when the technician names none (None = the picklist default; a
    tenant without one gets its first active note type in the picklist's order)."""

    note_type: str | None = None
    publish: str | None = None


@dataclass
class Tenant:
    """One Autotask tenant: the client and the caches shared by every conversation."""

    client: AutotaskClient
    impersonate: bool = True
    ticket_defaults: TicketDefaults = field(default_factory=TicketDefaults)
    note_defaults: NoteDefaults = field(default_factory=NoteDefaults)
    export_dir: Path = field(default_factory=lambda: Path(tempfile.gettempdir()) / "atbot-exports")
    embedded_sandbox: bool = False  # True when this "tenant" is the built-in sandbox
    budget_soft_limit: float = DEFAULT_BUDGET_SOFT_LIMIT  # heavy reads wait above this share
    budget_check_seconds: float = 60.0  # ThresholdInformation is asked at most this often
    schemas: Schemas = field(init=False)
    names: Names = field(init=False)
    budget: BudgetGuard = field(init=False)

    def __post_init__(self) -> None:
        self.schemas = Schemas(self.client)
        self.names = Names(self.client)
        self.budget = BudgetGuard(
            self.client.threshold_information,
            soft_limit=self.budget_soft_limit,
            check_seconds=self.budget_check_seconds,
        )


@dataclass
class ToolContext:
    """One run of tools: the tenant, the acting technician, and their clock."""

    tenant: Tenant
    actor: Actor | None = None
    timezone: str = "UTC"
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    focus_company: str | None = None  # the customer the conversation was about, when known
    focus_lookup: Callable[[], Awaitable[str | None]] | None = None  # read only when needed

    @property
    def client(self) -> AutotaskClient:
        return self.tenant.client

    @property
    def schemas(self) -> Schemas:
        return self.tenant.schemas

    @property
    def names(self) -> Names:
        return self.tenant.names

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    async def about_company(self) -> str | None:
        """The customer the conversation was about (looked up once, on first need)."""
        if self.focus_company is None and self.focus_lookup is not None:
            lookup, self.focus_lookup = self.focus_lookup, None
            self.focus_company = await lookup()
        return self.focus_company

    def now(self) -> datetime:
        return self.clock()

    def require_actor(self) -> Actor:
        if self.actor is None:
            raise ToolError(
                "This needs to know which technician you are; no Autotask resource is linked "
                "to this conversation."
            )
        return self.actor
