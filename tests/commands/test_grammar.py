"""Command mode: each documented phrasing → the exact tool calls, HELP, suggestions, robustness,
and the calls run against the sandbox."""

from __future__ import annotations

import random
import re
from typing import Any

import pytest

import bot.commands
from autotask.sandbox import Sandbox
from autotask.tools import TOOLS, ToolContext, ToolError, call
from bot.calls import ToolCall
from bot.commands import HELP, MAX_CHARS, Command, parse_command

Record = dict[str, Any]
NUMBER = "T20241122.0004"


def cond(field: str, value: Any = None, op: str = "=") -> Record:
    if op in {"is set", "is not set"}:
        return {"field": field, "op": op}
    return {"field": field, "op": op, "value": value}


def search(entity: str, *filters: Record, **options: Any) -> Command:
    arguments = {"entity": entity, "filters": list(filters), **options}
    return Command(intent="tools", calls=(ToolCall("search", arguments),))


def get(**arguments: Any) -> Command:
    return Command(intent="tools", calls=(ToolCall("get", {"entity": "Tickets", **arguments}),))


def plan(action: str, entity: str, fields: Record, **target: Any) -> Command:
    arguments = {"action": action, "entity": entity, **target, "fields": fields}
    return Command(intent="tools", calls=(ToolCall("plan_change", arguments),))


def update(fields: Record, **target: Any) -> Command:
    return plan("update", "Tickets", fields, **target)


def tool(name: str, **arguments: Any) -> Command:
    return Command(intent="tools", calls=(ToolCall(name, arguments),))


MINE, OPEN = cond("assigned", "me"), cond("open", True)
BOTH = ["notes", "time_entries"]

