"""Who may call the sandbox: zone lookup, credentials and impersonation (API-NOTES §1, §2).

The zone lookup needs no credentials; every other call needs the three auth headers, and
a wrong one is 401 with an empty body (§6.2). ``ImpersonationResourceId`` names an active
resource that is not an API user; any other value is Autotask's permission error.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._config import SandboxConfig
from ._metadata import MetadataRegistry
from ._records_api import PERMISSION, is_id
from ._store import ApiError, RecordStore

__all__ = ["Access", "impersonation_header", "logged_impersonation"]

_API_USER_LICENSE = 7  # Resources licenseType "API User" (API-NOTES §7.10)


class Access:
    """Checks a caller against the sandbox's one API user and its resources."""

    def __init__(
        self, config: SandboxConfig, store: RecordStore, metadata: MetadataRegistry | None = None
    ) -> None:
        self._config = config
        self._store = store
        self._metadata = metadata

    def zone(self, method: str, user: str | None, *, api_url: str, web_url: str) -> Any:
        """Zone lookup (API-NOTES §1): no auth, exempt from thread limiting."""
        if method != "GET":
            raise ApiError.method_not_allowed(method)
        if not user or user.strip().lower() != self._config.username.lower():
            raise ApiError.error("Zone information could not be determined")
        return {
            "zoneName": self._config.zone_name,
            "url": api_url,
            "webUrl": web_url,
            "ci": 100000 + self._config.seed,
        }

    def authenticate(self, headers: Mapping[str, str]) -> None:
        """Wrong credentials: 401, empty body, ``WWW-Authenticate: Basic`` (API-NOTES §6.2)."""
        user = headers.get("UserName", "")
        ok = (
            user.lower() == self._config.username.lower()
            and headers.get("Secret") == self._config.secret
            and headers.get("ApiIntegrationCode") == self._config.integration_code
        )
        if not ok:
            realm = {"WWW-Authenticate": 'Basic Realm="sandbox.autotask.local"'}
            raise ApiError(401, None, headers=realm)

    def api_user_id(self) -> int | None:
        """The resource id of the API user the sandbox is configured with."""
        name = self._config.username.lower()
        for resource in self._store.records("Resources"):
            if str(resource.get("userName") or "").lower() == name:
                return int(resource["id"])
        return None

    def check_impersonation(self, resource_id: int | None) -> None:
        """Only active, non-API-only resources whose security level allows impersonation can
        be impersonated (API-NOTES §2)."""
        if resource_id is None:
            return
        resource = self._store.get("Resources", resource_id)
        if (
            resource is None
            or resource.get("isActive") is False
            or resource.get("licenseType") == _API_USER_LICENSE
            or resource_id == self.api_user_id()
            or not self._level_allows_impersonation(resource.get("userType"))
        ):
            raise ApiError.error(PERMISSION)

    def _level_allows_impersonation(self, level: object) -> bool:
        """Resources' ``userType`` is the security level; API levels never allow it."""
        meta = self._metadata.get("Resources") if self._metadata else None
        labels = (
            {str(v.get("value")): str(v.get("label")) for v in meta.picklist("userType")}
            if meta
            else {}
        )
        label = labels.get(str(level), "")
        if label.lower().startswith("api user"):
            return False
        refused = {name.lower() for name in self._config.levels_without_impersonation}
        return label.lower() not in refused


def logged_impersonation(headers: Mapping[str, str]) -> int | None:
    """The ImpersonationResourceId header as a number, for the request log."""
    value = headers.get("ImpersonationResourceId", "").strip()
    return int(value) if is_id(value) else None


def impersonation_header(headers: Mapping[str, str]) -> int | None:
    """The resource to act as, None without the header; not a number is a 500."""
    value = headers.get("ImpersonationResourceId")
    if value is None or not value.strip():
        return None
    if not is_id(value.strip()):
        raise ApiError.error(PERMISSION)
    return int(value.strip())
