"""``atbot tools list`` and ``atbot tools call NAME JSON [--as EMAIL]``: tools from a shell."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import Any

from autotask import AutotaskError
from autotask.tools import TOOLS, ToolContext, ToolError, actor_of, call, find_resource
from bot.settings import Settings

from .wiring import open_tenant

__all__ = ["add_tools_command"]


def _cmd_list(args: argparse.Namespace) -> int:
    listing = [
        {"name": t.name, "description": t.description, "writes": t.writes, "parameters": t.schema()}
        for t in TOOLS.values()
    ]
    json.dump(listing, sys.stdout, indent=2)
    print()
    return 0


async def _call(name: str, arguments: dict[str, Any], email: str | None) -> dict[str, Any]:
    settings = Settings()
    async with open_tenant(settings) as tenant:
        ctx = ToolContext(tenant=tenant, timezone=settings.timezone)
        if email:
            record = await find_resource(ctx, email)
            if record is None or not record.get("isActive"):
                raise ToolError(f"No active Autotask resource has the e-mail {email}.")
            ctx.actor = actor_of(record)
        result = await call(name, arguments, ctx)
        return result.model_dump(mode="json")


def _cmd_call(args: argparse.Namespace) -> int:
    try:
        arguments = json.loads(args.arguments or "{}")
    except json.JSONDecodeError as exc:
        print(f"error: the arguments are not valid JSON ({exc.msg})", file=sys.stderr)
        return 2
    if not isinstance(arguments, dict):
        print("error: the arguments must be a JSON object", file=sys.stderr)
        return 2
    if args.name == "apply_change" and "plan" not in arguments:
        arguments = {"plan": arguments}
    try:
        result = asyncio.run(_call(args.name, arguments, args.as_email))
    except (ToolError, AutotaskError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    json.dump(result, sys.stdout, indent=2, ensure_ascii=False)
    print()
    return 0


def add_tools_command(commands: Any) -> None:
    tools = commands.add_parser("tools", help="list the Autotask tools or call one")
    verbs = tools.add_subparsers(dest="tools_command", required=True, metavar="VERB")
    listing = verbs.add_parser("list", help="every tool with its JSON schema")
    listing.set_defaults(handler=_cmd_list)
    calling = verbs.add_parser("call", help="run one tool and print its JSON result")
    calling.add_argument("name", choices=sorted(TOOLS), help="tool name")
    calling.add_argument("arguments", help="JSON arguments, e.g. {} (options may come first)")
    calling.add_argument("--as", dest="as_email", default=None, help="act as this technician")
    calling.set_defaults(handler=_cmd_call)