CASES: list[tuple[str, Command]] = [
    # one ticket
    (f"ticket {NUMBER}", get(ticket_number=NUMBER)),
    ("ticket 18420", get(id=18420)),
    (NUMBER, get(ticket_number=NUMBER)),
    ("t20241122.0004", get(ticket_number=NUMBER)),
    ("#18420", get(id=18420)),
    (f"ticket {NUMBER} with notes", get(ticket_number=NUMBER, include=BOTH)),
    ("#18420 full", get(id=18420, include=BOTH, full=True)),
    ("ticket 18420 details", get(id=18420, include=BOTH, full=True)),
    (f"show me ticket {NUMBER}", get(ticket_number=NUMBER)),
    # my tickets
    ("my tickets", search("Tickets", MINE, OPEN)),
    ("  MY   Tickets  ", search("Tickets", MINE, OPEN)),
    ("show me my tickets", search("Tickets", MINE, OPEN)),
    ("my tickets high", search("Tickets", MINE, cond("priority", "High"), OPEN)),
    ("my tickets status waiting customer",
     search("Tickets", MINE, cond("status", "waiting customer"))),
    ("my tickets completed last week",
     search("Tickets", MINE, cond("completed", "last week", "within"))),
    ("my tickets closed", search("Tickets", MINE, cond("open", False))),
    ("my open tickets for Contoso", search("Tickets", MINE, OPEN, cond("company", "Contoso"))),
    # tickets with filters
    ("tickets", search("Tickets")),
    ("open tickets", search("Tickets", OPEN)),
    ("tickets for Contoso", search("Tickets", cond("company", "Contoso"))),
    ("tickets company Northwind Traders", search("Tickets", cond("company", "Northwind Traders"))),
    ("tickets for company Contoso", search("Tickets", cond("company", "Contoso"))),
    ("tickets for me", search("Tickets", MINE)),
    ("open high priority tickets for Contoso created last week",
     search("Tickets", OPEN, cond("priority", "High"), cond("company", "Contoso"),
            cond("created", "last week", "within"))),
    ("tickets priority critical", search("Tickets", cond("priority", "Critical"))),
    ("low tickets", search("Tickets", cond("priority", "Low"))),
    ("medium-priority tickets", search("Tickets", cond("priority", "Medium"))),
    ("critical and high tickets", search("Tickets", cond("priority", ["Critical", "High"], "in"))),
    ("tickets status in progress", search("Tickets", cond("status", "in progress"))),
    ("closed tickets for Contoso", search("Tickets", cond("open", False), cond("company", "Contoso"))),
    ("completed tickets", search("Tickets", cond("open", False))),
    ('tickets queue "Level II Support" unassigned',
     search("Tickets", cond("queue", "Level II Support"), cond("assigned", op="is not set"))),
    ("tickets queue Service Desk high",
     search("Tickets", cond("queue", "Service Desk"), cond("priority", "High"))),
    ("tickets assigned to Priya Sharma status in progress",
     search("Tickets", cond("assigned", "Priya Sharma"), cond("status", "in progress"))),
    ("tickets assigned to me", search("Tickets", MINE)),
    ("tickets due this week", search("Tickets", cond("due", "this week", "within"))),
    ("tickets due in 3 days", search("Tickets", cond("due", "next 3 days", "within"))),
    ("tickets updated yesterday", search("Tickets", cond("updated", "yesterday", "within"))),
    ("tickets created this quarter", search("Tickets", cond("created", "this quarter", "within"))),
    ("tickets created last quarter", search("Tickets", cond("created", "last quarter", "within"))),
    ("tickets created this year", search("Tickets", cond("created", "this year", "within"))),
    ("tickets created this month", search("Tickets", cond("created", "this month", "within"))),
    ("tickets created last month", search("Tickets", cond("created", "last month", "within"))),
    ("tickets created in the last 14 days",
     search("Tickets", cond("created", "last 14 days", "within"))),
    ("tickets due next 60 days", search("Tickets", cond("due", "next 60 days", "within"))),
    ("tickets created today", search("Tickets", cond("created", "today", "within"))),
    ("tickets closed in the last 30 days",
     search("Tickets", cond("completed", "last 30 days", "within"))),
    ("tickets created since 2026-11-01", search("Tickets", cond("created", "2026-11-01", ">="))),
    ("tickets for Contoso last week",
     search("Tickets", cond("company", "Contoso"), cond("created", "last week", "within"))),
    ("tickets type incident updated today newest limit 10",
     search("Tickets", cond("type", "incident"), cond("updated", "today", "within"),
            sort="-createDate", limit=10)),
    ("top 5 oldest tickets", search("Tickets", limit=5, sort="createDate")),
    ("tickets limit 100000", search("Tickets", limit=200)),
    ("overdue tickets", search("Tickets", cond("due", "today", "<"), OPEN)),
    ("tickets about printer", search("Tickets", cond("title", "printer", "contains"))),
    ('tickets for "Open Systems" open', search("Tickets", cond("company", "Open Systems"), OPEN)),
    ("Open Tickets For Contoso?", search("Tickets", OPEN, cond("company", "Contoso"))),
    # count and export
    ("how many open tickets for Contoso",
     search("Tickets", OPEN, cond("company", "Contoso"), mode="count")),
    ("count tickets created this month",
     search("Tickets", cond("created", "this month", "within"), mode="count")),
    ("how many of my tickets", search("Tickets", MINE, OPEN, mode="count")),
    ("count my tickets high", search("Tickets", MINE, cond("priority", "High"), OPEN, mode="count")),
    ("export tickets for Contoso closed last month",
     search("Tickets", cond("company", "Contoso"), cond("completed", "last month", "within"),
            mode="export")),
    (f"export time entries for {NUMBER} last month",
     search("TimeEntries", cond("ticket", NUMBER), cond("dateWorked", "last month", "within"),
            mode="export")),
    ("export time entries for ticket 18420 this month",
     search("TimeEntries", cond("ticket", 18420), cond("dateWorked", "this month", "within"),
            mode="export")),
    # other records
    ("companies", search("Companies")),
    ("companies contoso", search("Companies", cond("companyName", "contoso", "contains"))),
    ("company Contoso", search("Companies", cond("companyName", "Contoso", "contains"))),
    ("contacts at Contoso", search("Contacts", cond("company", "Contoso"))),
    ("contacts for Northwind Traders", search("Contacts", cond("company", "Northwind Traders"))),
    ("contacts Smith", search("Contacts", cond("lastName", "Smith", "contains"))),
    ("contacts Jane Smith",
     search("Contacts", cond("firstName", "Jane", "contains"), cond("lastName", "Smith", "contains"))),
    ("contacts jane@contoso.example", search("Contacts", cond("emailAddress", "jane@contoso.example"))),
    ("contracts expiring in 30 days", search("Contracts", cond("endDate", "next 30 days", "within"))),
    ("contracts ending next 60 days", search("Contracts", cond("endDate", "next 60 days", "within"))),
    ("contracts for Contoso", search("Contracts", cond("company", "Contoso"))),
    ("contracts for Contoso expiring this quarter",
     search("Contracts", cond("company", "Contoso"), cond("endDate", "this quarter", "within"))),
    ("how many contracts expiring in 60 days",
     search("Contracts", cond("endDate", "next 60 days", "within"), mode="count")),
    ("projects", search("Projects")),
    ("projects for Contoso", search("Projects", cond("company", "Contoso"))),
    ("open projects", search("Projects", OPEN)),
    ('tasks for "Contoso Microsoft 365 rollout"',
     search("Tasks", cond("project", "Contoso Microsoft 365 rollout"))),
    ("tasks for project Acme migration", search("Tasks", cond("project", "Acme migration"))),
    ("my tasks", search("Tasks", MINE, OPEN)),
    ("my time entries this week",
     search("TimeEntries", cond("resource", "me"), cond("dateWorked", "this week", "within"))),
    (f"time entries for {NUMBER}", search("TimeEntries", cond("ticket", NUMBER))),
    ("time entries for #18420", search("TimeEntries", cond("ticket", 18420))),
    ('time entries for task "Install switches"',
     search("TimeEntries", cond("task", "Install switches"))),
    ("time entries by me last week",
     search("TimeEntries", cond("resource", "me"), cond("dateWorked", "last week", "within"))),
    ("time entries by Priya Sharma yesterday",
     search("TimeEntries", cond("resource", "Priya Sharma"),
            cond("dateWorked", "yesterday", "within"))),
    ("time entries on 2026-11-20", search("TimeEntries", cond("dateWorked", "2026-11-20"))),
    ("configuration items for Contoso", search("ConfigurationItems", cond("company", "Contoso"))),
    ("devices for Northwind Traders",
     search("ConfigurationItems", cond("company", "Northwind Traders"))),
    # time
    (f"log 45m on {NUMBER} VPN troubleshooting",
     plan("create", "TimeEntries",
          {"ticket": NUMBER, "duration": "45m", "summaryNotes": "VPN troubleshooting"})),
    ("log 1.5h on 18420: rebuilt profile",
     plan("create", "TimeEntries",
          {"ticket": 18420, "duration": "1.5h", "summaryNotes": "rebuilt profile"})),
    ("log 1h 30m to #18420 replaced the switch",
     plan("create", "TimeEntries",
          {"ticket": 18420, "duration": "1h 30m", "summaryNotes": "replaced the switch"})),
    (f'log 90 minutes on {NUMBER} "VPN fix: part 2"',
     plan("create", "TimeEntries",
          {"ticket": NUMBER, "duration": "90 minutes", "summaryNotes": "VPN fix: part 2"})),
    ("log time 2 hours on ticket 18420 onsite visit",
     plan("create", "TimeEntries",
          {"ticket": 18420, "duration": "2 hours", "summaryNotes": "onsite visit"})),
    # new tickets
    ("new ticket for Northwind high: printer outage",
     plan("create", "Tickets", {"company": "Northwind", "title": "printer outage",
                                "priority": "High"})),
    ('new ticket for Contoso "VPN down" priority critical queue "Level II Support"',
     plan("create", "Tickets", {"company": "Contoso", "title": "VPN down", "priority": "Critical",
                                "queue": "Level II Support"})),
    ("create ticket for Contoso: VPN down\nNobody can connect since 9am.\nUrgent.",
     plan("create", "Tickets", {"company": "Contoso", "title": "VPN down",
                                "description": "Nobody can connect since 9am.\nUrgent."})),
    ('new ticket for Contoso "Laptop broken" description "screen cracked" type incident',
     plan("create", "Tickets", {"company": "Contoso", "title": "Laptop broken",
                                "description": "screen cracked", "type": "incident"})),
    ("new ticket for Northwind Traders queue Service Desk assigned to me: new starter",
     plan("create", "Tickets", {"company": "Northwind Traders", "title": "new starter",
                                "queue": "Service Desk", "assigned": "me"})),
    # notes
    (f"note on {NUMBER}: waiting for the vendor",
     plan("create", "TicketNotes", {"ticket": NUMBER, "description": "waiting for the vendor",
                                    "customer_visible": False})),
    ("add note to 18420: called back",
     plan("create", "TicketNotes", {"ticket": 18420, "description": "called back",
                                    "customer_visible": False})),
    ("add public note to 18420: fixed, please test",
     plan("create", "TicketNotes", {"ticket": 18420, "description": "fixed, please test",
                                    "customer_visible": True})),
    (f"add customer visible note to {NUMBER} all done",
     plan("create", "TicketNotes", {"ticket": NUMBER, "description": "all done",
                                    "customer_visible": True})),
    ("add internal note to #18420: checked logs",
     plan("create", "TicketNotes", {"ticket": 18420, "description": "checked logs",
                                    "customer_visible": False})),
    # status, priority, assignment
    (f"set status of {NUMBER} to Complete",
     update({"status": "Complete"}, ticket_number=NUMBER)),
    ("set priority of 18420 to high", update({"priority": "High"}, id=18420)),
    (f"{NUMBER} status in progress", update({"status": "in progress"}, ticket_number=NUMBER)),
    (f"set {NUMBER} priority to low", update({"priority": "Low"}, ticket_number=NUMBER)),
    ('set queue of 18420 to "Level II Support"', update({"queue": "Level II Support"}, id=18420)),
    ("ticket 18420 priority critical", update({"priority": "Critical"}, id=18420)),
    (f"close {NUMBER}", update({"status": "Complete"}, ticket_number=NUMBER)),
    ("complete 18420", update({"status": "Complete"}, id=18420)),
    ("please close #18420", update({"status": "Complete"}, id=18420)),
    ("mark 18420 as done", update({"status": "Complete"}, id=18420)),
    (f"assign {NUMBER} to me", update({"assigned": "me"}, ticket_number=NUMBER)),
    ("assign 18420 to Priya Sharma", update({"assigned": "Priya Sharma"}, id=18420)),
    (f"take {NUMBER}", update({"assigned": "me"}, ticket_number=NUMBER)),
    # about
    ("who am i", tool("who_am_i")),
    ("whoami", tool("who_am_i")),
    ("Who am I?", tool("who_am_i")),
    ("who is priya@example.com", tool("who_am_i", email="priya@example.com")),
    ("describe tickets", tool("describe", entity="Tickets")),
    ("describe tickets priority", tool("describe", entity="Tickets", field="priority")),
    ("describe time entries", tool("describe", entity="TimeEntries")),
    ("fields of contracts", tool("describe", entity="Contracts")),
    ("fields for configuration items", tool("describe", entity="ConfigurationItems")),
    ("entities", tool("list_entities")),
    ("list entities", tool("list_entities")),
    ("what can you see", tool("list_entities")),
    ("entities CRM", tool("list_entities", area="CRM")),
    # alerts
    ('alerts on queue "Service Desk" priority High',
     Command(intent="alerts_on", alert_filters={"queue": "Service Desk", "priority": "High"})),
    ("alerts on company Contoso type Incident status new",
     Command(intent="alerts_on",
             alert_filters={"company": "Contoso", "ticket_type": "Incident", "status": "new"})),
    ("alerts on critical queue Monitoring Alert",
     Command(intent="alerts_on", alert_filters={"priority": "Critical", "queue": "Monitoring Alert"})),
    ("alerts on", Command(intent="alerts_on", alert_filters={})),
    ("alerts off", Command(intent="alerts_off")),
    ("alerts", Command(intent="alerts_list")),
    ("alerts list", Command(intent="alerts_list")),
    ("show alerts", Command(intent="alerts_list")),
]  # fmt: skip


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[c[0][:60] for c in CASES])
def test_phrasing_becomes_the_expected_command(text: str, expected: Command) -> None:
    assert parse_command(text) == expected


