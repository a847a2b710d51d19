"""New-ticket alerts in channels and personal notices: subscriptions, the poll, webhooks, alert
cards, "Assign to me".

Platform-neutral: alerts are posted through each platform's ChatSurface. ``AlertService`` is what
an adapter builds (and sets as ``engine.alerts``); it holds the ``Dispatcher`` (claim → post →
record, exactly once per subscription and ticket), ``Notices`` (the same, per subscription and
notice key) fed by ``Assignments`` (tickets assigned to a technician, new or reassigned) and
``CustomerNotes`` (customer notes on their tickets), the ``Poller`` (one query per cycle and
concern, by the lease holder) and the ``WebhookReceiver`` (signed Autotask callouts into the same
paths).
"""

from __future__ import annotations

from ._assign import ALERT_REQUESTER, ASSIGN_TTL, is_alert_plan, store_assign_plan, take_ticket
from ._assignments import CHANGES_CURSOR, Assignments, SweepReport, modified_ms
from ._cards import alert_card, digest_reply
from ._dispatcher import MAX_POST_ATTEMPTS, Dispatcher, DispatchReport
from ._filters import (
    FILTER_WORDS,
    NOTICE_KINDS,
    AlertFilters,
    Kind,
    priority_ladder,
    resolve_filters,
)
from ._gone import stop_alerts
from ._matcher import Match, Matcher, Watched, load_subscriptions
from ._notes import NOTES_CURSOR, CustomerNote, CustomerNotes, NoteSweep, note_card
from ._notices import Notice, Notices
from ._poller import LEASE_NAME, CycleReport, Poller, default_holder, lease_ttl_for
from ._service import PLANNER_NOTE, SHARED_CHANNEL, AlertService, channel_of
from ._tickets import ALERT_FIELDS, AlertTicket, alert_tickets, excerpt
from ._webhook import (
    SIGNATURE_HEADER,
    TicketEvent,
    WebhookReceiver,
    WebhookVerdict,
    hook_signature,
    verify_signature,
)

__all__ = [
    "ALERT_FIELDS",
    "ALERT_REQUESTER",
    "ASSIGN_TTL",
    "CHANGES_CURSOR",
    "FILTER_WORDS",
    "LEASE_NAME",
    "MAX_POST_ATTEMPTS",
    "NOTES_CURSOR",
    "NOTICE_KINDS",
    "PLANNER_NOTE",
    "SHARED_CHANNEL",
    "SIGNATURE_HEADER",
    "AlertFilters",
    "AlertService",
    "AlertTicket",
    "Assignments",
    "CustomerNote",
    "CustomerNotes",
    "CycleReport",
    "DispatchReport",
    "Dispatcher",
    "Kind",
    "Match",
    "Matcher",
    "NoteSweep",
    "Notice",
    "Notices",
    "Poller",
    "SweepReport",
    "TicketEvent",
    "Watched",
    "WebhookReceiver",
    "WebhookVerdict",
    "alert_card",
    "alert_tickets",
    "channel_of",
    "default_holder",
    "digest_reply",
    "excerpt",
    "hook_signature",
    "is_alert_plan",
    "lease_ttl_for",
    "load_subscriptions",
    "modified_ms",
    "note_card",
    "priority_ladder",
    "resolve_filters",
    "stop_alerts",
    "store_assign_plan",
    "take_ticket",
    "verify_signature",
]
