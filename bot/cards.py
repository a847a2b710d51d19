"""Tool results as neutral cards, and neutral cards as plain text (for the shell and fallbacks)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from autotask.tools import (
    ApplyResult,
    ChangePlan,
    DescribeResult,
    GetResult,
    ListEntitiesResult,
    SearchResult,
    WhoAmIResult,
    humanize,
)

from .messages import (
    Card,
    CardAction,
    ChangeStatus,
    Fact,
    FieldChangeView,
    LinkButton,
    Reply,
)
from .record_cards import display, record_card

__all__ = ["card_for_result", "change_card", "error_card", "focus_of", "reply_as_text"]

MAX_ROWS = 25
_STATUS_TITLES: dict[str, str] = {
    "pending": "Confirm this change",
    "applying": "Applying…",
    "applied": "Done",
    "cancelled": "Cancelled",
    "expired": "Expired — nothing was changed",
    "stale": "Not applied — the record changed since this preview",
    "failed": "Failed — nothing was changed",
    "unknown": "Outcome unknown — check Autotask",
    "superseded": "Replaced by an edited preview",
}


_text = display


_NARROW = ("ticketNumber", "title", "status", "companyName", "contractName", "projectName",
           "firstName", "lastName", "dateWorked", "hoursWorked", "referenceTitle", "invoiceNumber",
           "name")  # fmt: skip


def _narrow_columns(columns: list[str]) -> tuple[int, ...]:
    """The columns a narrow window keeps: number, title and status (at most three)."""
    kept = [i for i, c in enumerate(columns) if c in _NARROW][:3]
    return tuple(kept) or tuple(range(min(2, len(columns))))


def _singular(words: str) -> str:
    """ "open tickets" → "open ticket", "time entries" → "time entry" (English plurals we use)."""
    if words.endswith("ies"):
        return words[:-3] + "y"
    return words.removesuffix("s")


def list_footer(result: SearchResult, shown: int) -> str:
    """What a list covers, its order and what was left out: "25 of 39 open tickets, newest
    first; say `export …` for all"."""
    noun = humanize(result.entity).lower()
    state = next((w for w in result.conditions if w in {"open", "closed"}), None)
    what = f"{state} {noun}" if state else noun
    left_out = " (closed ones left out)" if state == "open" else ""
    order = f", {result.order}" if result.order else ""
    window = result.scope[result.scope.find(" (") :] if " (sorted" in result.scope else ""
    total = result.total
    if total is None:
        return f"{shown:,} {what} shown{left_out}{order}"
    if total == 0:
        return f"No {what} match{left_out}."
    if total == 1:
        return f"The only {_singular(what)}{left_out}"
    if shown >= total:
        return f"All {total:,} {what}{left_out}{order}{window}"
    return f"{shown:,} of {total:,} {what}{left_out}{order}{window}; say `export …` for all"


def list_card(result: SearchResult) -> Card:
    columns = [c for c in (result.rows[0].keys() if result.rows else []) if c != "id"]
    rows = tuple(tuple(_text(row.get(c)) for c in columns) for row in result.rows[:MAX_ROWS])
    template = result.link_template
    links = tuple(
        template.replace("{id}", str(row["id"])) if template else None
        for row in result.rows[:MAX_ROWS]
    )
    subtitle = "; ".join(result.conditions) if result.conditions else None
    return Card(
        kind="list",
        title=result.entity,
        subtitle=subtitle,
        columns=tuple(humanize(c) for c in columns),
        rows=rows,
        row_links=links,
        untrusted=bool(result.untrusted_fields),
        footer=list_footer(result, len(rows)),
        facts=tuple(  # "Total hours worked: 12.5", over every match, not only the rows shown
            Fact(label=f"Total {humanize(name).lower()}", value=f"{value:g}")
            for name, value in result.totals.items()
        ),
        total=result.total,
        order=result.order,
        narrow=_narrow_columns(columns),
    )


def change_card(
    plan: ChangePlan,
    *,
    plan_id: str,
    status: ChangeStatus = "pending",
    outcome: str | None = None,
    link: str | None = None,
) -> Card:
    """The confirmation card: what will change, field by field; buttons only while pending."""
    actions: tuple[CardAction, ...] = ()
    if status == "pending":
        approve = CardAction(
            action="approve",
            plan_id=plan_id,
            label="Delete" if plan.danger else "Approve",
            style="danger" if plan.danger else "primary",
            confirm=f"{plan.summary}? This cannot be undone." if plan.danger else None,
        )
        cancel = CardAction(action="cancel", plan_id=plan_id, label="Cancel")
        edit = CardAction(action="edit", plan_id=plan_id, label="Edit")
        actions = (approve, cancel) if plan.danger else (approve, edit, cancel)
    who = plan.attributed_to.name if plan.attributed_to else None
    notes = list(plan.notes)
    if who:
        notes.append(f"Attributed to {who}")
    if outcome:
        notes.insert(0, outcome)
    target = link or plan.link
    return Card(
        kind="change",
        title=_STATUS_TITLES[status],
        subtitle=plan.summary,
        facts=tuple(Fact(label=f.label, value=f.value) for f in plan.target),
        warnings=tuple(plan.warnings) if status in {"pending", "stale"} else (),
        changes=tuple(
            FieldChangeView(label=c.label, before=_optional(c.before), after=_optional(c.after))
            for c in plan.changes
        ),
        status=status,
        untrusted=bool(plan.untrusted_fields),
        notes=tuple(notes),
        link=LinkButton(label="Open in Autotask", url=target) if target else None,
        actions=actions,
    )


