"""The grammar as the technician reads it (HELP), and suggestions for what was not understood."""

from __future__ import annotations

import difflib
import functools
from typing import NamedTuple

from ._command import Command

__all__ = ["EXAMPLES", "HELP", "help_command", "suggestions", "unknown"]


class Form(NamedTuple):
    syntax: str
    meaning: str
    examples: tuple[str, ...]


_SECTIONS: tuple[tuple[str, tuple[Form, ...]], ...] = (
    ("Tickets", (
        Form("ticket <number or id> [with notes | full | details]",
             "one ticket; with notes adds its latest notes and time entries, full or details "
             "also every field",
             ("ticket T20241122.0004", "ticket 18420 with notes", "T20241122.0004", "#18420",
              "#18420 full")),
        Form("notes for <ticket> / what's the latest on <ticket> / history of <ticket> / "
             "status of <ticket>",
             "a ticket with its notes; with its notes and time entries; where it stands",
             ("notes for T20241122.0004", "what's the latest on T20241122.0004",
              "history of 18420", "status of T20241122.0004")),
        Form("my tickets [filters]", "your open tickets, newest first (all of them once a "
             "status is given)",
             ("my tickets", "my tickets high", "my tickets completed last week",
              "what's on my plate", "my tix due today")),
        Form("tickets [filters] / open tickets / tickets for <company>",
             "open tickets unless a status, closed or a completion range is asked; newest "
             "first, by due date when the question is about due dates",
             ("tickets", "open tickets", "tickets for Contoso",
              "open high priority tickets for Contoso created last week",
              "any critical tickets?", "whats open for contoso", "tickets waiting on customer",
              "unassigned tickets in service desk")),
        Form("filters, in any order: for <company> / company <name>; critical, high, medium, "
             "low / priority <label>; status <label> / open / closed / completed; queue <name>; "
             "assigned to <name or me> / unassigned; created, completed, due or updated <range>; "
             "overdue; type <label>; about <words>; limit N / top N; newest / oldest",
             "put names that contain one of these words in quotes",
             ('tickets queue "Level II Support" unassigned',
              "tickets assigned to Priya Sharma status in progress", "tickets due this week",
              "tickets type incident updated today newest limit 10", "overdue tickets")),
        Form("ranges: today, yesterday, this week, last week, this month, last month, this "
             "quarter, last quarter, this year, last N days, next N days, a date (YYYY-MM-DD); "
             "since / before <range or date>",
             "dates are in your time zone",
             ("tickets created since 2026-11-01", "tickets closed in the last 30 days")),
        Form("count tickets … / how many tickets …", "only how many match",
             ("how many open tickets for Contoso", "count tickets created this month",
              "how many tickets did we close last week")),
        Form("export tickets … / export time entries for <ticket, task or project> <range>",
             "every match as an Excel (XLSX) file; add `csv` for CSV",
             ("export tickets for Contoso closed last month", "export my tickets as csv",
              "export time entries for T20241122.0004 last month",
              "export every time entry for the Acme migration project this quarter")),
    )),
    ("Other records", (
        Form("companies [name] / company <name>", "companies whose name contains the words",
             ("companies", "company Contoso")),
        Form("contacts at|for <company> / contacts <last name, first and last name or e-mail>"
             " / who is <name> / phone number for <name> / email for <name>",
             "contacts with their phone and e-mail",
             ("contacts at Contoso", "contacts Smith", "who is Julia Evans",
              "phone number for David Dias")),
        Form("contracts expiring in N days / contracts ending <range> / contracts for <company>",
             "contracts by end date or company, the soonest end first",
             ("contracts expiring in 30 days", "contracts ending next 60 days",
              "contracts for Contoso", "which contracts expire in the next 60 days?")),
        Form("projects [for <company>] / tasks for <project>", "projects and their tasks",
             ("projects", "projects for Contoso", 'tasks for "Contoso Microsoft 365 rollout"')),
        Form("time entries [for <ticket> | for task <name> | for <project> project] "
             "[by <name or me>] [range] / my time <range> / what did I log <range>",
             "time logged, newest first, with the hours added up; Autotask links time to a "
             "ticket or a task only, so a project's time is that of its tasks",
             ("my time entries this week", "time entries for T20241122.0004",
              "time entries by me last week", "what did I log yesterday",
              "time entries for the Acme migration project this quarter")),
        Form("configuration items for <company> / devices for <company> / device <name> / "
             "device with serial <serial>", "configuration items",
             ("configuration items for Contoso", "devices for Northwind Traders", "device DC01",
              "device with serial number SN123456")),
    )),
    ("Changes: each shows a preview; nothing is written until you confirm it", (
        Form("log <duration> on <ticket> [at <time>] <what you did> / "
             "log <duration> <day> <time> on <ticket> <what you did>",
             "log time (45m, 1.5h, 1h 30m, 90 minutes, an hour, half an hour; log, add, put, "
             "book or spent; without a ticket I ask which of your open tickets), ending now "
             "unless you say when it started "
             "(yesterday 14:00, at 9:15, monday 8:30am, 2026-11-24 14:00; in your time zone)",
             ("log 45m on T20241122.0004 VPN troubleshooting", "log 1.5h on 18420: rebuilt profile",
              "log 1h 30m to #18420 replaced the switch",
              "log 1h yesterday 14:00 on T20241122.0004 onsite visit",
              "log 30m on 18420 at 9:15 called the customer",
              "add 2 hrs to ticket 18420: reinstalled office")),
        Form("start timer on <ticket> [what you are doing] / stop timer [what you did] / timer / "
             "cancel timer",
             "one running timer per technician; stopping it previews a time entry with the "
             "elapsed time",
             ("start timer on T20241122.0004 VPN troubleshooting", "stop timer replaced the switch",
              "timer", "cancel timer")),
        Form("new ticket for <company> [priority] [queue <name>] [type <label>]: <title> / "
             "open a [priority] ticket for <company> about <title>",
             "open a ticket; the title can also be quoted",
             ("new ticket for Northwind high: printer outage",
              'new ticket for Contoso "VPN down" priority critical queue "Level II Support"',
              "open a high-priority ticket for Northwind about their printer outage")),
        Form("note on <ticket>: <text> / add [public] note to <ticket>: <text>",
             "add a note; internal unless public",
             ("note on T20241122.0004: waiting for the vendor", "add note to 18420: called back",
              "add public note to 18420: fixed, please test")),
        Form("set status|priority|queue|type of <ticket> to <value> / <ticket> status <value>",
             "change a ticket",
             ("set status of T20241122.0004 to Complete", "set priority of 18420 to high",
              "T20241122.0004 status in progress")),
        Form("close <ticket> [resolution] / complete <ticket>",
             "set the status to Complete; words after the ticket become its resolution",
             ("close T20241122.0004", "complete 18420", "close 18420 fixed the DNS record")),
        Form("escalate <ticket>", "asks whether to raise the priority to High or Critical",
             ("escalate T20241122.0004",)),
        Form("assign <ticket> to <me, name or @mention> / take <ticket>", "assign a ticket",
             ("assign T20241122.0004 to me", "assign 18420 to Priya Sharma",
              "take T20241122.0004")),
    )),
    ("About you and Autotask", (
        Form("who am i", "your Autotask resource", ("who am i", "whoami")),
        Form("describe <entity> [field] / fields of <entity>", "an entity's fields and labels",
             ("describe tickets", "describe tickets priority", "fields of contracts")),
        Form("entities / what can you see", "the record types and what each allows",
             ("entities", "what can you see")),
    )),
    ("Alerts: new tickets posted in this channel", (
        Form("alerts on [queue <name>] [priority <label>] [company <name>] [type <label>] "
             "[status <label>]", "subscribe this channel",
             ('alerts on queue "Service Desk" priority High', "alerts on company Contoso")),
        Form("alerts off / alerts / alerts list", "unsubscribe, or show the subscriptions",
             ("alerts off", "alerts", "alerts list")),
        Form("my work", "your open tickets most urgent first, what is due today, the time you "
             "logged today and your timer", ("my work",)),
        Form("notify me when a ticket is assigned to me / stop notifying me",
             "in your direct chat with the bot: tickets assigned to you, new or reassigned, "
             "once per assignment",
             ("notify me when a ticket is assigned to me", "stop notifying me")),
        Form("notify me about customer notes / stop notifying me about customer notes",
             "a customer's note (portal or e-mail reply) on a ticket assigned to you, once per "
             "note", ("tell me when customers reply on my tickets",
                      "notify me about customer notes")),
    )),
    ("This channel's company", (
        Form("link this channel to <company> / this channel is for <company> / unlink channel / "
             "which company is this channel?",
             "ticket lists and new tickets asked here without a company, and tickets made from "
             "a message here, use it (the answer says so)",
             ("link this channel to Contoso", "this channel is for Northwind Traders",
              "unlink channel", "which company is this channel?")),
    )),
)  # fmt: skip

