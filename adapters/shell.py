"""``atbot ask``, ``atbot approve`` and ``atbot cancel``: one turn or one click from the shell."""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import sys
from datetime import UTC, datetime
from typing import Any

from autotask.sandbox import SandboxConfig
from bot.cards import reply_as_text
from bot.messages import Click, Conversation, IncomingMessage, MessageRef, Reply
from bot.settings import Settings

from .runtime import Runtime, open_runtime

__all__ = ["add_shell_commands"]

SHELL = Conversation(platform="shell", conversation_id="shell")
DEMO_TECHNICIAN = "sarah.mitchell@bluewave-it.example"


def shell_sandbox() -> SandboxConfig:
    """The embedded sandbox for shell commands: its data is the same in every process started
    within the same hour, so a plan made by `atbot ask` can be approved by `atbot approve`."""
    return SandboxConfig(now=datetime.now(UTC).replace(minute=0, second=0, microsecond=0))


class ShellSurface:
    """Prints replies; remembers them so `--json` can print the neutral form."""

    def __init__(self, *, as_json: bool) -> None:
        self.as_json = as_json
        self.replies: list[Reply] = []

    def _show(self, reply: Reply, prefix: str = "") -> None:
        self.replies.append(reply)
        if self.as_json:
            print(json.dumps(reply.model_dump(mode="json"), indent=2, ensure_ascii=False))
        else:
            print(prefix + reply_as_text(reply))

    async def post(self, conversation: Conversation, reply: Reply) -> MessageRef:
        self._show(reply)
        return MessageRef(conversation=conversation, message_id=secrets.token_hex(6))

    async def update(self, message: MessageRef, reply: Reply) -> None:
        self._show(reply, prefix="(updated) ")

    async def typing(self, conversation: Conversation) -> None:
        return None

    async def whisper(self, conversation: Conversation, user_id: str, text: str) -> None:
        print(text, file=sys.stderr)


def _identity(runtime: Runtime, email: str | None) -> str:
    """Who is asking: --as, or the sandbox's demo technician when no real Autotask is in use."""
    if email:
        return email
    if not runtime.tenant.embedded_sandbox:
        raise SystemExit("error: say who is asking with --as EMAIL")
    return DEMO_TECHNICIAN


async def _ask(args: argparse.Namespace) -> int:
    settings = Settings()
    surface = ShellSurface(as_json=args.json)
    async with open_runtime(settings, sandbox=shell_sandbox()) as runtime:
        email = _identity(runtime, args.as_email)
        message = IncomingMessage(
            conversation=SHELL, user_id=email, email=email, text=args.question
        )
        await runtime.engine.handle(message, surface, command_mode=args.commands)
    return 0


async def _click(args: argparse.Namespace, action: str) -> int:
    settings = Settings()
    surface = ShellSurface(as_json=False)
    async with open_runtime(settings, sandbox=shell_sandbox()) as runtime:
        email = _identity(runtime, args.as_email)
        stored = await runtime.db.plans.get(args.plan_id)
        message = stored.message if stored else None
        click = Click(
            conversation=SHELL,
            user_id=email,
            email=email,
            action=action,
            plan_id=args.plan_id,
            message=message,
        )
        await runtime.engine.click(click, surface)
        after = await runtime.db.plans.get(args.plan_id)
    status = after.status if after else "unknown plan"
    print(f"plan {args.plan_id}: {status}")
    wanted = {"approve": "applied", "cancel": "cancelled"}[action]
    return (
        0
        if after is not None and after.status == wanted and after.decided_by_user_id == email
        else 1
    )


async def _link(args: argparse.Namespace) -> int:
    from autotask.tools import ToolContext, find_resource

    settings = Settings()
    async with open_runtime(settings, sandbox=shell_sandbox()) as runtime:
        if args.unlink:
            removed = await runtime.db.identities.unlink(args.platform, args.user)
            print("unlinked" if removed else "there was no link")
            return 0
        ctx = ToolContext(tenant=runtime.tenant)
        resource = args.resource or ""
        record = (
            next((r for r in await ctx.names.resources() if str(r["id"]) == resource), None)
            if resource.isdigit()
            else await find_resource(ctx, resource)
        )
        if record is None or not record.get("isActive"):
            print(f"error: no active Autotask resource is {resource}", file=sys.stderr)
            return 1
        await runtime.db.identities.link(
            args.platform,
            args.user,
            int(record["id"]),
            linked_by="atbot link",
            now=datetime.now(UTC),
        )
        print(
            f"{args.platform} user {args.user} → {record['firstName']} {record['lastName']} "
            f"(resource {record['id']})"
        )
    return 0


def _run(coro: Any) -> int:
    result: int = asyncio.run(coro)
    return result


def add_shell_commands(commands: Any) -> None:
    ask = commands.add_parser("ask", help="ask one question (command mode unless a model is set)")
    ask.add_argument("question")
    ask.add_argument("--as", dest="as_email", help="the technician asking (e-mail)")
    ask.add_argument("--json", action="store_true", help="print the neutral reply as JSON")
    ask.add_argument("--commands", action="store_true", help="use command mode even with a model")
    ask.set_defaults(handler=lambda a: _run(_ask(a)))
    for verb in ("approve", "cancel"):
        sub = commands.add_parser(verb, help=f"{verb} a stored change plan")
        sub.add_argument("plan_id")
        sub.add_argument("--as", dest="as_email", help="the technician clicking (e-mail)")
        sub.set_defaults(handler=lambda a, v=verb: _run(_click(a, v)))
    link = commands.add_parser("link", help="link a chat user to an Autotask resource (admin)")
    link.add_argument("--platform", required=True, help="slack, teams, webchat, …")
    link.add_argument("--user", required=True, help="the chat platform's user id")
    group = link.add_mutually_exclusive_group(required=True)
    group.add_argument("--resource", help="the resource's e-mail or id")
    group.add_argument("--unlink", action="store_true", help="remove the link instead")
    link.set_defaults(handler=lambda a: _run(_link(a)))
