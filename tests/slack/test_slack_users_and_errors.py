"""Who is asking (users.info, cached) and what a user sees when something fails."""

from __future__ import annotations

import asyncio
import json
import logging

import pytest
from fake_slack import BOT_TOKEN, FakeSlack
from slack_bolt.async_app import AsyncBoltContext
from slack_harness import TECH, SlackHarness
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import UserDirectory


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_users_are_looked_up_once_per_ttl_and_concurrently_once(fake: FakeSlack) -> None:
    clock = Clock()
    users = UserDirectory(
        AsyncWebClient(token=BOT_TOKEN, base_url=fake.api_url), ttl=60, clock=clock
    )
    people = await asyncio.gather(*(users.person(TECH) for _ in range(10)))
    assert {p.email for p in people} == {fake.users[TECH]["profile"]["email"]}
    assert people[0].name == "Tech One"
    await users.person(TECH)
    assert len(fake.called("users.info")) == 1
    clock.now += 61
    await users.person(TECH)
    assert len(fake.called("users.info")) == 2


async def test_a_failed_lookup_has_no_email_and_is_retried_later(fake: FakeSlack) -> None:
    clock = Clock()
    fake.failures["users.info"] = "missing_scope"
    users = UserDirectory(
        AsyncWebClient(token=BOT_TOKEN, base_url=fake.api_url), retry_after=30, clock=clock
    )
    assert (await users.person(TECH)).email is None
    assert (await users.person(TECH)).email is None
    assert len(fake.called("users.info")) == 1
    del fake.failures["users.info"]
    clock.now += 31
    assert (await users.person(TECH)).email is not None


async def test_a_failing_answer_says_so_with_a_reference_and_no_internals(
    slack: SlackHarness, caplog: pytest.LogCaptureFixture
) -> None:
    slack.fake.failures["chat.update"] = "internal_error"
    await slack.dm("my tickets")
    posts = await slack.fake.wait_for("chat.postMessage", 2)
    await slack.settle()
    sent = json.dumps(posts[-1].args)
    assert "Sorry, something went wrong" in sent and "internal_error" not in sent
    reference = sent.split("reference ")[1][:8]
    logged = [
        r for r in caplog.records if r.levelno == logging.ERROR and reference in r.getMessage()
    ]
    assert logged and logged[0].exc_info is not None, "the log has the reference and the traceback"


async def test_the_catch_all_handler_never_shows_the_exception_text(
    slack: SlackHarness, caplog: pytest.LogCaptureFixture
) -> None:
    body = {"type": "block_actions", "user": {"id": TECH}, "channel": {"id": "C0OPS"}}
    context = AsyncBoltContext(authorize_result=await slack.part.bot.identity())
    error = RuntimeError("connection string with password=hunter2")
    await slack.part.bot.on_error(error, body, context)
    (whisper,) = slack.fake.called("chat.postEphemeral")
    assert whisper.args["user"] == TECH and whisper.args["channel"] == "C0OPS"
    assert "hunter2" not in json.dumps(whisper.args) and "reference" in whisper.args["text"]
    assert any("reference" in r.getMessage() for r in caplog.records if r.levelno == logging.ERROR)


async def test_the_profile_time_zone_comes_along(fake: FakeSlack) -> None:
    fake.users[TECH] = {**fake.users[TECH], "tz": "Pacific/Auckland"}
    users = UserDirectory(AsyncWebClient(token=BOT_TOKEN, base_url=fake.api_url))
    assert (await users.person(TECH)).tz == "Pacific/Auckland"