def _optional(value: Any) -> str | None:
    return None if value is None or value == "" else _text(value)


def applied_card(plan: ChangePlan, plan_id: str, result: ApplyResult) -> Card:
    status: ChangeStatus = result.status
    return change_card(
        plan, plan_id=plan_id, status=status, outcome=result.message, link=result.link
    )


def error_card(message: str, *, reference: str | None = None) -> Card:
    footer = f"Reference: {reference}" if reference else None
    return Card(kind="error", title="Something went wrong", text=message, footer=footer)


def _who_card(result: WhoAmIResult) -> Card:
    facts = [Fact(label="API user", value=result.api_user.username)]
    if result.resource:
        r = result.resource
        facts = [
            Fact(label="Name", value=r.name),
            Fact(label="E-mail", value=_text(r.email)),
            Fact(label="Active", value=_text(r.active)),
            Fact(label="Default role", value=_text(r.default_role)),
            Fact(label="Roles", value=", ".join(r.roles) or "—"),
            Fact(label="Queues", value=", ".join(r.queues) or "—"),
            *facts,
        ]
    title = result.resource.name if result.resource else "Not an Autotask resource"
    return Card(
        kind="record", title=title, facts=tuple(facts), notes=tuple(filter(None, [result.note]))
    )


def _describe_card(result: DescribeResult) -> Card:
    rows = tuple(
        (
            f.name,
            f.type + (f" → {f.reference}" if f.reference else ""),
            "required" if f.required else ("read-only" if f.read_only else ""),
            ", ".join(f.values or [])[:200],
        )
        for f in [*result.fields, *result.user_defined_fields]
    )
    return Card(
        kind="list",
        title=f"{result.entity} fields",
        subtitle=f"{result.area}; can {', '.join(result.can)}",
        columns=("Field", "Type", "Rules", "Values"),
        rows=rows,
        footer=f"{len(rows)} fields",
    )


def _entities_card(result: ListEntitiesResult) -> Card:
    rows = tuple(
        (area, entity.name, ", ".join(entity.can))
        for area, entities in result.areas.items()
        for entity in entities
    )
    return Card(
        kind="list",
        title="Autotask record types",
        columns=("Area", "Entity", "Can"),
        rows=rows,
        footer=f"{len(rows)} types",
    )


def focus_of(results: list[BaseModel]) -> str | None:
    """The one customer the shown records are about (a ticket's or a company's, or the company
    every row of a list shares); None when they name none or several."""
    found: set[str] = set()
    for result in results:
        if isinstance(result, GetResult):
            key = "companyName" if result.entity == "Companies" else "companyID"
            found.add(str(result.record.get(key) or ""))
        elif isinstance(result, SearchResult) and result.rows and "companyID" in result.rows[0]:
            found.update(str(row.get("companyID") or "") for row in result.rows)
    found.discard("")
    return found.pop() if len(found) == 1 else None


def card_for_result(result: BaseModel) -> tuple[Card | None, str | None]:
    """A card for a read tool's result (and a line of text, for counts and exports)."""
    if isinstance(result, SearchResult):
        if result.mode == "count":
            where = f" ({'; '.join(result.conditions)})" if result.conditions else ""
            return None, f"**{result.total:,}** {result.entity}{where}"
        if result.mode == "export" and result.export:
            return (
                None,
                f"Exported {result.export.rows:,} {result.entity} to {result.export.file_name}.",
            )
        return list_card(result), None
    if isinstance(result, GetResult):
        return record_card(result), None
    if isinstance(result, WhoAmIResult):
        return _who_card(result), None
    if isinstance(result, DescribeResult):
        return _describe_card(result), None
    if isinstance(result, ListEntitiesResult):
        return _entities_card(result), None
    return None, None


def reply_as_text(reply: Reply) -> str:
    """A reply as plain text, for the shell (`atbot ask`) and for logs of tests."""
    parts = [reply.text] if reply.text else []
    for card in reply.cards:
        lines = [f"[{card.kind}] {card.title}" + (f" — {card.subtitle}" if card.subtitle else "")]
        lines += [f"  {fact.label}: {fact.value}" for fact in card.facts]
        if card.columns:
            lines.append("  " + " | ".join(card.columns))
            lines += ["  " + " | ".join(row) for row in card.rows]
        lines[1:1] = [f"  ! {warning}" for warning in card.warnings]
        lines += [f"  {c.label}: {c.before or '—'} → {c.after or '—'}" for c in card.changes]
        if card.text:
            lines.append(f"  {card.text}")
        for part in card.sections:
            lines.append(f"  {part.title}:")
            for item in part.items:
                lines.append(f"    - {item.heading}" + (f": {item.text}" if item.text else ""))
            if part.footer:
                lines.append(f"    ({part.footer})")
        lines += [f"  ({note})" for note in card.notes]
        if card.link:
            lines.append(f"  {card.link.label}: {card.link.url}")
        lines += [f"  [{a.label}] plan {a.plan_id}" for a in card.actions]
        if card.footer:
            lines.append(f"  {card.footer}")
        parts.append("\n".join(lines))
    parts += [f"File: {f.name} ({f.rows} rows) at {f.path}" for f in reply.files]
    return "\n\n".join(parts)
