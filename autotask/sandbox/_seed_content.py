"""The demo MSP's own content: Bluewave IT, its people, customers, catalogue and projects.

Plain data that the seed builder (``_seed`` and its parts) turns into records. Labels here are
picklist labels, looked up in whichever metadata the sandbox loads; ids are chosen by the builder.
"""

from __future__ import annotations

__all__ = [
    "API_PERSON",
    "API_USER",
    "BACKUP_PRODUCTS",
    "BILLING_CODES",
    "CI_LAYOUT",
    "CI_LOCATIONS",
    "CI_NAMES",
    "COMPANY_NOTES",
    "CONTACT_TITLES",
    "CUSTOMERS",
    "DEPARTMENTS",
    "EXTRA_CONTRACTS",
    "FIRST_NAMES",
    "FORMER_TECHNICIAN",
    "LAST_NAMES",
    "LOCATION",
    "MANAGED_ENDS",
    "OPERATING_SYSTEMS",
    "OTHER_COMPANIES",
    "OWNER_DOMAIN",
    "OWNER_NAME",
    "PERSONAL_KINDS",
    "PHASES",
    "PRODUCTS",
    "PROJECTS",
    "PUBLISH_ALL",
    "PUBLISH_INTERNAL",
    "ROLES",
    "SLA_BY_TIER",
    "TECHNICIANS",
    "WORK_SUMMARIES",
    "ContractSpec",
    "CustomerSpec",
    "Product",
    "ProjectSpec",
]

# The shapes of the rows below.
CustomerSpec = tuple[str, str, str, str, str, int, str, str]
ContractSpec = tuple[int, str, str, str, int, float]
ProjectSpec = tuple[str, str, str, str, int, int, str, str]
Product = tuple[str, str, str, str, float, float, bool, "str | None"]

# --- the MSP, its customers and people ----------------------------------------------------------
OWNER_NAME = "Bluewave IT"
OWNER_DOMAIN = "bluewave-it.example"
API_USER = "demo-api@bluewave-it.example"
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

# --- contracts and projects ---------------------------------------------------------------------
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

# --- labels, work and configuration items ---------------------------------------------------
WORK_SUMMARIES = (
    "Remote session with the user, diagnosed and fixed the issue.",
    "Investigated logs and applied the recommended fix.",
    "Tested the change with the user and closed down.",
    "Onsite visit: replaced hardware and tested.",
    "Liaised with the vendor support team.",
    "Configured the device and documented the change.",
)
LOCATION = "Bluewave IT Head Office"
API_PERSON = ("Sandbox", "API User", "API integration")
PUBLISH_ALL = "All Autotask Users"
PUBLISH_INTERNAL = "Internal Project Team"
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
