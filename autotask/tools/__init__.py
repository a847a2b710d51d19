"""The Autotask tool layer: seven chat-agnostic tools over the client.

The LLM planner, the command grammar and the CLI all call these; they know nothing of chat.
"""

from __future__ import annotations

from ._apply import ApplyArgs, ApplyResult, apply_change
from ._conditions import Condition
from ._context import Actor, NoteDefaults, Tenant, TicketDefaults, ToolContext
from ._dates import NAMED_RANGES, DateRange, resolve_range
from ._describe import (
    DescribeArgs,
    DescribeResult,
    ListEntitiesArgs,
    ListEntitiesResult,
    describe,
    list_entities,
)
from ._errors import ToolError
from ._export import ExportInfo
from ._get import Contact, GetArgs, GetResult, Related, get
from ._links import link, link_template
from ._picklist_order import priority_ladder
from ._plans import ChangePlan, FieldChange, PlanArgs, fingerprint_of, plan_change
from ._registry import TOOLS, Tool, call, tool_schemas
from ._rows import DEFAULT_FIELDS
from ._search import SearchArgs, SearchResult, search
from ._values import humanize
from ._whoami import WhoAmIArgs, WhoAmIResult, actor_of, find_resource, who_am_i

__all__ = [
    "DEFAULT_FIELDS",
    "NAMED_RANGES",
    "TOOLS",
    "Actor",
    "ApplyArgs",
    "ApplyResult",
    "ChangePlan",
    "Condition",
    "Contact",
    "DateRange",
    "DescribeArgs",
    "DescribeResult",
    "ExportInfo",
    "FieldChange",
    "GetArgs",
    "GetResult",
    "ListEntitiesArgs",
    "ListEntitiesResult",
    "NoteDefaults",
    "PlanArgs",
    "Related",
    "SearchArgs",
    "SearchResult",
    "Tenant",
    "TicketDefaults",
    "Tool",
    "ToolContext",
    "ToolError",
    "WhoAmIArgs",
    "WhoAmIResult",
    "actor_of",
    "apply_change",
    "call",
    "describe",
    "find_resource",
    "fingerprint_of",
    "get",
    "humanize",
    "link",
    "link_template",
    "list_entities",
    "plan_change",
    "priority_ladder",
    "resolve_range",
    "search",
    "tool_schemas",
    "who_am_i",
]
