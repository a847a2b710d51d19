"""The rows of an export, ready for a file writer: every match, rendered, in id order.

Pages come from several id windows at once (``autotask._windows``); each page's reference names
are looked up (batched, other endpoints) as soon as it arrives, while the writer still works on
earlier pages. At most ``ahead`` rendered pages wait for the writer, so memory stays flat.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import AsyncGenerator, Awaitable, Callable
from typing import TYPE_CHECKING, Any

from .._windows import window_pages

if TYPE_CHECKING:
    from .._filters import Query
    from ._context import ToolContext
    from ._rows import Renderer

__all__ = ["export_rows"]


async def export_rows(
    ctx: ToolContext,
    entity: str,
    query: Query,
    renderer: Renderer,
    *,
    ahead: int = 6,
    permit: Callable[[], Awaitable[None]] | None = None,
) -> AsyncGenerator[list[dict[str, Any]]]:
    """Each page of matches as rendered rows (full text, no trimming), in id order; ``permit`` is
    asked alongside the first page (``window_pages``)."""
    pending: deque[asyncio.Future[list[dict[str, Any]]]] = deque()
    pages = window_pages(ctx.client, entity, query, permit=permit)
    try:
        async for page in pages:
            pending.append(asyncio.ensure_future(renderer.rows(page.items, trim=False, typed=True)))
            while pending and (len(pending) > ahead or pending[0].done()):
                yield await pending.popleft()
        while pending:
            yield await pending.popleft()
    finally:
        for task in pending:
            task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.gather(*pending, return_exceptions=True)
        await pages.aclose()
