"""Tool calls that a model wrote as text in its answer instead of as ``tool_calls``.

Small models served without a tool-call parser write ``{"name": "search", "arguments": {…}}`` in
the content, in a ```json fence, bare, or inside ``<tool_call>`` tags. Such a call for a planner
tool is run like any other; nothing that looks like tool JSON is ever shown to a technician.
"""

from __future__ import annotations

import json
import re
from typing import Any

__all__ = ["find_text_calls", "strip_tool_json"]

_FENCE = re.compile(r"```(?:json|tool_call|tool)?\s*(.*?)```", re.DOTALL | re.IGNORECASE)
_TAGS = re.compile(r"<tool_call>\s*(.*?)\s*(?:</tool_call>|$)", re.DOTALL | re.IGNORECASE)
# Tool markup some models write in other shapes (XML-ish <tools>, echoed <tool_response>): never
# shown; a call in such markup is not run (its arguments cannot be read reliably).
_MARKUP = re.compile(
    r"<(tools|tool_response|function|functions|arguments)>.*?(?:</\1>|$)", re.DOTALL | re.IGNORECASE
)


def _objects(text: str) -> list[tuple[int, int, Any]]:
    """Every top-level JSON value that starts with ``{`` or ``[`` in ``text``, with its span."""
    decoder = json.JSONDecoder()
    found: list[tuple[int, int, Any]] = []
    index = 0
    while index < len(text):
        starts = (text.find("{", index), text.find("[", index))
        start = min((i for i in starts if i >= 0), default=-1)
        if start < 0:
            break
        try:
            value, end = decoder.raw_decode(text, start)
        except json.JSONDecodeError:
            index = start + 1
            continue
        found.append((start, end, value))
        index = end
    return found


def _as_call(value: Any, tools: tuple[str, ...]) -> tuple[str, dict[str, Any]] | None:
    if not isinstance(value, dict):
        return None
    if isinstance(value.get("function"), dict):  # {"type": "function", "function": {...}}
        value = value["function"]
    name = value.get("name") or value.get("tool") or value.get("tool_name")
    arguments = value.get("arguments", value.get("parameters", value.get("args", {})))
    if isinstance(arguments, str):
        try:
            arguments = json.loads(arguments or "{}")
        except json.JSONDecodeError:
            return None
    if not isinstance(name, str) or name not in tools or not isinstance(arguments, dict):
        return None
    return name, arguments


def _calls_in(value: Any, tools: tuple[str, ...]) -> list[tuple[str, dict[str, Any]]]:
    items = value if isinstance(value, list) else [value]
    calls = [_as_call(item, tools) for item in items]
    return [c for c in calls if c is not None]


Call = tuple[str, dict[str, Any]]


def find_text_calls(content: str | None, tools: tuple[str, ...]) -> list[Call]:
    """The calls of planner ``tools`` written in ``content`` (fenced, tagged or bare JSON)."""
    if not content or "{" not in content:
        return []
    calls: list[Call] = []
    for pattern in (_FENCE, _TAGS):
        for block in pattern.findall(content):
            for _, _, value in _objects(block):
                calls.extend(_calls_in(value, tools))
        if calls:
            return calls
    for _, _, value in _objects(content):
        calls.extend(_calls_in(value, tools))
    return calls


def _looks_like_call(value: Any) -> bool:
    items = value if isinstance(value, list) else [value]
    return any(
        isinstance(item, dict)
        and ("name" in item or "function" in item or "tool" in item)
        and any(key in item for key in ("arguments", "parameters", "args", "function"))
        for item in items
    )


def strip_tool_json(text: str) -> str:
    """``text`` without fences, tags or bare JSON that look like tool calls (for any tool)."""
    text = _TAGS.sub("", text)
    text = _MARKUP.sub("", text)
    text = _FENCE.sub(lambda m: "" if _has_call(m.group(1)) else m.group(0), text)
    for start, end, value in reversed(_objects(text)):
        if _looks_like_call(value):
            text = text[:start] + text[end:]
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _has_call(block: str) -> bool:
    return any(_looks_like_call(value) for _, _, value in _objects(block))
