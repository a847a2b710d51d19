"""Command mode: each documented phrasing → the exact tool calls, HELP, suggestions, robustness,
and the calls run against the sandbox."""

from __future__ import annotations

import random
import re
from typing import Any

import pytest
from corpus import CORPUS

import bot.commands
from autotask.sandbox import Sandbox
from autotask.tools import TOOLS, ToolContext, ToolError, call
from bot.calls import ToolCall
from bot.commands import HELP, MAX_CHARS, Command, parse_command, pick_choice

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


def test_the_corpus_holds_the_documented_phrasings() -> None:
    """The exact calls of each phrasing live in the corpus (corpus.py, test_corpus.py)."""
    texts = {text for text, _ in CORPUS}
    assert {f"ticket {NUMBER}", "my tickets", "log 1.5h on 18420: rebuilt profile"} <= texts


def _validate(command: Command) -> None:
    for tool_call in command.calls:
        TOOLS[tool_call.name].args.model_validate(tool_call.arguments)


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
        "complete <ticket>", "assign <ticket> to <me, name or @mention>", "take <ticket>", "who am i",
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
    assert sorted(exported) == sorted(
        {"Choice", "Command", "HELP", "Intent", "MAX_CHARS", "Reading", "parse_command",
         "pick_choice"}
    )  # fmt: skip
    assert all(hasattr(bot.commands, name) for name in exported)


@pytest.mark.parametrize(
    ("text", "suggested"),
    [
        ("tikets blah blah", "`my tickets`"),
        ("contract renewal paperwork thing", "`contracts expiring in 60 days`"),
        ("who am me", "`who am i`"),
        ("ring the person about their phone", "`phone number for David Dias`"),
        ("whats the serial", "`devices for Contoso`"),
        ("bill my hours somewhere", "`log 45m on T20241122.0004 VPN troubleshooting`"),
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
        ("log 45m", "Say which ticket"),
        ("new ticket for Contoso", "Give the ticket a title"),
        ("new ticket: printer outage", "Say which company"),
        ("add note to 18420", "Add the note's text"),
        ("time entries for", "only to a ticket or a project task"),
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
        ("@autotask: whats open für Контосо 🎫\x07 tix\u200b " * 80)[:4_000],
        ("how many tickets did the service desk close last week? 😀 " * 70)[:4_000],
        ("<@U0PRIYA> <at>Priya</at> assign 18420 to " * 100)[:4_000],
        "close 18420 \x1b[31m fixed \u202e reversed",
        "who is " + "Ω" * 3_990,
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
                                  "alerts_list", "timer_start", "timer_stop", "timer_status",
                                  "timer_cancel", "my_work", "ask", "channel_link",
                                  "channel_unlink", "channel_show"}  # fmt: skip
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


@pytest.mark.parametrize(
    ("text", "picked"),
    [
        ("2", 1), ("#2", 1), ("the second one", 1), ("2nd", 1), ("first", 0), ("last", 2),
        ("Proseware", 1), ("litware please", 0), ("the third", 2),
        ("4", None), ("0", None), ("my tickets", None), ("ware", None), ("", None),
    ],
)  # fmt: skip
def test_an_answer_picks_one_choice_or_none(text: str, picked: int | None) -> None:
    assert pick_choice(text, ["Litware", "Proseware", "Fabrikam"]) == picked


def test_time_without_its_ticket_asks_which_ticket() -> None:
    command = parse_command("log 45m VPN fix")
    assert command.intent == "ask" and command.reading == "ambiguous"
    assert command.text == "Which ticket is the 45m for?" and command.calls == ()
    assert command.needs_ticket is not None
    assert command.needs_ticket.arguments["fields"] == {
        "ticket": None,
        "duration": "45m",
        "summaryNotes": "VPN fix",
    }


def test_by_names_an_order_only_before_an_order_word() -> None:
    ordered = parse_command("tickets for Contoso by due date")
    named = parse_command("tickets for Made by Hand")
    assert ordered == search("Tickets", cond("company", "Contoso"), cond("open", True), sort="due")
    assert named == search(
        "Tickets", cond("company", "Made by Hand"), cond("open", True), sort="-createDate"
    )


@pytest.mark.parametrize(
    ("text", "intent", "company"),
    [
        ("link this channel to Contoso", "channel_link", "Contoso"),
        ('link channel with "Northwind Traders"', "channel_link", "Northwind Traders"),
        ("This channel is for Contoso!", "channel_link", "Contoso"),
        ("this chat belongs to Litware Inc.", "channel_link", "Litware Inc"),
        ("set channel company to Fabrikam", "channel_link", "Fabrikam"),
        ("this channel's for fabrikam", "channel_link", "fabrikam"),
        ("set this channel to Contoso", "channel_link", "Contoso"),
        ("unlink channel", "channel_unlink", None),
        ("unlink this channel from Contoso", "channel_unlink", None),
        ("which company is this channel?", "channel_show", None),
        ("what company is this channel linked to", "channel_show", None),
        ("this channel's company", "channel_show", None),
    ],
)
def test_the_channels_company(text: str, intent: str, company: str | None) -> None:
    command = parse_command(text)
    assert (command.intent, command.company) == (intent, company)


@pytest.mark.parametrize(
    "text",
    ["link this channel to", "tickets for this channel", "this channel is noisy",
     "this channel's tickets"],
)  # fmt: skip
def test_channel_words_that_are_no_link(text: str) -> None:
    command = parse_command(text)
    assert command.intent != "channel_link" and command.company is None


def test_a_new_ticket_without_a_company_keeps_what_it_would_be() -> None:
    command = parse_command("new ticket high: printer offline")
    assert command.intent == "unknown" and "Say which company" in (command.text or "")
    assert command.needs_company == ToolCall("plan_change", {
        "action": "create", "entity": "Tickets",
        "fields": {"title": "Printer offline", "priority": "High"},
    })  # fmt: skip


@pytest.mark.parametrize(
    "text",
    ["notify me of customer replies", "tell me when customers reply on my tickets",
     "let me know when a client responds on my tickets", "notify me about customer notes"],
)  # fmt: skip
def test_customer_note_notifications_as_technicians_ask(text: str) -> None:
    command = parse_command(text)
    assert command.intent == "alerts_on"
    assert command.alert_filters == {"assigned": "me", "notify": "customer_note"}


def test_customer_notes_of_one_ticket_are_a_question_not_a_subscription() -> None:
    assert parse_command("tell me the customer notes on T20261125.0042").intent != "alerts_on"
