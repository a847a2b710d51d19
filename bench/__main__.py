"""Run every benchmark and print a Markdown table of the figures.

python -m bench            # all
python -m bench paging     # the ones whose name contains "paging"
"""

from __future__ import annotations

import asyncio
import sys

from bench import (
    alerts,
    commands,
    engine,
    export,
    load,
    newest,
    notices,
    paging,
    sheets,
    slack,
    teams,
    tools,
)
from bench._report import Figure, print_table

SUITES = {
    "paging": paging.run,
    "tools": tools.run,
    "newest": newest.run,
    "export": export.run,
    "sheets": sheets.run,
    "engine": engine.run,
    "commands": commands.run,
    "teams": teams.run,
    "slack": slack.run,
    "alerts": alerts.run,
    "notices": notices.run,
    "load": load.run,
}


async def _main(selected: list[str]) -> None:
    figures: list[Figure] = []
    for name, suite in SUITES.items():
        if selected and not any(word in name for word in selected):
            continue
        print(f"running {name} ...", file=sys.stderr, flush=True)
        figures.extend(await suite())
    print_table(figures)


if __name__ == "__main__":
    asyncio.run(_main(sys.argv[1:]))
