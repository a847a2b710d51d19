"""``atbot demo``: the whole product on its embedded defaults, in one process.

The Autotask sandbox with the demo MSP, the bot on SQLite in ``data/demo.db`` (fresh on every
start, like the sandbox's data), the web chat at http://127.0.0.1:3978/, new-ticket alerts in
the web chat's #demo channel, and a customer opening a plausible ticket every minute or so.
Command mode unless a language model is configured; Slack and Teams join when their settings
are present.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import logging
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from autotask import AutotaskClient, Credentials
from autotask.sandbox import Sandbox, SandboxConfig
from bot.messages import Conversation
from bot.settings import AutotaskSettings, Settings

from .demo_tickets import TicketGenerator
from .runtime import Runtime
from .server import serve

__all__ = ["Demo", "DemoOptions", "add_demo_command", "demo_settings", "run_demo"]

logger = logging.getLogger(__name__)

STOP_GRACE_SECONDS = 2.0  # Ctrl+C: callouts to the stopped bot get this long, then are dropped
DEMO_CHANNEL = Conversation(platform="webchat", conversation_id="demo")
DEMO_DATABASE = "demo.db"


@dataclass
class DemoOptions:
    host: str = "127.0.0.1"
    port: int = 3978
    sandbox_port: int = 8089
    data_dir: Path = Path("data")
    tickets: int = 1500
    new_ticket_seconds: float = 60.0
    poll_seconds: float = 10.0


@dataclass
class Demo:
    """What is running, for whoever watches the demo (the banner, tests)."""

    url: str
    sandbox: Sandbox
    runtime: Runtime
    generator: TicketGenerator


def alerts_available() -> bool:
    return importlib.util.find_spec("adapters.alerts_part") is not None


def demo_settings(options: DemoOptions, sandbox: Sandbox, base: Settings | None = None) -> Settings:
    """The environment's settings (model, Slack, Teams…), pointed at the demo's own pieces."""
    settings = base or Settings()
    config = sandbox.config
    settings.autotask = AutotaskSettings(
        username=config.username,
        secret=SecretStr(config.secret),
        integration_code=SecretStr(config.integration_code),
        zone_url=sandbox.api_url,
        web_url=sandbox.web_url,
    )
    settings.webchat.enabled = True
    settings.webchat.acknowledge_no_login = True  # the demo is a local tool by design
    settings.server.host = options.host
    settings.server.port = options.port
    settings.data_dir = options.data_dir
    settings.database_url = f"sqlite+aiosqlite:///{options.data_dir / DEMO_DATABASE}"
    settings.alerts.enabled = settings.alerts.enabled and alerts_available()
    settings.alerts.poll_seconds = options.poll_seconds
    if settings.bot.msp_name == "the MSP":
        settings.bot.msp_name = "Bluewave IT"
    return settings


def _fresh_database(folder: Path) -> None:
    """The sandbox starts from its seed every time, so the bot's demo state does too."""
    folder.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm", "-journal"):
        (folder / (DEMO_DATABASE + suffix)).unlink(missing_ok=True)


async def _subscribe_demo_channel(runtime: Runtime) -> None:
    if not runtime.settings.alerts.enabled:
        return
    if not await runtime.db.alerts.subscriptions(DEMO_CHANNEL):
        await runtime.db.alerts.subscribe(
            DEMO_CHANNEL, {}, created_by="atbot demo", now=datetime.now(UTC)
        )


