"""Requests that fail verification or do not have Slack's shapes: 401 or 400, no call to Slack,
no traceback in the log, and nothing said to the channel or user the unverified body names."""

from __future__ import annotations

import json
import logging
import time
from urllib.parse import urlencode

import pytest
from slack_harness import TECH, SlackHarness, sign

_EVENT = {
    "type": "event_callback",
    "event_id": "Ev1",
    "team_id": "T0001",
    "event": {
        "type": "message",
        "channel": "D1",
        "channel_type": "im",
        "user": TECH,
        "text": "my tickets",
        "ts": "1.1",
    },
}


def _no_trace(caplog: pytest.LogCaptureFixture) -> None:
    traced = [r.getMessage() for r in caplog.records if r.exc_info is not None]
    assert traced == [], "no traceback for a request that is refused"
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def _nothing_sent(slack: SlackHarness) -> None:
    await slack.settle()
    assert [c.method for c in slack.fake.calls] == ["auth.test"], "only the start-up check"
    assert slack.fake.hooks == []


@pytest.mark.parametrize(
    "headers",
    [
        {"X-Slack-Request-Timestamp": "not-a-number", "X-Slack-Signature": "v0=" + "0" * 64},
        {"X-Slack-Request-Timestamp": "1e9", "X-Slack-Signature": "v0=abc"},
        {"X-Slack-Request-Timestamp": "", "X-Slack-Signature": ""},
        {"X-Slack-Request-Timestamp": "99999999999999999999999", "X-Slack-Signature": "v0=1"},
        {"X-Slack-Signature": "v0=" + "0" * 64},
    ],
)
async def test_unverifiable_requests_get_401_and_nobody_is_told(
    slack: SlackHarness, caplog: pytest.LogCaptureFixture, headers: dict[str, str]
) -> None:
    for body, kind in [
        (json.dumps(_EVENT), "application/json"),
        (
            urlencode(
                {
                    "channel_id": "C0OPS",
                    "user_id": TECH,
                    "command": "/autotask",
                    "text": "my tickets",
                }
            ),
            "application/x-www-form-urlencoded",
        ),
    ]:
        status, text = await slack.send(body, kind, headers=headers, signed=False)
        assert status == 401 and "Traceback" not in text
    await _nothing_sent(slack)
    _no_trace(caplog)


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        ("{not json", "application/json"),
        ("[1, 2]", "application/json"),
        ('"text"', "application/json"),
        (json.dumps({**_EVENT, "event": "a string"}), "application/json"),
        (json.dumps({**_EVENT, "event": {**_EVENT["event"], "channel": 5}}), "application/json"),
        (json.dumps({**_EVENT, "event": {**_EVENT["event"], "ts": ["1"]}}), "application/json"),
        (
            json.dumps({**_EVENT, "event": {**_EVENT["event"], "user": {"id": TECH}}}),
            "application/json",
        ),
        (urlencode({"payload": "{broken"}), "application/x-www-form-urlencoded"),
        (
            urlencode({"payload": json.dumps({"type": "block_actions", "user": "U1"})}),
            "application/x-www-form-urlencoded",
        ),
        (
            urlencode(
                {
                    "payload": json.dumps(
                        {"type": "block_actions", "user": {"id": TECH}, "actions": "approve"}
                    )
                }
            ),
            "application/x-www-form-urlencoded",
        ),
        (
            urlencode({"command": "/autotask", "text": "my tickets"}),
            "application/x-www-form-urlencoded",
        ),
        ("\xff\xfe", "text/plain"),
    ],
)
async def test_signed_but_malformed_bodies_get_400_without_a_traceback(
    slack: SlackHarness, caplog: pytest.LogCaptureFixture, body: str, kind: str
) -> None:
    status, text = await slack.send(body, kind)
    assert status == 400 and "Traceback" not in text
    await _nothing_sent(slack)
    _no_trace(caplog)


async def test_a_body_signed_with_another_secret_is_refused(slack: SlackHarness) -> None:
    body = json.dumps(_EVENT)
    now = int(time.time())
    headers = {
        "X-Slack-Request-Timestamp": str(now),
        "X-Slack-Signature": sign(body, now, secret="another-apps-secret"),
    }
    status, _ = await slack.send(body, "application/json", headers=headers, signed=False)
    assert status == 401
    await _nothing_sent(slack)


async def test_a_failure_before_verification_tells_nobody(slack: SlackHarness) -> None:
    """bolt's error handler gets the raw body; without a verified request it says nothing."""
    body = {"type": "block_actions", "user": {"id": TECH}, "channel": {"id": "C0OPS"}}
    await slack.part.bot.on_error(RuntimeError("boom"), body, None)
    await _nothing_sent(slack)
