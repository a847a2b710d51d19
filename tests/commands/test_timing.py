"""Command mode for time: when work started ("yesterday 14:00", "at 9:15") and the timer commands."""

from __future__ import annotations

from typing import Any

import pytest

from autotask.tools import TOOLS
from bot.commands import parse_command
from bot.commands._command import TimerRequest

NUMBER = "T20241122.0004"


def _fields(text: str) -> dict[str, Any]:
    command = parse_command(text)
    assert command.intent == "tools", command.text
    (call,) = command.calls
    TOOLS[call.name].args.model_validate(call.arguments)
    assert call.arguments["entity"] == "TimeEntries"
    fields: dict[str, Any] = call.arguments["fields"]
    return fields


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"log 1h yesterday 14:00 on {NUMBER} onsite visit",
         {"ticket": NUMBER, "duration": "1h", "start": "yesterday 14:00",
          "summaryNotes": "onsite visit"}),
        (f"log 30m on {NUMBER} at 9:15 called the customer",
         {"ticket": NUMBER, "duration": "30m", "start": "9:15",
          "summaryNotes": "called the customer"}),
        ("log 1h 30m yesterday at 2pm on #18420: replaced the switch",
         {"ticket": 18420, "duration": "1h 30m", "start": "yesterday 2pm",
          "summaryNotes": "replaced the switch"}),
        ("log 1h monday at 8:30 am on 18420 onsite",
         {"ticket": 18420, "duration": "1h", "start": "monday 8:30 am", "summaryNotes": "onsite"}),
        ("log 2h on 2026-11-20 16:45 on 18420 migration",
         {"ticket": 18420, "duration": "2h", "start": "2026-11-20 16:45",
          "summaryNotes": "migration"}),
        ("log 45m on 18420 yesterday fixed the printer",
         {"ticket": 18420, "duration": "45m", "date": "yesterday",
          "summaryNotes": "fixed the printer"}),
        # words that only look like a time stay in the summary
        ("log 1h on 18420 at the office", {"ticket": 18420, "duration": "1h",
                                           "summaryNotes": "at the office"}),
        ("log 1h on 18420 10 users migrated", {"ticket": 18420, "duration": "1h",
                                               "summaryNotes": "10 users migrated"}),
    ],
)  # fmt: skip
def test_time_in_the_past(text: str, expected: dict[str, Any]) -> None:
    assert _fields(text) == expected


def test_a_weekday_without_a_time_asks_for_the_time() -> None:
    command = parse_command("log 2h monday on 18420 onsite")
    assert command.intent == "unknown"
    assert command.text is not None and "Say the time too" in command.text


@pytest.mark.parametrize(
    ("text", "intent", "wanted"),
    [
        (f"start timer on {NUMBER} VPN troubleshooting", "timer_start",
         TimerRequest(ticket=NUMBER, summary="VPN troubleshooting")),
        ("start a timer for #18420", "timer_start", TimerRequest(ticket=18420)),
        ("Timer start 18420", "timer_start", TimerRequest(ticket=18420)),
        ("please start the timer on ticket 18420", "timer_start", TimerRequest(ticket=18420)),
        ("stop timer replaced the switch", "timer_stop",
         TimerRequest(summary="replaced the switch")),
        ("stop the timer: rebuilt the profile", "timer_stop",
         TimerRequest(summary="rebuilt the profile")),
        ("stop timer", "timer_stop", TimerRequest()),
        ("timer stop", "timer_stop", TimerRequest()),
        ("timer", "timer_status", None),
        ("my timer", "timer_status", None),
        ("show my timer", "timer_status", None),
        ("cancel timer", "timer_cancel", None),
        ("discard the timer", "timer_cancel", None),
    ],
)  # fmt: skip
def test_timer_commands(text: str, intent: str, wanted: TimerRequest | None) -> None:
    command = parse_command(text)
    assert (command.intent, command.timer) == (intent, wanted)
    assert command.calls == ()


def test_a_timer_needs_a_ticket_and_start_alone_is_still_help() -> None:
    missing = parse_command("start timer")
    assert missing.intent == "unknown"
    assert missing.text is not None and "Say which ticket the timer is for" in missing.text
    assert parse_command("start").intent == "help"
    assert parse_command("timer on fire please").intent == "unknown"
