"""Field values for writes: labels and names to ids, text to dates and numbers, with checks
against the tenant's metadata (exists, writable, valid label, length)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from typing import Any

from .._models import FieldInfo
from ._context import ToolContext
from ._errors import ToolError
from ._schema import EntitySchema

__all__ = ["coerce", "humanize", "parse_duration", "wire_datetime"]

_DURATION = re.compile(
    r"^\s*(?:(?P<h>\d+(?:[.,]\d+)?)\s*h(?:ours?|rs?)?)?\s*(?:(?P<m>\d+)\s*m(?:in(?:ute)?s?)?)?\s*$",
    re.IGNORECASE,
)
_TRUE = {"true", "yes", "y", "1", "on"}
_FALSE = {"false", "no", "n", "0", "off"}


def humanize(name: str) -> str:
    """``assignedResourceID`` → ``Assigned resource``."""
    base = re.sub(r"ID$", "", name)
    words = re.sub(r"(?<!^)(?=[A-Z])", " ", base).lower().strip()
    return words[:1].upper() + words[1:]


def parse_duration(text: object) -> float:
    """Hours from "45m", "1.5h", "1h 30m", "90 minutes" or a plain number of hours."""
    if isinstance(text, int | float) and not isinstance(text, bool):
        hours = float(text)
    else:
        raw = str(text).strip()
        match = _DURATION.match(raw)
        if raw and raw.replace(".", "", 1).isdigit():
            hours = float(raw)
        elif match and (match.group("h") or match.group("m")):
            hours = (
                float((match.group("h") or "0").replace(",", ".")) + int(match.group("m") or 0) / 60
            )
        else:
            raise ToolError(f"'{text}' is not a duration; use forms like 45m, 1.5h or 1h 30m.")
    if not 0 < hours <= 24:
        raise ToolError("A time entry must be more than 0 and at most 24 hours.")
    return round(hours, 2)


def wire_datetime(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _datetime(info: FieldInfo, value: object, ctx: ToolContext) -> str:
    raw = str(value).strip().lower()
    local_today = ctx.now().astimezone(ctx.tz).date()
    if raw in {"today", "now"}:
        day = local_today
    elif raw == "yesterday":
        day = date.fromordinal(local_today.toordinal() - 1)
    elif raw == "tomorrow":
        day = date.fromordinal(local_today.toordinal() + 1)
    else:
        try:
            if len(raw) == 10:
                day = date.fromisoformat(raw)
            else:
                moment = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
                return wire_datetime(moment if moment.tzinfo else moment.replace(tzinfo=ctx.tz))
        except ValueError as exc:
            raise ToolError(f"{info.name} needs a date like 2026-11-25 (or today).") from exc
    return wire_datetime(datetime.combine(day, time.min, tzinfo=UTC))


def _scalar(info: FieldInfo, value: object) -> object:
    kind = info.data_type
    if kind == "boolean":
        text = str(value).strip().lower()
        if isinstance(value, bool) or text in _TRUE | _FALSE:
            return value if isinstance(value, bool) else text in _TRUE
        raise ToolError(f"{info.name} is yes/no; '{value}' is neither.")
    if kind in {"integer", "long", "short"}:
        try:
            return int(str(value).strip())
        except ValueError as exc:
            raise ToolError(f"{info.name} needs a whole number, not '{value}'.") from exc
    if kind in {"decimal", "double", "float"}:
        try:
            return float(str(value).strip())
        except ValueError as exc:
            raise ToolError(f"{info.name} needs a number, not '{value}'.") from exc
    text = str(value)
    if info.length and len(text) > info.length:
        raise ToolError(f"{info.name} takes at most {info.length} characters ({len(text)} given).")
    return text


async def coerce(
    ctx: ToolContext, schema: EntitySchema, info: FieldInfo, value: Any, *, parent: object = None
) -> object:
    """The wire value for ``value`` of a writable field (label → id, name → id, text → date)."""
    if value is None:
        if info.is_required:
            raise ToolError(f"{info.name} is required on {schema.entity}; it cannot be emptied.")
        return None
    if info.is_pick_list:
        entry = schema.picklist_value(info.name, value, parent=parent, for_write=True)
        return int(entry.value) if entry.value.lstrip("-").isdigit() else entry.value
    if info.is_reference and info.reference_entity_type:
        if str(value).strip().lower() in {"me", "myself"}:
            return ctx.require_actor().resource_id
        return await ctx.names.resolve(info.reference_entity_type, value)
    if info.data_type == "datetime":
        return _datetime(info, value, ctx)
    return _scalar(info, value)
