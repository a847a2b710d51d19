"""A chat channel's Autotask company: linking, unlinking, and where the link is used.

Any technician the bot knows (a chat user mapped to an active Autotask resource) may link the
channel they are in, or unlink it; each change is written to the audit log with who made it.
The link is bot state, not Autotask data: the command grammar reads these commands (also when a
model is configured), and the model cannot change a link.

Where it is used, always said on the answer: a ticket list ("open tickets") or a new ticket
("new ticket: printer down") asked in the channel without a company gets the channel's company,
and the "Create Autotask ticket" form made from a message there starts with it.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from autotask.tools import Actor, ToolContext, ToolError

from .approvals import audit_event
from .calls import ToolCall
from .commands import Choice, Command
from .messages import Conversation, IncomingMessage, Reply
from .questions import MAX_CHOICES
from .storage import ChannelCompany

if TYPE_CHECKING:
    from .engine import Engine

__all__ = ["ChannelCompanies", "wants_company", "with_channel_company"]

_ID_LABEL = re.compile(r"^(?P<name>.+) \(#(?P<id>\d{1,12})\)$")
# Filters that already say whose tickets: a company, or a person.
_WHOSE = frozenset({"company", "companyid", "companyname", "account", "assigned",
                    "assignedresourceid", "assignedto", "resource", "contact", "contactid",
                    "ticketnumber", "id"})  # fmt: skip


def _company_free(call: ToolCall) -> bool:
    """A ticket list that names no company, no person and no ticket."""
    if call.name != "search" or call.arguments.get("entity") != "Tickets":
        return False
    filters = call.arguments.get("filters") or []
    fields = {str(f.get("field", "")).lower() for f in filters if isinstance(f, dict)}
    return not fields & _WHOSE


def wants_company(command: Command) -> bool:
    """Whether the channel's company would fill a gap in ``command``."""
    if command.needs_company is not None:
        return True
    return command.intent == "tools" and len(command.calls) == 1 and _company_free(command.calls[0])


def with_channel_company(command: Command, linked: ChannelCompany | None) -> Command:
    """``command`` with the channel's company where it names none (a ticket list, a new ticket
    that lacked only its company), and a note saying so; as it is otherwise."""
    if linked is None:
        return command
    using = f"Using this channel's company, {linked.company_name}"
    if command.needs_company is not None:
        note = f"{using} (name another company to open the ticket there)."
        call = command.needs_company
        fields = {"company": linked.company_id, **call.arguments.get("fields", {})}
        made = ToolCall(call.name, {**call.arguments, "fields": fields})
        return Command(intent="tools", calls=(made,), note=note)
    if not wants_company(command):
        return command
    note = f"{using} (name another company to see its tickets; `unlink channel` to stop)."
    call = command.calls[0]
    company = {"field": "company", "value": linked.company_id}
    filters = [*call.arguments.get("filters", []), company]
    return replace(command, calls=(ToolCall(call.name, {**call.arguments, "filters": filters}),),
                   note=note)  # fmt: skip


class ChannelCompanies:
    """``link this channel to …``, ``unlink channel``, ``which company is this channel?``."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    async def company(self, conversation: Conversation) -> ChannelCompany | None:
        return await self.engine.db.channels.company(conversation)

    async def fill(self, command: Command, conversation: Conversation) -> Command:
        """``command`` with the channel's company where it names none (see
        ``with_channel_company``); the link is read only when it would be used."""
        if not wants_company(command):
            return command
        return with_channel_company(command, await self.company(conversation))

    async def command(
        self, message: IncomingMessage, ctx: ToolContext, actor: Actor, command: Command
    ) -> Reply | tuple[str, tuple[Choice, ...]]:
        """The answer; or, for a name that could be several companies, the question to ask."""
        conversation = message.asked_in
        if command.intent == "channel_show":
            linked = await self.company(conversation)
            if linked is None:
                return Reply(text="This channel is not linked to a company. Link it with "
                             "`link this channel to Contoso`.")  # fmt: skip
            return Reply(text=f"This channel is linked to {linked.company_name} (used when a "
                         "ticket list or a new ticket here names no company).")  # fmt: skip
        if command.intent == "channel_unlink":
            removed = await self.engine.db.channels.unlink(conversation)
            if removed is None:
                return Reply(text="This channel was not linked to a company.")
            await self._audit("channel_unlinked", message, actor, removed.company_id,
                              removed.company_name)  # fmt: skip
            return Reply(text=f"This channel is no longer linked to {removed.company_name}.")
        return await self._link(message, ctx, actor, command.company or "")

    async def _link(
        self, message: IncomingMessage, ctx: ToolContext, actor: Actor, typed: str
    ) -> Reply | tuple[str, tuple[Choice, ...]]:
        found = _ID_LABEL.match(typed)
        try:
            company_id = int(found["id"]) if found else await ctx.names.resolve("Company", typed)
            names = await ctx.names.names_for("Company", [company_id])
        except ToolError as exc:
            if exc.candidates and exc.typed:
                choices = tuple(
                    Choice(label, (), intent="channel_link")
                    for label in exc.candidates[:MAX_CHOICES]
                )
                return f"Which company did you mean by '{exc.typed}'?", choices
            return Reply(text=str(exc))
        name = names.get(company_id)
        if name is None:
            return Reply(text=f"No company has the id {company_id}.")
        await self.engine.db.channels.link(
            message.asked_in, company_id, name, linked_by=message.user_id,
            now=self.engine.clock(),
        )  # fmt: skip
        await self._audit("channel_linked", message, actor, company_id, name)
        return Reply(
            text=f"This channel is now linked to {name}. Ticket lists and new tickets asked here "
            "without a company use it, and so does a ticket made from a message here. "
            "`unlink channel` undoes it."
        )

    async def _audit(
        self, kind: str, message: IncomingMessage, actor: Actor, company_id: int, name: str
    ) -> None:
        conversation = message.asked_in
        details: dict[str, Any] = {
            "platform": conversation.platform,
            "conversation_id": conversation.conversation_id,
            "company_id": company_id,
            "company": name,
        }
        event = audit_event(self.engine.clock(), kind, None, message.user_id, actor.resource_id,
                            details=details)  # fmt: skip
        await self.engine.db.audit.record(event.model_copy(update={"summary": f"{kind}: {name}"}))
