"""Neutral cards built from real tool results: what a list covers, in what order, what is left out."""

from __future__ import annotations

from autotask.sandbox import Sandbox
from autotask.tools import SearchArgs, ToolContext, search
from bot.cards import list_card


def _open(sort: str | None = None, limit: int = 25) -> SearchArgs:
    return SearchArgs.model_validate(
        {"entity": "Tickets", "filters": [{"field": "open", "value": True}], "sort": sort,
         "limit": limit}
    )  # fmt: skip


async def test_a_cut_list_says_how_many_in_what_order_and_how_to_get_all(
    ctx: ToolContext, sandbox: Sandbox
) -> None:
    open_count = sum(1 for t in sandbox.records("Tickets") if t["status"] != 5)
    card = list_card(await search(ctx, _open("-createDate", limit=5)))
    assert card.footer == (
        f"5 of {open_count:,} open tickets (closed ones left out), newest first; "
        "say `export …` for all"
    )
    assert card.total == open_count and card.order == "newest first"
    assert [card.columns[i] for i in card.narrow] == ["Ticket number", "Title", "Status"]


async def test_a_whole_list_says_so(ctx: ToolContext, sandbox: Sandbox) -> None:
    contracts = len(sandbox.records("Contracts"))
    card = list_card(await search(ctx, SearchArgs(entity="Contracts", sort="endDate", limit=200)))
    assert card.footer == f"All {contracts} contracts, by end date, soonest first"
    assert [card.columns[i] for i in card.narrow] == ["Contract name", "Status"]


async def test_an_empty_list_says_nothing_matched(ctx: ToolContext) -> None:
    args = SearchArgs.model_validate(
        {"entity": "Tickets", "filters": [{"field": "title", "op": "contains", "value": "zzqx"}]}
    )
    card = list_card(await search(ctx, args))
    assert card.rows == () and card.footer == "No tickets match."
