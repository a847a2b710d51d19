"""What the demo MSP's tickets are about: templates, note texts and the weights of the mix.

Plain data that ``_seed_tickets`` turns into tickets, notes and time entries.
"""

from __future__ import annotations

__all__ = [
    "CONTACT_SOURCES",
    "CUSTOMER_REPLIES",
    "HISTORY_DAYS",
    "NOTE_TEXTS",
    "OPEN_STATUSES",
    "PRIORITY_WEIGHTS",
    "RESOLUTIONS",
    "RESPONSE_HOURS",
    "SOURCES",
    "TICKET_TEMPLATES",
    "TICKET_TYPES",
    "WORK_HOURS",
]

HISTORY_DAYS = 180
"""How many days back the demo's tickets start."""

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
TICKET_TYPES = {"alert": "Alert", "inc": "Incident", "req": "Service Request"}