def test_the_table_covers_enough_phrasings() -> None:
    assert len(CASES) >= 60
    assert len({text for text, _ in CASES}) == len(CASES)


def _validate(command: Command) -> None:
    for tool_call in command.calls:
        TOOLS[tool_call.name].args.model_validate(tool_call.arguments)


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[c[0][:60] for c in CASES])
def test_every_call_validates_against_its_tool(text: str, expected: Command) -> None:
    command = parse_command(text)
    assert bool(command.calls) == (expected.intent == "tools")
    _validate(command)


def _help_examples() -> list[str]:
    return [
        example
        for line in HELP.splitlines()
        if "Examples:" in line
        for example in re.findall(r"`([^`]+)`", line.split("Examples:", 1)[1])
    ]


def test_help_is_shown_for_help_and_question_mark() -> None:
    for text in ("help", "?", "HELP", " help tickets ", ""):
        command = parse_command(text)
        assert command.intent == "help" and command.text == HELP


@pytest.mark.parametrize(
    "form",
    [
        "ticket <number or id>", "with notes", "full", "details", "my tickets", "open tickets",
        "tickets for <company>", "company <name>", "priority <label>", "status <label>",
        "closed", "completed", "queue <name>", "assigned to <name or me>", "unassigned",
        "created, completed, due or updated <range>", "this quarter", "last N days",
        "next N days", "type <label>", "limit N", "top N", "newest", "oldest", "count tickets",
        "how many tickets", "export tickets", "export time entries", "companies [name]",
        "contacts at|for <company>", "contracts expiring in N days", "contracts ending",
        "contracts for <company>", "projects [for <company>]", "tasks for <project>",
        "time entries", "configuration items for <company>", "devices for <company>",
        "log <duration> on <ticket>", "new ticket for <company>", "note on <ticket>",
        "add [public] note to <ticket>", "set status|priority", "close <ticket>",
        "complete <ticket>", "assign <ticket> to <me or name>", "take <ticket>", "who am i",
        "describe <entity>", "fields of <entity>", "entities", "what can you see", "alerts on",
        "alerts off", "alerts list", "`help` or `?`",
    ],
)  # fmt: skip
def test_help_mentions_every_form(form: str) -> None:
    assert form in HELP


