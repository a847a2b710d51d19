"""The deterministic demo MSP the sandbox starts with: Bluewave IT and its customers.

``build_demo_msp`` returns, per REST root entity, the records exactly as the API returns them:
every field of the entity's metadata (None where empty), ``userDefinedFields`` where the entity
has them, Autotask's date format, picklist values that are active in the metadata it is given,
and references that resolve. The same (seed, tickets, now) gives the same data, byte for byte.

Picklist values are looked up by label, so a sandbox that loads another tenant's metadata (the
tenant sample) still gets valid values; a label that tenant lacks falls back to one of its own.
The module is long because most of it is the demo content itself (names, ticket texts...).
"""

from __future__ import annotations

import random
from bisect import bisect
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import accumulate
from typing import Any

from ._metadata import EntityMetadata, MetadataRegistry

__all__ = ["DemoData", "build_demo_msp"]

DemoData = dict[str, list[dict[str, Any]]]
Row = dict[str, Any]
CustomerSpec = tuple[str, str, str, str, str, int, str, str]
ContractSpec = tuple[int, str, str, str, int, float]
ProjectSpec = tuple[str, str, str, str, int, int, str, str]
Product = tuple[str, str, str, str, float, float, bool, "str | None"]

OWNER_NAME = "Bluewave IT"
OWNER_DOMAIN = "bluewave-it.example"
API_USER = "demo-api@bluewave-it.example"
HISTORY_DAYS = 180
_MINUTE = timedelta(minutes=1)
_DAY = timedelta(days=1)

# --- the MSP's customers and people --------------------------------------------------------------
# name, short name (CI names), domain, city, phone, seats, classification, market segment
CUSTOMERS = (
    ("Contoso", "CONTOSO", "contoso.example", "London", "+44 20 7946 0100", 120, "Platinum",
     "Professional Services"),
    ("Northwind Traders", "NWT", "northwindtraders.example", "Manchester", "+44 161 496 0120",
     85, "Gold", "Retail & Distribution"),
    ("Acme Corporation", "ACME", "acme.example", "Birmingham", "+44 121 496 0140", 150,
     "Platinum", "Manufacturing"),
    ("Fabrikam", "FABRIKAM", "fabrikam.example", "Leeds", "+44 113 496 0160", 60, "Gold",
     "Manufacturing"),
    ("Adventure Works", "ADVWORKS", "adventure-works.example", "Bristol", "+44 117 496 0180",
     45, "Silver", "Retail & Distribution"),
    ("Tailspin Toys", "TAILSPIN", "tailspintoys.example", "Reading", "+44 118 496 0200", 25,
     "Bronze", "Retail & Distribution"),
    ("Wide World Importers", "WWI", "wideworldimporters.example", "Glasgow",
     "+44 141 496 0220", 70, "Gold", "Retail & Distribution"),
    ("Litware", "LITWARE", "litware.example", "Cambridge", "+44 1632 960 240", 30, "Silver",
     "Professional Services"),
    ("Proseware", "PROSEWARE", "proseware.example", "Edinburgh", "+44 131 496 0260", 35,
     "Silver", "Professional Services"),
    ("Woodgrove Bank", "WOODGROVE", "woodgrovebank.example", "London", "+44 20 7946 0280",
     95, "Platinum", "Financial Services"),
    ("Alpine Ski House", "ALPINE", "alpineskihouse.example", "Cardiff", "+44 29 2018 0300",
     20, "Bronze", "Hospitality & Leisure"),
    ("Coho Winery", "COHO", "cohowinery.example", "Brighton", "+44 1632 960 320", 15,
     "Bronze", "Hospitality & Leisure"),
)  # fmt: skip
# name, company type label, domain
OTHER_COMPANIES = (
    ("Fourth Coffee", "Prospect", "fourthcoffee.example"),
    ("Trey Research", "Lead", "treyresearch.example"),
    ("Dell Technologies", "Vendor", "dell.example"),
    ("Fortinet", "Vendor", "fortinet.example"),
)
FIRST_NAMES = (
    "Anna", "Ben", "Carla", "David", "Elena", "Farid", "Grace", "Hugo", "Isla", "Jamal", "Kate",
    "Luca", "Maya", "Noah", "Olivia", "Pavel", "Quinn", "Rosa", "Samir", "Tara", "Uma", "Victor",
    "Wendy", "Yusuf", "Zoe", "Amir", "Beth", "Chen", "Dana", "Eoin", "Fatima", "George",
    "Hana", "Ian", "Julia", "Kwame", "Lena", "Marco", "Nadia", "Owen",
)  # fmt: skip
LAST_NAMES = (
    "Berg", "Carter", "Dias", "Evans", "Fischer", "Garcia", "Hughes", "Ito", "Jones", "Kowalski",
    "Lopez", "Murphy", "Nowak", "Okafor", "Price", "Quinn", "Reid", "Silva", "Turner", "Usman",
    "Varga", "Wright", "Young", "Zhang", "Ahmed", "Brennan", "Costa", "Doyle", "Ellis", "Fraser",
)  # fmt: skip
CONTACT_TITLES = (
    "Office Manager", "Managing Director", "Finance Director", "Operations Manager",
    "HR Manager", "IT Coordinator", "Receptionist", "Sales Manager", "Accounts Assistant",
)  # fmt: skip
# first, last, job title, role names (default first), queue labels, user type, licence type
TECHNICIANS = (
    ("Sarah", "Mitchell", "Service Desk Manager", ("Technician L2", "Administrator"),
     ("Service Desk", "Level II Support", "Post Sale"), "Manager", "Professional"),
    ("James", "O'Connor", "Senior Engineer", ("Senior Engineer", "Engineer"),
     ("Level II Support", "Projects"), "Team Member", "Professional"),
    ("Priya", "Sharma", "Project Manager", ("Project Manager", "Engineer"), ("Projects",),
     "Project Manager", "Professional"),
    ("Daniel", "Novak", "Service Desk Technician", ("Technician L1",),
     ("Service Desk", "Client Portal"), "Team Member", "Professional"),
    ("Emma", "Clarke", "Service Desk Technician", ("Technician L1",),
     ("Service Desk", "Client Portal"), "Team Member", "Professional"),
    ("Liam", "Walsh", "Service Desk Technician", ("Technician L1", "After Hours Support"),
     ("Service Desk", "Monitoring Alert"), "Team Member", "Professional"),
    ("Aisha", "Khan", "Support Engineer", ("Technician L2", "Technician L1"),
     ("Service Desk", "Level II Support"), "Team Member", "Professional"),
    ("Tom", "Becker", "Support Engineer", ("Technician L2",),
     ("Level II Support", "Monitoring Alert"), "Team Member", "Professional"),
    ("Sofia", "Rossi", "Systems Engineer", ("Engineer", "Technician L2"),
     ("Level II Support", "Projects"), "Team Member", "Professional"),
    ("Mark", "Jensen", "Systems Engineer", ("Engineer",), ("Projects", "Recurring Tickets"),
     "Team Member", "Professional"),
    ("Chloe", "Dubois", "Service Desk Technician", ("Technician L1",),
     ("Service Desk", "Recurring Tickets"), "Team Member", "Professional"),
    ("Ravi", "Patel", "Network Engineer", ("Engineer", "After Hours Support"),
     ("Level II Support", "Monitoring Alert"), "Team Member", "Professional"),
    ("Hannah", "Lee", "Support Engineer", ("Technician L2", "Technician L1"),
     ("Service Desk", "Level II Support", "Client Portal"), "Team Member", "Professional"),
    ("Oliver", "Grant", "Service Desk Technician", ("Technician L1", "After Hours Support"),
     ("Service Desk", "Monitoring Alert"), "Team Member", "Professional"),
    ("Nina", "Petrova", "Operations & Billing Administrator", ("Administrator",),
     ("Post Sale",), "System Administrator", "Administrator"),
)  # fmt: skip
FORMER_TECHNICIAN = ("Peter", "Hughes", "Service Desk Technician")
# name, hourly rate, hourly factor
ROLES = (
    ("Technician L1", 85.0, 1.0), ("Technician L2", 110.0, 1.0), ("Engineer", 135.0, 1.0),
    ("Senior Engineer", 160.0, 1.0), ("Project Manager", 140.0, 1.0),
    ("Administrator", 60.0, 1.0), ("After Hours Support", 165.0, 1.5),
)  # fmt: skip
DEPARTMENTS = (("Service Desk", "SD"), ("Projects & Engineering", "PE"), ("Administration", "ADM"))
# name, description, material?
BILLING_CODES = (
    ("Remote Support", "Remote support, per hour", False),
    ("Onsite Support", "Onsite support visit, per hour", False),
    ("Project Labour", "Project work, per hour", False),
    ("After Hours Support", "Work outside 08:00-18:00 and at weekends", False),
    ("Internal (non-billable)", "Internal time, not billed", False),
    ("Hardware", "Hardware sales", True),
    ("Software & Licensing", "Software and subscription licences", True),
)
# key, name, manufacturer, CI type label, unit cost, unit price, software?, warranty provider
PRODUCTS = (
    ("laptop", "Dell Latitude 7450 laptop", "Dell", "Laptop", 980.0, 1290.0, False,
     "Dell ProSupport"),
    ("workstation", "Dell OptiPlex 7020 desktop", "Dell", "Workstation", 640.0, 860.0, False,
     "Dell ProSupport"),
    ("server", "Dell PowerEdge R760 server", "Dell", "Server", 7200.0, 9400.0, False,
     "Dell ProSupport"),
    ("firewall", "FortiGate 60F firewall", "Fortinet", "Firewall", 610.0, 890.0, False,
     "Fortinet FortiCare"),
    ("switch", "Cisco Catalyst 1000 24-port switch", "Cisco", "Switch", 540.0, 760.0, False,
     "Cisco Smart Net"),
    ("ap", "Ubiquiti U6 Pro access point", "Ubiquiti", "Wireless Access Point", 150.0, 219.0,
     False, "Ubiquiti"),
    ("printer", "HP LaserJet Pro MFP 4102", "HP", "Printer", 390.0, 520.0, False,
     "HP Care Pack"),
    ("nas", "Synology DS923+ NAS", "Synology", "Storage", 560.0, 780.0, False, None),
    ("m365", "Microsoft 365 Business Premium licence", "Microsoft", "Software Licence", 16.5,
     19.7, True, None),
    ("backup", "Datto SIRIS 5 backup appliance", "Datto", "Storage", 2300.0, 3100.0, False,
     None),
)  # fmt: skip