def banner(demo: Demo, options: DemoOptions) -> str:
    settings = demo.runtime.settings
    llm = settings.llm
    mode = (
        f"the language model {llm.model}"
        if demo.runtime.model is not None
        else "command mode (set ATBOT_LLM__API_KEY or OPENAI_API_KEY to use a language model)"
    )
    platforms = [name for name, on in (("Slack", settings.slack.configured),
                                       ("Teams", settings.teams.configured)) if on]  # fmt: skip
    alerts = "new tickets are posted in the web chat's #demo" if settings.alerts.enabled else "off"
    if options.new_ticket_seconds > 0:
        alerts += f"; a customer opens one about every {options.new_ticket_seconds:g} s"
    box = demo.sandbox
    return "\n".join(
        [
            "",
            "atbot demo is running.",
            "",
            f"  Web chat:   {demo.url}/",
            f"  Answers:    {mode}",
            f"  Autotask:   the sandbox at {box.base_url} ({box.config.tickets} tickets; "
            f"API user {box.config.username} / {box.config.secret})",
            f"  Alerts:     {alerts}",
            f"  Also in:    {', '.join(platforms) or 'no other platform (Slack, Teams: not set)'}",
            f"  Data:       {settings.data_dir / DEMO_DATABASE} (fresh on every start)",
            "",
            "Open the web chat, pick a technician (Sarah Mitchell has open tickets), then try:",
            "  my tickets",
            "  log 30m on <one of those ticket numbers> checked the VPN client",
            "  open high-priority tickets for Contoso",
            "  help",
            "",
            "Stop with Ctrl+C.",
            "",
        ]
    )


async def run_demo(
    options: DemoOptions,
    *,
    base: Settings | None = None,
    until: Callable[[], Awaitable[None]] | None = None,
    on_ready: Callable[[Demo], Awaitable[None]] | None = None,
) -> None:
    """Run the demo until ``until`` returns (default: SIGINT/SIGTERM)."""
    _fresh_database(options.data_dir)
    sandbox = Sandbox(SandboxConfig(tickets=options.tickets))
    await sandbox.start(options.host, options.sandbox_port)
    config = sandbox.config
    credentials = Credentials(
        username=config.username, secret=config.secret, integration_code=config.integration_code
    )
    try:
        async with AutotaskClient(
            credentials, zone_url=sandbox.api_url, web_url=sandbox.web_url
        ) as customers:
            generator = TicketGenerator(customers, every_seconds=options.new_ticket_seconds)

            async def ready(runtime: Runtime, url: str) -> None:
                await _subscribe_demo_channel(runtime)
                generator.start()
                demo = Demo(url=url, sandbox=sandbox, runtime=runtime, generator=generator)
                print(banner(demo, options), flush=True)
                if on_ready is not None:
                    await on_ready(demo)

            try:
                await serve(demo_settings(options, sandbox, base), until=until, on_ready=ready)
            finally:
                await generator.stop()
    finally:
        await sandbox.stop(grace_seconds=STOP_GRACE_SECONDS)  # the bot is gone: no retrying it


def _cmd_demo(args: argparse.Namespace) -> int:
    options = DemoOptions(
        port=args.port,
        sandbox_port=args.sandbox_port,
        data_dir=args.data_dir,
        tickets=args.tickets,
        new_ticket_seconds=args.new_ticket_seconds,
        poll_seconds=args.poll_seconds,
    )
    if not args.verbose:
        logging.getLogger("autotask.client").setLevel(logging.WARNING)  # one line per request
    try:
        asyncio.run(run_demo(options))
    except OSError as exc:
        print(
            f"atbot demo could not start: {exc.strerror or exc}. Is another demo running? "
            "Choose other ports with --port and --sandbox-port.",
            file=sys.stderr,
        )
        return 1
    return 0


def add_demo_command(commands: Any) -> None:
    demo = commands.add_parser(
        "demo", help="run the product on its embedded defaults (sandbox, SQLite, web chat)"
    )
    demo.add_argument("--port", type=int, default=3978, help="web chat port (default 3978)")
    demo.add_argument(
        "--sandbox-port", type=int, default=8089, help="Autotask sandbox port (default 8089)"
    )
    demo.add_argument(
        "--data-dir", type=Path, default=Path("data"), help="data folder (default ./data)"
    )
    demo.add_argument("--tickets", type=int, default=1500, help="tickets in the demo MSP")
    demo.add_argument(
        "--new-ticket-seconds",
        type=float,
        default=60.0,
        help="a new customer ticket about this often (default 60; 0 turns it off)",
    )
    demo.add_argument(
        "--poll-seconds", type=float, default=10.0, help="alert poll interval (default 10)"
    )
    demo.set_defaults(handler=_cmd_demo)
