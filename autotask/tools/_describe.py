"""The ``list_entities`` and ``describe`` tools: what Autotask holds and what its fields take."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from .._catalogue import AREAS, EntityType, entity_types
from .._models import FieldInfo
from ._context import ToolContext
from ._errors import ToolError
from ._schema import EntitySchema, match_choice

__all__ = [
    "DescribeArgs",
    "DescribeResult",
    "EntitySummary",
    "FieldSummary",
    "ListEntitiesArgs",
    "ListEntitiesResult",
    "describe",
    "list_entities",
]

PICKLIST_PREVIEW = 25
_ROOT_WORDS = {
    "query": "search",
    "get": "get",
    "create": "create",
    "update": "update",
    "delete": "delete",
}


class ListEntitiesArgs(BaseModel):
    """List Autotask's record types by area, with what each allows."""

    model_config = ConfigDict(extra="forbid")

    area: str | None = Field(default=None, description=f"Only this area: {', '.join(AREAS)}.")
    include_admin: bool = Field(
        default=False, description="Also list tenant-wide administrative/configuration types."
    )


class EntitySummary(BaseModel):
    name: str
    can: list[str] = Field(description="search/get/create/update/delete, or 'create via Parent'.")


class ListEntitiesResult(BaseModel):
    areas: dict[str, list[EntitySummary]]


def _abilities(kind: EntityType) -> list[str]:
    can = [word for verb, word in _ROOT_WORDS.items() if verb in kind.root_verbs]
    if kind.parent and kind.child_verbs & {"create", "update", "delete"}:
        writes = sorted(kind.child_verbs & {"create", "update", "delete"})
        can.append(f"{'/'.join(writes)} via {kind.parent}/{{id}}/{kind.child_path}")
    if kind.administrative:
        can = [c for c in can if c in {"search", "get"}] + ["read-only here (administrative)"]
    return can


async def list_entities(ctx: ToolContext, args: ListEntitiesArgs) -> ListEntitiesResult:
    area = match_choice(args.area, {a: a for a in AREAS}, what="area") if args.area else None
    grouped: dict[str, list[EntitySummary]] = {}
    for kind in entity_types():
        if (area and kind.area != area) or (kind.administrative and not args.include_admin):
            continue
        if not kind.root_verbs and not kind.child_verbs:
            continue
        grouped.setdefault(kind.area, []).append(
            EntitySummary(name=kind.name, can=_abilities(kind))
        )
    return ListEntitiesResult(areas=grouped)


class DescribeArgs(BaseModel):
    """Describe an entity's fields: types, required, read-only, references and picklist labels."""

    model_config = ConfigDict(extra="forbid")

    entity: str = Field(description="Entity name, e.g. Tickets.")
    field: str | None = Field(
        default=None, description="Only this field, with every picklist value."
    )


class FieldSummary(BaseModel):
    name: str
    type: str
    required: bool = False
    read_only: bool = False
    reference: str | None = None
    values: list[str] | None = Field(default=None, description="Picklist labels.")
    depends_on: str | None = Field(default=None, description="Parent picklist field.")


class DescribeResult(BaseModel):
    entity: str
    area: str
    can: list[str]
    fields: list[FieldSummary]
    user_defined_fields: list[FieldSummary] = Field(default_factory=list)


def _values(info: FieldInfo, parents: dict[str, str], *, everything: bool) -> list[str] | None:
    if not info.is_pick_list:
        return None
    labels: list[str] = []
    for value in sorted(info.picklist_values or (), key=lambda v: (v.sort_order or 0, v.label)):
        if not value.is_active:
            continue
        label = value.label + (" (default)" if value.is_default_value else "")
        if value.parent_value and value.parent_value in parents:
            label += f" [under {parents[value.parent_value]}]"
        labels.append(label)
    if not everything and len(labels) > PICKLIST_PREVIEW:
        extra = len(labels) - PICKLIST_PREVIEW
        return [*labels[:PICKLIST_PREVIEW], f"… {extra} more (describe this field for all)"]
    return labels


def _summary(schema: EntitySchema, info: FieldInfo, *, everything: bool) -> FieldSummary:
    parent_name = info.picklist_parent_value_field or None
    parent = schema.field(parent_name) if parent_name else None
    parents = {v.value: v.label for v in (parent.picklist_values or ())} if parent else {}
    return FieldSummary(
        name=info.name,
        type=info.data_type,
        required=info.is_required,
        read_only=info.is_read_only,
        reference=info.reference_entity_type or None,
        values=_values(info, parents, everything=everything),
        depends_on=parent.name if parent else parent_name,  # "IssueType" is issueType
    )


async def describe(ctx: ToolContext, args: DescribeArgs) -> DescribeResult:
    schema = await ctx.schemas.get(args.entity)
    if args.field:
        chosen = [schema.require(args.field)]
        fields = [_summary(schema, f, everything=True) for f in chosen if f in schema.fields]
        udfs = [_summary(schema, f, everything=True) for f in chosen if f not in schema.fields]
    else:
        fields = [_summary(schema, f, everything=False) for f in schema.fields]
        udfs = [_summary(schema, f, everything=False) for f in schema.udfs]
    if not fields and not udfs:
        raise ToolError(f"{schema.entity} reports no fields.")
    return DescribeResult(
        entity=schema.entity,
        area=schema.kind.area,
        can=_abilities(schema.kind),
        fields=fields,
        user_defined_fields=udfs,
    )