# issue type, sub-issue type, kind (request / incident / alert), CI kind or "", title, description
TICKET_TEMPLATES = (
    ("Hardware", "Desktop", "inc", "workstation", "PC won't power on after the weekend",
     "The desktop shows no lights at all. Power cable and socket checked by the user."),
    ("Hardware", "Desktop", "inc", "workstation", "Second monitor not detected",
     "Since this morning only the laptop screen works; the second monitor says no signal."),
    ("Hardware", "Laptop", "inc", "laptop", "Laptop battery drains within an hour",
     "Battery health looks poor; user works away from the desk most of the day."),
    ("Hardware", "Laptop", "inc", "laptop", "Docking station not charging the laptop",
     "Laptop only charges with the original power adapter, not through the dock."),
    ("Hardware", "Laptop", "req", "laptop", "Replace cracked laptop screen on {host}",
     "Screen cracked in transit. Please arrange a repair under warranty."),
    ("Hardware", "Server", "alert", "server", "Disk nearing capacity on {host}",
     "Monitoring: volume D: above 90% used for more than 30 minutes."),
    ("Hardware", "Server", "alert", "server", "RAID controller warning on {host}",
     "Monitoring: the RAID controller reports a degraded virtual disk."),
    ("Hardware", "Peripheral", "req", "", "Headset microphone not working in Teams",
     "Colleagues cannot hear the user in Teams calls; the headset works on a phone."),
    ("Software", "Microsoft 365 Apps", "inc", "", "Excel crashes when opening shared workbook",
     "Excel closes without an error when the shared budget workbook is opened."),
    ("Software", "Microsoft 365 Apps", "inc", "", "Teams keeps signing out",
     "Teams asks the user to sign in again several times a day."),
    ("Software", "Microsoft 365 Apps", "inc", "", "OneDrive not syncing the Desktop folder",
     "OneDrive shows a red cross and files saved to the desktop are not backed up."),
    ("Software", "Line of Business App", "inc", "", "Payroll software won't open after update",
     "After last night's update the payroll package fails to start for the finance team."),
    ("Software", "Line of Business App", "inc", "", "CRM add-in missing from Outlook",
     "The CRM tracking button disappeared from Outlook for several sales users."),
    ("Software", "Operating System", "inc", "workstation", "Windows feature update failed",
     "The feature update rolls back on restart with error 0x800f0922."),
    ("Software", "Installation Request", "req", "", "Install Adobe Acrobat Pro for {first}",
     "Licence approved by the office manager. Needed to edit and sign contracts."),
    ("Software", "Installation Request", "req", "", "Please install Visio for the planning team",
     "Three users need Visio for the new floor plans."),
    ("Network", "Internet Outage", "inc", "firewall", "Internet down at head office",
     "No internet for anyone in the office since 08:40. Phones are also affected."),
    ("Network", "Internet Outage", "inc", "firewall", "Very slow internet since this morning",
     "Web pages take a long time to load and Teams calls keep dropping."),
    ("Network", "VPN", "inc", "firewall", "VPN drops every 10 minutes",
     "Remote staff lose the VPN connection roughly every ten minutes since Monday."),
    ("Network", "VPN", "inc", "firewall", "Cannot connect to VPN from home",
     "FortiClient shows 'credential or SSL VPN configuration is wrong' (-7200)."),
    ("Network", "Wi-Fi", "inc", "ap", "Guest Wi-Fi not handing out addresses",
     "Visitors connect to the guest network but get no IP address."),
    ("Network", "Wi-Fi", "req", "ap", "Wi-Fi dead spot in meeting room 2",
     "Signal drops to one bar in meeting room 2; please survey and advise."),
    ("Network", "Firewall", "req", "firewall", "Firewall firmware update for {host}",
     "Vendor advisory: update to the latest patch release during the maintenance window."),
    ("Network", "Switching & Cabling", "req", "switch", "Patch new desks on the second floor",
     "Six new desks need network ports patched before Monday."),
    ("Email", "Outlook", "inc", "", "Outlook keeps asking for password",
     "Outlook prompts for the password every few minutes; webmail works fine."),
    ("Email", "Outlook", "inc", "", "Outlook search returns no results",
     "Searching the mailbox returns nothing for messages older than a week."),
    ("Email", "Mailbox & Permissions", "req", "", "Give {first} access to the finance mailbox",
     "Approved by the finance director. Full access and send-as please."),
    ("Email", "Mailbox & Permissions", "inc", "", "Mailbox almost full",
     "User receives 'mailbox almost full' warnings; archive policy may not be applied."),
    ("Email", "Spam & Phishing", "inc", "", "Suspicious email claiming to be from the CEO",
     "Several staff received a gift card request that appears to come from the CEO."),
    ("Email", "Exchange Online", "inc", "", "Emails to external recipients delayed",
     "Outbound emails take up to an hour to arrive; internal mail is fine."),
    ("Security", "Antivirus/EDR Alert", "alert", "workstation",
     "EDR alert: potentially unwanted application on {host}",
     "The endpoint agent flagged and quarantined a browser toolbar installer."),
    ("Security", "Phishing Report", "inc", "", "User clicked a link in a phishing email",
     "User entered credentials on a fake Microsoft login page; password reset needed."),
    ("Security", "MFA", "req", "", "New phone - MFA needs re-registering for {first}",
     "User replaced their phone and can no longer approve sign-in requests."),
    ("Security", "Vulnerability", "req", "firewall", "Critical vulnerability patch for {host}",
     "Vendor PSIRT rates the SSL-VPN issue critical; patch within 7 days."),
    ("User Account", "New Starter", "req", "",
     "New starter: laptop and accounts for {initial}. {last}",
     "Start date next Monday. Standard laptop, Microsoft 365 Business Premium, finance groups."),
    ("User Account", "Leaver", "req", "", "Leaver: disable account for {first} {last}",
     "Last working day is Friday. Convert the mailbox to shared and give the manager access."),
    ("User Account", "Password Reset", "req", "", "Account locked out",
     "User locked out after too many attempts and needs the account unlocked."),
    ("User Account", "Permissions", "req", "", "Access to the HR shared drive for {first}",
     "Approved by the HR manager: read/write access to the HR folder."),
    ("Printing", "Printer Offline", "inc", "printer", "Printer {host} showing offline",
     "Nobody on the first floor can print; the printer display shows no errors."),
    ("Printing", "Print Queue", "inc", "printer", "Print jobs stuck in the queue",
     "Jobs sit in the queue as 'error - printing' and never come out."),
    ("Printing", "Scanner", "inc", "printer", "Scan to email stopped working",
     "The MFP shows 'SMTP authentication failed' when scanning to email."),
    ("Backup", "Backup Failure", "alert", "server", "Backup failed on {host}",
     "Monitoring: last night's backup job failed with a VSS snapshot error."),
    ("Backup", "Restore Request", "req", "server", "Restore deleted folder from yesterday",
     "The 'Quotes 2026' folder was deleted by mistake; please restore yesterday's copy."),
    ("Backup", "Backup Warning", "alert", "server", "Backup completed with warnings on {host}",
     "Monitoring: two files were skipped because they were open."),
)  # fmt: skip
NOTE_TEXTS = (
    ("Remote session", "Connected remotely and reproduced the issue with the user."),
    ("Called customer", "Left a voicemail asking the user to call back when convenient."),
    ("Update", "Issue escalated to second line for further investigation."),
    ("Vendor case opened", "Opened a case with the vendor and shared the logs."),
    ("Customer update", "Sent the user an update with the next steps by email."),
    ("Investigation", "Checked the event logs; the error started after the last update."),
)
CUSTOMER_REPLIES = (
    ("Customer reply", "Thanks - it is working again now."),
    ("Customer reply", "Still happening this morning, can someone call me?"),
)
RESOLUTIONS = (
    "Applied the fix and confirmed with the user that everything works.",
    "Replaced the faulty part; tested and working.",
    "Reconfigured the settings and cleared the cached credentials.",
    "Updated the firmware and monitored for 24 hours without recurrence.",
)
WORK_SUMMARIES = (
    "Remote session with the user, diagnosed and fixed the issue.",
    "Investigated logs and applied the recommended fix.",
    "Tested the change with the user and closed down.",
    "Onsite visit: replaced hardware and tested.",
    "Liaised with the vendor support team.",
    "Configured the device and documented the change.",
)
OPEN_STATUSES = (
    ("New", 28), ("In Progress", 30), ("Waiting Customer", 15), ("Escalated", 6),
    ("Waiting Vendor", 7), ("Waiting Materials", 4), ("Dispatched", 5), ("Waiting Approval", 5),
)  # fmt: skip
PRIORITY_WEIGHTS = (("Critical", 3), ("High", 15), ("Medium", 55), ("Low", 27))
RESPONSE_HOURS = {"Critical": 4.0, "High": 8.0, "Medium": 72.0, "Low": 168.0}
SOURCES = (
    ("Email", 45), ("Phone", 25), ("Client Portal", 15), ("In Person/Onsite", 5),
    ("Web Portal", 5), ("Other", 5),
)  # fmt: skip
CONTACT_SOURCES = frozenset({"Email", "Client Portal", "Web Portal"})
WORK_HOURS = (0.25, 0.5, 0.5, 0.75, 1.0, 1.0, 1.25, 1.5, 2.0, 2.5, 3.0, 4.0)
# customer index -> days from now to the end of its managed-services contract
MANAGED_ENDS = (9, 120, 41, 300, 23, 210, -20, 150, 270, 330, 57, 365)
# customer index, contract name, type, category, days from now to the end, monthly value
EXTRA_CONTRACTS = (
    (0, "Block hours 2026", "Block Hours", "Break/Fix", 95, 2200.0),
    (3, "Block hours", "Block Hours", "Break/Fix", 180, 1650.0),
    (5, "Time & materials", "Time & Materials", "Break/Fix", 400, 0.0),
    (7, "Time & materials", "Time & Materials", "Break/Fix", -75, 0.0),
    (2, "Acme migration (fixed price)", "Fixed Price", "Projects", 45, 3900.0),
    (9, "Advisory retainer", "Retainer", "Managed Services", 240, 1800.0),
    (11, "Per-ticket support", "Per Ticket", "Break/Fix", 130, 0.0),
    (1, "Microsoft 365 licensing", "Recurring Service", "Licensing", 200, 1680.0),
)
# name, company, status, type, start and end (days from now), lead, description
PROJECTS = (
    ("Acme migration", "Acme Corporation", "In Progress", "Client", -45, 40, "Priya",
     "Move Acme's file server and on-premises Exchange to Microsoft 365 and SharePoint."),
    ("Contoso Microsoft 365 rollout", "Contoso", "In Progress", "Client", -30, 60, "Priya",
     "Roll out Microsoft 365 Business Premium, Intune and Defender to all Contoso staff."),
    ("Northwind firewall refresh", "Northwind Traders", "Complete", "Client", -120, -60, "James",
     "Replace the end-of-life firewalls at both Northwind sites."),
    ("Fabrikam server virtualisation", "Fabrikam", "New", "Client", 10, 90, "James",
     "Consolidate Fabrikam's three physical servers onto a new Hyper-V host."),
    ("Woodgrove Bank office move", "Woodgrove Bank", "In Progress", "Client", -20, 25, "Priya",
     "Network, phones and desks for Woodgrove Bank's move to the new office."),
    ("RMM platform migration", OWNER_NAME, "In Progress", "Internal", -60, 30, "James",
     "Move every managed device to the new RMM platform."),
)  # fmt: skip
PHASES = (
    ("Discovery & planning", ("Kick-off meeting with stakeholders", "Audit the current environment",
                              "Agree the plan and schedule")),
    ("Build & migration", ("Prepare the target environment", "Migrate the pilot group",
                           "Migrate remaining users and data")),
    ("Cutover & handover", ("Cutover weekend", "Post-migration support",
                            "Handover documentation")),
)  # fmt: skip
# customer index, action type, title, text, days ago
COMPANY_NOTES = (
    (0, "Quarterly Business Review", "QBR", "Reviewed ticket trends and the M365 rollout.", 40),
    (0, "Phone Call", "Renewal call", "Discussed renewing the managed services contract.", 6),
    (2, "Meeting", "Migration steering meeting", "Agreed the cutover weekend.", 12),
    (2, "Phone Call", "Renewal call", "Contract ends soon; customer asked for a revised quote.", 3),
    (4, "Phone Call", "Renewal reminder", "Sent renewal paperwork to the office manager.", 8),
    (9, "Quarterly Business Review", "QBR", "Security posture review; MFA coverage now 100%.", 55),
    (10, "Email", "Renewal reminder", "Contract ends in under two months; renewal sent.", 10),
    (6, "Phone Call", "Contract lapsed", "Contract ended; customer is reviewing options.", 15),
)  # fmt: skip
LOCATION = "Bluewave IT Head Office"
API_PERSON = ("Sandbox", "API User", "API integration")
PUBLISH_ALL = "All Autotask Users"
PUBLISH_INTERNAL = "Internal Project Team"
TICKET_TYPES = {"alert": "Alert", "inc": "Incident", "req": "Service Request"}
SLA_BY_TIER = {
    "Platinum": "Premium SLA (24x7)",
    "Gold": "Standard SLA (8x5)",
    "Silver": "Standard SLA (8x5)",
    "Bronze": "Basic SLA (next business day)",
}
BACKUP_PRODUCTS = {
    "Platinum": "Datto BCDR",
    "Gold": "Veeam Backup 365",
    "Silver": "Acronis Cyber Protect",
}
CI_LAYOUT = {
    "large": ("server", "server", "firewall", "switch", "ap", "printer", "laptop", "laptop",
              "workstation"),
    "medium": ("server", "firewall", "switch", "ap", "printer", "laptop", "workstation"),
    "small": ("firewall", "switch", "printer", "laptop", "laptop"),
}  # fmt: skip
CI_NAMES = {
    "server": ("DC01", "FS01"),
    "firewall": ("FW01",),
    "switch": ("SW01",),
    "ap": ("AP01",),
    "printer": ("PRN01",),
    "laptop": ("LT-011", "LT-012", "LT-013"),
    "workstation": ("WS-021", "WS-022"),
}
CI_LOCATIONS = {
    "server": "Server room",
    "firewall": "Comms cabinet",
    "switch": "Comms cabinet",
    "ap": "Open-plan office",
    "printer": "First floor",
}
OPERATING_SYSTEMS = {
    "server": "Windows Server 2022",
    "laptop": "Windows 11 Pro",
    "workstation": "Windows 11 Pro",
}
PERSONAL_KINDS = frozenset({"laptop", "workstation"})


