"""Neutral edit forms as Slack modals, and a submitted modal's values read back.

Limits Slack enforces (``slack_sdk.models`` checks them): a modal title of 24 characters, labels
of 2,000, static_select options of 75 characters and 100 options, 3,000 characters of
``initial_value``, ``private_metadata`` of 3,000 characters.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from bot.edits import Form, FormField

__all__ = ["EDIT_CALLBACK", "EditTarget", "edit_modal", "error_block", "modal_values"]

EDIT_CALLBACK = "atbot_edit"
_BLOCK = "f:"  # block ids are "f:<field name>"; the element inside is always "value"
Block = dict[str, Any]


class EditTarget(BaseModel):
    """What a modal remembers in ``private_metadata``: the plan and the card it came from."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    plan_id: str
    channel: str
    message_ts: str | None = None
    thread_ts: str | None = None

    @classmethod
    def read(cls, text: str) -> EditTarget | None:
        try:
            return cls.model_validate_json(text or "{}")
        except ValidationError:
            return None


def _plain(text: str, limit: int) -> Block:
    return {"type": "plain_text", "text": (text or " ")[:limit]}


def _element(field: FormField) -> Block:
    if field.kind == "choice":
        options = [{"text": _plain(c.label, 75), "value": c.value[:150]} for c in field.choices]
        element: Block = {"type": "static_select", "action_id": "value", "options": options}
        chosen = next((o for o in options if o["value"] == field.value), None)
        if chosen is not None:
            element["initial_option"] = chosen
        return element
    element = {"type": "plain_text_input", "action_id": "value"}
    if field.kind == "multiline":
        element["multiline"] = True
    if field.value:
        element["initial_value"] = field.value[:3000]
    if field.hint:
        element["placeholder"] = _plain(field.hint, 150)
    return element


def _input(field: FormField) -> Block:
    return {
        "type": "input",
        "block_id": _BLOCK + field.name,
        "label": _plain(field.label, 2000),
        "optional": not field.required,
        "element": _element(field),
    }


def edit_modal(form: Form, target: EditTarget, *, callback_id: str = EDIT_CALLBACK) -> Block:
    """The modal for ``form``; submitting it comes back as a view_submission."""
    return {
        "type": "modal",
        "callback_id": callback_id,
        "private_metadata": target.model_dump_json(exclude_none=True),
        "title": _plain(form.title, 24),
        "submit": _plain("Preview", 24),
        "close": _plain("Cancel", 24),
        "blocks": [_input(field) for field in form.fields],
    }


def modal_values(state: dict[str, Any]) -> dict[str, str | None]:
    """The submitted values by field name (an empty optional input is None)."""
    values: dict[str, str | None] = {}
    for block_id, elements in (state.get("values") or {}).items():
        if not block_id.startswith(_BLOCK) or not isinstance(elements, dict):
            continue
        element = elements.get("value") or {}
        if element.get("type") == "static_select":
            option = element.get("selected_option") or {}
            values[block_id[len(_BLOCK) :]] = option.get("value")
        else:
            values[block_id[len(_BLOCK) :]] = element.get("value")
    return values


def error_block(form_values: dict[str, str | None], message: str) -> dict[str, str]:
    """Where to show a refusal in the modal: the field it names, else the first one."""
    names = list(form_values)
    named = next((n for n in names if n.lower() in message.lower()), names[0] if names else "")
    return {_BLOCK + named: message[:2000]} if named else {}
