"""Deep links into Autotask's web UI (ExecuteCommand, API-NOTES §9)."""

from __future__ import annotations

__all__ = ["link", "link_template"]

# REST entity → (ExecuteCommand code, id parameter). "Account" is Company, "InstalledProduct" is CI.
_COMMANDS = {
    "Tickets": ("OpenTicketDetail", "TicketID"),
    "Companies": ("OpenAccount", "AccountID"),
    "Contacts": ("OpenContact", "ContactID"),
    "Contracts": ("OpenContract", "ContractID"),
    "Projects": ("OpenProject", "ProjectID"),
    "Opportunities": ("OpenOpportunity", "OpportunityID"),
    "Tasks": ("OpenTaskDetail", "TaskID"),
    "ConfigurationItems": ("OpenInstalledProduct", "InstalledProductID"),
}


def link_template(web_url: str | None, entity: str) -> str | None:
    """A URL with ``{id}`` where the record id goes, or None when Autotask has no such page."""
    command = _COMMANDS.get(entity)
    if not web_url or command is None:
        return None
    root = web_url if web_url.endswith("/") else web_url + "/"
    code, parameter = command
    return f"{root}Autotask/AutotaskExtend/ExecuteCommand.aspx?Code={code}&{parameter}={{id}}"


def link(web_url: str | None, entity: str, record_id: int) -> str | None:
    template = link_template(web_url, entity)
    return template.replace("{id}", str(int(record_id))) if template else None
