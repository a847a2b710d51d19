"""The seven tools as data: name, description, argument model and an async callable.

Every caller (the LLM planner, command mode, the CLI) goes through ``call``: arguments are
validated by the tool's pydantic model, and a failure the caller can fix comes back as ToolError.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from ._apply import ApplyArgs, apply_change
from ._context import ToolContext
from ._describe import DescribeArgs, ListEntitiesArgs, describe, list_entities
from ._errors import ToolError
from ._get import GetArgs, get
from ._plans import PlanArgs, plan_change
from ._search import SearchArgs, search
from ._whoami import WhoAmIArgs, who_am_i

__all__ = ["TOOLS", "Tool", "call", "tool_schemas"]

Runner = Callable[[ToolContext, Any], Awaitable[BaseModel]]


@dataclass(frozen=True, slots=True)
class Tool:
    name: str
    description: str
    args: type[BaseModel]
    run: Runner
    writes: bool = False

    def schema(self) -> dict[str, Any]:
        """The JSON schema a model sees for this tool's arguments."""
        return self.args.model_json_schema()


async def _apply(ctx: ToolContext, args: ApplyArgs) -> BaseModel:
    return await apply_change(ctx, args.plan, ctx.require_actor())


TOOLS: dict[str, Tool] = {
    tool.name: tool
    for tool in (
        Tool(
            "list_entities",
            "Autotask's record types by area, with what each allows.",
            ListEntitiesArgs,
            list_entities,
        ),
        Tool(
            "describe",
            "An entity's fields: type, required, read-only, references, picklist "
            "labels (with parent/child picklists) and user-defined fields.",
            DescribeArgs,
            describe,
        ),
        Tool(
            "search",
            "Find records with filters in plain terms (labels, names, 'me', named "
            "date ranges). mode=count for 'how many' (one call), mode=export for a CSV file.",
            SearchArgs,
            search,
        ),
        Tool(
            "get",
            "One record by id or ticket number, optionally with related items, and a "
            "link into Autotask.",
            GetArgs,
            get,
        ),
        Tool(
            "who_am_i",
            "The technician's Autotask resource (roles, queues) and the connected API user.",
            WhoAmIArgs,
            who_am_i,
        ),
        Tool(
            "plan_change",
            "Prepare a create/update/delete for the technician to confirm: "
            "validated, with a field-by-field preview. Never writes.",
            PlanArgs,
            plan_change,
        ),
        Tool(
            "apply_change",
            "Apply a confirmed change plan (only after a human clicked Approve).",
            ApplyArgs,
            _apply,
            writes=True,
        ),
    )
}


async def call(name: str, arguments: dict[str, Any], ctx: ToolContext) -> BaseModel:
    """Run tool ``name``; bad arguments and fixable failures raise ToolError."""
    tool = TOOLS.get(name)
    if tool is None:
        raise ToolError(f"There is no tool '{name}'. Tools: {', '.join(TOOLS)}.")
    try:
        args = tool.args.model_validate(arguments)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in error['loc']) or 'arguments'}: {error['msg']}"
            for error in exc.errors()
        )
        raise ToolError(f"Invalid arguments for {name}: {problems}") from exc
    return await tool.run(ctx, args)


def tool_schemas(*, include_writes: bool = True) -> dict[str, dict[str, Any]]:
    return {
        name: {"description": tool.description, "parameters": tool.schema()}
        for name, tool in TOOLS.items()
        if include_writes or not tool.writes
    }
