"""Neutral edit forms as Adaptive Card 1.5 inputs, and the values an ``Action.Execute`` brings.

Input ids are ``f:<field name>``; Teams merges the inputs' values into the action's ``data``,
next to the action and the plan id, which are all the bot reads of it.
"""

from __future__ import annotations

from typing import Any

from bot.edits import EditForm, Form, FormField

from ._cards import SCHEMA_URL

__all__ = ["BACK_VERB", "SUBMIT_VERB", "form_card", "form_values"]

SUBMIT_VERB = "edit_submit"
BACK_VERB = "edit_back"
_INPUT = "f:"
Element = dict[str, Any]


def _input(field: FormField, value: str | None) -> Element:
    common = {"id": _INPUT + field.name, "label": field.label, "isRequired": field.required}
    if field.required:
        common["errorMessage"] = f"{field.label} is required."
    if field.kind == "choice":
        choices = [{"title": c.label, "value": c.value} for c in field.choices]
        element: Element = {"type": "Input.ChoiceSet", **common, "choices": choices,
                            "style": "compact"}  # fmt: skip
    else:
        element = {"type": "Input.Text", **common, "isMultiline": field.kind == "multiline"}
        if field.hint:
            element["placeholder"] = field.hint
    if value:
        element["value"] = value
    return element


def _execute(title: str, verb: str, plan_id: str, **extra: Any) -> Element:
    data = {"action": verb, "plan_id": plan_id}
    return {"type": "Action.Execute", "title": title, "verb": verb, "data": data, **extra}


def _actions(form: Form, submit: str) -> list[Element]:
    if submit == "submit" or not isinstance(form, EditForm):  # a task module's form
        return [{"type": "Action.Submit", "title": "Preview", "style": "positive",
                 "data": {"action": "new_ticket"}}]  # fmt: skip
    return [
        _execute("Preview", SUBMIT_VERB, form.plan_id, style="positive"),
        _execute("Back", BACK_VERB, form.plan_id, associatedInputs="none"),
    ]


def form_card(
    form: Form,
    *,
    error: str | None = None,
    values: dict[str, str | None] | None = None,
    submit: str = "execute",
) -> dict[str, Any]:
    """The form as a card; after a refusal, with the reason on top and the typed values kept.
    ``submit``: "execute" (Universal Actions, in a message) or "submit" (in a task module)."""
    typed = values or {}
    body: list[Element] = [
        {"type": "TextBlock", "text": form.title, "weight": "bolder", "size": "medium",
         "wrap": True},
    ]  # fmt: skip
    if error:
        body.append({"type": "TextBlock", "text": error, "color": "attention", "wrap": True})
    body += [_input(f, typed.get(f.name, f.value)) for f in form.fields]
    return {
        "type": "AdaptiveCard",
        "$schema": SCHEMA_URL,
        "version": "1.5",
        "fallbackText": form.title,
        "body": body,
        "actions": _actions(form, submit),
    }


def form_values(data: dict[str, Any]) -> dict[str, str | None]:
    """The inputs' values from an action's data (anything else in it is ignored)."""
    return {
        key[len(_INPUT) :]: (None if value in (None, "") else str(value)[:20_000])
        for key, value in data.items()
        if isinstance(key, str) and key.startswith(_INPUT)
    }
