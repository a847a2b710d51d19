"""The export file formats alone: writing typed rows to XLSX and to CSV (no Autotask, no network),
so the cost of the format is seen apart from paging."""

from __future__ import annotations

import time
import tracemalloc
from datetime import date, timedelta
from pathlib import Path
from tempfile import TemporaryDirectory

from autotask.tools._sheets import open_sheet

from ._report import Figure

ROWS = (19_035, 100_035)
PAGE = 500
HEADER = ["ID", "Date worked", "Resource", "Ticket", "Task", "Hours worked", "Summary notes"]


def _page(start: int) -> list[list[object]]:
    day = date(2026, 1, 1)
    return [
        [29_800_000 + n, day + timedelta(days=n % 300), "Sarah Mitchell", f"T20261124.{n % 9999:04d}",
         None, 0.75, f"Rebuilt the VPN profile and checked the client ({n})"]
        for n in range(start, start + PAGE)
    ]  # fmt: skip


def _write(path: Path, fmt: str, rows: int) -> float:
    started = time.perf_counter()
    sheet = open_sheet(path, fmt, HEADER)  # type: ignore[arg-type]
    for start in range(0, rows, PAGE):
        sheet.write(_page(start)[: rows - start])
    sheet.close()
    return time.perf_counter() - started


async def run() -> list[Figure]:
    figures: list[Figure] = []
    with TemporaryDirectory() as folder:
        for rows in ROWS:
            for fmt in ("csv", "xlsx"):
                path = Path(folder) / f"export.{fmt}"
                seconds = _write(path, fmt, rows)
                tracemalloc.start()
                _write(path, fmt, rows)
                _, peak = tracemalloc.get_traced_memory()
                tracemalloc.stop()
                name = f"write {rows:,} time-entry rows to {fmt.upper()}"
                size = path.stat().st_size / 1e6
                figures += [
                    Figure(name, "wall time", f"{seconds:.2f} s", f"{rows / seconds:,.0f} rows/s"),
                    Figure(name, "peak Python memory", f"{peak / 1e6:.1f} MB", "tracemalloc"),
                    Figure(name, "file size", f"{size:.1f} MB"),
                ]
    return figures