def test_every_help_example_is_understood_and_valid() -> None:
    examples = _help_examples()
    assert len(examples) >= 60
    for example in examples:
        command = parse_command(example)
        assert command.intent not in {"unknown", "help"}, example
        _validate(command)


def test_the_package_exports_a_curated_api() -> None:
    exported = bot.commands.__all__
    assert sorted(exported) == sorted({"Command", "HELP", "Intent", "MAX_CHARS", "parse_command"})
    assert all(hasattr(bot.commands, name) for name in exported)


@pytest.mark.parametrize(
    ("text", "suggested"),
    [
        ("tikets for contoso", "`tickets for Contoso`"),
        ("my tikets", "`my tickets`"),
        ("contracs expiring in 30 days", "`contracts expiring in 30 days`"),
        ("who am me", "`who am i`"),
    ],
)
def test_unknown_input_suggests_the_closest_examples(text: str, suggested: str) -> None:
    command = parse_command(text)
    assert command.intent == "unknown" and not command.calls
    assert command.text is not None
    assert command.text.startswith("Sorry, I did not understand that.")
    assert suggested in command.text
    assert "`help`" in command.text


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        (f"log 45m on {NUMBER}", "Add what you did"),
        (f"log on {NUMBER} VPN", "Say how long"),
        ("log 45m VPN fix", "Say which ticket"),
        ("new ticket for Contoso", "Give the ticket a title"),
        ("new ticket: printer outage", "Say which company"),
        ("add note to 18420", "Add the note's text"),
        ("time entries for project Acme migration", "only to a ticket or a project task"),
        ("time entries for Contoso", "only to a ticket or a project task"),
        ("alerts on banana", "I could not read 'banana'"),
        ("set status of 18420 to", "Say the new status"),
    ],
)
def test_an_incomplete_form_explains_what_is_missing(text: str, hint: str) -> None:
    command = parse_command(text)
    assert command.intent == "unknown" and not command.calls
    assert command.text is not None and hint in command.text
    assert "- `" in command.text, "still suggests examples"


