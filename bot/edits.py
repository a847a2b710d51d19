"""Edit before approve: a preview's "Edit" opens a form with the planned fields; submitting it
makes a new plan and a new preview, and the old plan is superseded.

The form is neutral (``EditForm``: text, multi-line text and choices fed by the tenant's
picklists, in their ``sortOrder``); each adapter renders it its own way (Slack modal, Adaptive
Card inputs, an HTML form). What comes back is only the plan id and the values typed; the new plan
goes through ``plan_change`` like any other, so it is validated and previewed, never written.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict

from autotask.tools import Actor, ChangePlan, PlanArgs, ToolError, plan_change

from .approvals import audit_event
from .cards import change_card
from .identity import IdentityError
from .messages import ChatSurface, Conversation, MessageRef, Reply
from .storage import StoredPlan

if TYPE_CHECKING:
    from autotask.tools._schema import EntitySchema

    from .engine import Engine

__all__ = [
    "EditForm",
    "EditSubmission",
    "Edits",
    "Form",
    "FormChoice",
    "FormField",
    "choice_field",
]

logger = logging.getLogger(__name__)

FieldKind = Literal["text", "multiline", "choice"]
_LONG = {"description", "summaryNotes", "internalNotes", "resolution"}
_TIME_FIELDS = {"hoursWorked", "startDateTime", "endDateTime", "dateWorked"}
_HIDDEN = {"userDefinedFields"}
MAX_CHOICES = 100  # Slack's static_select holds at most 100 options


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class FormChoice(_Model):
    value: str
    label: str


class FormField(_Model):
    name: str
    label: str
    kind: FieldKind = "text"
    value: str | None = None
    choices: tuple[FormChoice, ...] = ()
    required: bool = False
    hint: str | None = None


class Form(_Model):
    """A form an adapter renders: a title and its fields."""

    title: str
    fields: tuple[FormField, ...]


class EditForm(Form):
    plan_id: str


class EditSubmission(_Model):
    """A submitted form, as an adapter received it (after verifying the platform)."""

    conversation: Conversation
    user_id: str
    email: str | None = None
    plan_id: str
    values: dict[str, str | None]
    message: MessageRef | None = None


def choice_field(
    schema: EntitySchema, name: str, label: str, current: str | None, *, required: bool = False
) -> FormField:
    """A picklist field of ``schema`` as a choice: its active values in their sortOrder."""
    choices = _choices(schema, name, current)
    return FormField(name=name, label=label, kind="choice", value=current, choices=choices,
                     required=required)  # fmt: skip


def _choices(schema: EntitySchema, name: str, current: str | None) -> tuple[FormChoice, ...]:
    info = schema.field(name)
    values = [v for v in (info.picklist_values or ()) if v.is_active] if info else []
    values.sort(key=lambda v: (v.sort_order is None, v.sort_order or 0, v.label.lower()))
    chosen = [FormChoice(value=v.value, label=v.label[:75]) for v in values][:MAX_CHOICES]
    if current is not None and all(c.value != current for c in chosen) and info is not None:
        chosen.append(FormChoice(value=current, label=info.picklist_label(current) or current))
    return tuple(chosen)


def _hours_text(hours: float) -> str:
    minutes = round(hours * 60)
    whole, rest = divmod(minutes, 60)
    return f"{whole}h {rest}m" if whole and rest else f"{whole}h" if whole else f"{rest}m"


def _time_fields(plan: ChangePlan, zone: Any) -> list[FormField]:
    start = plan.payload.get("startDateTime")
    shown = (
        datetime.fromisoformat(str(start).replace("Z", "+00:00")).astimezone(zone)
        if start
        else None
    )
    return [
        FormField(name="duration", label="Duration", required=True,
                  value=_hours_text(float(plan.payload.get("hoursWorked") or 0)),
                  hint="45m, 1.5h, 1h 30m"),
        FormField(name="start", label="Started",
                  value=f"{shown:%Y-%m-%d %H:%M}" if shown else None,
                  hint="yesterday 14:00, 9:15, 2026-11-24 14:00 (your time zone)"),
    ]  # fmt: skip


def form_fields(plan: ChangePlan, schema: EntitySchema, *, zone: Any) -> tuple[FormField, ...]:
    """The planned fields a technician may change: texts, picklists; not references or ids."""
    fields: list[FormField] = []
    if plan.entity == "TimeEntries" and plan.action == "create":
        fields += _time_fields(plan, zone)
    for name, value in plan.payload.items():
        info = schema.field(name)
        if info is None or name in _HIDDEN or info.is_reference or info.is_read_only:
            continue
        if plan.entity == "TimeEntries" and name in _TIME_FIELDS:
            continue
        current = None if value is None else str(value)
        label = next((c.label for c in plan.changes if c.field == name), name)
        if info.is_pick_list:
            fields.append(choice_field(schema, name, label, current, required=info.is_required))
        elif info.data_type in {"string", "integer", "decimal", "double", "long", "short"}:
            kind: FieldKind = "multiline" if name in _LONG or (info.length or 0) > 255 else "text"
            fields.append(FormField(name=name, label=label, kind=kind, value=current,
                                    required=info.is_required))  # fmt: skip
    return tuple(fields)


def replan_fields(plan: ChangePlan, values: dict[str, str | None]) -> dict[str, Any]:
    """The plan_change fields of the edited plan: what was planned, with the form's values."""
    base = {k: v for k, v in plan.payload.items() if k not in _HIDDEN}
    edited = {k: (v.strip() if isinstance(v, str) else v) for k, v in values.items()}
    if plan.entity == "TimeEntries" and plan.action == "create":
        start = edited.pop("start", None)
        base = {k: v for k, v in base.items() if k not in _TIME_FIELDS}
        if start:
            base["start"] = start
        else:
            base["dateWorked"] = plan.payload.get("dateWorked")
    for name, value in edited.items():
        if value in (None, "") and plan.action == "create":
            base.pop(name, None)  # left empty: the tool's defaults decide
        else:
            base[name] = value or None
    return base


