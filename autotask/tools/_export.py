"""Export: every matching record streamed into a CSV file (rows from ``export_rows``: several
pages in flight, written in id order), memory bounded."""

from __future__ import annotations

import asyncio
import csv
import secrets
from contextlib import aclosing
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel

from .._filters import Query
from ._export_rows import export_rows

if TYPE_CHECKING:
    from ._context import ToolContext
    from ._rows import Renderer
    from ._schema import EntitySchema

__all__ = ["ExportInfo", "export_csv"]

_FORMULA_STARTS = frozenset("=+-@\t\r")


class ExportInfo(BaseModel):
    path: str
    file_name: str
    rows: int
    columns: list[str]
    format: str = "csv"


async def export_csv(
    ctx: ToolContext, schema: EntitySchema, query: Query, renderer: Renderer
) -> ExportInfo:
    """Write every match to a new CSV file; a few pages at most are held in memory at a time."""
    folder = ctx.tenant.export_dir
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    name = f"{schema.entity.lower()}-{stamp}-{secrets.token_hex(4)}.csv"
    path = folder / name
    columns = ["id", *renderer.fields]
    rows = 0
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        async with aclosing(export_rows(ctx, schema.entity, query, renderer)) as pages:
            async for rendered in pages:  # a failure here also stops the fetches in flight
                await asyncio.to_thread(writer.writerows, [_plain(row) for row in rendered])
                rows += len(rendered)
    return ExportInfo(path=str(Path(path)), file_name=name, rows=rows, columns=columns)


def _cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, str) and value[:1] in _FORMULA_STARTS:
        return "'" + value  # customer text must not run as a spreadsheet formula
    return value


def _plain(row: dict[str, object]) -> dict[str, object]:
    return {key: _cell(value) for key, value in row.items()}