@pytest.mark.parametrize(
    "text",
    [
        "hello world? no: tickets for", "tickets created", "tickets for", "#18420 foo", "18420",
        "what time is it", "Contoso", "ticket", "log", "assign", "describe", "set", "alerts maybe",
    ],
)  # fmt: skip
def test_near_misses_are_unknown_not_guesses(text: str) -> None:
    command = parse_command(text)
    assert command.intent in {"unknown", "help"} and not command.calls


def _junk() -> list[str]:
    rng = random.Random(20261125)
    binary = bytes(rng.randrange(256) for _ in range(4_000))
    return [
        "",
        "   \n\t  ",
        "a " * 50_000,
        "tickets for " * 9_000,
        "x" * MAX_CHARS,
        ("tickets for Contoso " + "high " * 2_000)[:MAX_CHARS],
        "log 45m on 18420 " + "word " * 1_900,
        '"' * 5_000,
        '"unterminated quote for Contoso',
        binary.decode("utf-8", errors="replace"),
        binary.decode("latin-1"),
        "\x00\x01\x02 tickets \x7f",
        "🎉🔥💻",
        "🎫 " * 3_000,
        "我的工单在哪里",
        "Zeige mir alle offenen Tickets für Contoso von letzter Woche",
        "Öffne bitte ein neues Ticket: Drucker kaputt",
        "# # # ## #",
        "T" + "0" * 9_000,
        "log " + "1" * 9_000,
        "tickets created last " + "9" * 5_000 + " days",
        "alerts on " + "queue " * 1_500,
    ]


