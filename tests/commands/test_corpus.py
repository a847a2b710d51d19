"""The phrasing corpus: every phrasing becomes its expected calls, and the calls run against the
sandbox; the six example questions, the README's examples and the web chat's chips verbatim."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from corpus import CORPUS, MENTIONS, VERBATIM
from corpus_run import as_expected, score

from autotask.sandbox import Sandbox
from autotask.tools import TOOLS, ToolContext
from bot.commands import HELP, parse_command

ROOT = Path(__file__).resolve().parents[2]
GOAL = 0.95


def test_the_corpus_is_large_and_has_no_repeats() -> None:
    texts = [text for text, _ in CORPUS]
    assert len(texts) >= 250
    assert len(set(texts)) == len(texts)


def test_every_verbatim_example_is_in_the_corpus() -> None:
    texts = {text for text, _ in CORPUS}
    assert set(VERBATIM) <= texts


def test_every_help_example_is_in_the_corpus() -> None:
    examples = [
        example
        for line in HELP.splitlines()
        if "Examples:" in line
        for example in re.findall(r"`([^`]+)`", line.split("Examples:", 1)[1])
    ]
    assert set(examples) <= {text for text, _ in CORPUS}


def test_the_web_chat_chips_are_verbatim_examples() -> None:
    script = (ROOT / "adapters" / "webchat" / "static" / "app.js").read_text()
    block = script.split("const SUGGESTIONS = [", 1)[1].split("];", 1)[0]
    chips = re.findall(r'"([^"]+)"', block)
    assert chips and set(chips) <= set(VERBATIM)


def test_the_readme_demo_examples_are_verbatim_examples() -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Trying it", 1)[1].split("## ", 1)[0]
    bullets = [line for line in section.splitlines() if line.startswith("- `")]
    examples = [e for line in bullets for e in re.findall(r"`([^`]+)`", line)]
    assert examples
    for example in examples:
        filled = example.replace("<one of your ticket numbers>", "T20241122.0004").replace(
            "<number>", "T20241122.0004"
        )
        assert filled in VERBATIM, example


@pytest.mark.parametrize(("text", "expected"), CORPUS, ids=[t[:60] for t, _ in CORPUS])
def test_phrasing_becomes_its_calls(text: str, expected: object) -> None:
    command = parse_command(text, mentions=MENTIONS)
    assert as_expected(command) == expected
    assert command.reading == ("ambiguous" if command.intent == "ask" else "complete")
    for tool_call in [*command.calls, *(c for ch in command.choices for c in ch.calls)]:
        TOOLS[tool_call.name].args.model_validate(tool_call.arguments)


async def test_the_corpus_is_answered_right_against_the_sandbox(
    ctx: ToolContext, sandbox: Sandbox
) -> None:
    before = len(sandbox.records("Tickets")), len(sandbox.records("TimeEntries"))
    result = await score(ctx, sandbox)
    assert result.verbatim_right == result.verbatim_total == len(VERBATIM), result.misses
    assert result.share >= GOAL, result.misses
    after = len(sandbox.records("Tickets")), len(sandbox.records("TimeEntries"))
    assert after == before, "change phrasings plan; nothing is written"
