"""Export: every matching record streamed page by page into a CSV file, memory bounded."""

from __future__ import annotations

import asyncio
import csv
import secrets
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel

from .._filters import Query
from .._models import Page

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
    """Write every match to a new CSV file; only one page is held in memory at a time."""
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
        async for page in _one_ahead(ctx.client.pages(schema.entity, query)):
            rendered = await renderer.rows(page.items, trim=False)
            await asyncio.to_thread(writer.writerows, [_plain(row) for row in rendered])
            rows += len(rendered)
    return ExportInfo(path=str(Path(path)), file_name=name, rows=rows, columns=columns)


async def _one_ahead(pages: AsyncIterator[Page]) -> AsyncIterator[Page]:
    """Yield each page while the next one is already being fetched (latency overlaps work)."""
    pending: asyncio.Task[Page] | None = asyncio.ensure_future(anext(pages))
    while pending is not None:
        try:
            page = await pending
        except StopAsyncIteration:
            return
        pending = asyncio.ensure_future(anext(pages)) if page.next_page_url else None
        yield page


def _cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, str) and value[:1] in _FORMULA_STARTS:
        return "'" + value  # customer text must not run as a spreadsheet formula
    return value


def _plain(row: dict[str, object]) -> dict[str, object]:
    return {key: _cell(value) for key, value in row.items()}