@pytest.mark.parametrize("text", _junk(), ids=lambda t: repr(t[:24]))
def test_junk_never_raises_and_is_answered(text: str) -> None:
    command = parse_command(text)
    assert command.intent in {"unknown", "help", "tools", "alerts_on"}
    if command.intent in {"unknown", "help"}:
        assert command.text and not command.calls
    _validate(command)


def test_too_long_a_message_is_refused_with_a_reason() -> None:
    command = parse_command("tickets " + "x" * MAX_CHARS)
    assert command.intent == "unknown"
    assert command.text is not None and "too long" in command.text


def test_random_word_salad_never_raises_and_calls_stay_valid() -> None:
    vocabulary = sorted(
        {word for example in _help_examples() for word in example.split()}
        | {"for", "to", "on", "in", "the", "last", "next", "7", "days", ":", '"', "#1", "me"}
    )
    rng = random.Random(7)
    for _ in range(1_500):
        text = " ".join(rng.choice(vocabulary) for _ in range(rng.randrange(1, 12)))
        command = parse_command(text)
        assert command.intent in {"tools", "help", "unknown", "alerts_on", "alerts_off",
                                  "alerts_list"}  # fmt: skip
        _validate(command)


# --- end to end: the grammar's calls against the sandbox ------------------------------------


def _ticket(box: Sandbox, ctx: ToolContext, *, mine: bool) -> Record:
    assert ctx.actor is not None
    return next(
        t
        for t in box.records("Tickets")
        if t["status"] != 5  # not Complete (the test closes it)
        and t["priority"] != 4  # not Critical (the test raises it to that)
        and (t["assignedResourceID"] == ctx.actor.resource_id) == mine
        and t.get("assignedResourceID")
    )


async def _run(text: str, ctx: ToolContext) -> list[str]:
    """Problems running ``text``'s calls: empty when every call succeeded."""
    command = parse_command(text)
    if command.intent != "tools":
        return [f"{text!r} was not understood: {command.text}"]
    problems = []
    for tool_call in command.calls:
        try:
            await call(tool_call.name, tool_call.arguments, ctx)
        except ToolError as exc:
            problems.append(f"{text!r}: {exc}")
    return problems


async def test_read_commands_run_against_the_sandbox(ctx: ToolContext, sandbox: Sandbox) -> None:
    number = _ticket(sandbox, ctx, mine=True)["ticketNumber"]
    phrasings = [
        "my tickets high",
        f"ticket {number} with notes",
        "open high priority tickets for Contoso created last week",
        'tickets queue "Level II Support" unassigned',
        "tickets assigned to Priya Sharma status in progress",
        "tickets type incident updated today newest limit 10",
        "overdue tickets",
        "how many tickets for Northwind Traders closed in the last 30 days",
        "export tickets for Contoso closed last month",
        "company Contoso",
        "contacts at Contoso",
        "contracts expiring in 60 days",
        'tasks for "Contoso Microsoft 365 rollout"',
        "my time entries this week",
        f"export time entries for {number} last month",
        "devices for Contoso",
        "who am i",
        "describe tickets priority",
        "entities",
    ]
    problems = [problem for text in phrasings for problem in await _run(text, ctx)]
    assert problems == []


async def test_change_commands_plan_against_the_sandbox(ctx: ToolContext, sandbox: Sandbox) -> None:
    mine = _ticket(sandbox, ctx, mine=True)
    other = _ticket(sandbox, ctx, mine=False)
    phrasings = [
        f"log 45m on {mine['ticketNumber']} VPN troubleshooting",
        f"log 1h 30m to #{mine['id']} replaced the switch",
        f"add public note to {mine['id']}: fixed, please test",
        f"note on {mine['ticketNumber']}: waiting for the vendor",
        f"set priority of {mine['ticketNumber']} to critical",
        f"close {mine['ticketNumber']}",
        f"take {other['ticketNumber']}",
        f"assign {mine['ticketNumber']} to Priya Sharma",
        'new ticket for Contoso "VPN down" priority critical queue "Level II Support"',
        "new ticket for Northwind Traders high: printer outage",
    ]
    before = len(sandbox.records("Tickets"))
    problems = [problem for text in phrasings for problem in await _run(text, ctx)]
    assert problems == []
    assert len(sandbox.records("Tickets")) == before, "planning writes nothing"


async def test_an_impossible_request_is_reported_by_the_tool(ctx: ToolContext) -> None:
    problems = await _run("tickets queue Nonexistent Queue", ctx)
    assert len(problems) == 1 and "Nonexistent Queue" in problems[0]
