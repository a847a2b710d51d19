"""Exports: uploaded into the thread with files_upload_v2, or a signed link where no upload fits."""

from __future__ import annotations

import json
import re

from slack_harness import SlackHarness

QUESTION = "export tickets for Contoso"


async def test_an_export_is_uploaded_into_the_thread(slack: SlackHarness) -> None:
    event = await slack.mention(QUESTION)
    (complete,) = await slack.fake.wait_for("files.completeUploadExternal")
    await slack.settle()
    (start,) = slack.fake.called("files.getUploadURLExternal")
    assert start.args["filename"].endswith(".xlsx") and int(start.args["length"]) > 0
    (content,) = slack.fake.uploads.values()
    assert len(content) == int(start.args["length"]) and content[:2] == b"PK", "an XLSX (zip)"
    assert complete.args["channel_id"] == "C0OPS" and complete.args["thread_ts"] == event["ts"]
    assert complete.args["files"][0]["title"] == start.args["filename"]
    (update,) = slack.fake.called("chat.update")
    assert "Exported" in json.dumps(update.args["blocks"])


async def test_a_failed_upload_becomes_a_download_link(slack: SlackHarness) -> None:
    slack.fake.failures["files.getUploadURLExternal"] = "not_allowed_token_type"
    event = await slack.mention(QUESTION)
    posts = await slack.fake.wait_for("chat.postMessage", 2)
    await slack.settle()
    note = posts[-1].args
    assert note["thread_ts"] == event["ts"] and "/downloads/" in note["text"]
    url = re.search(r"<(http[^|>]+)\|", note["text"])
    assert url is not None
    async with slack.http.get(url.group(1)) as response:
        assert response.status == 200 and (await response.read()).splitlines()[0]


async def test_an_ephemeral_answer_links_the_export_instead_of_uploading_it(
    slack: SlackHarness,
) -> None:
    await slack.command(QUESTION)
    (hook,) = await slack.fake.wait_for_hooks()
    await slack.settle()
    assert slack.fake.called("files.getUploadURLExternal") == [], "nothing shared with the channel"
    assert hook.body["response_type"] == "ephemeral"
    assert "/downloads/" in json.dumps(hook.body["blocks"])


async def test_without_a_public_url_no_link_points_at_this_machine(slack: SlackHarness) -> None:
    """Socket Mode needs no public URL; a link to 127.0.0.1 would lead the reader nowhere."""
    downloads = slack.part.bot.surface.downloads
    assert downloads is not None
    downloads.public = False
    await slack.command(QUESTION)
    (hook,) = await slack.fake.wait_for_hooks()
    await slack.settle()
    shown = json.dumps(hook.body)
    assert "127.0.0.1" not in shown and "/downloads/" not in shown
    assert "no public address" in shown and "direct message" in shown
