"""What counts as a claimed change, a data question, and a grounded reference."""

from __future__ import annotations

import pytest

from bot.honesty import claims_change, is_data_question, plan_references, ungrounded


@pytest.mark.parametrize(
    ("text", "claims"),
    [
        ("The ticket T20261201.0008 has been set to Complete.", True),
        ("I've logged 45 minutes on it.", True),
        ("I have created the ticket.", True),
        ("The ticket was set to Complete.", True),
        ("The ticket is now closed.", True),
        ("Done, as the ticket instructed.", True),
        ("17 critical tickets were created this quarter.", False),
        ("16 tickets have been opened this month.", False),
        ("42 tickets were closed last week.", False),
        ("I see 12 tickets created today.", False),
        ("I have prepared the change; it is ready for your confirmation.", False),
        ("I can update it if you want.", False),
        ("Completed this month: 40.", False),
    ],
)
def test_claims_of_a_change(text: str, claims: bool) -> None:
    assert claims_change(text) is claims


def test_data_questions() -> None:
    assert is_data_question("how many open tickets?") and is_data_question("show T20261201.0008")
    assert not is_data_question("thanks a lot") and not is_data_question("hello")


def test_references_must_come_from_what_was_said_or_read() -> None:
    refs = plan_references(
        {"ticket": "T20261201.0008", "id": 7001, "fields": {"ticketID": "7002", "hours": 2}}
    )
    assert refs == {"T20261201.0008", "7001", "7002"}
    assert ungrounded(refs, ["log time on t20261201.0008", '{"id":7001}']) == ["7002"]
    assert ungrounded({"7001"}, ["ticket 70012"]) == ["7001"], "not part of another number"