class Edits:
    """The Edit button of one engine: the form, and what a submitted form becomes."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    async def _editable(
        self, plan_id: str, conversation: Conversation, user_id: str, email: str | None
    ) -> tuple[StoredPlan, Actor] | str:
        stored = await self.engine.db.plans.get(plan_id)
        if stored is None or stored.conversation.conversation_id != conversation.conversation_id:
            return "I don't know that change; it may have been removed."
        try:
            actor = await self.engine.identity.resolve(conversation.platform, user_id, email)
        except IdentityError as exc:
            return str(exc)
        if not self.engine.approvals.may_approve(stored, user_id, actor):
            who = stored.requester_name or "the person who asked"
            return f"Only {who} (or an approver) can edit this change."
        if stored.status != "pending":
            return f"This change is already {stored.status}; it can no longer be edited."
        if stored.plan.action == "delete":
            return "A delete has nothing to edit; cancel it instead."
        return stored, actor

    async def form(
        self, plan_id: str, conversation: Conversation, user_id: str, email: str | None
    ) -> EditForm | str:
        """The form for the plan, or why this user cannot edit it."""
        found = await self._editable(plan_id, conversation, user_id, email)
        if isinstance(found, str):
            return found
        stored, actor = found
        schema = await self.engine.tenant.schemas.get(stored.plan.entity)
        fields = form_fields(stored.plan, schema, zone=self.engine.context(actor).tz)
        if not fields:
            return "This change has no fields I can offer for editing; cancel it and ask again."
        return EditForm(plan_id=stored.id, title="Edit the change", fields=fields)

    async def replan(
        self, submission: EditSubmission
    ) -> tuple[StoredPlan, ChangePlan, Actor] | str:
        """The new plan the form describes (nothing stored yet), or what is wrong with it."""
        found = await self._editable(
            submission.plan_id, submission.conversation, submission.user_id, submission.email
        )
        if isinstance(found, str):
            return found
        stored, actor = found
        plan = stored.plan
        args = PlanArgs(
            action=plan.action,
            entity=plan.entity,
            id=plan.record_id,
            fields=replan_fields(plan, submission.values),
        )
        try:
            return stored, await plan_change(self.engine.context(actor), args), actor
        except ToolError as exc:
            return str(exc)

    async def submit(self, submission: EditSubmission, surface: ChatSurface) -> str | None:
        """Supersede the old plan with the edited one and post its preview; the reason when it
        could not be done (the old plan is then left as it was)."""
        found = await self.replan(submission)
        if isinstance(found, str):
            return found
        return await self.supersede(submission, surface, *found)

    async def supersede(
        self,
        submission: EditSubmission,
        surface: ChatSurface,
        old: StoredPlan,
        plan: ChangePlan,
        actor: Actor,
    ) -> str | None:
        now = self.engine.clock()
        done = await self.engine.db.plans.transition(
            old.id,
            from_statuses={"pending"},
            to_status="superseded",
            now=now,
            decided_by_user_id=submission.user_id,
            decided_by_resource_id=actor.resource_id,
        )
        if done is None:
            current = await self.engine.db.plans.get(old.id)
            return f"This change is already {current.status if current else 'gone'}."
        await self.engine.db.audit.record(
            audit_event(now, "superseded", done, submission.user_id, actor.resource_id)
        )
        outcome = f"Edited by {actor.name}; the new preview replaces this one."
        card = change_card(old.plan, plan_id=old.id, status="superseded", outcome=outcome)
        target = old.message or submission.message
        if target is not None:
            await surface.update(target, Reply(cards=(card,)))
        await self.engine.post_preview(
            plan, surface, old.conversation, requester_user_id=old.requester_user_id, actor=actor,
            text="Here is the edited preview:",
        )  # fmt: skip
        return None
