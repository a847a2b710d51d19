"""A ticket from a chat message: the form pre-filled from the message, and what it becomes.

Title from the message's first line, description the message with a link back to it, company
the channel's linked company (``link this channel to …``), else guessed from the author's e-mail
(the contact with that address, else the one company whose web address has its domain), priority
and queue from the tenant's defaults. Submitting the form plans
the ticket (``plan_change``), stores the plan and posts the usual confirmation card where the
message was: nothing is created before the technician approves it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict

from autotask import AutotaskError, Filter, Query
from autotask.tools import Actor, ChangePlan, PlanArgs, ToolContext, ToolError, plan_change

from .edits import Form, FormField, choice_field
from .identity import IdentityError
from .messages import ChatSurface, Conversation

if TYPE_CHECKING:
    from autotask.tools._schema import EntitySchema

    from .engine import Engine

__all__ = ["MessageTickets", "SourceMessage", "TicketSubmission"]

TITLE_CHARS = 255
_FIELDS = ("company", "title", "description", "priority", "queueID")


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SourceMessage(_Model):
    """The message a ticket is made from, as the platform showed it."""

    text: str
    author_email: str | None = None
    author_name: str | None = None
    link: str | None = None
    platform_name: str = "chat"


class TicketSubmission(_Model):
    conversation: Conversation
    user_id: str
    email: str | None = None
    values: dict[str, str | None]


def _title(text: str) -> str:
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return first[:TITLE_CHARS]


def _description(source: SourceMessage) -> str:
    who = f"{source.author_name} wrote" if source.author_name else "Message"
    lines = [f"{who} in {source.platform_name}:", source.text.strip()]
    if source.link:
        lines += ["", f"Message: {source.link}"]
    return "\n".join(lines)[:8000]


class MessageTickets:
    """The "Create Autotask ticket" message action of one engine."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    async def _actor(self, conversation: Conversation, user_id: str, email: str | None) -> Actor:
        return await self.engine.identity.resolve(conversation.platform, user_id, email)

    async def guess_company(self, ctx: ToolContext, email: str | None) -> str | None:
        """The company of the contact with ``email``, else the one company on its domain."""
        if not email or "@" not in email:
            return None
        try:
            contacts = await ctx.client.query(
                "Contacts", Query(filter=(Filter.eq("emailAddress", email),)), limit=1
            )
            if contacts and contacts[0].get("companyID"):
                company_id = int(contacts[0]["companyID"])
                return (await ctx.names.names_for("Company", [company_id])).get(company_id)
            domain = email.rsplit("@", 1)[1].lower()
            companies = await ctx.client.query(
                "Companies", Query(filter=(Filter.contains("webAddress", domain),)), limit=2
            )
        except AutotaskError:
            return None  # a guess only: the technician types the company
        return str(companies[0]["companyName"]) if len(companies) == 1 else None

    async def form(
        self, source: SourceMessage, conversation: Conversation, user_id: str, email: str | None
    ) -> Form | str:
        """The new-ticket form for ``source``, or why this user cannot make one."""
        try:
            actor = await self._actor(conversation, user_id, email)
        except IdentityError as exc:
            return str(exc)
        ctx = self.engine.context(actor)
        schema = await self.engine.tenant.schemas.get("Tickets")
        defaults = self.engine.tenant.ticket_defaults
        linked = await self.engine.channels.company(conversation)
        company: str | None
        if linked is not None:
            company, hint = linked.company_name, "this channel's company"
        else:
            company = await self.guess_company(ctx, source.author_email)
            hint = "the customer's company name"
        fields = [
            FormField(name="company", label="Company", value=company, required=True, hint=hint),
            FormField(name="title", label="Title", value=_title(source.text) or None,
                      required=True),
            FormField(name="description", label="Description", kind="multiline",
                      value=_description(source)),
        ]  # fmt: skip
        for name, label, wanted in (("priority", "Priority", defaults.priority),
                                    ("queueID", "Queue", defaults.queue)):  # fmt: skip
            if schema.field(name) is None:
                continue
            current = _default_value(schema, name, wanted)
            fields.append(choice_field(schema, name, label, current))
        return Form(title="New Autotask ticket", fields=tuple(fields))

    async def plan(self, submission: TicketSubmission) -> tuple[ChangePlan, Actor] | str:
        """The ticket the form describes, planned (never created), or what is wrong with it."""
        try:
            actor = await self._actor(submission.conversation, submission.user_id, submission.email)
        except IdentityError as exc:
            return str(exc)
        values = {k: v.strip() for k, v in submission.values.items() if k in _FIELDS and v}
        if not values.get("company"):
            return "Say which company the ticket is for."
        if not values.get("title"):
            return "Give the ticket a title."
        args = PlanArgs(action="create", entity="Tickets", fields=values)
        try:
            return await plan_change(self.engine.context(actor), args), actor
        except ToolError as exc:
            return str(exc)

    async def preview(
        self,
        submission: TicketSubmission,
        surface: ChatSurface,
        plan: ChangePlan,
        actor: Actor,
    ) -> str:
        """Store the planned ticket and post its confirmation card where the message was."""
        return await self.engine.post_preview(
            plan, surface, submission.conversation, requester_user_id=submission.user_id,
            actor=actor,
        )  # fmt: skip


def _default_value(schema: EntitySchema, name: str, wanted: str | None) -> str | None:
    """The value a new ticket gets: the configured label's, else the picklist default."""
    info = schema.field(name)
    if info is None:
        return None
    if wanted:
        try:
            return schema.picklist_value(name, wanted, for_write=True).value
        except ToolError:
            return None
    entry = next(
        (v for v in info.picklist_values or () if v.is_default_value and v.is_active), None
    )
    return entry.value if entry else None
