"""Typed views of Autotask's metadata and bookkeeping responses.

Records themselves stay plain dicts (their fields are tenant-specific); everything Autotask returns
about itself (zone, entity information, fields, picklists, thresholds) is parsed into these models.
"""

from __future__ import annotations

from typing import Any

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, field_validator
from pydantic.alias_generators import to_camel

__all__ = [
    "EntityInfo",
    "FieldInfo",
    "Page",
    "PicklistValue",
    "ThresholdInfo",
    "UdfInfo",
    "ZoneInfo",
]

Record = dict[str, Any]


class _AutotaskModel(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, frozen=True, extra="ignore"
    )


class ZoneInfo(_AutotaskModel):
    """Where a tenant's API and web UI live (``GET zoneInformation``)."""

    zone_name: str | None = None
    url: str
    web_url: str | None = None
    ci: int | None = None


class PicklistValue(_AutotaskModel):
    """One picklist entry. Autotask lists ``value`` as a string even for integer fields, but
    tenants (and older zones) also send numbers: both are read as the string."""

    value: str
    label: str
    is_default_value: bool = False
    sort_order: int | None = None
    parent_value: str | None = None
    is_active: bool = True
    is_system: bool = False

    @field_validator("value", "parent_value", "label", mode="before")
    @classmethod
    def _text(cls, raw: object) -> object:
        if isinstance(raw, bool) or raw is None:
            return raw
        if isinstance(raw, float) and raw.is_integer():
            return str(int(raw))
        return str(raw) if isinstance(raw, int | float) else raw


class FieldInfo(_AutotaskModel):
    """One field of ``GET {Entity}/entityInformation/fields``."""

    name: str
    data_type: str = Field(default="string", validation_alias=AliasChoices("dataType", "type"))
    length: int | None = 0
    is_required: bool = False
    is_read_only: bool = False
    is_queryable: bool = True
    is_reference: bool = False
    reference_entity_type: str | None = None
    is_pick_list: bool = False
    picklist_values: list[PicklistValue] | None = None
    picklist_parent_value_field: str | None = None
    is_supported_webhook_field: bool = False

    def picklist_label(self, value: object) -> str | None:
        """The label of a stored value (ids arrive as ints; Autotask lists them as strings)."""
        wanted = str(value)
        for item in self.picklist_values or ():
            if item.value == wanted:
                return item.label
        return None


class UdfInfo(FieldInfo):
    """One user-defined field (``entityInformation/userDefinedFields``; uses ``type``)."""

    label: str | None = None
    description: str | None = None
    default_value: str | None = None


class EntityInfo(_AutotaskModel):
    """``GET {Entity}/entityInformation`` → ``info``."""

    name: str
    can_create: bool = False
    can_delete: bool = False
    can_query: bool = False
    can_update: bool = False
    user_access_for_create: str | None = None
    user_access_for_delete: str | None = None
    user_access_for_query: str | None = None
    user_access_for_update: str | None = None
    has_user_defined_fields: bool = False
    supports_webhook_callouts: bool = False


class ThresholdInfo(_AutotaskModel):
    """``GET ThresholdInformation``: the tenant's rolling hourly request budget."""

    external_request_threshold: int
    request_threshold_timeframe: int
    current_timeframe_request_count: int

    @property
    def used_fraction(self) -> float:
        if self.external_request_threshold <= 0:
            return 1.0
        return self.current_timeframe_request_count / self.external_request_threshold


class Page(BaseModel):
    """One page of a query: its rows and the URL of the next page (None on the last)."""

    model_config = ConfigDict(frozen=True)

    items: list[Record]
    next_page_url: str | None = None
