"""App Home "My work": a signed app_home_opened event publishes the technician's open tickets (most
urgent first), due today, time logged today and the timer; its buttons start and cancel a timer."""

from __future__ import annotations

from typing import Any

from slack_harness import GUEST, TECH, SlackHarness
from slack_sdk.models.views import View

from autotask.sandbox import Sandbox


async def _published(slack: SlackHarness, user: str, count: int) -> dict[str, Any]:
    """The ``count``-th Home view published (each open and each button publishes one)."""
    published = await slack.fake.wait_for("views.publish", count)
    await slack.settle()
    call = published[-1]
    assert call.args["user_id"] == user
    view: dict[str, Any] = call.args["view"]
    assert View(**view).to_dict() == view, "the view round-trips through slack_sdk.models"
    return view


async def _open_home(slack: SlackHarness, user: str = TECH) -> dict[str, Any]:
    event = {"type": "app_home_opened", "user": user, "channel": f"D{user}", "tab": "home",
             "event_ts": "1700001000.000001"}  # fmt: skip
    assert await slack.event(event) == 200
    return await _published(slack, user, 1)


def _texts(view: dict[str, Any]) -> list[str]:
    return [b["text"]["text"] for b in view["blocks"] if "text" in b]


def _my_open_tickets(box: Sandbox, email: str) -> list[dict[str, Any]]:
    me = next(r["id"] for r in box.records("Resources") if r["email"] == email)
    return [t for t in box.records("Tickets") if t["assignedResourceID"] == me and t["status"] != 5]


async def test_home_shows_my_open_tickets_most_urgent_first(
    slack: SlackHarness, sandbox: Sandbox
) -> None:
    email = slack.fake.users[TECH]["profile"]["email"]
    mine = _my_open_tickets(sandbox, email)
    view = await _open_home(slack)
    texts = _texts(view)
    assert texts[0].startswith("My work") and f"Open tickets ({len(mine)})" in texts
    shown = [t for t in texts if any(str(m["ticketNumber"]) in t for m in mine)]
    assert len(shown) == min(len(mine), 15)
    ranks = {v["value"]: v["sortOrder"]
             for v in sandbox.metadata.get("Tickets").picklist("priority")}  # fmt: skip
    by_number = {str(m["ticketNumber"]): ranks[str(m["priority"])] for m in mine}
    order = [next(by_number[n] for n in by_number if n in t) for t in shown]
    assert order == sorted(order), "most urgent (lowest sortOrder) first"
    assert any(t.startswith("Logged today: ") for t in texts)
    assert any(t.startswith("Due today (") for t in texts)


async def test_start_and_cancel_a_timer_from_home(slack: SlackHarness, sandbox: Sandbox) -> None:
    view = await _open_home(slack)
    button = next(b["accessory"] for b in view["blocks"] if "accessory" in b)
    assert button["text"]["text"] == "Start timer"
    await slack.click(button["action_id"], button["value"], channel=f"D{TECH}",
                      message_ts="1700001000.000002")  # fmt: skip
    view = await _published(slack, TECH, 2)
    text = _texts(view)[1]
    assert "Timer on" in text and "Cancel timer" == view["blocks"][1]["accessory"]["text"]["text"]
    cancel = view["blocks"][1]["accessory"]
    await slack.click(cancel["action_id"], None, channel=f"D{TECH}",
                      message_ts="1700001000.000003")  # fmt: skip
    view = await _published(slack, TECH, 3)
    assert not any("Timer on" in t for t in _texts(view))


async def test_a_stranger_sees_why_not_a_stack_trace(slack: SlackHarness) -> None:
    view = await _open_home(slack, user=GUEST)
    assert len(view["blocks"]) == 2 and "Autotask" in _texts(view)[1]
