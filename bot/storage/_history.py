"""Conversation history per thread, bounded by a token budget.

The window is the longest run of newest messages whose tokens fit the budget (a running sum
over the thread, newest first). It never starts with a tool result whose call was cut off.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Subquery, delete, func, select

from ._tables import history_messages

if TYPE_CHECKING:
    from ._database import Gateway

__all__ = ["HistoryStore"]

_table = history_messages
_FOCUS = "focus"  # not a message: the customer the thread was last about (never sent to a model)
_QUESTION = "question"  # not a message: a question back whose answer the next message may be
_NOT_MESSAGES = (_FOCUS, _QUESTION)


def _window(thread_key: str) -> Subquery:
    """The thread's messages with the tokens of each and of everything newer."""
    newest_first = func.sum(_table.c.tokens).over(order_by=_table.c.id.desc())
    return (
        select(_table.c.id, _table.c.role, _table.c.content, newest_first.label("running"))
        .where(_table.c.thread_key == thread_key)
        .subquery()
    )


class HistoryStore:
    def __init__(self, gateway: Gateway) -> None:
        self._gateway = gateway

    async def append(
        self, thread_key: str, role: str, content: dict[str, Any], *, tokens: int, now: datetime
    ) -> None:
        """Add one message (as the model port takes it) with its estimated token count."""
        if tokens < 0:
            raise ValueError("tokens cannot be negative")
        stmt = _table.insert().values(
            thread_key=thread_key, role=role, content=content, tokens=tokens, created_at=now
        )
        async with self._gateway.write() as conn:
            await conn.execute(stmt)

    async def recent(self, thread_key: str, *, max_tokens: int) -> list[dict[str, Any]]:
        """The newest messages that fit in ``max_tokens``, oldest first."""
        window = _window(thread_key)
        stmt = (
            select(window.c.role, window.c.content)
            .where(window.c.running <= max_tokens, window.c.role.not_in(_NOT_MESSAGES))
            .order_by(window.c.id)
        )
        async with self._gateway.read() as conn:
            rows = (await conn.execute(stmt)).all()
        start = 0
        while start < len(rows) and rows[start].role == "tool":
            start += 1
        return [row.content for row in rows[start:]]

    async def prune(self, thread_key: str, *, keep_tokens: int) -> int:
        """Delete the messages older than the newest ``keep_tokens`` worth; returns how many."""
        window = _window(thread_key)
        oldest_kept = select(func.min(window.c.id)).where(window.c.running <= keep_tokens)
        async with self._gateway.write() as conn:
            cutoff = (await conn.execute(oldest_kept)).scalar_one_or_none()
            stmt = delete(_table).where(_table.c.thread_key == thread_key)
            if cutoff is not None:
                stmt = stmt.where(_table.c.id < cutoff)
            result = await conn.execute(stmt)
        return int(result.rowcount)

    async def set_focus(self, thread_key: str, company: str, *, now: datetime) -> None:
        """Remember the customer the thread is about (the newest one counts)."""
        await self.append(thread_key, _FOCUS, {"company": company}, tokens=0, now=now)

    async def focus(self, thread_key: str) -> str | None:
        """The customer the thread was last about, if any record or list named one."""
        stmt = (
            select(_table.c.content)
            .where(_table.c.thread_key == thread_key, _table.c.role == _FOCUS)
            .order_by(_table.c.id.desc())
            .limit(1)
        )
        async with self._gateway.read() as conn:
            content = (await conn.execute(stmt)).scalar_one_or_none()
        return str(content["company"]) if content and content.get("company") else None

    async def ask(self, thread_key: str, question: dict[str, Any], *, now: datetime) -> None:
        """Remember a question put to the thread (its choices), replacing any earlier one."""
        await self.forget_question(thread_key)
        await self.append(thread_key, _QUESTION, question, tokens=0, now=now)

    async def question(self, thread_key: str, *, since: datetime) -> dict[str, Any] | None:
        """The question the thread was last asked, when nothing was said in it since and it
        was asked after ``since``."""
        stmt = (
            select(_table.c.role, _table.c.content, _table.c.created_at)
            .where(_table.c.thread_key == thread_key, _table.c.role != _FOCUS)
            .order_by(_table.c.id.desc())
            .limit(1)
        )
        async with self._gateway.read() as conn:
            row = (await conn.execute(stmt)).one_or_none()
        if row is None or row.role != _QUESTION or row.created_at < since:
            return None
        return dict(row.content)

    async def forget_question(self, thread_key: str) -> None:
        stmt = delete(_table).where(_table.c.thread_key == thread_key, _table.c.role == _QUESTION)
        async with self._gateway.write() as conn:
            await conn.execute(stmt)
