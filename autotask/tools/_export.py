"""Export: every matching record streamed into an XLSX or CSV file (rows from ``export_rows``:
several pages in flight, written in id order), memory bounded; headers a person reads, dates and
numbers typed."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Awaitable, Callable
from contextlib import aclosing
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel

from .._filters import Query
from ._conditions import DATE_ONLY_FIELDS
from ._export_rows import export_rows
from ._sheets import FORMATS, ExportFormat, open_sheet
from ._values import humanize

if TYPE_CHECKING:
    from ._context import ToolContext
    from ._rows import Renderer
    from ._schema import EntitySchema

__all__ = ["ExportInfo", "column_label", "export_file"]


class ExportInfo(BaseModel):
    path: str
    file_name: str
    rows: int
    columns: list[str]
    labels: list[str] = []
    format: str = "xlsx"
    mime: str = FORMATS["xlsx"][1]


def column_label(schema: EntitySchema, name: str, timezone: str) -> str:
    """A header a person reads: "Assigned resource", "Create date (Europe/Berlin)"."""
    if name == "id":
        return "ID"
    info = schema.field(name)
    if info is None:  # a user-defined field: its own name
        return name
    label = humanize(name)
    if info.data_type == "datetime" and name not in DATE_ONLY_FIELDS:
        return f"{label} ({timezone})"
    return label


async def export_file(
    ctx: ToolContext,
    schema: EntitySchema,
    query: Query,
    renderer: Renderer,
    *,
    fmt: ExportFormat = "xlsx",
    permit: Callable[[], Awaitable[None]] | None = None,
) -> ExportInfo:
    """Write every match to a new XLSX or CSV file; a few pages at most are held in memory.

    ``permit`` may refuse the export (by raising) while its first page is on the way; a file
    that was not finished is removed."""
    folder = ctx.tenant.export_dir
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    extension, mime = FORMATS[fmt]
    name = f"{schema.entity.lower()}-{stamp}-{secrets.token_hex(4)}.{extension}"
    path = folder / name
    columns = ["id", *renderer.fields]
    labels = [column_label(schema, c, ctx.timezone) for c in columns]
    rows = 0
    sheet = await asyncio.to_thread(open_sheet, path, fmt, labels)
    written = False
    try:
        rendered_pages = export_rows(ctx, schema.entity, query, renderer, permit=permit)
        async with aclosing(rendered_pages) as pages:
            async for rendered in pages:  # a failure here also stops the fetches in flight
                values = [[row.get(c) for c in columns] for row in rendered]
                await asyncio.to_thread(sheet.write, values)
                rows += len(rendered)
        written = True
    finally:
        await asyncio.to_thread(sheet.close)
        if not written:
            await asyncio.to_thread(path.unlink, missing_ok=True)
    return ExportInfo(
        path=str(Path(path)), file_name=name, rows=rows, columns=columns, labels=labels,
        format=fmt, mime=mime,
    )  # fmt: skip