# --- helpers -------------------------------------------------------------------------------------


def iso(moment: datetime) -> str:
    """Autotask's date-time form: ``2026-11-20T14:05:00.000Z`` (UTC)."""
    return f"{moment:%Y-%m-%dT%H:%M:%S}.000Z"


def iso_date(moment: datetime) -> str:
    """A date field: midnight UTC of ``moment``'s day."""
    return f"{moment:%Y-%m-%d}T00:00:00.000Z"


def _midnight(moment: datetime) -> datetime:
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


def _add_months(moment: datetime, months: int) -> datetime:
    index = moment.year * 12 + moment.month - 1 + months
    return moment.replace(year=index // 12, month=index % 12 + 1)


def _slug(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum())


def _weighted(rng: random.Random, pairs: Sequence[tuple[str, float]]) -> str:
    """One item of ``(item, weight)`` pairs, chosen by weight."""
    totals = list(accumulate(weight for _, weight in pairs))
    return pairs[bisect(totals, rng.random() * totals[-1])][0]


class _Stamps:
    """Autotask date strings, one shared string per minute or day (large data sets repeat them)."""

    def __init__(self) -> None:
        self._minutes: dict[int, str] = {}
        self._days: dict[int, str] = {}

    def at(self, moment: datetime) -> str:
        key = int(moment.timestamp()) // 60
        text = self._minutes.get(key)
        if text is None:
            text = self._minutes[key] = iso(moment.replace(second=0, microsecond=0))
        return text

    def day(self, moment: datetime) -> str:
        key = moment.toordinal()
        text = self._days.get(key)
        if text is None:
            text = self._days[key] = iso_date(moment)
        return text


class _Picks:
    """Picklist values of one entity, chosen by label among the active values."""

    def __init__(self, meta: EntityMetadata | None) -> None:
        self._meta = meta
        self._values: dict[str, list[tuple[Any, str, str]]] = {}
        self._labels: dict[tuple[str, tuple[str, ...]], Any] = {}

    def values(self, name: str) -> list[tuple[Any, str, str]]:
        """(value, label, parent value) of the active values, converted to the field's type."""
        if name not in self._values:
            info = self._meta.field(name) if self._meta else None
            numeric = info is not None and info.get("dataType") in ("integer", "long", "short")
            entries = self._meta.picklist(name) if self._meta else []
            self._values[name] = [
                (
                    int(e["value"]) if numeric else str(e["value"]),
                    str(e["label"]),
                    str(e.get("parentValue") or ""),
                )
                for e in entries
                if e.get("isActive", True)
            ]
        return self._values[name]

    def by_label(self, name: str, *labels: str) -> Any:
        """The first of ``labels`` the picklist has; else its default, else its first value."""
        key = (name, labels)
        if key not in self._labels:
            self._labels[key] = self._find(name, labels)
        return self._labels[key]

    def _find(self, name: str, labels: tuple[str, ...]) -> Any:
        values = self.values(name)
        for label in labels:
            for value, found, _ in values:
                if found.lower() == label.lower():
                    return value
        default = self._meta.default_value(name) if self._meta else None
        for value, _, _ in values:
            if str(value) == default:
                return value
        return values[0][0] if values else None

    def has(self, name: str, value: Any) -> bool:
        return any(found == value for found, _, _ in self.values(name))

    def children(self, name: str, parent: Any) -> list[Any]:
        return [value for value, _, up in self.values(name) if up == str(parent)]


class _Table:
    """The records of one entity, each with every field of the entity's metadata."""

    def __init__(self, meta: EntityMetadata | None) -> None:
        self.rows: list[Row] = []
        self._template: Row = {str(f["name"]): None for f in meta.fields} if meta else {}
        self._udfs = [str(u["name"]) for u in meta.udfs] if meta else []
        self._with_udfs = bool(meta and meta.supports_udfs)

    def add(self, values: Row, udfs: Mapping[str, str | None] | None = None) -> Row:
        """Append a record: ``values`` for the fields the metadata has, None for the others."""
        row = self._template.copy()
        for key, value in values.items():
            if key in row:
                row[key] = value
        if self._with_udfs:
            given = udfs or {}
            row["userDefinedFields"] = [{"name": n, "value": given.get(n)} for n in self._udfs]
        self.rows.append(row)
        return row


@dataclass
class _Tech:
    id: int
    first: str
    roles: list[int]
    queues: list[Any]


@dataclass
class _Customer:
    id: int
    name: str
    short: str
    domain: str
    seats: int
    sla: Any
    contacts: list[int] = field(default_factory=list)
    cis: dict[str, list[tuple[int, str]]] = field(default_factory=dict)
    contracts: list[tuple[int, datetime, datetime]] = field(default_factory=list)

    def contract_at(self, moment: datetime) -> int | None:
        """The managed-services contract that covered ``moment``."""
        for contract_id, start, end in self.contracts:
            if start <= moment < end + _DAY:
                return contract_id
        return None


@dataclass
class _TicketPlan:
    """What one ticket is about, before its record is written."""

    id: int
    number: str
    created: datetime
    customer: _Customer
    template: tuple[str, str, str, str, str, str]
    status: str
    priority: str
    source: str = "Email"
    queue: str = "Service Desk"
    contact: int | None = None
    tech: _Tech | None = None
    role: int | None = None
    finished: datetime | None = None
    last_activity: datetime | None = None


class _Builder:
    """Builds the data set entity by entity; ids ascend in creation order."""

    def __init__(self, metadata: MetadataRegistry, rng: random.Random, now: datetime) -> None:
        self.metadata = metadata
        self.rng = rng
        self.now = now
        stamps = _Stamps()
        self.iso = stamps.at
        self.iso_date = stamps.day
        self.tables: dict[str, _Table] = {}
        self.picks: dict[str, _Picks] = {}
        self.customers: list[_Customer] = []
        self.techs: list[_Tech] = []
        self.first_line: list[_Tech] = []
        self.by_first: dict[str, _Tech] = {}
        self.roles: dict[str, int] = {}
        self.departments: dict[str, int] = {}
        self.billing: dict[str, int] = {}
        self.products: dict[str, tuple[int, Product]] = {}
        self.classes: dict[str, tuple[Any, Any]] = {}
        self.vendors: dict[str, int] = {}
        self.api_user = 0
        self.admin = 0

    def table(self, entity: str) -> _Table:
        if entity not in self.tables:
            self.tables[entity] = _Table(self.metadata.get(entity))
        return self.tables[entity]

    def pick(self, entity: str) -> _Picks:
        if entity not in self.picks:
            self.picks[entity] = _Picks(self.metadata.get(entity))
        return self.picks[entity]

    def days(self, offset: float) -> datetime:
        """``now`` shifted by ``offset`` days (negative: in the past)."""
        return self.now + timedelta(days=offset)

    def next_id(self, entity: str, first: int) -> int:
        return first + len(self.table(entity).rows)

    def build(self, tickets: int) -> DemoData:
        self.add_roles_and_departments()
        self.add_resources()
        self.add_companies()
        self.add_contacts()
        self.add_billing_codes_and_products()
        self.add_contracts()
        self.add_configuration_items()
        self.add_tickets(tickets)
        self.add_invoices()
        self.add_projects()
        self.add_company_notes()
        for name in ("TicketWebhooks", "TicketWebhookFields", *self.metadata.names()):
            self.table(name)
        return {name: table.rows for name, table in self.tables.items()}

    # --- the MSP itself ------------------------------------------------------------------------

    def add_roles_and_departments(self) -> None:
        for index, (name, rate, factor) in enumerate(ROLES):
            self.roles[name] = 29683451 + index
            self.table("Roles").add(
                {
                    "id": 29683451 + index,
                    "name": name,
                    "description": f"{name} (standard rate)",
                    "hourlyRate": rate,
                    "hourlyFactor": factor,
                    "isActive": True,
                    "isExcludedFromNewContracts": False,
                    "isSystemRole": False,
                }
            )
        location = self.pick("Departments").by_label("primaryLocationID", LOCATION)
        for index, (name, number) in enumerate(DEPARTMENTS):
            self.departments[name] = 29682811 + index
            self.table("Departments").add(
                {
                    "id": 29682811 + index,
                    "name": name,
                    "number": number,
                    "description": f"{OWNER_NAME} {name.lower()}",
                    "primaryLocationID": location,
                }
            )

    def _person(self, rid: int, names: tuple[str, str, str], user: str, licence: str) -> Row:
        picks = self.pick("Resources")
        first, last, title = names
        login = f"{_slug(first)}.{_slug(last)}"
        return {
            "id": rid,
            "firstName": first,
            "lastName": last,
            "title": title,
            "userName": login,
            "email": f"{login}@{OWNER_DOMAIN}",
            "initials": first[0] + last[0],
            "officePhone": f"+44 20 7946 0{500 + rid % 100}",
            "mobilePhone": f"+44 7700 900{rid % 1000:03d}",
            "isActive": True,
            "userType": picks.by_label("userType", user),
            "licenseType": picks.by_label("licenseType", licence),
            "resourceType": picks.by_label("resourceType", "Employee"),
            "emailTypeCode": picks.by_label("emailTypeCode", "Primary e-mail address"),
            "payrollType": picks.by_label("payrollType", "Salary"),
            "numberFormat": picks.by_label("numberFormat", "X,XXX.XX"),
            "dateFormat": picks.by_label("dateFormat", "dd/MM/yyyy"),
            "timeFormat": picks.by_label("timeFormat", "HH:mm"),
            "locationID": picks.by_label("locationID", LOCATION),
            "hireDate": self.iso_date(self.days(-200 - (rid * 37) % 2400)),
            "internalCost": 28.0 + (rid % 7) * 3.5,
        }

    def add_resources(self) -> None:
        table = self.table("Resources")
        queues = self.pick("ResourceRoleQueues")
        for index, (first, last, title, roles, labels, user, licence) in enumerate(TECHNICIANS):
            rid = 29682885 + index
            role_ids = [self.roles[name] for name in roles]
            row = self._person(rid, (first, last, title), user, licence)
            table.add({**row, "defaultServiceDeskRoleID": role_ids[0]})
            queue_ids = list(dict.fromkeys(queues.by_label("queueID", q) for q in labels))
            self.techs.append(_Tech(rid, first, role_ids, queue_ids))
        self.by_first = {tech.first: tech for tech in self.techs}
        self.admin = self.by_first["Nina"].id
        self.first_line = [t for t in self.techs if self.roles["Technician L1"] in t.roles]
        former = self.next_id("Resources", 29682885)
        row = self._person(former, FORMER_TECHNICIAN, "Team Member", "Professional")
        table.add({**row, "isActive": False, "defaultServiceDeskRoleID": self.first_line_role})
        self.api_user = former + 1
        api = self._person(self.api_user, API_PERSON, "API User (system)", "API User")
        table.add({**api, "userName": API_USER, "email": API_USER, "internalCost": None})
        self._add_desk_roles(former)

    @property
    def first_line_role(self) -> int:
        return self.roles["Technician L1"]

    def _add_desk_roles(self, former: int) -> None:
        members = [(t.id, t.roles, t.queues, True) for t in self.techs]
        members.append((former, [self.first_line_role], [], False))
        for resource, roles, queue_ids, active in members:
            for position, role in enumerate(roles):
                self.table("ResourceServiceDeskRoles").add(
                    {
                        "id": self.next_id("ResourceServiceDeskRoles", 29684001),
                        "resourceID": resource,
                        "roleID": role,
                        "isActive": active,
                        "isDefault": position == 0,
                    }
                )
            for queue in queue_ids:
                self.table("ResourceRoleQueues").add(
                    {
                        "id": self.next_id("ResourceRoleQueues", 29685001),
                        "resourceID": resource,
                        "queueID": queue,
                    }
                )

    def add_billing_codes_and_products(self) -> None:
        for index, (name, description, material) in enumerate(BILLING_CODES):
            self.billing[name] = 29682861 + index
            self.table("BillingCodes").add(
                {
                    "id": 29682861 + index,
                    "name": name,
                    "description": description,
                    "isActive": True,
                    "isExcludedFromNewContracts": False,
                    "department": None if material else self.departments["Service Desk"],
                }
            )
        for index, product in enumerate(PRODUCTS):
            self.products[product[0]] = (29682901 + index, product)
            self.table("Products").add(self._product(29682901 + index, product))

    def _product(self, pid: int, product: Product) -> Row:
        key, name, maker, _, cost, price, software, _ = product
        vendor = {"Dell": "Dell Technologies", "Fortinet": "Fortinet"}.get(maker)
        return {
            "id": pid,
            "name": name,
            "description": name,
            "isActive": True,
            "productBillingCodeID": self.billing[
                "Software & Licensing" if software else "Hardware"
            ],
            "unitCost": cost,
            "unitPrice": price,
            "msrp": round(price * 1.1, 2),
            "manufacturerName": maker,
            "manufacturerProductName": name,
            "sku": f"BW-{key.upper()}",
            "isSerialized": not software,
            "defaultVendorID": self.vendors.get(vendor or ""),
            "doesNotRequireProcurement": software,
            "isEligibleForRma": not software,
        }

    # --- customers -----------------------------------------------------------------------------

    def add_companies(self) -> None:
        picks = self.pick("Companies")
        customer_type = picks.by_label("companyType", "Customer")
        owner = self._company(0, OWNER_NAME, OWNER_DOMAIN, "London", "+44 20 7946 0000", 2400)
        self.table("Companies").add({**owner, "companyType": customer_type})
        for index, spec in enumerate(CUSTOMERS):
            self._customer(174 + index, index, spec)
        for index, (name, kind, domain) in enumerate(OTHER_COMPANIES):
            cid = 174 + len(CUSTOMERS) + index
            phone = f"+44 20 7946 0{340 + index}"
            row = self._company(cid, name, domain, "London", phone, 40 + 25 * index)
            self.table("Companies").add({**row, "companyType": picks.by_label("companyType", kind)})
            self.vendors[name] = cid

    def _customer(self, cid: int, index: int, spec: CustomerSpec) -> None:
        name, short, domain, city, phone, seats, tier, segment = spec
        picks = self.pick("Companies")
        territories = picks.values("territoryID")
        row = self._company(cid, name, domain, city, phone, 300 + 97 * index)
        row.update(
            {
                "companyType": picks.by_label("companyType", "Customer"),
                "classification": picks.by_label("classification", tier),
                "marketSegmentID": picks.by_label("marketSegmentID", segment),
                "territoryID": territories[index % len(territories)][0] if territories else None,
                "isClientPortalActive": index % 3 != 2,
                "ownerResourceID": self.techs[0 if index % 2 == 0 else 1].id,
            }
        )
        backup = BACKUP_PRODUCTS.get(tier, "None")
        udfs = {
            "Backup Product": backup,
            "Onboarded Date": str(row["createDate"])[:10],
            "Number of Seats": str(seats),
            "Account Notes": None,
        }
        self.table("Companies").add(row, udfs)
        sla = self.pick("Tickets").by_label("serviceLevelAgreementID", SLA_BY_TIER[tier])
        self.customers.append(_Customer(cid, name, short, domain, seats, sla))

    def _company(self, cid: int, name: str, domain: str, city: str, phone: str, age: int) -> Row:
        created = _midnight(self.days(-age)) + timedelta(hours=9, minutes=30)
        return {
            "id": cid,
            "companyName": name,
            "companyNumber": f"C{cid:05d}",
            "phone": phone,
            "webAddress": f"https://www.{domain}",
            "address1": f"{10 + cid % 80} High Street",
            "city": city,
            "postalCode": f"AB{cid % 9 + 1} {cid % 10}XY",
            "isActive": True,
            "ownerResourceID": self.techs[0].id,
            "createDate": self.iso(created),
            "createdByResourceID": self.admin,
            "lastActivityDate": self.iso(self.days(-(cid % 9))),
            "lastTrackedModifiedDateTime": self.iso(self.days(-(cid % 9) - 1)),
            "isClientPortalActive": False,
            "isTaskFireActive": False,
            "isTaxExempt": False,
            "isEnabledForComanaged": False,
            "invoiceNonContractItemsToParentCompany": False,
            "isSample": False,
        }

    def add_contacts(self) -> None:
        used: set[str] = set()
        for position, customer in enumerate(self.customers):
            size = 3 + (customer.seats >= 20) + (customer.seats >= 45) + (customer.seats >= 90)
            for index in range(size):
                active = not (index == size - 1 and size > 3 and position % 3 == 1)
                contact = self._contact(customer.id, customer.domain, index, active, used)
                if active:
                    customer.contacts.append(contact)
        for index, (_, kind, domain) in enumerate(OTHER_COMPANIES):
            if kind in ("Prospect", "Lead"):
                self._contact(174 + len(CUSTOMERS) + index, domain, 0, True, used)

    def _contact(self, company: int, domain: str, index: int, active: bool, used: set[str]) -> int:
        first, last = self.rng.choice(FIRST_NAMES), self.rng.choice(LAST_NAMES)
        while f"{first}.{last}@{domain}" in used:
            first, last = self.rng.choice(FIRST_NAMES), self.rng.choice(LAST_NAMES)
        used.add(f"{first}.{last}@{domain}")
        cid = self.next_id("Contacts", 30682101)
        title = (
            CONTACT_TITLES[(cid + index) % len(CONTACT_TITLES)] if index else "Managing Director"
        )
        udfs = {
            "Support Contact Type": ("Primary", "Billing", "Technical", "Secondary")[min(index, 3)],
            "Preferred Contact Method": ("Email", "Phone", "Microsoft Teams")[index % 3],
            "VIP": "Yes" if index == 0 else "No",
        }
        self.table("Contacts").add(
            {
                "id": cid,
                "companyID": company,
                "firstName": first,
                "lastName": last,
                "title": title,
                "emailAddress": f"{_slug(first)}.{_slug(last)}@{domain}",
                "isActive": 1 if active else 0,
                "primaryContact": index == 0,
                "phone": f"+44 1632 960 {cid % 1000:03d}",
                "mobilePhone": f"+44 7700 900{(cid + 500) % 1000:03d}",
                "createDate": self.iso(self.days(-(cid % 700) - 30)),
                "lastActivityDate": self.iso(self.days(-(cid % 20))),
                "lastModifiedDate": self.iso(self.days(-(cid % 60))),
                "receivesEmailNotifications": True,
                "isOptedOutFromBulkEmail": False,
                "solicitationOptOut": False,
                "surveyOptOut": False,
            },
            udfs,
        )
        return cid

    def add_contracts(self) -> None:
        managed = [
            (
                index,
                "Managed Services",
                "Recurring Service",
                "Managed Services",
                end,
                38.0 * c.seats,
            )
            for index, (c, end) in enumerate(zip(self.customers, MANAGED_ENDS, strict=True))
        ]
        for spec in (*managed, *EXTRA_CONTRACTS):
            self._contract(self.next_id("Contracts", 29683601), spec)

    def _contract(self, cid: int, spec: ContractSpec) -> None:
        index, name, kind, category, end_days, monthly = spec
        picks = self.pick("Contracts")
        customer = self.customers[index]
        end = _midnight(self.days(end_days))
        start = end - timedelta(days=364)
        while start > self.days(-30):
            start -= timedelta(days=365)
        self.table("Contracts").add(
            {
                "id": cid,
                "companyID": customer.id,
                "contractName": f"{customer.name} - {name}",
                "contractNumber": f"BW-{cid % 10000:04d}",
                "contractType": picks.by_label("contractType", kind),
                "contractCategory": picks.by_label("contractCategory", category),
                "status": picks.by_label("status", "Active" if end >= self.now else "Inactive"),
                "startDate": self.iso_date(start),
                "endDate": self.iso_date(end),
                "description": f"{name} for {customer.name}",
                "contactID": customer.contacts[0],
                "contractPeriodType": picks.by_label("contractPeriodType", "Monthly")
                if kind == "Recurring Service"
                else None,
                "billingPreference": picks.by_label("billingPreference", "Manually"),
                "estimatedRevenue": round(monthly * 12, 2),
                "estimatedCost": round(monthly * 7, 2),
                "estimatedHours": 40.0 if kind == "Block Hours" else 0.0,
                "overageBillingRate": 110.0 if kind == "Block Hours" else None,
                "setupFee": 0.0,
                "serviceLevelAgreementID": self._sla(picks, customer),
                "isDefaultContract": name == "Managed Services",
                "isCompliant": True,
                "timeReportingRequiresStartAndStopTimes": 1,
            }
        )
        if name == "Managed Services":
            customer.contracts.append((cid, start, end))

    @staticmethod
    def _sla(picks: _Picks, customer: _Customer) -> Any:
        return customer.sla if picks.has("serviceLevelAgreementID", customer.sla) else None

    def add_configuration_items(self) -> None:
        for customer in self.customers:
            size = (
                "large" if customer.seats >= 80 else "medium" if customer.seats >= 30 else "small"
            )
            counts: Counter[str] = Counter()
            for kind in CI_LAYOUT[size]:
                counts[kind] += 1
                self._configuration_item(customer, kind, counts[kind])

    def _configuration_item(self, customer: _Customer, kind: str, n: int) -> None:
        ci_id = self.next_id("ConfigurationItems", 29690001)
        pid, (_, _, maker, type_label, *_, provider) = self.products[kind]
        names = CI_NAMES.get(kind, ())
        title = f"{customer.short}-{names[n - 1] if n <= len(names) else f'{kind.upper()}{n:02d}'}"
        installed = _midnight(self.days(-self.rng.randint(60, 1400)))
        active = ci_id % 13 != 0
        system = OPERATING_SYSTEMS.get(kind)
        picks = self.pick("ConfigurationItems")
        row = {
            "id": ci_id,
            "companyID": customer.id,
            "productID": pid,
            "isActive": active,
            "configurationItemType": picks.by_label("configurationItemType", type_label),
            "referenceTitle": title,
            "serialNumber": self._serial(maker),
            "installDate": self.iso_date(installed),
            "warrantyExpirationDate": self.iso_date(installed + timedelta(days=3 * 365)),
            "contactID": self.rng.choice(customer.contacts) if kind in PERSONAL_KINDS else None,
            "location": CI_LOCATIONS.get(kind),
            "contractID": customer.contract_at(self.now),
            "serviceLevelAgreementID": self._sla(picks, customer),
            "createDate": self.iso(installed + timedelta(hours=10)),
            "createdByPersonID": self.techs[ci_id % len(self.techs)].id,
            "lastModifiedTime": self.iso(self.days(-(ci_id % 30))),
            "rmmDeviceAuditHostname": title if system else None,
            "rmmDeviceAuditOperatingSystem": system,
        }
        udfs = {"Warranty Provider": provider, "Asset Tag": f"BW-{ci_id % 100000:05d}",
                "Operating System": system}  # fmt: skip
        self.table("ConfigurationItems").add(row, udfs)
        if active:
            customer.cis.setdefault(kind, []).append((ci_id, title))

    def _serial(self, maker: str) -> str:
        body = "".join(self.rng.choice("0123456789BCDFGHJKLMNPQRSTVWXYZ") for _ in range(10))
        prefixes = {"Dell": body[:7], "Fortinet": f"FGT60F{body}", "Cisco": f"FOC{body[:8]}"}
        return prefixes.get(maker, body)

    # --- tickets -------------------------------------------------------------------------------

    def add_tickets(self, count: int) -> None:
        moments = sorted(self._ticket_moment() for _ in range(count))
        pinned = {max(count - back, 0) for back in (2, 7, 15)} if count else set()
        per_day: Counter[str] = Counter()
        for index, created in enumerate(moments):
            day = f"{created:%Y%m%d}"
            per_day[day] += 1
            number = f"T{day}.{per_day[day]:04d}"
            plan = self._plan(7001 + index, number, created, pinned=index in pinned)
            self.table("Tickets").add(self._ticket(plan), self._ticket_udfs(plan))
            self._ticket_notes(plan)
            self._ticket_time(plan)

    def _ticket_moment(self) -> datetime:
        """A creation time in the last 180 days, mostly in office hours on working days."""
        rng = self.rng
        moment = self.now - timedelta(minutes=rng.uniform(3, HISTORY_DAYS * 1440))
        if rng.random() < 0.85 and (moment.weekday() >= 5 or not 8 <= moment.hour < 18):
            earliest = self.now - timedelta(days=HISTORY_DAYS)
            day = _midnight(moment)
            step = -_DAY if day - 2 * _DAY > earliest else _DAY
            while day.weekday() >= 5:
                day += step
            moment = day + timedelta(minutes=rng.uniform(8 * 60, 18 * 60))
            if moment <= earliest:
                moment = earliest + timedelta(minutes=rng.uniform(1, 240))
            if moment >= self.now:
                moment = self.now - timedelta(minutes=rng.uniform(3, 90))
        return moment.replace(second=0, microsecond=0)

    def _plan(self, tid: int, number: str, created: datetime, *, pinned: bool) -> _TicketPlan:
        """Who, what and when; a pinned ticket is an open High one for Contoso."""
        rng = self.rng
        weights = [c.seats for c in self.customers]
        customer = self.customers[0] if pinned else rng.choices(self.customers, weights)[0]
        template = rng.choice(TICKET_TEMPLATES)
        while pinned and template[2] == "alert":
            template = rng.choice(TICKET_TEMPLATES)
        priority = "High" if pinned else _weighted(rng, PRIORITY_WEIGHTS)
        status = self._status((self.now - created) / _DAY, pinned)
        plan = _TicketPlan(tid, number, created, customer, template, status, priority)
        if template[2] == "alert":
            plan.source = "Monitoring Alert"
        else:
            plan.source = _weighted(rng, SOURCES)
            if customer.contacts and rng.random() < 0.95:
                plan.contact = rng.choice(customer.contacts)
        self._schedule(plan)
        self._assign(plan)
        return plan

    def _status(self, age: float, pinned: bool) -> str:
        """Older tickets are mostly complete; recent ones are a realistic open mix."""
        rng = self.rng
        if pinned:
            return rng.choice(("In Progress", "New", "Waiting Customer"))
        thresholds = ((2, 0.85), (7, 0.6), (21, 0.3), (60, 0.08))
        chance = next((share for days, share in thresholds if age < days), 0.015)
        if rng.random() >= chance:
            return "Complete"
        return "New" if age < 0.1 else _weighted(rng, OPEN_STATUSES)

    def _schedule(self, plan: _TicketPlan) -> None:
        rng = self.rng
        if plan.status == "Complete":
            budget = RESPONSE_HOURS.get(plan.priority, 24.0) * rng.uniform(0.1, 1.4)
            finished = plan.created + timedelta(hours=budget, minutes=rng.uniform(10, 40))
            plan.finished = max(min(finished, self.now - _MINUTE), plan.created + _MINUTE)
            plan.last_activity = plan.finished
        else:
            plan.last_activity = plan.created + (self.now - plan.created) * rng.random()

    def _assign(self, plan: _TicketPlan) -> None:
        """Assign a technician of the ticket's queue, with one of that technician's roles."""
        rng = self.rng
        plan.queue = self._queue_label(plan)
        if rng.random() >= {"Complete": 0.75, "New": 0.2}.get(plan.status, 1.0):
            return
        queue = self.pick("ResourceRoleQueues").by_label("queueID", plan.queue)
        desk = [t for t in self.techs if t.id != self.admin]
        tech = rng.choice([t for t in desk if queue in t.queues] or desk)
        plan.tech = tech
        plan.role = tech.roles[0] if rng.random() < 0.7 else rng.choice(tech.roles)

    @staticmethod
    def _queue_label(plan: _TicketPlan) -> str:
        if plan.template[2] == "alert":
            return "Monitoring Alert"
        if plan.status == "Escalated" or plan.priority == "Critical" or plan.id % 5 == 0:
            return "Level II Support"
        if plan.source == "Client Portal" and plan.id % 2 == 0:
            return "Client Portal"
        return "Recurring Tickets" if plan.id % 41 == 0 else "Service Desk"

    def _classification(self, issue: str, sub: str) -> tuple[Any, Any]:
        """Issue and sub-issue values; the sub-issue always belongs to the issue."""
        key = f"{issue}/{sub}"
        if key not in self.classes:
            picks = self.pick("Tickets")
            issue_value = picks.by_label("issueType", issue)
            subs = picks.children("subIssueType", issue_value)
            named = [
                value
                for value, label, parent in picks.values("subIssueType")
                if label.lower() == sub.lower() and parent == str(issue_value)
            ]
            self.classes[key] = (issue_value, (named or subs or [None])[0])
        return self.classes[key]

    def _ticket(self, plan: _TicketPlan) -> Row:
        picks = self.pick("Tickets")
        issue, sub, kind, ci_kind, title, description = plan.template
        issue_value, sub_value = self._classification(issue, sub)
        cis = plan.customer.cis.get(ci_kind) or []
        ci = self.rng.choice(cis) if cis else None
        return {
            "id": plan.id,
            "ticketNumber": plan.number,
            "title": self._title(title, plan, ci),
            "description": description,
            "companyID": plan.customer.id,
            "contactID": plan.contact,
            "status": picks.by_label("status", plan.status),
            "priority": picks.by_label("priority", plan.priority),
            "queueID": picks.by_label("queueID", plan.queue),
            "issueType": issue_value,
            "subIssueType": sub_value,
            "ticketType": picks.by_label("ticketType", TICKET_TYPES[kind]),
            "source": picks.by_label("source", plan.source),
            "ticketCategory": picks.by_label("ticketCategory", "Standard"),
            "serviceLevelAgreementID": self._sla(picks, plan.customer),
            "configurationItemID": ci[0] if ci else None,
            "contractID": plan.customer.contract_at(plan.created),
            "estimatedHours": 0.5 if kind == "alert" else 2.0,
            "isVisibleToComanaged": False,
            "isAssignedToComanaged": False,
            **self._ticket_people(plan),
            **self._ticket_times(plan),
        }

    def _title(self, title: str, plan: _TicketPlan, ci: tuple[int, str] | None) -> str:
        if "{" not in title:
            return title
        first, last = self.rng.choice(FIRST_NAMES), self.rng.choice(LAST_NAMES)
        host = ci[1] if ci else f"{plan.customer.short}-SRV01"
        return title.format(host=host, first=first, last=last, initial=first[0])

    def _worker(self, plan: _TicketPlan) -> _Tech | None:
        """Who worked the ticket: its technician, or a first-line one for closed unassigned ones."""
        if plan.tech is not None or plan.finished is None:
            return plan.tech
        return self.first_line[plan.id % len(self.first_line)]

    def _ticket_people(self, plan: _TicketPlan) -> Row:
        picks = self.pick("Tickets")
        resource = picks.by_label("creatorType", "Resource")
        contact = picks.by_label("creatorType", "Contact")
        by_contact = plan.contact is not None and plan.source in CONTACT_SOURCES
        worker = self._worker(plan)
        creator = worker or self.first_line[plan.id % len(self.first_line)]
        if plan.template[2] == "alert":
            creator_id = self.api_user  # raised by the monitoring integration
        else:
            creator_id = creator.id
        return {
            "assignedResourceID": plan.tech.id if plan.tech else None,
            "assignedResourceRoleID": plan.role,
            "creatorType": contact if by_contact else resource,
            "creatorResourceID": None if by_contact else creator_id,
            "createdByContactID": plan.contact if by_contact else None,
            "lastActivityPersonType": resource if worker else contact,
            "lastActivityResourceID": worker.id if worker else None,
            "completedByResourceID": worker.id if worker and plan.finished else None,
            "firstResponseAssignedResourceID": plan.tech.id if plan.tech else None,
        }

    def _ticket_times(self, plan: _TicketPlan) -> Row:
        rng = self.rng
        created, last, finished = plan.created, plan.last_activity or plan.created, plan.finished
        due = created + timedelta(hours=RESPONSE_HOURS.get(plan.priority, 24.0))
        responded = min(created + timedelta(minutes=rng.uniform(5, 90)), last)
        answered = plan.status != "New" or plan.tech is not None
        return {
            "createDate": self.iso(created),
            "lastActivityDate": self.iso(last),
            "lastTrackedModificationDateTime": self.iso(last),
            "dueDateTime": self.iso(due),
            "firstResponseDueDateTime": self.iso(created + timedelta(hours=1)),
            "firstResponseDateTime": self.iso(responded) if answered else None,
            "resolvedDueDateTime": self.iso(due),
            "completedDate": self.iso(finished) if finished else None,
            "resolvedDateTime": self.iso(finished) if finished else None,
            "serviceLevelAgreementHasBeenMet": finished <= due if finished else None,
            "resolution": rng.choice(RESOLUTIONS) if finished else None,
        }

    @staticmethod
    def _ticket_udfs(plan: _TicketPlan) -> dict[str, str | None]:
        impact = None
        if plan.template[2] == "inc":
            impact = ("Single user", "Single user", "Department", "Whole company")[plan.id % 4]
        cause = "Configuration" if plan.finished and plan.id % 3 == 0 else None
        return {"Customer Impact": impact, "Root Cause": cause, "Follow-up Date": None}

    def _ticket_notes(self, plan: _TicketPlan) -> None:
        rng = self.rng
        if plan.finished:
            count = 1 + (rng.random() < 0.35) + (rng.random() < 0.1)
        else:
            count = int(rng.random() < 0.3) if plan.status == "New" else rng.randint(0, 2)
        last = plan.last_activity or plan.created
        for index in range(count):
            moment = plan.created + (last - plan.created) * ((index + 1) / (count + 1))
            self._ticket_note(
                plan, moment, closing=plan.finished is not None and index == count - 1
            )

    def _ticket_note(self, plan: _TicketPlan, moment: datetime, *, closing: bool) -> None:
        rng = self.rng
        picks = self.pick("TicketNotes")
        from_contact = not closing and plan.contact is not None and rng.random() < 0.15
        if closing:
            title, text = "Resolution", rng.choice(RESOLUTIONS)
            moment = plan.finished or moment
        else:
            title, text = rng.choice(CUSTOMER_REPLIES if from_contact else NOTE_TEXTS)
        internal = not from_contact and not closing and rng.random() < 0.3
        author = self._worker(plan) or self.first_line[plan.id % len(self.first_line)]
        self.table("TicketNotes").add(
            {
                "id": self.next_id("TicketNotes", 29700001),
                "ticketID": plan.id,
                "title": title,
                "description": text,
                "noteType": picks.by_label("noteType", "Internal" if internal else "General"),
                "publish": picks.by_label("publish", PUBLISH_INTERNAL if internal else PUBLISH_ALL),
                "createDateTime": self.iso(moment),
                "lastActivityDate": self.iso(moment),
                "creatorResourceID": None if from_contact else author.id,
                "createdByContactID": plan.contact if from_contact else None,
            }
        )

    def _ticket_time(self, plan: _TicketPlan) -> None:
        rng = self.rng
        worker = self._worker(plan)
        if worker is None or plan.status == "New":
            return
        if plan.finished:
            count = 1 + (rng.random() < 0.25) + (rng.random() < 0.05)
        else:
            count = (rng.random() < 0.7) + (rng.random() < 0.2)
        role = plan.role if plan.tech and plan.role else worker.roles[0]
        end = plan.finished or self.now
        contract = plan.customer.contract_at(plan.created)
        for _ in range(count):
            moment = plan.created + (end - plan.created) * rng.random()
            hours = rng.choice(WORK_HOURS)
            self._time_entry(worker.id, role, moment, hours, ticket=plan.id, contract=contract)

    # --- time ----------------------------------------------------------------------------------

    def _slot(self, moment: datetime, hours: float) -> tuple[datetime, datetime]:
        """A work slot near ``moment`` that ends by ``now`` and does not cross UTC midnight."""
        span = timedelta(hours=hours)
        start = moment.replace(minute=moment.minute - moment.minute % 15, second=0, microsecond=0)
        if _midnight(start) != _midnight(start + span):
            start = _midnight(start) + _DAY - span - timedelta(minutes=15)
        if start + span > self.now:
            latest = self.now - span
            start = latest.replace(minute=latest.minute - latest.minute % 15, second=0)
            if _midnight(start) != _midnight(start + span):
                start = _midnight(self.now) - _DAY + timedelta(hours=14)
        return start, start + span

    def _time_entry(
        self,
        resource: int,
        role: int,
        moment: datetime,
        hours: float,
        *,
        ticket: int | None = None,
        task: int | None = None,
        contract: int | None = None,
    ) -> None:
        rng = self.rng
        start, end = self._slot(moment, hours)
        code = "Project Labour" if task else "Remote Support"
        if ticket and (start.weekday() >= 5 or not 8 <= start.hour < 18):
            code = "After Hours Support"
        elif ticket and rng.random() < 0.12:
            code = "Onsite Support"
        billable = rng.random() >= 0.05
        entered = self.iso(min(end + timedelta(minutes=rng.randint(2, 30)), self.now))
        self.table("TimeEntries").add(
            {
                "id": self.next_id("TimeEntries", 29800001),
                "ticketID": ticket,
                "taskID": task,
                "resourceID": resource,
                "roleID": role,
                "dateWorked": self.iso_date(start),
                "startDateTime": self.iso(start),
                "endDateTime": self.iso(end),
                "hoursWorked": hours,
                "hoursToBill": hours if billable else 0.0,
                "isNonBillable": not billable,
                "showOnInvoice": billable,
                "summaryNotes": rng.choice(WORK_SUMMARIES),
                "timeEntryType": self.pick("TimeEntries").by_label(
                    "timeEntryType", "Task" if task else "Ticket"
                ),
                "billingCodeID": self.billing[code],
                "contractID": contract,
                "createDateTime": entered,
                "creatorUserID": resource,
                "lastModifiedDateTime": entered,
                "lastModifiedUserID": resource,
                "isInternalNotesVisibleToComanaged": False,
            }
        )

    # --- billing -------------------------------------------------------------------------------

    def add_invoices(self) -> None:
        """One invoice per customer per month for the last six months (this month included)."""
        term = self.pick("Invoices").by_label("paymentTerm", "Net 30")
        month = _midnight(self.now).replace(day=1)
        for back in range(5, -1, -1):
            issued = _add_months(month, -back)
            if issued + timedelta(hours=6) <= self.now:
                issued += timedelta(hours=6)
            for customer in self.customers:
                self._invoice(customer, issued, _add_months(month, -back - 1), term, 1006 - back)

    def _invoice(
        self, customer: _Customer, issued: datetime, period: datetime, term: Any, batch: int
    ) -> None:
        net = round(customer.seats * 38.0 + self.rng.uniform(0, 650), 2)
        due = issued + timedelta(days=30)
        paid = issued + timedelta(days=self.rng.uniform(5, 40))
        number = self.next_id("Invoices", 10231)
        self.table("Invoices").add(
            {
                "id": self.next_id("Invoices", 29686001),
                "companyID": customer.id,
                "invoiceNumber": f"INV-{number}",
                "invoiceDateTime": self.iso(issued),
                "createDateTime": self.iso(issued),
                "creatorResourceID": self.admin,
                "fromDate": self.iso_date(period),
                "toDate": self.iso_date(issued - _DAY),
                "dueDate": self.iso_date(due),
                "paidDate": self.iso_date(paid) if paid < self.now else None,
                "invoiceTotal": round(net * 1.2, 2),
                "totalTaxValue": round(net * 0.2, 2),
                "paymentTerm": term,
                "isVoided": False,
                "batchID": batch,
                "taxRegionName": "UK VAT (20%)",
            }
        )

    # --- projects ------------------------------------------------------------------------------

    def add_projects(self) -> None:
        for spec in PROJECTS:
            self._project(self.next_id("Projects", 29687001), spec)

    def _project(self, pid: int, spec: ProjectSpec) -> None:
        name, company, status, kind, start_days, end_days, lead_name, description = spec
        picks = self.pick("Projects")
        customer_id = next((c.id for c in self.customers if c.name == company), 0)
        lead = self.by_first[lead_name]
        start = _midnight(self.days(start_days)) + timedelta(hours=9)
        end = _midnight(self.days(end_days)) + timedelta(hours=17)
        created = min(start - timedelta(days=7), self.now - timedelta(days=3))
        contracts = self.table("Contracts").rows
        contract = next((r["id"] for r in contracts if name in str(r["contractName"])), None)
        row = self.table("Projects").add(
            {
                "id": pid,
                "projectName": name,
                "projectNumber": f"P{created:%Y%m%d}.{pid % 1000:04d}",
                "companyID": customer_id,
                "projectType": picks.by_label("projectType", kind),
                "status": picks.by_label("status", status),
                "statusDateTime": self.iso(created),
                "statusDetail": description,
                "description": description,
                "startDateTime": self.iso(start),
                "endDateTime": self.iso(end),
                "duration": (end - start).days,
                "projectLeadResourceID": lead.id,
                "companyOwnerResourceID": self.techs[0].id,
                "contractID": contract,
                "department": self.departments["Projects & Engineering"],
                "createDateTime": self.iso(created),
                "creatorResourceID": lead.id,
                "completedDateTime": self.iso(end) if status == "Complete" else None,
            }
        )
        tasks = self._phases(pid, (start, end), status, lead, created)
        self._project_totals(row, tasks)
        if status != "New":
            self._project_notes(pid, lead.id, start)

    def _phases(
        self, pid: int, span: tuple[datetime, datetime], status: str, lead: _Tech, created: datetime
    ) -> list[Row]:
        length = (span[1] - span[0]) / len(PHASES)
        tasks: list[Row] = []
        for position, (title, task_titles) in enumerate(PHASES):
            phase_start = span[0] + length * position
            phase = self.table("Phases").add(
                {
                    "id": self.next_id("Phases", 29688001),
                    "projectID": pid,
                    "title": title,
                    "description": f"{title} phase",
                    "phaseNumber": str(position + 1),
                    "startDate": self.iso(phase_start),
                    "dueDate": self.iso(phase_start + length),
                    "isScheduled": True,
                    "createDate": self.iso(created),
                    "creatorResourceID": lead.id,
                    "lastActivityDateTime": self.iso(created),
                }
            )
            step = length / len(task_titles)
            for order, task_title in enumerate(task_titles):
                window = (phase_start + step * order, phase_start + step * (order + 1))
                state = self._task_state(status, position, order)
                tasks.append(self._task(phase, task_title, state, window, lead, created))
            phase["estimatedHours"] = sum((float(t["estimatedHours"]) for t in tasks[-3:]), 0.0)
        return tasks

    @staticmethod
    def _task_state(project_status: str, phase: int, order: int) -> str:
        if project_status in ("Complete", "New"):
            return project_status
        if phase == 0 or (phase == 1 and order == 0):
            return "Complete"
        return "In Progress" if phase == 1 and order == 1 else "New"

    def _task_worker(self, title: str, lead: _Tech) -> tuple[_Tech, int]:
        if title.startswith("Kick-off") and self.roles["Project Manager"] in lead.roles:
            return lead, self.roles["Project Manager"]
        engineers = [t for t in self.techs if self.roles["Engineer"] in t.roles]
        worker = engineers[len(self.table("Tasks").rows) % len(engineers)]
        return worker, self.roles["Engineer"]

    def _task(
        self,
        phase: Row,
        title: str,
        state: str,
        window: tuple[datetime, datetime],
        lead: _Tech,
        created: datetime,
    ) -> Row:
        picks = self.pick("Tasks")
        worker, role = self._task_worker(title, lead)
        tid = self.next_id("Tasks", 29689001)
        estimate = float(4 + (tid * 5) % 13)
        done = state == "Complete"
        finished = min(window[1], self.now - _MINUTE)
        task = self.table("Tasks").add(
            {
                "id": tid,
                "projectID": phase["projectID"],
                "phaseID": phase["id"],
                "title": title,
                "description": f"{title}.",
                "status": picks.by_label("status", state),
                "taskType": picks.by_label("taskType", "Fixed Work"),
                "taskNumber": f"T{created:%Y%m%d}.{tid % 1000 + 900:04d}",
                "assignedResourceID": worker.id,
                "assignedResourceRoleID": role,
                "departmentID": self.departments["Projects & Engineering"],
                "billingCodeID": self.billing["Project Labour"],
                "startDateTime": self.iso(window[0]),
                "endDateTime": self.iso(window[1]),
                "estimatedHours": estimate,
                "remainingHours": 0.0 if done else estimate / (2 if state == "In Progress" else 1),
                "priorityLabel": picks.by_label("priorityLabel", "Medium"),
                "priority": tid % 1000,
                "isTaskBillable": True,
                "isVisibleInClientPortal": False,
                "canClientPortalUserCompleteTask": False,
                "createDateTime": self.iso(created),
                "creatorResourceID": lead.id,
                "creatorType": picks.by_label("creatorType", "Resource"),
                "completedDateTime": self.iso(finished) if done else None,
                "completedByResourceID": worker.id if done else None,
                "completedByType": picks.by_label("completedByType", "Resource") if done else None,
                "lastActivityDateTime": self.iso(finished if state != "New" else created),
            }
        )
        if state != "New":
            self._task_work(task, worker.id, role, window, done=done)
        return task

    def _task_work(
        self, task: Row, resource: int, role: int, window: tuple[datetime, datetime], *, done: bool
    ) -> None:
        """Time and a note on a task; work in progress is logged in this quarter's last days."""
        first, last = window[0], min(window[1], self.now - _MINUTE)
        if not done:
            quarter = _midnight(self.now).replace(day=1, month=(self.now.month - 1) // 3 * 3 + 1)
            first = max(first, self.now - timedelta(days=14), quarter)
            last = self.now - _MINUTE
        if last <= first:
            first = last - timedelta(hours=8)
        count = 2 + int(task["id"]) % 3
        for index in range(count):
            moment = first + (last - first) * ((index + 0.5) / count)
            hours = self.rng.choice((1.0, 1.5, 2.0, 2.5, 3.0, 4.0))
            self._time_entry(resource, role, moment, hours, task=int(task["id"]))
        picks = self.pick("TaskNotes")
        self.table("TaskNotes").add(
            {
                "id": self.next_id("TaskNotes", 29692001),
                "taskID": task["id"],
                "title": "Completed" if done else "Progress update",
                "description": "Work complete and checked."
                if done
                else "On track; next steps agreed.",
                "noteType": picks.by_label("noteType", "Task Detail"),
                "publish": picks.by_label("publish", PUBLISH_ALL),
                "creatorResourceID": resource,
                "createDateTime": self.iso(last),
                "lastActivityDate": self.iso(last),
            }
        )

    def _project_totals(self, row: Row, tasks: list[Row]) -> None:
        ids = {task["id"] for task in tasks}
        entries = self.table("TimeEntries").rows
        hours = sum((float(e["hoursWorked"]) for e in entries if e["taskID"] in ids), 0.0)
        done = sum(1 for task in tasks if task["completedDateTime"])
        activity = max((str(t["lastActivityDateTime"]) for t in tasks), default=None)
        row.update(
            {
                "estimatedTime": sum((float(task["estimatedHours"]) for task in tasks), 0.0),
                "actualHours": hours,
                "actualBilledHours": hours,
                "completedPercentage": round(100 * done / len(tasks)) if tasks else 0,
                "lastActivityDateTime": activity,
                "lastActivityResourceID": row["projectLeadResourceID"],
                "lastActivityPersonType": self.pick("Projects").by_label(
                    "lastActivityPersonType", "Resource"
                ),
            }
        )

    def _project_notes(self, pid: int, lead: int, start: datetime) -> None:
        picks = self.pick("ProjectNotes")
        later = min(start + timedelta(days=7), self.now - _DAY)
        for kind, title, text, moment in (
            ("Status Update", "Kick-off held", "Scope, plan and contacts agreed.", start),
            ("Risk", "Risk: supplier lead times", "Hardware delivery may slip by a week.", later),
        ):
            self.table("ProjectNotes").add(
                {
                    "id": self.next_id("ProjectNotes", 29691001),
                    "projectID": pid,
                    "title": title,
                    "description": text,
                    "noteType": picks.by_label("noteType", kind),
                    "publish": picks.by_label("publish", PUBLISH_ALL),
                    "isAnnouncement": False,
                    "creatorResourceID": lead,
                    "createDateTime": self.iso(moment),
                    "lastActivityDate": self.iso(moment),
                }
            )

    def add_company_notes(self) -> None:
        picks = self.pick("CompanyNotes")
        for index, action, title, text, days_ago in COMPANY_NOTES:
            customer = self.customers[index]
            start = _midnight(self.days(-days_ago)) + timedelta(hours=10)
            end = self.iso(start + timedelta(hours=1))
            self.table("CompanyNotes").add(
                {
                    "id": self.next_id("CompanyNotes", 29693001),
                    "companyID": customer.id,
                    "name": title,
                    "note": text,
                    "actionType": picks.by_label("actionType", action),
                    "assignedResourceID": self.techs[0].id,
                    "contactID": customer.contacts[0],
                    "startDateTime": self.iso(start),
                    "endDateTime": end,
                    "completedDateTime": end,
                    "createDateTime": self.iso(start),
                    "lastModifiedDate": end,
                }
            )


def build_demo_msp(
    metadata: MetadataRegistry, *, seed: int = 7, tickets: int = 1500, now: datetime | None = None
) -> DemoData:
    """The demo MSP: ``tickets`` tickets spread over the 180 days before ``now`` (default: now).

    Returns the records of each REST root entity in id order. Naive datetimes count as UTC.
    """
    moment = now if now is not None else datetime.now(UTC)
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    builder = _Builder(metadata, random.Random(seed), moment.replace(microsecond=0))
    return builder.build(max(tickets, 0))