EXAMPLES: tuple[str, ...] = tuple(
    example for _, forms in _SECTIONS for form in forms for example in form.examples
)
_FALLBACK = ("my tickets", "ticket T20241122.0004", "log 45m on T20241122.0004 VPN troubleshooting")

# Intents by the words that signal them, and the commands to suggest for each (best first).
_INTENTS: tuple[tuple[frozenset[str], tuple[str, ...]], ...] = (
    (frozenset({"who", "am", "whoami", "me", "myself"}), ("who am i",)),
    (frozenset({"log", "logged", "time", "hours", "spent", "book", "booked", "minutes", "worked",
                "timesheet", "h", "m", "put"}),
     ("log 45m on T20241122.0004 VPN troubleshooting", "my time this week",
      "what did I log yesterday")),
    (frozenset({"note", "notes", "comment", "latest", "update", "updates", "history"}),
     ("notes for T20241122.0004", "add note to 18420: called back", "history of 18420")),
    (frozenset({"close", "closed", "complete", "completed", "resolve", "resolved", "done",
                "finish", "finished"}),
     ("close T20241122.0004", "how many tickets were completed last week")),
    (frozenset({"assign", "assigned", "reassign", "take", "give", "unassigned"}),
     ("assign T20241122.0004 to me", "unassigned tickets in service desk")),
    (frozenset({"contract", "contracts", "expiring", "expire", "renewal", "ending"}),
     ("contracts expiring in 60 days", "contracts for Contoso")),
    (frozenset({"contact", "contacts", "who", "phone", "email", "call", "person"}),
     ("who is Julia Evans", "phone number for David Dias", "contacts at Contoso")),
    (frozenset({"devices", "device", "configuration", "serial", "ci", "asset", "server",
                "laptop", "firewall"}),
     ("devices for Contoso", "device DC01")),
    (frozenset({"project", "projects", "task", "tasks", "migration"}),
     ("projects for Contoso", "time entries for the Acme migration project this quarter")),
    (frozenset({"new", "create", "raise", "open", "outage", "broken", "down"}),
     ("new ticket for Northwind high: printer outage", "open tickets for Contoso")),
    (frozenset({"export", "csv", "download", "excel", "spreadsheet"}),
     ("export tickets for Contoso closed last month",)),
    (frozenset({"alert", "alerts", "notify", "subscribe"}),
     ('alerts on queue "Service Desk" priority High', "alerts off")),
    (frozenset({"company", "companies", "customer", "customers", "client"}),
     ("company Contoso", "tickets for Contoso")),
    (frozenset({"priority", "status", "queue", "set", "change", "escalate", "urgent",
                "critical", "high"}),
     ("set priority of 18420 to high", "any critical tickets?")),
    (frozenset({"ticket", "tickets", "my", "due", "overdue", "waiting", "count", "many"}),
     ("my tickets", "open tickets for Contoso", "my tickets due today")),
)  # fmt: skip
_SIGNALS = frozenset(word for words, _ in _INTENTS for word in words)


