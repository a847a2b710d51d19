"""What comes in over HTTP before bolt sees it: the signature is checked first (401, whatever the
headers hold), then the body must have Slack's shapes (400), so that neither a forged nor a
mangled request reaches a listener, makes a call to Slack or leaves a traceback in the log."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

from pydantic import BaseModel, ConfigDict, ValidationError
from slack_sdk.signature import Clock, SignatureVerifier

from ._payloads import ActionPayload, CommandPayload, MessageEvent

__all__ = ["MAX_SKEW_SECONDS", "parse_body", "signature_ok"]

MAX_SKEW_SECONDS = 300
_TIMESTAMP = re.compile(r"^[0-9]{1,12}$")
_SIGNATURE = re.compile(r"^v0=[0-9a-f]{64}$")
_MESSAGE_EVENTS = {"message", "app_mention"}


def signature_ok(secret: str, body: bytes, headers: Mapping[str, str], *, now: float) -> bool:
    """Slack's v0 signature over ``v0:<timestamp>:<body>``, with a timestamp no older than five
    minutes (``MAX_SKEW_SECONDS``, as slack_sdk's verifier holds it). Anything unreadable in the
    headers is simply not a valid signature."""
    timestamp = headers.get("X-Slack-Request-Timestamp", "")
    signature = headers.get("X-Slack-Signature", "")
    if not _TIMESTAMP.match(timestamp) or not _SIGNATURE.match(signature):
        return False
    verifier = SignatureVerifier(secret, clock=_At(now))  # slack_sdk's own check (5 minutes)
    return bool(verifier.is_valid(body, timestamp, signature))


class _At(Clock):
    """slack_sdk's clock, stopped at the time the request arrived."""

    def __init__(self, now: float) -> None:
        self._now = now

    def now(self) -> float:
        return self._now


class _Loose(BaseModel):
    model_config = ConfigDict(extra="ignore")


class _Event(_Loose):
    type: str


class _Envelope(_Loose):
    type: str
    team_id: str | None = None
    event_id: str | None = None
    event: _Event | None = None
    challenge: str | None = None


def parse_body(body: bytes) -> dict[str, Any] | None:
    """The body as bolt reads it (JSON, a form, or a form with a JSON ``payload``), or None when
    it is not one of Slack's requests in the shapes the bot relies on."""
    try:
        text = body.decode("utf-8")
        parsed = _parse(text)
    except (UnicodeDecodeError, ValueError):
        return None
    if not isinstance(parsed, dict) or not _shaped(parsed):
        return None
    return parsed


def _parse(text: str) -> Any:
    if text.lstrip().startswith(("{", "[", '"')):
        return json.loads(text)
    form = dict(parse_qsl(text, keep_blank_values=True, strict_parsing=bool(text)))
    if "payload" in form:
        return json.loads(form["payload"])
    return form


def _shaped(body: dict[str, Any]) -> bool:
    try:
        if "command" in body:  # a slash command (form fields are strings by construction)
            CommandPayload.model_validate(body)
            return True
        envelope = _Envelope.model_validate(body)
        if envelope.type == "event_callback":
            event = body.get("event")
            if envelope.event is None or not isinstance(event, dict):
                return False
            if envelope.event.type in _MESSAGE_EVENTS:
                MessageEvent.model_validate(event)
        elif envelope.type == "block_actions":
            ActionPayload.model_validate(body)
        elif envelope.type == "url_verification":
            return envelope.challenge is not None
    except ValidationError:
        return False
    return True
