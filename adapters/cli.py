"""The ``atbot`` command line: the composition root of the product.

atbot sandbox [--host H] [--port P] [--tickets N] [--latency-ms X] [--seed N] ...
atbot demo
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from autotask.sandbox import SandboxConfig, run_sandbox

from .connect_command import add_connect_command
from .demo import add_demo_command
from .eval_command import add_eval_command
from .server import add_run_command
from .shell import add_shell_commands
from .teams.manifest_command import add_manifest_command
from .tools_command import add_tools_command
from .webhooks_command import add_webhooks_command

__all__ = ["build_parser", "main"]

_DEFAULTS = SandboxConfig()


def _add_sandbox_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8089, help="port to bind (default 8089)")
    parser.add_argument(
        "--tickets", type=int, default=_DEFAULTS.tickets, help="tickets in the demo MSP"
    )
    parser.add_argument("--seed", type=int, default=_DEFAULTS.seed, help="seed of the demo data")
    parser.add_argument(
        "--latency-ms", type=float, default=0.0, help="latency added to every request"
    )
    parser.add_argument(
        "--username",
        default=_DEFAULTS.username,
        help=f"the API user's username (default {_DEFAULTS.username})",
    )
    parser.add_argument(
        "--secret",
        default=_DEFAULTS.secret,
        help=f"the API user's secret (default {_DEFAULTS.secret})",
    )
    parser.add_argument(
        "--integration-code",
        default=_DEFAULTS.integration_code,
        help=f"the API integration code (default {_DEFAULTS.integration_code})",
    )
    parser.add_argument(
        "--metadata-dir",
        type=Path,
        default=None,
        help="folder of entityInformation/fields JSON files (a real tenant's) to serve instead",
    )


def _sandbox_config(args: argparse.Namespace) -> SandboxConfig:
    return SandboxConfig(
        username=args.username,
        secret=args.secret,
        integration_code=args.integration_code,
        seed=args.seed,
        tickets=args.tickets,
        latency_ms=args.latency_ms,
        metadata_dir=args.metadata_dir,
    )


def _print_sandbox_banner(config: SandboxConfig, base_url: str) -> None:
    print(f"Autotask sandbox listening on {base_url}")
    print(f"  API (zone) URL:    {base_url}/ATServicesRest/")
    print(f"  zone lookup base:  {base_url}/ATServicesRest/")
    print(f"  username (Key):    {config.username}")
    print(f"  secret:            {config.secret}")
    print(f"  integration code:  {config.integration_code}")
    print(f"  demo MSP:          {config.tickets} tickets, seed {config.seed}")
    sys.stdout.flush()


def _cmd_sandbox(args: argparse.Namespace) -> int:
    config = _sandbox_config(args)
    _print_sandbox_banner(config, f"http://{args.host}:{args.port}")
    run_sandbox(config, host=args.host, port=args.port)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="atbot", description="Autotask PSA for technicians, in chat."
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log at DEBUG level")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    sandbox = commands.add_parser("sandbox", help="run the local Autotask sandbox server")
    _add_sandbox_options(sandbox)
    sandbox.set_defaults(handler=_cmd_sandbox)

    add_demo_command(commands)
    add_connect_command(commands)

    add_tools_command(commands)
    add_shell_commands(commands)
    add_eval_command(commands)
    add_run_command(commands)
    add_manifest_command(commands)
    add_webhooks_command(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    quiet = args.command in {
        "tools",
        "ask",
        "approve",
        "cancel",
        "eval",
        "connect",
        "webhooks",
    }  # output for people or JSON
    configure_logging(verbose=args.verbose, quiet=quiet)
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except KeyboardInterrupt:
        return 130


# Libraries that log request and response bodies at DEBUG (chat text, model prompts, PSA records,
# tokens): ``-v`` opens our own DEBUG lines, never theirs.
CHATTY_LIBRARIES = (
    "openai",
    "httpx",
    "httpcore",
    "slack_sdk",
    "slack_bolt",
    "msrest",
    "msal",
    "botbuilder",
    "botframework",
    "azure",
    "urllib3",
    "aiohttp",
    "aiosqlite",
    "sqlalchemy",
    "asyncpg",
    "asyncio",
    "adapters.slack.bolt",
)
# Libraries whose INFO lines already carry bodies: SQLAlchemy logs each statement with its
# parameters (message text, plans, PSA records) at INFO once its logger is set to INFO.
BODIES_AT_INFO = ("sqlalchemy", "aiosqlite", "asyncpg")


def configure_logging(*, verbose: bool, quiet: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING if quiet else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    floor = logging.WARNING if quiet else logging.INFO
    for name in CHATTY_LIBRARIES:
        logging.getLogger(name).setLevel(max(floor, logging.INFO))
    for name in BODIES_AT_INFO:
        logging.getLogger(name).setLevel(logging.WARNING)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # the client logs each request itself


if __name__ == "__main__":
    sys.exit(main())