def _render() -> str:
    lines = [
        "**Commands** (case does not matter; quotes are optional around free text)",
    ]
    for title, forms in _SECTIONS:
        lines += ["", f"**{title}**"]
        for form in forms:
            examples = " · ".join(f"`{example}`" for example in form.examples)
            lines.append(f"- `{form.syntax}`: {form.meaning}. Examples: {examples}")
    lines += [
        "",
        "Ask in your own words too: please, question forms (how many, which, any, do we have), "
        "shorthand and typos (tix, contrats, hrs) and `@autotask:` in front are understood. "
        "When a name fits several records I ask back with numbered choices; reply with the "
        "number.",
        "",
        "`help` or `?` shows this list.",
    ]
    return "\n".join(lines)


HELP = _render()


def help_command() -> Command:
    return Command(intent="help", text=HELP)


_PROBE_WORDS = 40  # only the first words are compared: a long message stays cheap


@functools.lru_cache(maxsize=4096)
def _signal(word: str) -> str | None:
    if word in _SIGNALS:
        return word
    if not 4 <= len(word) <= 14 or not word.isalpha():
        return None
    close = difflib.get_close_matches(word, _SIGNALS, n=1, cutoff=0.8)
    return close[0] if close else None


def suggestions(words: list[str]) -> list[str]:
    """The commands for the intents the words signal (by the words that carry an intent, not by
    the look of the whole text); a few common ones when no word signals anything."""
    signals = {s for w in words[:_PROBE_WORDS] if (s := _signal(w)) is not None}
    scored = sorted(
        ((len(signals & words_), -n, examples) for n, (words_, examples) in enumerate(_INTENTS)),
        reverse=True,
    )
    picked: list[str] = []
    for score, _, examples in scored:
        if score == 0 or len(picked) >= 3:
            break
        picked.extend(e for e in examples if e not in picked)
    return picked[:3] or list(_FALLBACK)


def unknown(words: list[str], hint: str | None = None, *, partial: bool = False) -> Command:
    """A short "did not understand" with the closest commands (and a hint, when one applies)."""
    lead = hint or "Sorry, I did not understand that."
    tries = "\n".join(f"- `{example}`" for example in suggestions(words))
    return Command(
        intent="unknown",
        text=f"{lead}\nTry:\n{tries}\nSend `help` for everything I understand.",
        partial=partial,
    )
